"""The database goes away for a while (SQLite write-locked by another process, PostgreSQL stopped): the API
answers 503 with the error body, activities retry with backoff, and the case resumes with nothing lost or doubled."""

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from api.app import create_app
from api.security import hash_password
from cli.processes import free_port
from models.db import Database
from models.demo import DEMO_PASSWORD, seed_demo
from tests.support.databases import BACKEND, create_schema
from tests.support.private_postgres import PrivatePostgres, unavailable
from tests.support.stack import Stack, make_http, settings_for_tests
from worker import build_worker

pytestmark = pytest.mark.devserver


@asynccontextmanager
async def outage_database(tmp_path: Path) -> AsyncIterator[tuple[Database, object]]:
    """A database with the demo registry, and a switch that takes it away: a held SQLite write lock, or a
    PostgreSQL cluster that is stopped."""
    if BACKEND == "postgresql":
        if problem := unavailable():
            pytest.skip(f"cannot stop PostgreSQL here: {problem}")
        cluster = PrivatePostgres(free_port()).init()
        cluster.start()
        db = Database(cluster.url, pool_size=5)
        switch: object = cluster
    else:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'outage.db'}", busy_timeout_ms=300)
        switch = tmp_path / "outage.db"
    try:
        await create_schema(db)
        async with db.write() as session:
            await seed_demo(session, hash_password(DEMO_PASSWORD))
        yield db, switch
    finally:
        await db.dispose()
        if isinstance(switch, PrivatePostgres):
            switch.stop()
            switch.remove()


@asynccontextmanager
async def database_down(switch: object) -> AsyncIterator[None]:
    if isinstance(switch, PrivatePostgres):
        switch.stop()
        try:
            yield
        finally:
            switch.start()
    else:
        # The lock is taken off the event loop: the worker and API share this loop, and one of their write
        # transactions may be open right now, waiting on the loop for its next statement; a blocking wait here
        # would deadlock with it until the holder's own busy timeout ran out.
        holder = sqlite3.connect(str(switch), isolation_level=None, timeout=60, check_same_thread=False)
        await asyncio.to_thread(holder.execute, "BEGIN IMMEDIATE")  # the write lock, held: writers wait, then fail
        try:
            yield
        finally:
            await asyncio.to_thread(holder.execute, "ROLLBACK")
            holder.close()


async def test_api_answers_503_while_the_database_is_down_and_the_case_resumes(dev_client, tmp_path):
    async with outage_database(tmp_path) as (db, switch):
        settings = settings_for_tests(db.url, f"outage-{uuid.uuid4()}").model_copy(
            update={"update_timeout_seconds": 4, "sqlite_busy_timeout_ms": 300})
        app = create_app(settings, db=db, temporal=dev_client)
        async with build_worker(dev_client, db, settings.task_queue, settings=settings), make_http(app) as http:
            s = Stack(temporal=dev_client, db=db, settings=settings, http=http, app=app)
            case_id = (await s.submit())["case_id"]
            await s.accept(case_id)
            key = {"Idempotency-Key": "police-sign-1"}
            body = {"verdict": "pass", "opinion": "同意"}

            async with database_down(switch):
                during = await s.post("zn_police", f"/cases/{case_id}/acceptance/sign-offs", body, key)
                assert during.status_code == 503, during.text
                error = during.json()["error"]
                assert error["code"] in ("DATABASE_UNAVAILABLE", "TIMEOUT") and not error["message"].isascii()
                assert during.headers["Retry-After"]
                login = await http.post("/api/v1/auth/token", data={"username": "zn_nr", "password": "mineflow-demo"})
                assert login.status_code == 503 and login.json()["error"]["code"] == "DATABASE_UNAVAILABLE"
                await asyncio.sleep(3)  # a while: the activities keep retrying with backoff

            # back: the same request (same key) is answered, applied once, and the case goes on. The projection's
            # activity may still sit in its retry backoff (up to 8 s after this outage), longer than the update
            # timeout, so the client retries as a 503 tells it to: after Retry-After, with the same key.
            for _ in range(6):
                retried = await s.post("zn_police", f"/cases/{case_id}/acceptance/sign-offs", body, key)
                if retried.status_code != 503:
                    break
                assert retried.json()["error"]["code"] in ("DATABASE_UNAVAILABLE", "TIMEOUT"), retried.text
                await asyncio.sleep(int(retried.headers["Retry-After"]))
            after = await s.ok(retried)
            signed = [e for e in after["timeline"] if e["action"] == "signed_off"]
            assert [e["data"]["party"] for e in signed] == ["public_security"]
            assert len(after["pending"]) == 7
            inbox = await s.ok(await s.get("zn_police", "/tasks"))
            assert inbox["items"] == []
            case = await s.sign_all_except(case_id, "zn_police")
            assert case["stage"] == "committee_review"


async def test_no_free_database_connection_is_a_503_not_a_500(stack):
    """Under overload the connection pool runs dry: the caller is told to retry, not shown a server error."""
    from sqlalchemy.exc import TimeoutError as PoolTimeoutError

    from models.db import Database

    class Exhausted(Database):
        def session(self):  # type: ignore[no-untyped-def]
            raise PoolTimeoutError("QueuePool limit reached")

    app = create_app(stack.settings, db=Exhausted(stack.db.url), temporal=stack.temporal)
    async with make_http(app) as http:
        response = await http.get("/api/v1/cases", headers=stack.auth("zn_nr"))
    assert response.status_code == 503 and response.json()["error"]["code"] == "DATABASE_UNAVAILABLE"
    assert response.headers["Retry-After"]
