"""Crashes and restarts: a worker killed in the middle of activities, the Temporal server stopped and started
again on its SQLite file. Every case finishes with no lost or duplicated effect; every timer still fires."""

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from temporalio import activity
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from api.app import create_app
from cli.processes import Child, free_port, temporal_dev_server, wait_for_port
from domain.calendar import local_date
from models.cases import DeadlinePlan, DeadlineRequest
from tests.support.checks import assert_exactly_once
from tests.support.stack import (
    ZN_DEPARTMENTS,
    ZN_EXPERTS,
    Stack,
    make_http,
    settings_for_tests,
    var_dir_for_tests,
)
from tests.support.temporal import connect_when_healthy
from worker import build_worker

pytestmark = pytest.mark.devserver
ROOT = Path(__file__).resolve().parents[2]
ZN_MINES = (("中宁县石空镇双龙山石膏矿", "zn_ent1", "zn_shikong"),
            ("中宁县鸣沙镇建筑用白云岩矿", "zn_ent2", "zn_mingsha"),
            ("中宁县余丁乡水泥用灰岩矿", "zn_ent2", "zn_yuding"))


def worker_process(address: str, db_url: str, task_queue: str, log: Path, level: str = "WARNING") -> Child:
    env = {"MINEFLOW_TEMPORAL_ADDRESS": address, "MINEFLOW_DATABASE_URL": db_url, "MINEFLOW_TASK_QUEUE": task_queue,
           "MINEFLOW_LOG_LEVEL": level, "MINEFLOW_VAR_DIR": str(var_dir_for_tests(db_url))}
    return Child("worker", [sys.executable, str(ROOT / "worker.py")], log, env).start()


@asynccontextmanager
async def api_stack(client: Client, db: Any, task_queue: str) -> AsyncIterator[Stack]:
    settings = settings_for_tests(db.url, task_queue).model_copy(update={"update_timeout_seconds": 120})
    app = create_app(settings, db=db, temporal=client)
    async with make_http(app) as http:
        yield Stack(temporal=client, db=db, settings=settings, http=http, app=app)


async def carry_through(s: Stack, mine: str, owner: str, township: str) -> str:
    """One case from submission to filing, every party signing concurrently."""
    case_id = (await s.submit(mine, username=owner))["case_id"]
    await s.accept(case_id)
    signed = await asyncio.gather(*(s.sign(case_id, u) for u in (*ZN_DEPARTMENTS, township, *ZN_EXPERTS)))
    assert [r.status_code for r in signed] == [200] * 8, [r.text for r in signed if r.status_code != 200]
    await s.ok(await s.decide(case_id))
    await s.approve(case_id)
    await s.resume(case_id, username=owner)
    await s.file(case_id)
    return case_id


async def in_flight_activities(client: Client, case_ids: list[str]) -> list[str]:
    """What the worker is in the middle of: activities scheduled through the server, or a workflow task it has
    started (local activities — the projection writes, document numbers, calendar — run inside that task)."""
    pending = []
    for case_id in case_ids:
        raw = (await client.get_workflow_handle(case_id).describe()).raw_description
        pending += [a.activity_type.name for a in raw.pending_activities]
        if raw.HasField("pending_workflow_task") and raw.pending_workflow_task.started_time.seconds:
            pending.append(f"workflow task of {case_id}")
    return pending


async def test_worker_killed_mid_activity_finishes_every_case_exactly_once(dev_server, dev_client, demo_db, tmp_path):
    task_queue = f"crash-{uuid.uuid4()}"
    worker = worker_process(dev_server, demo_db.url, task_queue, tmp_path / "worker-1.log")
    try:
        async with api_stack(dev_client, demo_db, task_queue) as s:
            drivers = [asyncio.create_task(carry_through(s, *m)) for m in ZN_MINES]
            case_ids: list[str] = []
            killed_during: list[str] = []
            for _ in range(2000):  # until an activity is in flight, then kill the worker mid-activity
                async with s.db.session() as session:
                    case_ids = [c for (c,) in (await session.exec(text("SELECT case_id FROM case_records"))).all()]
                if case_ids and (killed_during := await in_flight_activities(dev_client, case_ids)):
                    worker.kill()
                    break
                await asyncio.sleep(0.005)
            assert killed_during, "no activity was ever seen in flight"
            await asyncio.sleep(1)
            worker = worker_process(dev_server, demo_db.url, task_queue, tmp_path / "worker-2.log")
            done = await asyncio.wait_for(asyncio.gather(*drivers), 180)
            await assert_exactly_once(s, done)
    finally:
        worker.stop()


# ---- the Temporal server stopped and started again --------------------------------------------------------------

def quick_deadlines(seconds: float) -> Any:
    """`plan_deadline` with every deadline `seconds` from now, so timers fire within the test."""

    @activity.defn(name="plan_deadline")
    async def plan_deadline(request: DeadlineRequest) -> DeadlinePlan:
        due_at = request.start + timedelta(seconds=seconds)
        remind = request.start + timedelta(seconds=seconds / 2) if request.remind_before_working_days else None
        return DeadlinePlan(due=local_date(due_at), due_at=due_at, due_morning=due_at, remind_at=remind)

    return plan_deadline


async def test_server_restart_keeps_cases_timers_and_pending_sign_offs(demo_db, tmp_path):
    port = free_port()
    server = temporal_dev_server(tmp_path / "temporal.db", port, None, tmp_path / "temporal.log").start()
    wait_for_port(port, 60, proc=server.proc)
    client = await connect_when_healthy(f"127.0.0.1:{port}", data_converter=pydantic_data_converter)
    task_queue = f"restart-{uuid.uuid4()}"
    try:
        async with (build_worker(client, demo_db, task_queue, overrides={"plan_deadline": quick_deadlines(25)},
                                 settings=settings_for_tests(demo_db.url, task_queue)),
                    api_stack(client, demo_db, task_queue) as s):
            signing = (await s.submit())["case_id"]
            await s.accept(signing)
            await s.ok(await s.sign(signing, "zn_police"))
            correcting = (await s.submit("中宁县鸣沙镇建筑用白云岩矿", username="zn_ent2"))["case_id"]
            await s.ok(await s.post("zn_nr", f"/cases/{correcting}/intake",
                                    {"decision": "request_correction", "missing": ["safety_assessment"]}))

            server.stop()  # the whole Temporal server goes away, then comes back on the same file
            await asyncio.sleep(2)
            server = temporal_dev_server(tmp_path / "temporal.db", port, None, tmp_path / "temporal.log").start()
            wait_for_port(port, 60, proc=server.proc)

            async def reachable() -> bool:
                try:
                    await client.get_workflow_handle(signing).query("case")
                    return True
                except Exception:
                    return False

            await s.eventually(reachable, within=60)
            case = await s.case(signing)
            assert case["stage"] == "joint_acceptance" and len(case["pending"]) == 7  # the police had signed
            await s.ok(await s.sign(signing, "zn_water"))  # a pending sign-off still takes

            async def fired() -> bool:
                a = [e["action"] for e in (await s.case(signing))["timeline"]]
                b = (await s.case(correcting))["status"]
                return "escalated" in a and "reminded" in a and b == "withdrawn"

            await s.eventually(fired, within=60)  # the timers set before the restart still fire
            withdrawn = await s.case(correcting)
            assert withdrawn["outcome_reason"] == "逾期未补正，视为撤回申请"
            listed = await s.ok(await s.get("zn_nr", "/cases", overdue="true"))
            assert [c["case_id"] for c in listed["items"]] == [signing]
    finally:
        server.stop()


async def test_worker_stops_gracefully_on_sigterm_and_the_next_one_carries_on(dev_server, dev_client, demo_db,
                                                                                tmp_path):
    task_queue = f"graceful-{uuid.uuid4()}"
    worker = worker_process(dev_server, demo_db.url, task_queue, tmp_path / "worker-1.log", level="INFO")
    async with api_stack(dev_client, demo_db, task_queue) as s:
        case_id = (await s.submit())["case_id"]
        await s.accept(case_id)
        signing = asyncio.gather(*(s.sign(case_id, u) for u in (*ZN_DEPARTMENTS, "zn_shikong", *ZN_EXPERTS)))
        await asyncio.sleep(0.3)
        await asyncio.to_thread(worker.stop)  # SIGTERM while sign-offs are in flight
        assert worker.proc is not None and worker.proc.returncode == 0
        assert "worker stopped" in await asyncio.to_thread((tmp_path / "worker-1.log").read_text)
        worker = worker_process(dev_server, demo_db.url, task_queue, tmp_path / "worker-2.log")
        try:
            signed = await asyncio.wait_for(signing, 120)
            assert [r.status_code for r in signed] == [200] * 8
            await s.ok(await s.decide(case_id))
            await s.approve(case_id)
            await s.resume(case_id)
            await s.file(case_id)
            await assert_exactly_once(s, [case_id])
        finally:
            worker.stop()
