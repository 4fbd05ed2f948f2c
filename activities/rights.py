"""The registry writes of the mining-right procedures, each exactly once per case whatever the retries.

A change made by a case is keyed by (case_id, change) in `mining_right_history` (unique): the activity first
looks for its own row and answers from it; otherwise it changes the right and writes the row in the same
transaction. A retry after a lost answer, or after a crash past the commit, finds the row and changes nothing.
"""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity

from domain.divisions import city_of
from domain.errors import DomainError
from domain.ledger import Purpose
from domain.rights import CAPACITY_CLAUSE, RightStatus, add_years
from models.db import Database, utcnow
from models.ledger import LedgerEntry, record_correction, record_granted
from models.registry import Enterprise, Mine
from models.rights import MiningRight, MiningRightHistory, RightChange, add_right
from models.rights_cases import (
    CapacityCheckInput,
    CapacityVerdict,
    ChangeHolderInput,
    IssuedRight,
    IssueRightInput,
    RightChangeResult,
)


async def _own_change(session: AsyncSession, case_id: str, change: RightChange) -> MiningRightHistory | None:
    return (await session.exec(select(MiningRightHistory).where(
        MiningRightHistory.case_id == case_id, MiningRightHistory.change == change))).first()


class RightsActivities:
    def __init__(self, db: Database) -> None:
        self.db = db

    @activity.defn(name="change_right_holder")
    async def change_right_holder(self, request: ChangeHolderInput) -> RightChangeResult:
        """变更登记 of a transfer: the right's holder — and the registered mine's enterprise, so the new holder is
        the one who applies for the mine from now on — becomes the transferee, in one transaction, once per case."""
        async with self.db.write() as session:
            done = await _own_change(session, request.case_id, RightChange.HOLDER)
            if done is not None:
                assert done.id is not None
                return RightChangeResult(history_id=done.id, applied=False)
            right = await session.get(MiningRight, request.right_id, with_for_update=not self.db.is_sqlite)
            transferee = await session.get(Enterprise, request.to_enterprise_id)
            assert right is not None and transferee is not None  # checked when the case started
            before = {"holder_enterprise_id": right.holder_enterprise_id}
            right.holder_enterprise_id = request.to_enterprise_id
            right.version += 1
            right.updated_at = utcnow()
            entry = MiningRightHistory(right_id=request.right_id, change=RightChange.HOLDER, before=before,
                                       after={"holder_enterprise_id": request.to_enterprise_id,
                                              "holder_name": transferee.name},
                                       case_id=request.case_id, reason=request.reason,
                                       by_username=request.by_username)
            if right.mine_id is not None and (mine := await session.get(Mine, right.mine_id)) is not None:
                mine.enterprise_id = request.to_enterprise_id
                session.add(mine)
            session.add(right)
            session.add(entry)
            await session.flush()
            assert entry.id is not None
            return RightChangeResult(history_id=entry.id, applied=True)

    @activity.defn(name="issue_mining_right")
    async def issue_mining_right(self, request: IssueRightInput) -> IssuedRight:
        """设立登记 of a granted block: the new right enters the registry, once per case."""
        async with self.db.write() as session:
            done = await _own_change(session, request.case_id, RightChange.CREATED)
            if done is not None:
                right = await session.get(MiningRight, done.right_id)
                assert right is not None and right.id is not None
                return IssuedRight(right_id=right.id, licence_no=right.licence_no, applied=False)
            block = request.block
            right = MiningRight(
                licence_no=request.licence_no, mine_name=block.block_name,
                holder_enterprise_id=request.holder_enterprise_id,
                division_code=block.division_code, mineral=block.mineral, open_pit=block.open_pit,
                scale=block.production_scale, scale_wt=block.production_wt, valid_from=request.valid_from,
                valid_to=add_years(request.valid_from, block.valid_years), area=block.area,
                authority_level=request.authority_level, status=RightStatus.VALID,
            )
            await add_right(session, right, reason="出让后设立登记", by_username=request.by_username,
                            case_id=request.case_id)
            assert right.id is not None
            return IssuedRight(right_id=right.id, licence_no=right.licence_no, applied=True)

    @activity.defn(name="check_capacity_ledger")
    async def check_capacity_ledger(self, request: CapacityCheckInput) -> CapacityVerdict:
        """双挂钩一达标 (seed 002 §04(二)4(2)): the block's capacity is reserved in the city's capacity ledger — it
        must be matched by closed capacity (增幅不高于50%、全市平衡) with exited mines 100% restored — or the
        ledger's refusal, with its numbers, is the answer. Keyed by the case: a retry reserves nothing twice."""
        try:
            async with self.db.write() as session:
                entry = await record_granted(
                    session, city_code=city_of(request.division_code), added_wt=request.production_wt,
                    purpose=Purpose.NEW, reference=_reservation(request.case_id), actor="system", role="system",
                    case_id=request.case_id, note=f"采矿权出让预留产能（{request.mineral}）")
        except DomainError as exc:  # the ledger does not balance (its message carries the numbers)
            return CapacityVerdict(ok=False, reason=exc.message, clause=CAPACITY_CLAUSE)
        return CapacityVerdict(ok=True, reason=f"已在产能台账预留 {entry.amount_wt:g} 万吨/年", clause=CAPACITY_CLAUSE)

    @activity.defn(name="release_capacity")
    async def release_capacity(self, request: CapacityCheckInput) -> bool:
        """A grant that ends without a right (refused, void, lapsed) gives its reserved capacity back, as a
        correction entry (the ledger is append-only); once per case."""
        async with self.db.write() as session:
            reserved = (await session.exec(select(LedgerEntry).where(
                LedgerEntry.reference == _reservation(request.case_id)))).first()
            if reserved is None or reserved.id is None:
                return False
            await record_correction(session, corrects_entry_id=reserved.id, amount_wt=-reserved.amount_wt,
                                    reference=f"{_reservation(request.case_id)}:release", actor="system",
                                    role="system", note="出让未完成，释放预留产能")
            return True


def _reservation(case_id: str) -> str:
    return f"grant:{case_id}"


async def licence_taken(session: AsyncSession, licence_no: str) -> bool:
    return (await session.exec(select(col(MiningRight.id)).where(MiningRight.licence_no == licence_no))).first() \
        is not None

