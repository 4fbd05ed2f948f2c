"""What the API answers when Temporal refuses an update because of this case, not the engine: 503 CASE_BUSY with a
short Retry-After (api/errors.py `as_domain_error`). The messages are the server's own (Temporal server 1.32's
binary, which `temporal server start-dev` runs; older servers said "Workflow Update was aborted.")."""

import httpx
import pytest
from fastapi import FastAPI
from temporalio.service import RPCError, RPCStatusCode

from api.errors import CASE_BUSY_RETRY_AFTER, as_domain_error, install
from domain.errors import ErrorCode

BUSY = {
    "workflow task in failed state": (RPCStatusCode.FAILED_PRECONDITION,
                                      "Unable to perform workflow execution update due to Workflow Task in failed "
                                      "state."),
    "workflow task failed (newer servers)": (RPCStatusCode.FAILED_PRECONDITION,
                                             "Unable to perform workflow execution update due to unexpected workflow "
                                             "task failure."),
    "update aborted by the server": (RPCStatusCode.UNAVAILABLE, "workflow update was aborted"),
    "update aborted (older servers)": (RPCStatusCode.UNAVAILABLE, "Workflow Update was aborted."),
    "in-flight update limit": (RPCStatusCode.RESOURCE_EXHAUSTED,
                               "limit on number of concurrent in-flight updates has been reached (10)"),
}
NOT_BUSY = {
    "engine down": (RPCStatusCode.UNAVAILABLE, "failed to connect to all addresses", ErrorCode.TEMPORAL_UNAVAILABLE),
    "other precondition": (RPCStatusCode.FAILED_PRECONDITION, "Namespace is not active",
                           ErrorCode.TEMPORAL_UNAVAILABLE),
    "no such workflow": (RPCStatusCode.NOT_FOUND, "workflow not found for ID: X", ErrorCode.CASE_NOT_FOUND),
}


def rpc_error(status: RPCStatusCode, message: str) -> RPCError:
    # as the SDK raises it: RPCError(message, status, raw_grpc_status) (temporalio.service)
    return RPCError(message, status, b"")


@pytest.mark.parametrize("name", list(BUSY))
def test_an_update_refused_for_this_case_is_case_busy(name):
    mapped = as_domain_error(rpc_error(*BUSY[name]))
    assert mapped is not None and mapped.code is ErrorCode.CASE_BUSY, mapped
    assert mapped.status == 503 and mapped.details == {"retry_after_seconds": CASE_BUSY_RETRY_AFTER}


@pytest.mark.parametrize("name", list(NOT_BUSY))
def test_other_engine_errors_are_not_case_busy(name):
    status, message, code = NOT_BUSY[name]
    mapped = as_domain_error(rpc_error(status, message))
    assert mapped is not None and mapped.code is code


async def test_the_api_answers_case_busy_503_with_retry_after():
    app = FastAPI()
    install(app)

    @app.post("/busy/{name}")
    async def busy(name: str) -> None:
        raise rpc_error(*BUSY[name])

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for name in BUSY:
            r = await client.post(f"/busy/{name}")
            assert r.status_code == 503, (name, r.text)
            assert r.headers["retry-after"] == str(CASE_BUSY_RETRY_AFTER), name
            assert r.json()["error"]["code"] == "CASE_BUSY", name
