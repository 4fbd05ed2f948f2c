"""Migration 0006 builds the ledger append-only too: the database refuses UPDATE and DELETE of its entries."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from cli.main import migrate_database
from settings import Settings
from tests.test_migrations import empty_database  # noqa: F401  (the fixture)


def test_migrated_ledger_is_append_only(empty_database: str):  # noqa: F811
    settings = Settings(database_url=empty_database)
    migrate_database(settings)
    engine = create_engine(settings.sync_database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO divisions (code, name, short_name, level) "
                              "VALUES ('640500', '中卫市', '中卫', 'city')"))
            conn.execute(text("INSERT INTO capacity_ledger_entries (city_code, kind, amount_wt, reference, note, "
                              "actor, actor_role, at) VALUES ('640500', 'closed', 15, 'closure:1', '', 'a', 'b', "
                              "CURRENT_TIMESTAMP)"))
        for statement in ("UPDATE capacity_ledger_entries SET amount_wt = 1", "DELETE FROM capacity_ledger_entries"):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT amount_wt FROM capacity_ledger_entries")).scalar_one() == 15
    finally:
        engine.dispose()
