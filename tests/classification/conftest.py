"""The API over the demo registry without Temporal: classification and the ledger never start a workflow."""

import uuid
from collections.abc import AsyncIterator

import pytest

import models.demo
from api.app import create_app
from models.db import Database
from tests.support.stack import Stack, make_http, settings_for_tests


@pytest.fixture
async def api(demo_db: Database) -> AsyncIterator[Stack]:
    settings = settings_for_tests(demo_db.url, f"test-{uuid.uuid4()}")
    app = create_app(settings, db=demo_db, temporal=None)
    async with make_http(app) as http:
        yield Stack(temporal=None, db=demo_db, settings=settings, http=http, app=app)  # type: ignore[arg-type]


@pytest.fixture
async def registry_db(db: Database, demo_password_hash: str, monkeypatch: pytest.MonkeyPatch) -> Database:
    """The demo registry without the demo assessments and ledger (tests that count from an empty ledger)."""

    async def nothing(session: object) -> None:
        return None

    monkeypatch.setattr(models.demo, "seed_classification_demo", nothing)
    async with db.write() as session:
        await models.demo.seed_demo(session, demo_password_hash)
    return db
