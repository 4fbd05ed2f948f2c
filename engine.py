"""The connection to the Temporal engine, shared by the API, the worker and the CLI."""

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from settings import Settings


def runtime_with_metrics(bind_address: str) -> Runtime:
    """A Temporal SDK runtime exporting its own metrics (task latencies, polls, cache) for Prometheus."""
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=bind_address)))


async def connect(settings: Settings, runtime: Runtime | None = None) -> Client:
    return await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace,
                                data_converter=pydantic_data_converter, runtime=runtime)
