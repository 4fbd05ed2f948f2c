"""The measurements of issues 5 and 19, each against the raw-Temporal floor taken in the same run."""

import asyncio
import os
import shutil
import subprocess
import tempfile
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import select

import api.procedures  # noqa: F401  (registers the procedures)
import timings
from api.kinds import KINDS
from bench.harness import CpuSampler, Harness, MinePlan, cpu_ms_per, cpu_seconds, now, settle
from bench.trivial import Nothing, TrivialWorkflow
from models.cases import Actor, SignOffInput
from models.registry import Department, User
from models.reopening import ReopeningView


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50_ms": round(percentile(values, 0.5) * 1000, 2),
            "p99_ms": round(percentile(values, 0.99) * 1000, 2)}


async def timed(fn: Callable[[], Awaitable[Any]]) -> float:
    started = now()
    await fn()
    return now() - started


# ---- 1. start overhead ----------------------------------------------------------------------------------------

async def start_overhead(h: Harness, mines: list[MinePlan]) -> dict[str, Any]:
    """POST /reopenings until the case is queryable (it answers once the case is in the projection) vs. the raw
    client starting a trivial workflow and querying it."""
    api, raw = [], []
    for i, plan in enumerate(mines):
        async def via_api(plan: MinePlan = plan) -> None:
            await h.submit(plan)

        async def via_client(i: int = i) -> None:
            handle = await h.client.start_workflow(TrivialWorkflow.run, Nothing(), id=f"trivial-{uuid.uuid4()}",
                                                   task_queue=h.baseline_queue)
            await handle.query(TrivialWorkflow.state)

        first, second = (via_api, via_client) if i % 2 == 0 else (via_client, via_api)
        for fn in (first, second):
            (api if fn is via_api else raw).append(await timed(fn))
    a, r = summary(api), summary(raw)
    ratio = round(a["p50_ms"] / r["p50_ms"], 2)
    return {"api": a, "raw": r, "ratio": ratio, "ratio_p50": ratio, "goal": "≤ 1.3×"}


# ---- 2. sign-off round trip -------------------------------------------------------------------------------------

async def actors(h: Harness, usernames: list[str]) -> dict[str, Actor]:
    async with h.db.session() as session:
        users = (await session.exec(select(User).where(User.username.in_(usernames)))).all()  # type: ignore[attr-defined]
        out = {}
        for u in users:
            kind = (await session.get(Department, u.department_id)).kind if u.department_id else None
            out[u.username] = Actor(username=u.username, display_name=u.display_name, role=u.role,
                                    division_code=u.division_code, department_id=u.department_id,
                                    department_kind=kind, enterprise_id=u.enterprise_id)
    return out


async def sign_off_round_trip(h: Harness, mines: list[MinePlan]) -> dict[str, Any]:
    """A sign-off through the API vs. a raw `execute_update` of the same update on the same workflow, alternating
    parties of the same cases."""
    cases = []
    for plan in mines:
        case_id = await h.submit(plan)
        await h.accept(plan, case_id)
        cases.append((plan, case_id))
    people = await actors(h, sorted({u for plan, _ in cases for u in plan.parties}))
    sign_off = KINDS["reopening"].actions()["sign_off"].handler  # the typed update, as the API calls it
    api, raw = [], []
    for n, (plan, case_id) in enumerate(cases):
        for j, user in enumerate(plan.parties):
            if (j + n) % 2 == 0:  # alternate, so both paths sign in every position of the round
                api.append(await timed(lambda user=user, case_id=case_id: h.call(
                    user, "POST", f"/cases/{case_id}/acceptance/sign-offs", {"verdict": "pass"})))
            else:
                handle = h.client.get_workflow_handle(case_id)
                raw.append(await timed(lambda handle=handle, user=user: handle.execute_update(
                    sign_off, SignOffInput(actor=people[user], verdict="pass"), result_type=ReopeningView)))
    a, r = summary(api), summary(raw)
    ratio = round(a["p99_ms"] / r["p99_ms"], 2)
    return {"api": a, "raw": r, "ratio": ratio, "ratio_p99": ratio, "goal": "p99 ≤ 1.3× raw, ≤ 50 ms"}


# ---- 3. throughput ---------------------------------------------------------------------------------------------

def spy_on(pid: int, seconds: int) -> tuple[subprocess.Popen[bytes], Path] | None:
    """Start py-spy sampling a process's Python stacks (folded format), if py-spy is installed."""
    spy = shutil.which("py-spy") or str(Path(__file__).resolve().parent.parent / ".venv/bin/py-spy")
    if not Path(spy).exists():
        return None
    out = Path(tempfile.mkstemp(suffix=".txt")[1])
    process = subprocess.Popen([spy, "record", "--pid", str(pid), "--duration", str(seconds), "--format", "raw",
                                "--output", str(out), "--nonblocking"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    return process, out


def hottest(folded: Path, top: int = 8) -> list[str]:
    """The functions most often on top of the stack in a py-spy raw (folded) profile."""
    leaves: Counter[str] = Counter()
    for line in folded.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            leaves[stack.split(";")[-1]] += int(count)
    total = sum(leaves.values()) or 1
    return [f"{100 * c / total:.0f}% {frame}" for frame, c in leaves.most_common(top)]


# Where a process's samples fall, inclusive (a sample counts for every area its stack passes through), so a
# change can be aimed: `idle` is waiting (the event loop's select, a thread parked on its queue).
AREAS: dict[str, tuple[str, ...]] = {
    "idle": ("EpollSelector.select", "Condition.wait", "_worker (concurrent/futures/thread.py", "queue.py"),
    "workflow code (sandbox)": ("workflow_sandbox",),
    "workflow activation (SDK)": ("_WorkflowInstanceImpl.activate", "_workflow_instance.py"),
    "activities (ours)": ("activities/",),
    "audit chain": ("models/audit.py",),
    "projection": ("models/projection.py", "activities/cases.py"),
    "pydantic": ("pydantic/", "pydantic_core"),
    "SQLAlchemy": ("sqlalchemy/",),
    "sqlite thread": ("aiosqlite/core.py",),
    "asyncpg": ("asyncpg/",),
    "HTTP (starlette/fastapi)": ("starlette/", "fastapi/"),
    "auth": ("api/security.py", "api/deps.py"),
    "temporal client": ("temporalio/client.py",),
    "json": ("json/",),
}


def areas(folded: Path) -> dict[str, int]:
    """Percent of a py-spy raw profile's samples that pass through each of AREAS."""
    counts: Counter[str] = Counter()
    total = 0
    for line in folded.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not (stack and count.isdigit()):
            continue
        total += int(count)
        for area, marks in AREAS.items():
            if any(mark in stack for mark in marks):
                counts[area] += int(count)
    return {area: round(100 * counts[area] / total) for area in AREAS if counts[area]} if total else {}


async def throughput(h: Harness, clients: int, seconds: float, today: str, mines: list[MinePlan],
                     profile_seconds: int = 0) -> dict[str, Any]:
    """Complete cases per second with `clients` concurrent users, each carrying cases one after another."""
    stop_at, completed, actions = now() + seconds, 0, 0

    async def user(plan: MinePlan) -> None:
        nonlocal completed, actions
        while now() < stop_at:
            taken = await h.full_case(plan, today)  # not `actions += await …`: that loses concurrent updates
            actions += taken
            completed += 1

    await settle(h.processes())  # nothing left over from before (documents still rendering) on this run's clock
    spies: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
    for name in ("worker", "api") if profile_seconds else ():
        proc = h.children[h.named(name)[0]].proc
        if proc and (spy := spy_on(proc.pid, profile_seconds)):
            spies[name] = spy
    started, cpu_before = now(), cpu_seconds(h.processes())
    async with CpuSampler(h.processes()) as cpu:
        await asyncio.gather(*(user(plan) for plan in mines[:clients]))
    elapsed = now() - started
    loads = cpu.averages()
    # the documents this run issued finish rendering after it: their CPU counts for its actions (not its seconds),
    # and the raw floor measured next gets the machine to itself
    rendered_for = await settle(h.processes())
    result: dict[str, Any] = {"clients": clients, "cases": completed, "seconds": round(elapsed, 1),
                              "cases_per_s": round(completed / elapsed, 2),
                              "actions_per_s": round(actions / elapsed, 1), "rendering_after_s": rendered_for,
                              "cpu_ms_per_action": cpu_ms_per(cpu_before, cpu_seconds(h.processes()), actions),
                              "cpu_percent": loads, "busiest": max(loads, key=lambda k: loads[k])}
    for name, (spy, out) in spies.items():
        spy.wait(30)
        if out.exists() and out.stat().st_size:
            result.setdefault("profile", {})[name] = hottest(out)
            result.setdefault("profile_areas", {})[name] = areas(out)
            if keep := os.environ.get("MINEFLOW_BENCH_PROFILES"):  # a folder for the raw samples, for a closer look
                shutil.copy(out, Path(keep) / f"{name}-{clients}.folded")
        out.unlink(missing_ok=True)
    return result


RAW_UPDATES = 5


async def raw_throughput(h: Harness, clients: int, seconds: float) -> dict[str, Any]:
    """The floor: `clients` concurrent clients, each carrying trivial cases one after another — a start with a
    query, then RAW_UPDATES updates (each with the SDK's validator-free path) — straight to Temporal."""
    stop_at, completed, actions = now() + seconds, 0, 0

    async def user() -> None:
        nonlocal completed, actions
        while now() < stop_at:
            handle = await h.client.start_workflow(TrivialWorkflow.run, Nothing(), id=f"trivial-{uuid.uuid4()}",
                                                   task_queue=h.baseline_queue)
            await handle.query(TrivialWorkflow.state)
            for _ in range(RAW_UPDATES):
                await handle.execute_update(TrivialWorkflow.bump, Nothing(n=1))
            await handle.signal(TrivialWorkflow.finish)
            actions += 1 + RAW_UPDATES
            completed += 1

    processes = {name: p for name, p in h.processes().items() if name in ("temporal", "bench client")}
    started, cpu_before = now(), cpu_seconds(processes)
    await asyncio.gather(*(user() for _ in range(clients)))
    elapsed = now() - started
    return {"clients": clients, "cases": completed, "seconds": round(elapsed, 1),
            "actions_per_s": round(actions / elapsed, 1),
            # the raw worker and its clients share the bench's own process
            "cpu_ms_per_action": cpu_ms_per(cpu_before, cpu_seconds(processes), actions),
            "note": f"start + query, then {RAW_UPDATES} updates: {1 + RAW_UPDATES} actions a case"}


def compare_throughput(mineflow: dict[str, Any], raw: dict[str, Any]) -> None:
    mineflow["raw"] = raw
    mineflow["ratio"] = round(mineflow["actions_per_s"] / raw["actions_per_s"], 2) if raw["actions_per_s"] else None
    mineflow["goal"] = "≥ 0.8× at 32 clients"


# ---- the per-action breakdown -----------------------------------------------------------------------------------

SDK_METRICS = {"workflow_task_execution_latency", "workflow_task_schedule_to_start_latency",
               "activity_execution_latency", "local_activity_execution_latency",
               "request_latency"}  # not long_request_latency: the long polls


async def breakdown_mark(h: Harness) -> tuple[dict[str, list[float]], dict[str, float]]:
    await asyncio.sleep(0.7)  # each process writes its totals every half second
    return timings.read_dir(h.timings_dir), await h.worker_metrics()


async def breakdown_since(h: Harness, mark: tuple[dict[str, list[float]], dict[str, float]]) -> dict[str, Any]:
    """Where each action's time went since `mark`: every phase's count and mean (ms) in the API and the worker
    (MINEFLOW_TIMINGS), and the workers' own workflow-task and activity times (the Temporal SDK's metrics).
    An API action's `other` is its request time outside our phases: FastAPI's request validation, the session,
    serialising the response."""
    before, sdk_before = mark
    after, sdk_after = await breakdown_mark(h)
    phases: dict[str, dict[str, dict[str, float]]] = {}
    for key, (count, seconds) in after.items():
        c0, s0 = before.get(key, [0, 0.0])
        if count - c0 <= 0:
            continue
        action, _, name = key.partition(" · ")
        phases.setdefault(action, {})[name] = {"n": int(count - c0),
                                               "mean_ms": round((seconds - s0) * 1000 / (count - c0), 2)}
    for named in phases.values():
        if "request" in named:
            n = named["request"]["n"]
            inner = sum(v["mean_ms"] * v["n"] / n for k, v in named.items() if k != "request")
            if inner <= named["request"]["mean_ms"]:  # (a batch's starts overlap: their sum exceeds the request)
                named["other"] = {"n": n, "mean_ms": round(named["request"]["mean_ms"] - inner, 2)}
    sdk: dict[str, dict[str, float]] = {}
    for key, value in sdk_after.items():
        metric, _, label = key.partition("|")
        base = metric.removesuffix("_sum")
        if base == metric or base.removeprefix("temporal_").removesuffix("_seconds") not in SDK_METRICS:
            continue
        count = sdk_after.get(f"{base}_count|{label}", 0) - sdk_before.get(f"{base}_count|{label}", 0)
        if count <= 0:
            continue
        scale = 1000 if base.endswith("_seconds") else 1  # the SDK's histograms are in ms unless named seconds
        sdk[f"{base.removeprefix('temporal_')} ({label})"] = {
            "n": int(count), "mean_ms": round((value - sdk_before.get(key, 0.0)) * scale / count, 2)}
    return {"phases": phases, "worker_sdk": sdk}


# ---- batch starts -------------------------------------------------------------------------------------------------

async def batch_start(h: Harness, mines: list[MinePlan]) -> dict[str, Any]:
    """One city official's batch start of rectifications (治理整顿: 批量启动) for `mines`, as one request."""
    started = now()
    result = await h.call("city_nr", "POST", "/rectifications/batch", {"mine_ids": [m.mine_id for m in mines]})
    seconds = now() - started
    return {"mines": len(mines), "started": len(result["started"]), "refused": len(result["refused"]),
            "seconds": round(seconds, 2), "goal": "500 mines < 10 s"}


# ---- 4 and 5. scale and growth ------------------------------------------------------------------------------------

async def seed_open_cases(h: Harness, mines: list[MinePlan], concurrency: int = 16) -> float:
    """Submit a case for each mine through the API (the real workflow), `concurrency` at a time; returns seconds."""
    queue: asyncio.Queue[MinePlan] = asyncio.Queue()
    for plan in mines:
        queue.put_nowait(plan)

    async def submitter() -> None:
        while not queue.empty():
            await h.submit(queue.get_nowait())

    started = now()
    await asyncio.gather(*(submitter() for _ in range(concurrency)))
    return now() - started


async def read_timings(h: Harness, requests: int) -> dict[str, Any]:
    """The lists and inboxes officials use, `requests` times each."""
    first = await h.call("city_nr", "GET", "/cases", page_size=20)
    probes: dict[str, tuple[str, str, dict[str, Any]]] = {
        "list (county)": ("zn_nr", "/cases", {"page_size": 20}),
        "list (city)": ("city_nr", "/cases", {"page_size": 20}),
        "list next page (keyset)": ("city_nr", "/cases", {"page_size": 20, "cursor": first.get("next_cursor") or ""}),
        "list overdue": ("city_nr", "/cases", {"page_size": 20, "overdue": "true"}),
        "search": ("city_nr", "/cases", {"page_size": 20, "q": "矿山00007"}),
        "inbox (county NR)": ("zn_nr", "/tasks", {"page_size": 50}),
        "inbox (department)": ("zn_police", "/tasks", {"page_size": 50}),
    }
    out = {}
    for name, (user, path, params) in probes.items():
        params = {k: v for k, v in params.items() if v != ""}
        samples = [await timed(lambda u=user, p=path, q=params: h.call(u, "GET", p, **q)) for _ in range(requests)]
        out[name] = summary(samples)
    return out


async def count_cases(h: Harness) -> int:
    async with h.db.session() as session:
        return int((await session.exec(text("SELECT count(*) FROM case_records"))).one()[0])  # type: ignore[call-overload]


async def pad_projection(h: Harness, total: int) -> int:
    """Bring the read model to `total` rows by cloning real open cases' rows (and their inbox rows) under new ids:
    the lists and inboxes read only these tables, so this measures how their cost grows with size. Returns how many
    rows were added."""
    missing = total - await count_cases(h)
    if missing <= 0:
        return 0
    async with h.db.write() as session:
        records = [dict(r) for r in (await session.exec(text(  # type: ignore[call-overload]
            "SELECT * FROM case_records WHERE status = 'active' ORDER BY case_id LIMIT 500"))).mappings().all()]
        tasks = [dict(t) for t in (await session.exec(text(  # type: ignore[call-overload]
            "SELECT * FROM case_tasks WHERE case_id IN (SELECT case_id FROM case_records WHERE status = 'active' "
            "ORDER BY case_id LIMIT 500)"))).mappings().all()]
        by_case: dict[str, list[dict[str, Any]]] = {}
        for task in tasks:
            task.pop("id")
            by_case.setdefault(task["case_id"], []).append(task)
        new_records, new_tasks = [], []
        for n in range(missing):
            source = records[n % len(records)]
            case_id = f"PAD-{n:07d}"
            new_records.append({**source, "case_id": case_id})
            new_tasks += [{**t, "case_id": case_id} for t in by_case.get(source["case_id"], [])]
        for table, rows in (("case_records", new_records), ("case_tasks", new_tasks)):
            if rows:
                columns = list(rows[0])
                values = ", ".join(":" + c for c in columns)
                insert = text(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values})")
                for i in range(0, len(rows), 2000):
                    await session.execute(insert, rows[i:i + 2000])
    return missing
