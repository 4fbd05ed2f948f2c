"""The audit chain: every action, login and administrative change, each entry hashing the one before it."""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Column, Index, Text, insert, text
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.db import UTCDateTime

GENESIS_HASH = "0" * 64


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entries"
    # a user's own entries by case: the console's 已办 and 我发起的 (what I acted on, what I started)
    __table_args__ = (Index("ix_audit_entries_actor_case", "actor", "case_id"),)
    id: int = Field(primary_key=True, description="position in the chain, 1-based, no gaps")
    event_key: str = Field(max_length=120, unique=True, description="idempotency key of the event")
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor: str = Field(max_length=40)
    actor_name: str = Field(default="", max_length=100)
    role: str = Field(max_length=30)
    action: str = Field(max_length=60, index=True)
    case_id: str | None = Field(default=None, max_length=40, index=True)
    seq: int | None = Field(default=None, description="position on the case's timeline")
    detail: str = Field(sa_column=Column(Text, nullable=False))
    data: str = Field(sa_column=Column(Text, nullable=False), description="canonical JSON")
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditEvent(BaseModel):
    """An event to append; `event_key` makes the append idempotent (a retried write adds nothing)."""

    event_key: str
    at: datetime
    actor: str
    actor_name: str = ""
    role: str
    action: str
    case_id: str | None = None
    seq: int | None = None
    detail: str = ""
    data: dict[str, Any] = {}


class ChainReport(BaseModel):
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str | None = None


def canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, entry: "AuditEntry") -> str:
    """SHA-256 over the previous hash and every field of the entry but its own hashes."""
    body = canonical({
        "id": entry.id, "event_key": entry.event_key, "at": entry.at.astimezone(UTC).isoformat(),
        "actor": entry.actor, "actor_name": entry.actor_name, "role": entry.role, "action": entry.action,
        "case_id": entry.case_id, "seq": entry.seq, "detail": entry.detail, "data": entry.data,
    })
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


# Any constant: serialises chain appends across PostgreSQL connections.
_CHAIN_LOCK = 0x6D696E65


async def append_events(session: AsyncSession, events: Sequence[AuditEvent], *, is_sqlite: bool) -> int:
    """Append `events` to the chain inside the caller's write transaction; returns how many were new."""
    if not events:
        return 0
    if not is_sqlite:
        await session.exec(text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=_CHAIN_LOCK))  # type: ignore[call-overload]
    keys = [e.event_key for e in events]
    present = set((await session.exec(select(AuditEntry.event_key).where(col(AuditEntry.event_key).in_(keys)))).all())
    head = (await session.exec(select(AuditEntry.id, AuditEntry.hash).order_by(col(AuditEntry.id).desc()).limit(1))
            ).first()
    prev_id, prev_hash = (head[0], head[1]) if head else (0, GENESIS_HASH)
    rows: list[dict[str, Any]] = []
    for event in events:
        if event.event_key in present:
            continue
        present.add(event.event_key)
        prev_id += 1
        entry = AuditEntry(id=prev_id, prev_hash=prev_hash, hash="", data=canonical(event.data),
                           **event.model_dump(exclude={"data"}))
        entry.hash = prev_hash = entry_hash(prev_hash, entry)
        rows.append(entry.model_dump())
    if rows:  # one Core INSERT: no unit of work to flush (it runs on every action's path)
        await session.exec(insert(AuditEntry.__table__), params=rows)  # type: ignore[call-overload,attr-defined]
    return len(rows)


async def case_timeline(session: AsyncSession, case_id: str) -> list[dict[str, Any]]:
    """A case's timeline as the audit chain holds it, in order (the fields of models.cases.TimelineEntry)."""
    rows = (await session.exec(
        select(AuditEntry.seq, AuditEntry.at, AuditEntry.actor, AuditEntry.actor_name, AuditEntry.role,
               AuditEntry.action, AuditEntry.detail, AuditEntry.data)  # columns, not entities: read on every answer
        .where(AuditEntry.case_id == case_id, col(AuditEntry.seq).is_not(None)).order_by(col(AuditEntry.id)))).all()
    return [{"seq": seq, "at": at, "actor": actor, "actor_name": actor_name, "role": role, "action": action,
             "detail": detail, "data": json.loads(data)} for seq, at, actor, actor_name, role, action, detail, data
            in rows]


async def verify_chain(session: AsyncSession, batch: int = 1000) -> ChainReport:
    """Walk the chain from the start; name the first entry whose link or content does not match."""
    prev_id, prev_hash, checked = 0, GENESIS_HASH, 0
    while True:
        rows = (await session.exec(
            select(AuditEntry).where(col(AuditEntry.id) > prev_id).order_by(col(AuditEntry.id)).limit(batch)
        )).all()
        if not rows:
            return ChainReport(ok=True, checked=checked)
        for row in rows:
            if row.id != prev_id + 1:
                return ChainReport(ok=False, checked=checked, first_broken_id=prev_id + 1,
                                   reason=f"第 {prev_id + 1} 条记录缺失（链上下一条为第 {row.id} 条）")
            if row.prev_hash != prev_hash:
                return ChainReport(ok=False, checked=checked, first_broken_id=row.id,
                                   reason=f"第 {row.id} 条记录的前序哈希与上一条不符")
            if row.hash != entry_hash(prev_hash, row):
                return ChainReport(ok=False, checked=checked, first_broken_id=row.id,
                                   reason=f"第 {row.id} 条记录内容已被改动（哈希不符）")
            prev_id, prev_hash, checked = row.id, row.hash, checked + 1
