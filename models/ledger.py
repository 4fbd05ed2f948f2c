"""The 双挂钩一达标 capacity ledger (seed 002 §04(二)4(2)): an append-only table of entries per city, and the service
functions the grant procedure (issue 6) and the closure workflow (issue 8) call.

Append-only: there is no update or delete path in the code, and the database refuses both (triggers, created with
the table on either backend). A mistake is corrected by a new `correction` entry naming the entry it adjusts.

Every `record_*` is idempotent by its `reference` (the caller's business key, e.g. `closure:<case_id>`): recording
the same reference again returns the first entry and adds nothing; the same reference with different content is
refused (LEDGER_REFERENCE_CONFLICT). Call them inside `Database.write()`: on SQLite that transaction holds the write
lock from its first statement; on PostgreSQL each function takes a transaction-scoped advisory lock on the city, so
two grants racing for the same closed capacity are serialised and the second sees the first.
"""

import json
import re
from datetime import datetime

from pydantic import BaseModel, model_validator
from pydantic import Field as PydanticField
from sqlalchemy import DDL, Column, event, text
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.divisions import city_of, division_code_problem, level
from domain.errors import DomainError, ErrorCode
from domain.ledger import (
    ENTRY_KIND_NAMES,
    EPSILON,
    PURPOSE_NAMES,
    EntryKind,
    LedgerBalance,
    Purpose,
    balance,
)
from models.audit import AuditEvent, append_events
from models.cases import SAFE_NAME
from models.db import UTCDateTime, str_enum, utcnow
from models.registry import Mine

REFERENCE_PATTERN = r"^[A-Za-z0-9:_./-]{3,100}$"  # the audit key adds "ledger:" (120 max)
_LEDGER_LOCK = 0x6C656467  # any constant: the first key of the per-city advisory lock (PostgreSQL)


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "capacity_ledger_entries"
    id: int | None = Field(default=None, primary_key=True)
    city_code: str = Field(foreign_key="divisions.code", min_length=6, max_length=6, index=True)
    division_code: str | None = Field(default=None, foreign_key="divisions.code", max_length=6,
                                      description="矿山所在县（区）")
    kind: EntryKind = Field(sa_type=str_enum(EntryKind))
    amount_wt: float = Field(description="产能（万吨/年）；更正记录为带符号的调整量")
    reference: str = Field(max_length=120, unique=True, description="业务编号（幂等键），如 closure:<案件号>")
    mine_id: int | None = Field(default=None, foreign_key="mines.id", index=True)
    case_id: str | None = Field(default=None, max_length=40)
    purpose: Purpose | None = Field(default=None, sa_type=str_enum(Purpose))
    corrects_entry_id: int | None = Field(default=None, foreign_key="capacity_ledger_entries.id")
    note: str = Field(default="", max_length=500)
    actor: str = Field(max_length=40)
    actor_role: str = Field(max_length=30)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


# The database itself refuses to change or remove an entry (migration 0006 creates the same triggers).
SQLITE_TRIGGERS = (
    "CREATE TRIGGER capacity_ledger_no_update BEFORE UPDATE ON capacity_ledger_entries "
    "BEGIN SELECT RAISE(ABORT, 'capacity ledger is append-only'); END",
    "CREATE TRIGGER capacity_ledger_no_delete BEFORE DELETE ON capacity_ledger_entries "
    "BEGIN SELECT RAISE(ABORT, 'capacity ledger is append-only'); END",
)
POSTGRES_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION capacity_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'capacity ledger is append-only'; END $$",
    "CREATE TRIGGER capacity_ledger_no_change BEFORE UPDATE OR DELETE ON capacity_ledger_entries "
    "FOR EACH ROW EXECUTE FUNCTION capacity_ledger_append_only()",
)
for _ddl in SQLITE_TRIGGERS:
    event.listen(LedgerEntry.__table__, "after_create", DDL(_ddl).execute_if(dialect="sqlite"))  # type: ignore[attr-defined]
for _ddl in POSTGRES_TRIGGERS:
    event.listen(LedgerEntry.__table__, "after_create", DDL(_ddl).execute_if(dialect="postgresql"))  # type: ignore[attr-defined]


class LedgerEntryPublic(SQLModel):
    id: int
    city_code: str
    division_code: str | None
    kind: EntryKind
    kind_name: str
    amount_wt: float
    reference: str
    mine_id: int | None
    case_id: str | None
    purpose: Purpose | None
    corrects_entry_id: int | None
    note: str
    actor: str
    actor_role: str
    at: datetime

    @classmethod
    def of(cls, entry: LedgerEntry) -> "LedgerEntryPublic":
        return cls(**entry.model_dump(), kind_name=ENTRY_KIND_NAMES[entry.kind])


class LedgerView(BaseModel):
    balance: LedgerBalance
    entries: list[LedgerEntryPublic]


class LedgerEntryCreate(BaseModel):
    """`POST /ledger/entries`: one entry. closed/restored name a mine; granted names a city; correction an entry."""

    model_config = {"extra": "forbid"}
    # titles and pickers: the console's ledger forms (console/ledger.py), one per kind
    kind: EntryKind = PydanticField(title="记录类型")
    reference: str = PydanticField(pattern=REFERENCE_PATTERN, title="业务编号",
                                   description="业务编号（幂等键：同一编号重复提交只记一次）")
    mine_id: int | None = PydanticField(None, ge=1, lt=2**31, title="矿山",
                                        json_schema_extra={"x-picker": "jurisdiction_mine"})
    city_code: str | None = PydanticField(None, pattern=r"^[0-9]{6}$", title="市",
                                          json_schema_extra={"x-picker": "ledger_city"})
    amount_wt: float | None = PydanticField(None, ge=-10000, le=10000, allow_inf_nan=False, title="产能（万吨/年）",
                                            description="产能（万吨/年）；关闭记录默认取矿山核定规模")
    purpose: Purpose | None = PydanticField(None, title="用途",
                                            json_schema_extra={"x-choices": {p.value: n for p, n in
                                                                             PURPOSE_NAMES.items()}})
    corrects_entry_id: int | None = PydanticField(None, ge=1, lt=2**31, title="更正的记录",
                                                  json_schema_extra={"x-picker": "ledger_entry"})
    case_id: str | None = PydanticField(None, max_length=40, pattern=r"^[A-Za-z0-9:_./-]+$", title="关联案件编号")
    note: str = PydanticField("", max_length=500, pattern=SAFE_NAME.replace("+$", "*$"), title="说明")

    @model_validator(mode="after")
    def _fits_kind(self) -> "LedgerEntryCreate":
        if self.kind in (EntryKind.CLOSED, EntryKind.RESTORED) and self.mine_id is None:
            raise ValueError("关闭退出和生态修复记录须指明 mine_id")
        if self.kind is EntryKind.GRANTED and (self.city_code is None or self.amount_wt is None
                                               or self.purpose is None):
            raise ValueError("新设/扩能记录须指明 city_code、amount_wt 和 purpose")
        if self.kind is EntryKind.CORRECTION and (self.corrects_entry_id is None or self.amount_wt is None
                                                  or not self.note.strip()):
            raise ValueError("更正记录须指明 corrects_entry_id、amount_wt（调整量）和 note（更正理由）")
        if self.kind is not EntryKind.CORRECTION and self.amount_wt is not None and self.amount_wt <= 0:
            raise ValueError("产能须为正数")
        return self


class CapacityCheck(BaseModel):
    """`POST /ledger/check`: would this much more capacity be allowed now?"""

    model_config = {"extra": "forbid"}
    city_code: str = PydanticField(pattern=r"^[0-9]{6}$", title="市", json_schema_extra={"x-picker": "ledger_city"})
    added_wt: float = PydanticField(gt=0, le=10000, allow_inf_nan=False, title="拟新增产能（万吨/年）",
                                    description="拟新增产能（万吨/年）")
    purpose: Purpose = PydanticField(title="用途",
                                     json_schema_extra={"x-choices": {p.value: n for p, n in PURPOSE_NAMES.items()}})


# ---- service ----------------------------------------------------------------------------------------------------

async def _dialect(session: AsyncSession) -> str:
    return (await session.connection()).dialect.name


async def lock_city(session: AsyncSession, city_code: str) -> None:
    """Serialise ledger writes of one city until the transaction ends (PostgreSQL; SQLite's write transaction
    already holds the database's single write lock)."""
    if await _dialect(session) == "postgresql":
        await session.exec(text("SELECT pg_advisory_xact_lock(:a, :b)")  # type: ignore[call-overload]
                           .bindparams(a=_LEDGER_LOCK, b=int(city_code)))


def _city(code: str) -> str:
    if division_code_problem(code):
        raise DomainError(ErrorCode.INVALID_DIVISION_CODE, details={"city_code": code})
    if level(code) == "province":
        raise DomainError(ErrorCode.INVALID_DIVISION_CODE, "须为市级行政区划代码", {"city_code": code})
    return city_of(code)


async def city_entries(session: AsyncSession, city_code: str) -> list[LedgerEntry]:
    return list((await session.exec(select(LedgerEntry).where(LedgerEntry.city_code == city_code)
                                     .order_by(col(LedgerEntry.id)))).all())


def _effective_kind(entry: LedgerEntry, kinds: dict[int | None, EntryKind]) -> EntryKind | None:
    """What an entry adds to: its own kind, or for a correction the kind of the entry it corrects."""
    return kinds.get(entry.corrects_entry_id) if entry.kind is EntryKind.CORRECTION else entry.kind


def _totals(entries: list[LedgerEntry]) -> dict[EntryKind, float]:
    kinds = {e.id: e.kind for e in entries}
    totals = dict.fromkeys((EntryKind.CLOSED, EntryKind.RESTORED, EntryKind.GRANTED), 0.0)
    for e in entries:
        kind = _effective_kind(e, kinds)
        if kind is not None and kind in totals:
            totals[kind] += e.amount_wt
    return totals


async def ledger_balance(session: AsyncSession, city_code: str, asked_wt: float | None = None) -> LedgerBalance:
    """The city's closed, restored and used capacity, and (with `asked_wt`) whether that much more is allowed."""
    city = _city(city_code)
    t = _totals(await city_entries(session, city))
    return balance(city, t[EntryKind.CLOSED], t[EntryKind.RESTORED], t[EntryKind.GRANTED], asked_wt)


async def check_new_capacity(session: AsyncSession, city_code: str, added_wt: float, *,
                             purpose: Purpose) -> LedgerBalance:
    """The balance if `added_wt` 万吨/年 of new or expanded capacity were granted in the city; raises
    CAPACITY_LEDGER_UNBALANCED with the numbers when 双挂钩一达标 does not hold. Reads only; to consume the
    capacity, `record_granted` (which checks again under the city's lock)."""
    await lock_city(session, _city(city_code))
    result = await ledger_balance(session, city_code, added_wt)
    if not result.allowed:
        raise DomainError(ErrorCode.CAPACITY_LEDGER_UNBALANCED,
                          f"不符合“双挂钩一达标”要求（{PURPOSE_NAMES[purpose]}）：" + "；".join(result.reasons),
                          {**result.model_dump(mode="json"), "purpose": purpose.value})
    return result


async def _same_or_conflict(session: AsyncSession, reference: str, **expected: object) -> LedgerEntry | None:
    """The entry already recorded under `reference` if its content is the same (a retry); refused if it differs."""
    if not re.fullmatch(REFERENCE_PATTERN, reference):
        raise DomainError(ErrorCode.LEDGER_ENTRY_INVALID, "业务编号须为 3–100 位字母、数字或 :_./-",
                          {"reference": reference[:120]})
    existing = (await session.exec(select(LedgerEntry).where(LedgerEntry.reference == reference))).first()
    if existing is None:
        return None
    for name, value in expected.items():
        stored = getattr(existing, name)
        if value is not None and (abs(stored - value) > EPSILON if isinstance(value, float) else stored != value):
            raise DomainError(ErrorCode.LEDGER_REFERENCE_CONFLICT,
                              details={"reference": reference, "entry_id": existing.id, "field": name})
    return existing


async def _append(session: AsyncSession, entry: LedgerEntry) -> LedgerEntry:
    session.add(entry)
    await session.flush()
    name = ENTRY_KIND_NAMES[entry.kind]
    await append_events(session, [AuditEvent(
        event_key=f"ledger:{entry.reference}", at=entry.at, actor=entry.actor, role=entry.actor_role,
        action=f"ledger_{entry.kind.value}", case_id=None,
        detail=f"产能台账（{entry.city_code}）登记{name} {entry.amount_wt} 万吨/年（{entry.reference}）",
        data=json.loads(LedgerEntryPublic.of(entry).model_dump_json()),
    )], is_sqlite=await _dialect(session) == "sqlite")
    return entry


async def _mine_totals(session: AsyncSession, city: str, mine_id: int) -> dict[EntryKind, float]:
    """One mine's closed and restored capacity so far, corrections included."""
    entries = await city_entries(session, city)
    kinds = {e.id: e.kind for e in entries}
    totals = dict.fromkeys(EntryKind, 0.0)
    for e in entries:
        if e.mine_id == mine_id:
            totals[_effective_kind(e, kinds) or EntryKind.CORRECTION] += e.amount_wt
    return totals


async def _mine(session: AsyncSession, mine_id: int) -> Mine:
    mine = await session.get(Mine, mine_id)
    if mine is None:
        raise DomainError(ErrorCode.MINE_NOT_FOUND, details={"mine_id": mine_id})
    return mine


async def record_closed(session: AsyncSession, *, mine_id: int, reference: str, actor: str, role: str,
                        amount_wt: float | None = None, case_id: str | None = None, note: str = "") -> LedgerEntry:
    """Capacity closed (关闭取缔 or 引导退出 of `mine_id`; default: the mine's licensed scale)."""
    mine = await _mine(session, mine_id)
    city = city_of(mine.division_code)
    await lock_city(session, city)
    amount = float(amount_wt if amount_wt is not None else mine.scale_wt)
    if existing := await _same_or_conflict(session, reference, kind=EntryKind.CLOSED, mine_id=mine_id,
                                           amount_wt=amount):
        return existing
    already = await _mine_totals(session, city, mine_id)
    if already[EntryKind.CLOSED] > EPSILON:  # one mine's capacity is counted once, whatever the reference
        raise DomainError(ErrorCode.LEDGER_MINE_ALREADY_CLOSED,
                          details={"mine_id": mine_id, "closed_wt": round(already[EntryKind.CLOSED], 4)})
    return await _append(session, LedgerEntry(
        city_code=city, division_code=mine.division_code, kind=EntryKind.CLOSED, amount_wt=amount,
        reference=reference, mine_id=mine_id, case_id=case_id, note=note, actor=actor, actor_role=role))


async def record_restored(session: AsyncSession, *, mine_id: int, reference: str, actor: str, role: str,
                          case_id: str | None = None, note: str = "") -> LedgerEntry:
    """An exited mine's ecological restoration accepted: its closed capacity counts as restored."""
    mine = await _mine(session, mine_id)
    city = city_of(mine.division_code)
    await lock_city(session, city)
    if existing := await _same_or_conflict(session, reference, kind=EntryKind.RESTORED, mine_id=mine_id):
        return existing
    totals = await _mine_totals(session, city, mine_id)
    closed, restored = totals[EntryKind.CLOSED], totals[EntryKind.RESTORED]
    if closed - restored <= EPSILON:
        raise DomainError(ErrorCode.LEDGER_NOTHING_CLOSED, details={
            "mine_id": mine_id, "closed_wt": round(closed, 4), "restored_wt": round(restored, 4)})
    return await _append(session, LedgerEntry(
        city_code=city, division_code=mine.division_code, kind=EntryKind.RESTORED, amount_wt=closed - restored,
        reference=reference, mine_id=mine_id, case_id=case_id, note=note, actor=actor, actor_role=role))


async def record_granted(session: AsyncSession, *, city_code: str, added_wt: float, purpose: Purpose,
                         reference: str, actor: str, role: str, mine_id: int | None = None,
                         case_id: str | None = None, note: str = "") -> LedgerEntry:
    """New or expanded capacity granted: checked against the ledger under the city's lock, then consumed.
    Raises CAPACITY_LEDGER_UNBALANCED (with the numbers) when it does not balance."""
    city = _city(city_code)
    await lock_city(session, city)
    if existing := await _same_or_conflict(session, reference, kind=EntryKind.GRANTED, city_code=city,
                                           amount_wt=float(added_wt), purpose=purpose):
        return existing
    if added_wt <= 0:
        raise DomainError(ErrorCode.LEDGER_ENTRY_INVALID, "新增产能须为正数", {"added_wt": added_wt})
    division = None
    if mine_id is not None:
        mine = await _mine(session, mine_id)
        if city_of(mine.division_code) != city:
            raise DomainError(ErrorCode.LEDGER_ENTRY_INVALID, "矿山不在该市", {"mine_id": mine_id, "city_code": city})
        division = mine.division_code
    await check_new_capacity(session, city, added_wt, purpose=purpose)
    return await _append(session, LedgerEntry(
        city_code=city, division_code=division, kind=EntryKind.GRANTED, amount_wt=float(added_wt),
        reference=reference, mine_id=mine_id, case_id=case_id, purpose=purpose, note=note, actor=actor,
        actor_role=role))


async def record_correction(session: AsyncSession, *, corrects_entry_id: int, amount_wt: float, reference: str,
                            actor: str, role: str, note: str) -> LedgerEntry:
    """A signed adjustment of an earlier entry; the earlier entry stays as it was. A correction cannot make a
    total negative, nor take away closed capacity already granted on."""
    target = await session.get(LedgerEntry, corrects_entry_id)
    if target is None:
        raise DomainError(ErrorCode.LEDGER_ENTRY_NOT_FOUND, details={"entry_id": corrects_entry_id})
    if target.kind is EntryKind.CORRECTION:
        raise DomainError(ErrorCode.LEDGER_ENTRY_INVALID, "更正记录须指向原始记录，不能更正更正记录",
                          {"entry_id": corrects_entry_id})
    if abs(amount_wt) <= EPSILON or not note.strip():
        raise DomainError(ErrorCode.LEDGER_ENTRY_INVALID, "更正须有非零调整量和更正理由")
    await lock_city(session, target.city_code)
    if existing := await _same_or_conflict(session, reference, kind=EntryKind.CORRECTION,
                                           corrects_entry_id=corrects_entry_id, amount_wt=float(amount_wt)):
        return existing
    entries = await city_entries(session, target.city_code)
    own = target.amount_wt + sum(e.amount_wt for e in entries if e.corrects_entry_id == target.id)
    if own + amount_wt < -EPSILON:
        raise DomainError(ErrorCode.LEDGER_ENTRY_INVALID, "更正后该记录的产能不能为负数",
                          {"entry_id": target.id, "current_wt": round(own, 4), "adjustment_wt": amount_wt})
    t = _totals([*entries, LedgerEntry(city_code=target.city_code, kind=EntryKind.CORRECTION, amount_wt=amount_wt,
                                       reference="-", corrects_entry_id=target.id, actor=actor, actor_role=role)])
    after = balance(target.city_code, t[EntryKind.CLOSED], t[EntryKind.RESTORED], t[EntryKind.GRANTED])
    if after.used_wt > after.allowed_wt + EPSILON or after.restored_wt > after.closed_wt + EPSILON:
        raise DomainError(ErrorCode.CAPACITY_LEDGER_UNBALANCED,
                          f"更正后台账不平衡：关闭退出 {after.closed_wt}、已修复 {after.restored_wt}、"
                          f"已新设/扩能 {after.used_wt}、上限 {after.allowed_wt} 万吨/年",
                          after.model_dump(mode="json"))
    return await _append(session, LedgerEntry(
        city_code=target.city_code, division_code=target.division_code, kind=EntryKind.CORRECTION,
        amount_wt=float(amount_wt), reference=reference, mine_id=target.mine_id, corrects_entry_id=target.id,
        note=note, actor=actor, actor_role=role))


async def ledger_view(session: AsyncSession, city_code: str) -> LedgerView:
    city = _city(city_code)
    entries = await city_entries(session, city)
    return LedgerView(balance=await ledger_balance(session, city),
                      entries=[LedgerEntryPublic.of(e) for e in entries])
