"""A test stack: the real API app (in-process ASGI) and a worker on a private task queue, against one Temporal
environment and one fresh database; plus the steps of a reopening, so tests state only what matters to them."""

import asyncio
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlmodel import select
from temporalio.client import Client

from api.security import create_token
from domain.calendar import CHINA_TZ
from domain.mines import MineMethod
from domain.reopening import required_materials
from models.db import Database
from models.registry import Department, Mine, User
from settings import Mode, Settings

# Demo users of 中宁县 (models/demo.py) and the parties of a mine in 石空镇.
ZN_DEPARTMENTS = ("zn_emergency", "zn_ecology", "zn_police", "zn_water")
ZN_EXPERTS = ("zn_expert1", "zn_expert2", "zn_expert3")
SHIKONG_MINE = "中宁县石空镇双龙山石膏矿"  # underground, zn_ent1, township officer zn_shikong
EXPIRED_MINE = "中宁县石空镇红梁子石膏矿"
OPEN_PIT_MINE = "中宁县鸣沙镇建筑用白云岩矿"  # zn_ent2, township officer zn_mingsha


def materials_for(method: MineMethod) -> list[dict[str, str]]:
    return [{"kind": rule.kind.value, "ref": f"档案-{rule.kind.value}"} for rule in required_materials(method)]


def china_today() -> date:
    return datetime.now(CHINA_TZ).date()


async def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Stack:
    temporal: Client
    db: Database
    settings: Settings
    http: httpx.AsyncClient
    app: FastAPI
    # The Temporal server's clock: skipped time on the time-skipping server, wall time on the dev server.
    now: Callable[[], Awaitable[datetime]] = wall_clock
    tokens: dict[str, str] = field(default_factory=dict)

    async def today(self) -> date:
        return (await self.now()).astimezone(CHINA_TZ).date()

    # ---- HTTP ---------------------------------------------------------------------------------------------

    def auth(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            self.tokens[username] = create_token(username, "unused", self.settings)
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    async def get(self, username: str, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(f"/api/v1{path}", headers=self.auth(username), params=params)

    async def post(self, username: str, path: str, body: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.http.post(f"/api/v1{path}", json=body or {},
                                    headers={**self.auth(username), **(headers or {})})

    async def request(self, method: str, username: str, path: str, body: dict[str, Any] | None = None
                      ) -> httpx.Response:
        return await self.http.request(method, f"/api/v1{path}", json=body, headers=self.auth(username))

    async def ok(self, response: httpx.Response, status: int = 200) -> dict[str, Any]:
        assert response.status_code == status, f"{response.status_code}: {response.text}"
        return response.json()

    async def refused(self, response: httpx.Response, status: int, code: str) -> dict[str, Any]:
        """Assert a refusal with the contract's error body; returns its `error`."""
        assert response.status_code == status, f"{response.status_code}: {response.text}"
        error = response.json()["error"]
        assert error["code"] == code, error
        assert error["message"] and not error["message"].isascii(), "the message speaks Chinese"
        return error

    async def audiences(self, case_id: str, action: str) -> set[str]:
        """Whom the notifications of a case's `action` entries go to (the outbox)."""
        async with self.db.session() as session:
            rows = (await session.exec(text("SELECT audience FROM notifications WHERE case_id = :c AND action = :a")
                                       .bindparams(c=case_id, a=action))).all()
        return {audience for (audience,) in rows}

    async def case(self, case_id: str, username: str = "zn_nr") -> dict[str, Any]:
        return await self.ok(await self.get(username, f"/cases/{case_id}"))

    async def eventually(self, check: Callable[[], Awaitable[bool]], within: float = 15) -> None:
        """Wait (real time, bounded) for the worker to process what skipped time made due."""
        deadline = asyncio.get_running_loop().time() + within
        while not await check():
            assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
            await asyncio.sleep(0.05)

    async def document(self, case_id: str, kind: str, username: str = "zn_nr") -> dict[str, Any]:
        """The case's document of `kind` as GET /cases/{id}/documents lists it, once its workflow has issued it (in
        the background, just after the act)."""
        found: list[dict[str, Any]] = []

        async def listed() -> bool:
            docs = await self.ok(await self.get(username, f"/cases/{case_id}/documents"))
            found[:] = [d for d in docs if d["kind"] == kind]
            return bool(found)
        await self.eventually(listed)
        return found[0]

    async def actions(self, case_id: str) -> list[str]:
        return [e["action"] for e in (await self.case(case_id))["timeline"]]

    # ---- registry ------------------------------------------------------------------------------------------

    async def mine(self, name: str) -> Mine:
        async with self.db.session() as session:
            mine = (await session.exec(select(Mine).where(Mine.name == name))).one()
        return mine

    async def user(self, username: str) -> User:
        async with self.db.session() as session:
            return (await session.exec(select(User).where(User.username == username))).one()

    async def department(self, department_id: int) -> Department:
        async with self.db.session() as session:
            dept = await session.get(Department, department_id)
            assert dept is not None
            return dept

    # ---- the steps of a reopening ----------------------------------------------------------------------------

    async def submit(self, mine_name: str = SHIKONG_MINE, username: str = "zn_ent1",
                     materials: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None
                     ) -> dict[str, Any]:
        mine = await self.mine(mine_name)
        body = {"mine_id": mine.id, "reason": "停产整顿完成，申请复工",
                "materials": materials if materials is not None else materials_for(mine.method)}
        return await self.ok(await self.post(username, "/reopenings", body, headers), 201)

    async def accept(self, case_id: str, experts: tuple[str, ...] = ZN_EXPERTS) -> dict[str, Any]:
        return await self.ok(await self.post("zn_nr", f"/cases/{case_id}/intake",
                                             {"decision": "accept", "experts": list(experts)}))

    async def sign(self, case_id: str, username: str, verdict: str = "pass", opinion: str = "") -> httpx.Response:
        body = {"verdict": verdict, "opinion": opinion or ("符合验收标准" if verdict == "pass" else "存在安全隐患")}
        return await self.post(username, f"/cases/{case_id}/acceptance/sign-offs", body)

    async def sign_all(self, case_id: str, township: str = "zn_shikong", fail: tuple[str, ...] = ()) -> dict[str, Any]:
        case: dict[str, Any] = {}
        for username in (*ZN_DEPARTMENTS, township, *ZN_EXPERTS):
            case = await self.ok(await self.sign(case_id, username, "fail" if username in fail else "pass"))
        return case

    async def sign_all_except(self, case_id: str, *signed: str, township: str = "zn_shikong") -> dict[str, Any]:
        case: dict[str, Any] = {}
        for username in (*ZN_DEPARTMENTS, township, *ZN_EXPERTS):
            if username not in signed:
                case = await self.ok(await self.sign(case_id, username))
        return case

    async def meeting(self, decision: str = "approve", attendees: int = 5, members: int = 7,
                      **extra: Any) -> dict[str, Any]:
        return {"meeting_no": "中宁县政府常务会议〔2026〕12次", "meeting_date": str(await self.today()),
                "attendees": [f"成员{i}" for i in range(1, attendees + 1)], "members_total": members,
                "decision": decision, "minutes_ref": "中宁纪要〔2026〕12号", **extra}

    async def decide(self, case_id: str, decision: str = "approve", **extra: Any) -> httpx.Response:
        return await self.post("zn_committee", f"/cases/{case_id}/committee-decision",
                               await self.meeting(decision, **extra))

    async def approve_raw(self, case_id: str) -> httpx.Response:
        return await self.post("zn_nr", f"/cases/{case_id}/approval", {"note": "同意开复工"})

    async def approve(self, case_id: str) -> dict[str, Any]:
        return await self.ok(await self.approve_raw(case_id))

    async def resume(self, case_id: str, username: str = "zn_ent1") -> dict[str, Any]:
        return await self.ok(await self.post(username, f"/cases/{case_id}/resumption",
                                             {"resumed_on": str(await self.today())}))

    async def file(self, case_id: str) -> dict[str, Any]:
        return await self.ok(await self.post("city_nr", f"/cases/{case_id}/city-filing", {"note": "已备案"}))

    async def to_committee(self, mine_name: str = SHIKONG_MINE) -> str:
        case = await self.submit(mine_name)
        await self.accept(case["case_id"])
        await self.sign_all(case["case_id"])
        return str(case["case_id"])


def settings_for_tests(database_url: str, task_queue: str) -> Settings:
    return Settings(mode=Mode.TEST, database_url=database_url, task_queue=task_queue,
                    jwt_secret="test-secret-" + "x" * 32, seed_demo=False, var_dir=var_dir_for_tests(database_url))


def var_dir_for_tests(database_url: str) -> Path:
    """Where a test's files go (the local file store, staging): beside its SQLite file, never the checkout's var/."""
    if database_url.startswith("sqlite"):
        return Path(database_url.split("///", 1)[1]).parent / "var"
    return Path(tempfile.gettempdir()) / f"mineflow-test-var-{os.getpid()}"


def make_http(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mineflow.test",
                             timeout=timedelta(seconds=60).total_seconds())
