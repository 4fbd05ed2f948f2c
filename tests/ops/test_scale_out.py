"""Scale-out: two worker processes (one serving only the reopening family, one serving it and the system family)
and two API processes, against one Temporal server — every case completes, nothing is duplicated."""

import asyncio
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from cli.processes import Child, free_port, wait_for_port
from tests.reliability.test_crash_restart import ZN_MINES, carry_through
from tests.support.checks import assert_exactly_once
from tests.support.stack import Stack, settings_for_tests

pytestmark = pytest.mark.devserver


def worker_logs(directory: Path) -> str:
    return "".join((directory / f"worker-{w}.log").read_text(errors="replace") for w in "ab")


async def test_two_workers_and_two_apis_complete_every_case_once(dev_server, dev_client, demo_db, tmp_path):
    settings = settings_for_tests(demo_db.url, f"scale-{uuid.uuid4()}")
    env = {"MINEFLOW_TEMPORAL_ADDRESS": dev_server, "MINEFLOW_DATABASE_URL": demo_db.url,
           "MINEFLOW_TASK_QUEUE": settings.task_queue, "MINEFLOW_JWT_SECRET": settings.jwt_secret,
           "MINEFLOW_LOG_LEVEL": "WARNING", "MINEFLOW_VAR_DIR": str(settings.var_dir)}
    mineflow = [sys.executable, "-m", "cli.main"]
    ports = [free_port(), free_port()]
    processes = [
        Child("worker-a", [*mineflow, "worker", "--family", "reopening"], tmp_path / "worker-a.log", env),
        Child("worker-b", [*mineflow, "worker", "--family", "reopening", "--family", "system", "--family", "documents"],
              tmp_path / "worker-b.log", env),
        *(Child(f"api-{n}", [*mineflow, "api", "--host", "127.0.0.1", "--port", str(port)], tmp_path / f"api-{n}.log",
                env) for n, port in enumerate(ports)),
    ]
    for process in processes:
        process.start()
    try:
        for port, process in zip(ports, processes[2:], strict=True):
            await asyncio.to_thread(wait_for_port, port, 60, "127.0.0.1", process.proc)
        apis = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) for port in ports]
        stacks = [Stack(temporal=dev_client, db=demo_db, settings=settings, http=http, app=None) for http in apis]  # type: ignore[arg-type]
        # each case through one API or the other, all at once
        case_ids = await asyncio.wait_for(asyncio.gather(
            *(carry_through(stacks[n % 2], *mine) for n, mine in enumerate(ZN_MINES))), 180)
        await assert_exactly_once(stacks[0], list(case_ids))
        for http in apis:
            await http.aclose()
        # both workers took part: workflow tasks name the worker (pid@host) that ran them; the documents were
        # issued by the one serving their queue
        identities, issuers = set(), set()
        for case_id in case_ids:
            scheduled: dict[int, str] = {}
            async for event in dev_client.get_workflow_handle(case_id).fetch_history_events():
                if event.HasField("workflow_task_started_event_attributes"):
                    identities.add(event.workflow_task_started_event_attributes.identity)
                if event.HasField("activity_task_scheduled_event_attributes"):
                    scheduled[event.event_id] = event.activity_task_scheduled_event_attributes.activity_type.name
                if event.HasField("activity_task_started_event_attributes"):
                    started = event.activity_task_started_event_attributes
                    if scheduled[started.scheduled_event_id] == "issue_document":
                        issuers.add(started.identity.split("@")[0])
        pids = {str(p.proc.pid) for p in processes[:2] if p.proc}
        assert issuers == {str(processes[1].proc.pid)}  # type: ignore[union-attr]
        # (a speculative workflow task an update ran on an idle case is written when the update is accepted, and
        # names no worker: its identity is empty)
        assert {i.split("@")[0] for i in identities if i} == pids
        assert "Traceback" not in worker_logs(tmp_path)
    finally:
        for process in processes:
            process.stop()
