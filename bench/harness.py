"""The benchmark's own product: a Temporal dev server, a worker process and an API process on loopback, on a fresh
database with the demo registry and as many extra mines as the runs need. Cases are only ever created through the
real workflows; registry rows (mines, enterprises, users) are inserted directly, as an import would.
"""

import asyncio
import contextlib
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
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mineflow-bench-")))
    children: dict[str, Child] = field(default_factory=dict)
    mines: list[MinePlan] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)

    async def start(self, extra_mines: int) -> None:
        self.temporal_port, self.api_port = free_port(), free_port()
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
               "MINEFLOW_LOG_LEVEL": "WARNING", "MINEFLOW_SEED_DEMO": "false"}
        self.children["worker"] = Child("worker", [sys.executable, str(ROOT / "worker.py")],
                                        self.workdir / "worker.log", env).start()
        uvicorn = [sys.executable, "-m", "uvicorn", "--factory", "api.app:app", "--host", "127.0.0.1", "--port",
                   str(self.api_port), "--log-level", "warning", "--no-access-log"]
        self.children["api"] = Child("api", uvicorn, self.workdir / "api.log", env).start()
        self.client = await Client.connect(self.settings.temporal_address, data_converter=pydantic_data_converter)
        self.http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.api_port}", timeout=120,
                                      limits=httpx.Limits(max_connections=200, max_keepalive_connections=200))
        await self._wait_ready()
        self.baseline_queue = f"baseline-{uuid.uuid4().hex[:8]}"
        self.baseline_worker = Worker(self.client, task_queue=self.baseline_queue, workflows=[TrivialWorkflow])
        self._baseline_task = asyncio.create_task(self.baseline_worker.run())

    async def _wait_ready(self) -> None:
        for _ in range(600):
            try:
                if (await self.http.get("/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError(f"API not ready; see {self.workdir}/api.log")

    async def stop(self) -> None:
        await self.baseline_worker.shutdown()
        await self.http.aclose()
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

    def rss_mb(self, name: str) -> float:
        process = self.processes()[name]
        total = process.memory_info().rss + sum(c.memory_info().rss for c in process.children(recursive=True))
        return total / 2**20


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
