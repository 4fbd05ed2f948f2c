"""The connection to the Temporal engine, shared by the API, the worker and the CLI."""

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import RetryConfig

from settings import Settings


def runtime_with_metrics(bind_address: str) -> Runtime:
    """A Temporal SDK runtime exporting its own metrics (task latencies, polls, cache) for Prometheus."""
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=bind_address)))


def interactive_retry(settings: Settings) -> RetryConfig:
    """The API's retries: a person waits on the answer, so a busy case (RESOURCE_EXHAUSTED, which the SDK retries
    like any transient failure) is retried for seconds, not the default's ten, then surfaces as 503 CASE_BUSY."""
    return RetryConfig(max_elapsed_time_millis=int(settings.busy_retry_seconds * 1000), max_interval_millis=1000)


async def connect(settings: Settings, runtime: Runtime | None = None, *, interactive: bool = False) -> Client:
    """`interactive`: the API's client (see interactive_retry); the worker and the CLI keep the SDK's retries."""
    return await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace,
                                data_converter=pydantic_data_converter, runtime=runtime,
                                retry_config=interactive_retry(settings) if interactive else None)
