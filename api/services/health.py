"""Readiness: whether the database answers (the route adds Temporal's health)."""

from sqlalchemy import text

from models.db import Database


async def database_answers(db: Database) -> None:
    """Raises when the database does not answer a trivial query."""
    async with db.session() as session:
        await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
