"""A case under more concurrent actions than Temporal lets one workflow hold in flight answers 503 CASE_BUSY with
Retry-After and a Chinese message — at once, not after a hang, and never a 500 (issue 18 item 6).

Provoked on a dev server of the test's own with more concurrent actions than the per-workflow in-flight update
limit (`limit.workflowExecution.maxInFlightUpdates`, 10), and a short busy budget for the API's client. The burst
is fired while the case's worker is stopped — as when a worker restarts under load — so the first ten updates stay
in flight whatever the machine's speed, and the rest must be answered busy while they wait."""

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from api.app import create_app
from cli.processes import free_port, temporal_dev_server, wait_for_port
from engine import interactive_retry
from models.db import Database
from models.projection import CaseRecord
from tests.support.stack import Stack, make_http, settings_for_tests
from tests.support.temporal import connect_when_healthy
from worker import build_worker

pytestmark = pytest.mark.devserver
BURST = 30
IN_FLIGHT_LIMIT = 10  # the dev server's default per workflow


@pytest.fixture
async def tight(tmp_path, demo_db: Database) -> AsyncIterator[tuple[Stack, Client]]:
    """The API on a dev server of the test's own, its client with a short busy budget; the test runs the worker."""
    port = free_port()
    server = temporal_dev_server(tmp_path / "temporal.db", port, None, tmp_path / "temporal.log")
    server.start()
    try:
        wait_for_port(port, 60, proc=server.proc)
        settings = settings_for_tests(demo_db.url, "busy").model_copy(update={"busy_retry_seconds": 0.3})
        await connect_when_healthy(f"127.0.0.1:{port}")
        # the API's client as engine.connect(interactive=True) makes it
        client = await Client.connect(f"127.0.0.1:{port}", data_converter=pydantic_data_converter,
                                      retry_config=interactive_retry(settings))
        app = create_app(settings, db=demo_db, temporal=client)
        async with make_http(app) as http:
            yield Stack(temporal=client, db=demo_db, settings=settings, http=http, app=app), client
    finally:
        server.stop()


async def test_a_burst_on_one_case_is_answered_503_case_busy_not_500(tight):
    s, client = tight
    async with build_worker(client, s.db, s.settings.task_queue):
        case_id = (await s.submit())["case_id"]
        await s.eventually(lambda: _projected(s, case_id))  # access is then checked without asking the workflow
    body = {"decision": "request_correction", "missing": ["safety_assessment"]}
    started = time.monotonic()
    burst = [asyncio.ensure_future(s.post("zn_nr", f"/cases/{case_id}/intake", body)) for _ in range(BURST)]
    answered: set[asyncio.Future] = set()
    while len(answered) < BURST - IN_FLIGHT_LIMIT and time.monotonic() - started < 20:
        done, _ = await asyncio.wait(set(burst) - answered, timeout=1, return_when=asyncio.FIRST_COMPLETED)
        answered |= done
    busy_answered_in = time.monotonic() - started
    busy = [f.result() for f in answered]
    assert len(busy) >= BURST - IN_FLIGHT_LIMIT, "beyond the in-flight limit each request is answered at once"
    assert busy_answered_in < s.settings.update_timeout_seconds, "busy requests must be answered, not left hanging"
    for r in busy:
        error = await s.refused(r, 503, "CASE_BUSY")
        assert "稍后重试" in error["message"] and int(r.headers["Retry-After"]) > 0
    async with build_worker(client, s.db, s.settings.task_queue):  # the worker is back: the waiting ten finish
        waited = await asyncio.gather(*(f for f in burst if f not in answered))
        statuses = sorted(r.status_code for r in waited)
        # the intake is applied once; the others find it applied, as a serial order gives, or are still told busy
        # (the server may refuse one of them again as the worker drains them)
        assert statuses.count(200) == 1 and set(statuses) <= {200, 409, 503}, [r.text for r in waited]
        for r in waited:
            if r.status_code != 200:
                await s.refused(r, r.status_code, "WRONG_STAGE" if r.status_code == 409 else "CASE_BUSY")
        again = await s.post("zn_nr", f"/cases/{case_id}/intake", body)
        await s.refused(again, 409, "WRONG_STAGE")


async def _projected(s: Stack, case_id: str) -> bool:
    async with s.db.session() as session:
        return await session.get(CaseRecord, case_id) is not None
