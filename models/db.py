"""Engine and sessions: one code path for SQLite (default) and PostgreSQL.

SQLite: WAL so readers never block the single writer, a busy timeout so concurrent writers queue instead of
failing, and `BEGIN IMMEDIATE` for write transactions so read-then-write sequences (the audit hash chain, the
document-number sequence) cannot interleave. PostgreSQL takes row or advisory locks inside those transactions.
"""

import asyncio
import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, Table, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator
from sqlmodel.ext.asyncio.session import AsyncSession

if TYPE_CHECKING:
    from settings import Settings


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Database:
    """An async engine plus the two kinds of session the code needs."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10, busy_timeout_ms: int = 30_000) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            # SQLite connections are cheap and writers queue on the database lock anyway: a roomy pool keeps
            # concurrent requests from waiting on connections instead.
            kwargs.update(connect_args={"timeout": busy_timeout_ms / 1000}, pool_size=20, max_overflow=20)
        else:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, pool_recycle=1800)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine, busy_timeout_ms)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._writer_locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}

    @classmethod
    def from_settings(cls, settings: "Settings") -> "Database":
        return cls(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for reads and ordinary writes."""
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A transaction holding the write lock from its first statement (SQLite `BEGIN IMMEDIATE`);
        committed when the block ends, rolled back if it raises.

        SQLite has one writer at a time: this process's writers queue on a lock, in turn, instead of on SQLite's
        busy handler, which sleeps and polls (up to 100 ms a try) and under load makes each write wait many times
        its own length. Writers of other processes still meet the busy timeout."""
        if not self.is_sqlite:
            async with self._sessions() as session:
                yield session
                await session.commit()
            return
        async with self._writer_lock(), self._sessions() as session:
            await session.connection(execution_options={"sqlite_immediate": True})
            yield session
            await session.commit()

    def _writer_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if (lock := self._writer_locks.get(loop)) is None:
            for closed in [other for other in self._writer_locks if other.is_closed()]:
                del self._writer_locks[closed]
            lock = self._writer_locks[loop] = asyncio.Lock()
        return lock

    async def dispose(self) -> None:
        await self.engine.dispose()


@asynccontextmanager
async def write_beside(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """A short write transaction of its own on `session`'s engine, beside a request's read session (for code
    handed a session, not the `Database`); committed when the block ends, rolled back if it raises.

    Under SQLite it begins IMMEDIATE, as `Database.write()` does: a transaction that reads first and then writes
    fails at once (SQLITE_BUSY, no busy wait) whenever another writer committed since its read."""
    async with AsyncSession(session.bind, expire_on_commit=False) as own:
        if own.bind.dialect.name == "sqlite":
            await own.connection(execution_options={"sqlite_immediate": True})
        yield own
        await own.commit()


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see `_on_begin`).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _insert(table: Any, dialect: str) -> Any:
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    return insert(table)


def insert_ignoring_conflict(table: Any, values: dict[str, Any], dialect: str) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING` for either backend."""
    return _insert(table, dialect).values(**values).on_conflict_do_nothing()


@functools.cache
def upsert_if_newer(table: Table, columns: tuple[str, ...], *, key: str, version: str, dialect: str) -> Any:
    """`INSERT … ON CONFLICT (key) DO UPDATE … WHERE stored.version < new.version` for either backend, to execute
    with the row as its parameters: one statement and no read before it (PostgreSQL locks the conflicting row, so
    concurrent writers of one key queue); its rowcount is 0 when the stored row was as new or newer, so a late or
    retried write never rolls it back. Built once per table and column set: building it costs more than running it."""
    statement = _insert(table, dialect)
    return statement.on_conflict_do_update(
        index_elements=[table.c[key]], set_={name: statement.excluded[name] for name in columns if name != key},
        where=table.c[version] < statement.excluded[version])


def str_enum(enum_cls: type[Any]) -> Any:
    """A string column holding an enum's stable code (its value), not a native database enum: new codes need no
    ALTER TYPE, and the stored text is the code clients see."""
    from sqlalchemy import Enum

    return Enum(enum_cls, native_enum=False, create_constraint=False, length=40, validate_strings=True,
                values_callable=lambda members: [m.value for m in members])


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """What Alembic compares with the models: all but the indexes only migrations create (PostgreSQL trigram
    search, migration 0002)."""
    return not (type_ == "index" and name is not None and name.startswith("ix_trgm_"))
