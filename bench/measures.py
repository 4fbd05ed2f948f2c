"""The five measurements of issue 5, each against a baseline taken in the same run."""

import asyncio
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

from bench.harness import CpuSampler, Harness, MinePlan, now
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
    return {"api": a, "raw": r, "ratio_p50": round(a["p50_ms"] / r["p50_ms"], 2), "goal": "≤ 1.3×"}


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
    api, raw = [], []
    for n, (plan, case_id) in enumerate(cases):
        for j, user in enumerate(plan.parties):
            if (j + n) % 2 == 0:  # alternate, so both paths sign in every position of the round
                api.append(await timed(lambda user=user, case_id=case_id: h.call(
                    user, "POST", f"/cases/{case_id}/acceptance/sign-offs", {"verdict": "pass"})))
            else:
                handle = h.client.get_workflow_handle(case_id)
                raw.append(await timed(lambda handle=handle, user=user: handle.execute_update(
                    "sign_off", SignOffInput(actor=people[user], verdict="pass"), result_type=ReopeningView)))
    a, r = summary(api), summary(raw)
    return {"api": a, "raw": r, "ratio_p99": round(a["p99_ms"] / r["p99_ms"], 2), "goal": "p99 ≤ 1.3× raw, ≤ 50 ms"}


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

    spies: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
    for name in ("worker", "api") if profile_seconds else ():
        proc = h.children[name].proc
        if proc and (spy := spy_on(proc.pid, profile_seconds)):
            spies[name] = spy
    started = now()
    async with CpuSampler(h.processes()) as cpu:
        await asyncio.gather(*(user(plan) for plan in mines[:clients]))
    elapsed = now() - started
    loads = cpu.averages()
    result: dict[str, Any] = {"clients": clients, "cases": completed, "seconds": round(elapsed, 1),
                              "cases_per_s": round(completed / elapsed, 2),
                              "actions_per_s": round(actions / elapsed, 1),
                              "cpu_percent": loads, "busiest": max(loads, key=lambda k: loads[k])}
    for name, (spy, out) in spies.items():
        spy.wait(30)
        if out.exists() and out.stat().st_size:
            result.setdefault("profile", {})[name] = hottest(out)
        out.unlink(missing_ok=True)
    return result


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
