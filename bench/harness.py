"""The benchmark's own product: a Temporal dev server, a worker process and an API process on loopback, on a fresh
database with the demo registry and as many extra mines as the runs need. Cases are only ever created through the
real workflows; registry rows (mines, enterprises, users) are inserted directly, as an import would.
"""

import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import text
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from api.security import create_token, hash_password
from bench.trivial import TrivialWorkflow
from cli.main import migrate_database
from cli.processes import Child, free_port, temporal_dev_server, wait_for_port
from domain.mines import MineMethod
from domain.reopening import required_materials
from domain.roles import Role
from models.db import Database
from models.demo import COUNTIES, DEMO_PASSWORD, credit_code, licence_no, seed_demo
from models.registry import Enterprise, Mine, MineStatus, User
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-" + "s" * 32
PARTY_USERS = ("emergency", "ecology", "police", "water")


@dataclass
class MinePlan:
    """One mine and the users who act on its case."""

    mine_id: int
    enterprise: str
    prefix: str
    township: str

    @property
    def parties(self) -> list[str]:
        return [f"{self.prefix}_{d}" for d in PARTY_USERS] + [self.township] + [
            f"{self.prefix}_expert{i}" for i in (1, 2, 3)]


@dataclass
class Harness:
    database_url: str | None = None
    workers: int = 1
    apis: int = 1
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mineflow-bench-")))
    children: dict[str, Child] = field(default_factory=dict)
    mines: list[MinePlan] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)

    async def start(self, extra_mines: int) -> None:
        self.temporal_port = free_port()
        self.api_ports = [free_port() for _ in range(self.apis)]
        self.metrics_ports: list[int] = []
        self.timings_dir = self.workdir / "timings"
        self.task_queue = f"bench-{uuid.uuid4().hex[:8]}"
        url = self.database_url or f"sqlite+aiosqlite:///{self.workdir / 'mineflow.db'}"
        self.settings = Settings(database_url=url, jwt_secret=SECRET, task_queue=self.task_queue,
                                 temporal_address=f"127.0.0.1:{self.temporal_port}", seed_demo=False)
        migrate_database(self.settings)
        self.db = Database.from_settings(self.settings)
        async with self.db.write() as session:
            await seed_demo(session, hash_password(DEMO_PASSWORD))
        await self.add_mines(extra_mines)
        self.children["temporal"] = temporal_dev_server(self.workdir / "temporal.db", self.temporal_port, None,
                                                        self.workdir / "temporal.log").start()
        wait_for_port(self.temporal_port, 60, proc=self.children["temporal"].proc)
        env = {"MINEFLOW_DATABASE_URL": url, "MINEFLOW_TEMPORAL_ADDRESS": self.settings.temporal_address,
               "MINEFLOW_TASK_QUEUE": self.task_queue, "MINEFLOW_JWT_SECRET": SECRET,
               "MINEFLOW_LOG_LEVEL": "WARNING", "MINEFLOW_SEED_DEMO": "false",
               # the per-action breakdown: each process's phase totals, and each worker's SDK metrics
               "MINEFLOW_TIMINGS": "true", "MINEFLOW_TIMINGS_DIR": str(self.timings_dir),
               # Bytecode as an installed package has it (pip compiles on install): without it the workflow sandbox
               # compiles each workflow module from source for every new run (PYTHONDONTWRITEBYTECODE=1 here).
               "PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(self.workdir / "pycache")}
        for n in range(self.workers):
            port = free_port()
            self.metrics_ports.append(port)
            self.children[self._name("worker", n, self.workers)] = Child(
                "worker", [sys.executable, str(ROOT / "worker.py")], self.workdir / f"worker-{n}.log",
                {**env, "MINEFLOW_WORKER_METRICS_ADDRESS": f"127.0.0.1:{port}"}).start()
        for n, api_port in enumerate(self.api_ports):
            uvicorn = [sys.executable, "-m", "uvicorn", "--factory", "api.app:app", "--host", "127.0.0.1", "--port",
                       str(api_port), "--log-level", "warning", "--no-access-log"]
            self.children[self._name("api", n, self.apis)] = Child("api", uvicorn, self.workdir / f"api-{n}.log",
                                                                   env).start()
        self.client = await Client.connect(self.settings.temporal_address, data_converter=pydantic_data_converter)
        self.https = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120,
                                        limits=httpx.Limits(max_connections=200, max_keepalive_connections=200))
                      for port in self.api_ports]
        self._turn = 0
        for http in self.https:
            await self._wait_ready(http)
        self.baseline_queue = f"baseline-{uuid.uuid4().hex[:8]}"
        self.baseline_worker = Worker(self.client, task_queue=self.baseline_queue, workflows=[TrivialWorkflow])
        self._baseline_task = asyncio.create_task(self.baseline_worker.run())

    @staticmethod
    def _name(process: str, n: int, count: int) -> str:
        return process if count == 1 else f"{process}-{n + 1}"

    @property
    def http(self) -> httpx.AsyncClient:
        """The API processes in turn, as a load balancer would share requests between them."""
        self._turn = (self._turn + 1) % len(self.https)
        return self.https[self._turn]

    def named(self, process: str) -> list[str]:
        """The children of one kind (`worker`, `api`): one name each, however many run."""
        return [name for name in self.children if name.split("-")[0] == process]

    async def _wait_ready(self, http: httpx.AsyncClient) -> None:
        for _ in range(600):
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError(f"API not ready; see {self.workdir}/api-*.log")

    async def stop(self) -> None:
        await self.baseline_worker.shutdown()
        for http in self.https:
            await http.aclose()
        for child in reversed(list(self.children.values())):
            child.stop()
        await self.db.dispose()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # ---- registry -----------------------------------------------------------------------------------------------

    async def add_mines(self, count: int) -> None:
        """Demo-county mines with an enterprise user each, licences valid for years to come."""
        today, start = date.today(), len(self.mines)
        password_hash = hash_password(DEMO_PASSWORD)
        async with self.db.write() as session:
            townships = {c.code: (await session.exec(text(  # type: ignore[call-overload]
                "SELECT id FROM departments WHERE division_code = :c AND kind = 'township' ORDER BY id"
            ).bindparams(c=c.code))).all() for c in COUNTIES}
            for n in range(start, start + count):
                county = COUNTIES[n % len(COUNTIES)]
                k = n // len(COUNTIES) % len(county.townships)
                enterprise = Enterprise(name=f"基准测试矿业{n:05d}有限公司",
                                        credit_code=credit_code(county.code, 20000 + n), division_code=county.code)
                session.add(enterprise)
                await session.flush()
                username = f"bench_ent{n:05d}"
                session.add(User(username=username, display_name=f"基准测试企业{n:05d}", role=Role.ENTERPRISE,
                                 enterprise_id=enterprise.id, password_hash=password_hash))
                mine = Mine(name=f"基准测试矿山{n:05d}", enterprise_id=enterprise.id or 0, division_code=county.code,
                            township_id=townships[county.code][k][0], mineral="建筑石料用灰岩",
                            method=MineMethod.OPEN_PIT, scale_wt=50,
                            licence_no=licence_no(county.code, today, 900000 + n),
                            licence_valid_from=today - timedelta(days=365),
                            licence_valid_to=today + timedelta(days=3650), status=MineStatus.SUSPENDED)
                session.add(mine)
                await session.flush()
                self.mines.append(MinePlan(mine.id or 0, username, county.prefix,
                                           f"{county.prefix}_{county.townships[k][1]}"))

    # ---- acting ---------------------------------------------------------------------------------------------------

    def auth(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            self.tokens[username] = create_token(username, "bench", self.settings)
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    async def call(self, username: str, method: str, path: str, body: dict[str, Any] | None = None,
                   **params: Any) -> Any:
        response = await self.http.request(method, f"/api/v1{path}", json=body, params=params or None,
                                           headers=self.auth(username))
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} as {username}: {response.status_code} {response.text[:300]}")
        return response.json()

    async def submit(self, plan: MinePlan) -> str:
        materials = [{"kind": r.kind.value, "ref": f"档案-{r.kind.value}"}
                     for r in required_materials(MineMethod.OPEN_PIT)]
        case = await self.call(plan.enterprise, "POST", "/reopenings",
                               {"mine_id": plan.mine_id, "reason": "基准测试", "materials": materials})
        return str(case["case_id"])

    async def accept(self, plan: MinePlan, case_id: str) -> None:
        await self.call(f"{plan.prefix}_nr", "POST", f"/cases/{case_id}/intake",
                        {"decision": "accept", "experts": [f"{plan.prefix}_expert{i}" for i in (1, 2, 3)]})

    async def full_case(self, plan: MinePlan, today: str) -> int:
        """One case from submission to the city's filing; returns the number of actions taken."""
        case_id = await self.submit(plan)
        await self.accept(plan, case_id)
        for user in plan.parties:
            await self.call(user, "POST", f"/cases/{case_id}/acceptance/sign-offs", {"verdict": "pass"})
        await self.call(f"{plan.prefix}_committee", "POST", f"/cases/{case_id}/committee-decision", {
            "meeting_no": "基准测试会议", "meeting_date": today, "attendees": ["甲", "乙", "丙", "丁"],
            "members_total": 5, "decision": "approve", "minutes_ref": "纪要1号"})
        await self.call(f"{plan.prefix}_nr", "POST", f"/cases/{case_id}/approval", {})
        await self.call(plan.enterprise, "POST", f"/cases/{case_id}/resumption", {"resumed_on": today})
        await self.call("city_nr", "POST", f"/cases/{case_id}/city-filing", {})
        return 15

    # ---- the processes, for attributing load ---------------------------------------------------------------------

    def processes(self) -> dict[str, psutil.Process]:
        out = {name: psutil.Process(child.proc.pid) for name, child in self.children.items() if child.proc}
        out["bench client"] = psutil.Process()
        return out

    def rss_mb(self, name: str, *, children: bool = False) -> float:
        """A child's resident memory (of every worker, added up, for `worker`), or that of its own children (a
        worker's: its PDF render processes)."""
        processes = self.processes()
        total = 0
        for each in self.named(name) or [name]:
            process = processes[each]
            total += sum(c.memory_info().rss for c in process.children(recursive=True)) if children else \
                process.memory_info().rss
        return total / 2**20

    async def worker_metrics(self) -> dict[str, float]:
        """The workers' Temporal SDK histograms (sums and counts, added over the workers) — the time the workers
        spend in workflow tasks and activities, which no timer of ours sees."""
        out: dict[str, float] = {}
        async with httpx.AsyncClient(timeout=10) as http:
            for port in self.metrics_ports:
                try:
                    text_ = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
                except httpx.HTTPError:
                    continue
                for line in text_.splitlines():
                    name, _, value = line.partition(" ")
                    metric = name.split("{")[0]
                    if metric.endswith(("_sum", "_count")) and "latency" in metric:
                        task = "activity_type" if "activity" in metric else "workflow_type"
                        label = next((part.split("=")[1].strip('"') for part in name.split("{")[-1].rstrip("}")
                                      .split(",") if part.startswith(task + "=")), "")
                        key = f"{metric}|{label}"
                        out[key] = out.get(key, 0.0) + float(value.split()[0])
        return out


def cpu_seconds(processes: dict[str, psutil.Process]) -> dict[str, float]:
    """CPU time (user + system) each process has used so far, with its children's (not the bench's own: its
    children are the processes measured). A worker's children are its PDF render processes: they count apart, as
    `documents`, so what rendering costs and what the workflows cost can be told apart."""
    out: dict[str, float] = {}
    for name, process in processes.items():
        with contextlib.suppress(psutil.Error):
            children = process.children(recursive=True) if process.pid != os.getpid() else []
            times = process.cpu_times()
            # the live children's, and those of children already ended (a render process is replaced after a
            # number of documents): the OS adds a reaped child's time to its parent's children_* fields
            own = times.user + times.system
            theirs = times.children_user + times.children_system + sum(sum(c.cpu_times()[:2]) for c in children)
            if name.startswith("worker"):
                out[name] = out.get(name, 0.0) + own
                out["documents"] = out.get("documents", 0.0) + theirs
            else:
                out[name] = own + theirs
    return out


async def settle(processes: dict[str, psutil.Process], *, below_percent: float = 15.0,
                 longest: float = 120.0) -> float:
    """Wait until the measured processes (with their children) are all but idle — the render processes finishing
    the documents the last measurement issued — so the next measurement has the machine to itself; returns the
    seconds waited."""
    started = time.perf_counter()
    before = sum(cpu_seconds(processes).values())
    while time.perf_counter() - started < longest:
        await asyncio.sleep(1.0)
        after = sum(cpu_seconds(processes).values())
        if (after - before) * 100 < below_percent:
            break
        before = after
    return round(time.perf_counter() - started, 1)


def cpu_ms_per(before: dict[str, float], after: dict[str, float], actions: int) -> dict[str, float]:
    """CPU milliseconds each process spent per action between two `cpu_seconds` readings: unlike latencies, this
    hardly moves when other jobs share the machine."""
    return {name: round((after[name] - before.get(name, 0.0)) * 1000 / actions, 1) for name in after} if actions \
        else {}


class CpuSampler:
    """Average CPU of each process while a block runs (100% = one core)."""

    def __init__(self, processes: dict[str, psutil.Process]) -> None:
        self.processes, self.samples = processes, {name: [] for name in processes}
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> "CpuSampler":
        for p in self.processes.values():
            p.cpu_percent(None)
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            for name, p in self.processes.items():
                with contextlib.suppress(psutil.Error):  # a process restarting mid-run
                    self.samples[name].append(p.cpu_percent(None))

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()

    def averages(self) -> dict[str, float]:
        return {name: round(sum(v) / len(v), 1) if v else 0.0 for name, v in self.samples.items()}


def now() -> float:
    return time.perf_counter()
