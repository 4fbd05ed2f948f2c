"""双挂钩一达标 capacity ledger (seed 002 §04(二)4(2)): refusals with their numbers, idempotent records, an
append-only table, and two grants racing for the same closed capacity."""

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from domain.errors import DomainError, ErrorCode
from domain.ledger import EntryKind, Purpose, balance
from models.audit import AuditEntry, verify_chain
from models.db import Database
from models.ledger import (
    LedgerEntry,
    check_new_capacity,
    ledger_balance,
    record_closed,
    record_correction,
    record_granted,
    record_restored,
)
from models.registry import Mine

CITY = "640500"
WHO = {"actor": "city_nr", "role": "city_nr"}


async def mine_id(db: Database, name: str) -> int:
    async with db.session() as session:
        mine = (await session.exec(select(Mine).where(Mine.name == name))).one()
    assert mine.id is not None
    return mine.id


async def close_and_restore(db: Database, name: str, *, restore: bool = True) -> int:
    mid = await mine_id(db, name)
    async with db.write() as s:
        await record_closed(s, mine_id=mid, reference=f"closure:{mid}", **WHO)
        if restore:
            await record_restored(s, mine_id=mid, reference=f"restored:{mid}", **WHO)
    return mid


def test_the_rule_in_numbers():
    """granted ≤ closed × 150%, restoration 100%."""
    ok = balance(CITY, closed=20, restored=20, used=0, asked=30)
    assert ok.allowed and ok.allowed_wt == 30 and ok.available_wt == 30
    over = balance(CITY, closed=20, restored=20, used=0, asked=30.01)
    assert not over.allowed and "30.0" in over.reasons[0] and "30.01" in over.reasons[0]
    unrestored = balance(CITY, closed=20, restored=19.99, used=0, asked=1)
    assert not unrestored.allowed and unrestored.restoration_pct == pytest.approx(99.95)
    nothing_closed = balance(CITY, closed=0, restored=0, used=0, asked=1)
    assert not nothing_closed.allowed and nothing_closed.allowed_wt == 0


async def test_a_grant_beyond_the_closed_capacity_is_refused_with_the_numbers(registry_db: Database):
    db = registry_db
    await close_and_restore(db, "中宁县石空镇红梁子石膏矿")  # 15 万吨/年 closed and restored: 22.5 allowed
    async with db.write() as s:
        await record_granted(s, city_code=CITY, added_wt=20, purpose=Purpose.NEW, reference="grant:a", **WHO)
    async with db.write() as s:
        with pytest.raises(DomainError) as refused:
            await record_granted(s, city_code=CITY, added_wt=3, purpose=Purpose.EXPANSION, reference="grant:b",
                                 **WHO)
    error = refused.value
    assert error.code is ErrorCode.CAPACITY_LEDGER_UNBALANCED and error.status == 409
    assert error.details.items() >= {"closed_wt": 15.0, "used_wt": 20.0, "allowed_wt": 22.5, "available_wt": 2.5,
                                     "asked_wt": 3, "restoration_pct": 100.0, "purpose": "expansion"}.items()
    assert "15.0" in error.message and "22.5" in error.message and "2.5" in error.message and "改扩建" in error.message
    async with db.session() as s:
        assert (await ledger_balance(s, CITY)).used_wt == 20  # the refused grant consumed nothing


async def test_a_grant_is_refused_until_every_exited_mine_is_restored(registry_db: Database):
    db = registry_db
    await close_and_restore(db, "中宁县石空镇红梁子石膏矿")
    second = await close_and_restore(db, "海原县关桥乡建筑用砂矿", restore=False)  # 20 万吨/年, not restored
    async with db.session() as s:
        with pytest.raises(DomainError) as refused:
            await check_new_capacity(s, CITY, 10, purpose=Purpose.NEW)
    assert refused.value.details["restoration_pct"] == pytest.approx(15 / 35 * 100, abs=1e-3)
    assert "未达到 100%" in refused.value.message
    async with db.write() as s:
        await record_restored(s, mine_id=second, reference="restored:second", **WHO)
    async with db.session() as s:
        assert (await check_new_capacity(s, CITY, 52.5, purpose=Purpose.NEW)).allowed


async def test_records_are_idempotent_by_reference(registry_db: Database):
    db = registry_db
    mid = await mine_id(db, "中宁县石空镇红梁子石膏矿")
    for _ in range(3):
        async with db.write() as s:
            first = await record_closed(s, mine_id=mid, reference="closure:case-1", **WHO)
    async with db.write() as s:
        again = await record_restored(s, mine_id=mid, reference="restored:case-1", **WHO)
    async with db.write() as s:
        assert (await record_restored(s, mine_id=mid, reference="restored:case-1", **WHO)).id == again.id
    for _ in range(2):
        async with db.write() as s:
            grant = await record_granted(s, city_code=CITY, added_wt=22.5, purpose=Purpose.NEW,
                                         reference="grant:case-9", **WHO)
    async with db.session() as s:
        entries = (await s.exec(select(LedgerEntry))).all()
        assert [e.kind for e in entries] == [EntryKind.CLOSED, EntryKind.RESTORED, EntryKind.GRANTED]
        assert entries[0].id == first.id and entries[2].id == grant.id
        audit = (await s.exec(select(AuditEntry).where(AuditEntry.action.startswith("ledger_")))).all()  # type: ignore[attr-defined]
        assert len(audit) == 3 and (await verify_chain(s)).ok
    async with db.write() as s:  # the same reference for something else is refused
        with pytest.raises(DomainError) as conflict:
            await record_closed(s, mine_id=mid, reference="closure:case-1", amount_wt=99, **WHO)
    assert conflict.value.code is ErrorCode.LEDGER_REFERENCE_CONFLICT
    async with db.write() as s:
        with pytest.raises(DomainError) as bad:
            await record_granted(s, city_code=CITY, added_wt=1, purpose=Purpose.NEW, reference="x" * 101, **WHO)
    assert bad.value.code is ErrorCode.LEDGER_ENTRY_INVALID
    async with db.write() as s:  # one mine's closed capacity counts once, under whatever reference
        with pytest.raises(DomainError) as twice:
            await record_closed(s, mine_id=mid, reference="closure:manual", **WHO)
    assert twice.value.code is ErrorCode.LEDGER_MINE_ALREADY_CLOSED and twice.value.details["closed_wt"] == 15


async def test_restoring_a_mine_never_closed_is_refused(registry_db: Database):
    mid = await mine_id(registry_db, "中宁县余丁乡水泥用灰岩矿")
    async with registry_db.write() as s:
        with pytest.raises(DomainError) as refused:
            await record_restored(s, mine_id=mid, reference="restored:x", **WHO)
    assert refused.value.code is ErrorCode.LEDGER_NOTHING_CLOSED


async def test_corrections_are_new_entries_and_cannot_unbalance_the_ledger(registry_db: Database):
    db = registry_db
    await close_and_restore(db, "中宁县石空镇红梁子石膏矿")  # 15 closed
    async with db.write() as s:
        closed = (await s.exec(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.CLOSED))).one()
        await record_granted(s, city_code=CITY, added_wt=20, purpose=Purpose.NEW, reference="grant:a", **WHO)
    async with db.write() as s:  # 15 → 12 closed would allow only 18 < 20 used
        with pytest.raises(DomainError) as refused:
            await record_correction(s, corrects_entry_id=closed.id, amount_wt=-3, reference="corr:1", note="核减",
                                    **WHO)
    assert refused.value.code is ErrorCode.CAPACITY_LEDGER_UNBALANCED
    async with db.write() as s:
        await record_correction(s, corrects_entry_id=closed.id, amount_wt=5, reference="corr:2", note="核定规模更正",
                                **WHO)
    async with db.session() as s:
        b = await ledger_balance(s, CITY)
        assert (b.closed_wt, b.allowed_wt, b.restored_wt) == (20, 30, 15)  # the restoration now lags: 75%
        assert b.restoration_pct == 75
        assert (await s.get(LedgerEntry, closed.id)).amount_wt == 15  # the original is untouched


async def test_the_database_refuses_to_change_or_remove_an_entry(registry_db: Database):
    db = registry_db
    await close_and_restore(db, "中宁县石空镇红梁子石膏矿")
    for statement in ("UPDATE capacity_ledger_entries SET amount_wt = 999",
                      "DELETE FROM capacity_ledger_entries"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.write() as s:
                await s.exec(text(statement))  # type: ignore[call-overload]
    async with db.session() as s:
        assert [e.amount_wt for e in (await s.exec(select(LedgerEntry))).all()] == [15, 15]


async def test_two_grants_racing_for_the_same_capacity_cannot_both_have_it(registry_db: Database):
    db = registry_db
    await close_and_restore(db, "中宁县石空镇红梁子石膏矿")  # 22.5 allowed

    async def grant(ref: str) -> str:
        try:
            async with db.write() as s:
                await record_granted(s, city_code=CITY, added_wt=15, purpose=Purpose.NEW, reference=ref, **WHO)
                await asyncio.sleep(0.05)  # hold the transaction open while the other one tries
            return "granted"
        except DomainError as exc:
            return exc.code.value

    outcomes = await asyncio.gather(*(grant(f"grant:race-{i}") for i in range(4)))
    assert sorted(outcomes) == ["CAPACITY_LEDGER_UNBALANCED"] * 3 + ["granted"]
    async with db.session() as s:
        assert (await ledger_balance(s, CITY)).used_wt == 15
