"""双挂钩一达标 capacity ledger as callers use it: whose city it is, its balance and entries, the what-if check and
recording an entry — keyword-only functions the routes (api/routes/ledger.py) and the console's ledger page call.
The ledger's own rules and storage stay in models/ledger.py and domain/ledger.py."""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Principal
from domain.divisions import city_of, covers, division_code_problem, level
from domain.errors import DomainError, ErrorCode
from domain.ledger import EntryKind, LedgerBalance
from domain.roles import Role
from models.db import Database
from models.ledger import (
    CapacityCheck,
    LedgerEntry,
    LedgerEntryCreate,
    LedgerEntryPublic,
    LedgerView,
    ledger_balance,
    ledger_view,
    record_closed,
    record_correction,
    record_granted,
    record_restored,
)
from models.registry import Division, DivisionLevel, Mine

WRITERS = (Role.COUNTY_NR, Role.CITY_NR, Role.ADMIN)
CORRECTORS = (Role.CITY_NR, Role.ADMIN)


def may_see_city(principal: Principal, city: str) -> bool:
    """Officials of the city, of its counties, or of its province."""
    user = principal.user
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.ENTERPRISE or user.division_code is None:
        return False
    return covers(user.division_code, city) or city_of(user.division_code) == city


async def city(*, session: AsyncSession, principal: Principal, code: str) -> str:
    """The city a division code lies in, once the caller may see its ledger."""
    if division_code_problem(code) or level(code) == "province":
        raise DomainError(ErrorCode.INVALID_DIVISION_CODE, "须为市级（或其所辖县区）行政区划代码", {"city": code})
    found = city_of(code)
    if await session.get(Division, found) is None:
        raise DomainError(ErrorCode.DIVISION_NOT_FOUND, details={"city": found})
    if principal.role is Role.ENTERPRISE:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, details={"allowed": "officials"})
    if not may_see_city(principal, found):
        raise DomainError(ErrorCode.OUT_OF_JURISDICTION)
    return found


async def cities(*, session: AsyncSession, principal: Principal) -> list[Division]:
    """The cities whose ledgers the caller may see (their own; every city for an admin or a province)."""
    rows = (await session.exec(select(Division).where(Division.level == DivisionLevel.CITY)
                               .order_by(col(Division.code)))).all()
    return [d for d in rows if principal.role is not Role.ENTERPRISE and may_see_city(principal, d.code)]


async def view(*, session: AsyncSession, principal: Principal, code: str) -> LedgerView:
    return await ledger_view(session, await city(session=session, principal=principal, code=code))


async def check(*, session: AsyncSession, principal: Principal, body: CapacityCheck) -> LedgerBalance:
    found = await city(session=session, principal=principal, code=body.city_code)
    return await ledger_balance(session, found, body.added_wt)


async def record(*, session: AsyncSession, db: Database, principal: Principal,
                 body: LedgerEntryCreate) -> LedgerEntryPublic:
    """Append one entry (closed / restored name a mine of the caller's jurisdiction; granted a city they see;
    a correction is the city bureau's)."""
    if principal.role not in WRITERS:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, details={"allowed": [r.value for r in WRITERS]})
    user, actor, role = principal.user, principal.username, principal.role.value
    if body.kind in (EntryKind.CLOSED, EntryKind.RESTORED):
        assert body.mine_id is not None
        mine = await session.get(Mine, body.mine_id)
        if mine is None:
            raise DomainError(ErrorCode.MINE_NOT_FOUND, details={"mine_id": body.mine_id})
        if role != Role.ADMIN and not covers(user.division_code or "", mine.division_code):
            raise DomainError(ErrorCode.OUT_OF_JURISDICTION)
        async with db.write() as write:
            if body.kind is EntryKind.CLOSED:
                entry = await record_closed(write, mine_id=mine.id or 0, reference=body.reference, actor=actor,
                                            role=role, amount_wt=body.amount_wt, case_id=body.case_id,
                                            note=body.note)
            else:
                entry = await record_restored(write, mine_id=mine.id or 0, reference=body.reference, actor=actor,
                                              role=role, case_id=body.case_id, note=body.note)
    elif body.kind is EntryKind.GRANTED:
        assert body.city_code is not None and body.amount_wt is not None and body.purpose is not None
        found = await city(session=session, principal=principal, code=body.city_code)
        async with db.write() as write:
            entry = await record_granted(write, city_code=found, added_wt=body.amount_wt, purpose=body.purpose,
                                         reference=body.reference, actor=actor, role=role, mine_id=body.mine_id,
                                         case_id=body.case_id, note=body.note)
    else:
        assert body.corrects_entry_id is not None and body.amount_wt is not None
        if principal.role not in CORRECTORS:
            raise DomainError(ErrorCode.FORBIDDEN_ROLE, "台账更正须由市自然资源局办理",
                              {"allowed": [r.value for r in CORRECTORS]})
        target = await session.get(LedgerEntry, body.corrects_entry_id)
        if target is None:
            raise DomainError(ErrorCode.LEDGER_ENTRY_NOT_FOUND, details={"entry_id": body.corrects_entry_id})
        await city(session=session, principal=principal, code=target.city_code)
        async with db.write() as write:
            entry = await record_correction(write, corrects_entry_id=target.id or 0, amount_wt=body.amount_wt,
                                            reference=body.reference, actor=actor, role=role, note=body.note)
    return LedgerEntryPublic.of(entry)
