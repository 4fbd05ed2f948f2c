"""Fresh, empty application databases for tests: a SQLite file per test, or one PostgreSQL database per run
truncated between tests."""

import os
import uuid
from pathlib import Path

import psycopg
from sqlalchemy import text
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (every table on SQLModel.metadata)
from models.db import Database
from tests.support.ensure_postgres import URL as PG_ADMIN_URL

BACKEND = os.environ.get("MINEFLOW_TEST_DATABASE", "sqlite")


async def create_schema(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)


class PostgresForTests:
    """One throw-away database for the whole run, emptied before each test."""

    def __init__(self) -> None:
        self.name = f"mineflow_t_{uuid.uuid4().hex[:10]}"
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        self.url = f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{self.name}"
        self.sync_url = f"{base}/{self.name}"

    def create(self) -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    async def truncate(self, db: Database) -> None:
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        async with db.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / 'mineflow.db'}"
