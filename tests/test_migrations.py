"""The Alembic migrations build exactly the schema the models describe (autogenerate finds no difference)."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from cli.main import migrate_database
from models.db import include_object
from settings import Settings
from tests.support.databases import BACKEND
from tests.support.ensure_postgres import URL as PG_ADMIN_URL


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    if BACKEND != "postgresql":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    name = f"mineflow_mig_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrations_match_the_models(empty_database: str):
    settings = Settings(database_url=empty_database)
    migrate_database(settings)
    migrate_database(settings)  # a second run is a no-op, as `make run` does on every start
    engine = create_engine(settings.sync_database_url)
    with engine.connect() as conn:
        options = {"compare_type": True, "include_object": include_object}
        diff = compare_metadata(MigrationContext.configure(conn, opts=options), SQLModel.metadata)
    engine.dispose()
    assert diff == []
