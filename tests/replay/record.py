"""Record the replay fixtures: `python -m tests.replay.record [name ...]`.

Runs each scenario of `tests/replay/scenarios.py` on a fresh time-skipping server and database, and writes the
case's event history to `tests/replay/histories/<name>.json`. Re-record only on purpose: a fixture recorded by
today's code stands for the cases already running when tomorrow's code is deployed.
"""

import asyncio
import sys
import tempfile
import uuid
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.security import hash_password
from cli.processes import installed_binary
from models.db import Database
from models.demo import DEMO_PASSWORD, seed_demo
from tests.replay.scenarios import SCENARIOS
from tests.support.databases import create_schema, sqlite_url
from tests.support.stack import Stack, make_http, settings_for_tests
from worker import build_worker

HISTORIES = Path(__file__).parent / "histories"


async def record(name: str) -> Path:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(installed_binary("temporal-test-server")), data_converter=pydantic_data_converter)
    with tempfile.TemporaryDirectory() as directory:
        db = Database(sqlite_url(Path(directory)))
        await create_schema(db)
        async with db.write() as session:
            await seed_demo(session, hash_password(DEMO_PASSWORD))
        settings = settings_for_tests(db.url, f"record-{uuid.uuid4()}")
        app = create_app(settings, db=db, temporal=env.client)
        try:
            async with build_worker(env.client, db, settings.task_queue, settings=settings), make_http(app) as http:
                stack = Stack(temporal=env.client, db=db, settings=settings, http=http, app=app,
                              now=env.get_current_time)
                case_id = await SCENARIOS[name](stack, env)
                history = await env.client.get_workflow_handle(case_id).fetch_history()
        finally:
            await db.dispose()
            await env.shutdown()
    path = HISTORIES / f"{name}.json"
    path.write_text(history.to_json(), encoding="utf-8")
    return path


async def main(names: list[str]) -> None:
    for name in names or list(SCENARIOS):
        print(f"recorded {await record(name)}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
