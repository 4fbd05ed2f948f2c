"""The campaign's writes and reads: campaign row and moratorium, 督查组, case links, rectification items,
referrals and claims, and the campaign's progress. Each write is keyed, so a retried call changes nothing twice."""

from sqlalchemy import func
from sqlmodel import col, delete, select
from temporalio import activity

from domain.cases import Status
from domain.errors import DomainError
from models import ledger
from models.campaign import (
    CampaignRecordInput,
    CapacityInput,
    CapacityResult,
    CaseLinkInput,
    ClaimInput,
    ItemsSyncInput,
    Progress,
    ProgressRequest,
    ReferralInput,
)
from models.campaign_records import (
    CampaignCase,
    CampaignRecord,
    InspectionGroupRecord,
    RectificationItemRecord,
    ReferralRecord,
    RestorationClaim,
)
from models.db import Database, insert_ignoring_conflict
from models.projection import CaseRecord
from models.registry import Mine, MineStatus


class CampaignActivities:
    def __init__(self, db: Database) -> None:
        self.db = db

    @activity.defn(name="record_campaign")
    async def record_campaign(self, data: CampaignRecordInput) -> None:
        """The campaign's row (stage, moratorium) and its 督查组; the moratorium's history is the case timeline."""
        async with self.db.write() as session:
            record = await session.get(CampaignRecord, data.campaign_id)
            if record is None:
                record = CampaignRecord(campaign_id=data.campaign_id, city_code=data.city_code, title=data.title,
                                        results_due=data.results_due, acceptance_due=data.acceptance_due,
                                        stage=data.stage, updated_at=data.at)
                for group in data.groups:
                    session.add(InspectionGroupRecord(
                        campaign_id=data.campaign_id, county_code=group.county_code, name=group.name,
                        leader=group.leader, members=[m.model_dump(mode="json") for m in group.members]))
            elif record.updated_at > data.at:
                return  # a late retry of an older write
            if record.moratorium_active != data.moratorium_active or record.moratorium_changed_at is None:
                record.moratorium_changed_at, record.moratorium_changed_by = data.at, data.by
                record.moratorium_reason = data.reason or None
            record.moratorium_active, record.stage, record.updated_at = data.moratorium_active, data.stage, data.at
            session.add(record)

    @activity.defn(name="suspend_city_mines")
    async def suspend_city_mines(self, request: ProgressRequest) -> list[int]:
        """两个暂停: every producing mine of the campaign's city is suspended (it resumes through 开复工).
        Returns the mines it suspended (none on a retry after the first call committed)."""
        async with self.db.write() as session:
            record = await session.get(CampaignRecord, request.campaign_id)
            assert record is not None, "the campaign is recorded before its moratorium"
            mines = (await session.exec(select(Mine).where(
                col(Mine.division_code).startswith(record.city_code[:4]), Mine.status == MineStatus.PRODUCING))).all()
            for mine in mines:
                mine.status = MineStatus.SUSPENDED
                session.add(mine)
            return sorted(m.id for m in mines if m.id is not None)

    @activity.defn(name="record_closure_capacity")
    async def record_closure_capacity(self, data: CapacityInput) -> CapacityResult:
        """The closure's entry in the capacity ledger, keyed by the case (a retry adds nothing). A refusal (the
        mine's capacity already recorded under another reference, say) is answered, not retried: the closure goes
        on and says so on its timeline."""
        try:
            async with self.db.write() as session:
                if data.kind == "closed":
                    entry = await ledger.record_closed(session, mine_id=data.mine_id,
                                                       reference=f"closure:{data.case_id}", actor=data.actor,
                                                       role=data.role, case_id=data.case_id,
                                                       note="关闭取缔：采矿许可证注销")
                else:
                    entry = await ledger.record_restored(session, mine_id=data.mine_id,
                                                         reference=f"restoration:{data.case_id}", actor=data.actor,
                                                         role=data.role, case_id=data.case_id,
                                                         note="关闭取缔：生态修复验收")
                amount = entry.amount_wt
        except DomainError as error:
            return CapacityResult(recorded=False, code=error.code.value, message=error.message)
        return CapacityResult(recorded=True, amount_wt=amount)

    @activity.defn(name="link_campaign_case")
    async def link_campaign_case(self, data: CaseLinkInput) -> None:
        async with self.db.write() as session:
            await session.exec(insert_ignoring_conflict(CampaignCase, data.model_dump(),  # type: ignore[call-overload]
                                                        self.db.engine.dialect.name))

    @activity.defn(name="sync_rectification_items")
    async def sync_rectification_items(self, data: ItemsSyncInput) -> None:
        """Replace the case's item rows, unless a newer write is already there."""
        async with self.db.write() as session:
            current = (await session.exec(select(func.max(RectificationItemRecord.version)).where(
                RectificationItemRecord.case_id == data.case_id))).one()
            if current is not None and current > data.version:
                return
            await session.exec(delete(RectificationItemRecord).where(  # type: ignore[call-overload]
                col(RectificationItemRecord.case_id) == data.case_id))
            session.add_all(RectificationItemRecord(
                case_id=data.case_id, campaign_id=data.campaign_id, mine_id=data.mine_id, mine_name=data.mine_name,
                division_code=data.division_code, version=data.version, **item.model_dump())
                for item in data.items)

    @activity.defn(name="record_referral")
    async def record_referral(self, data: ReferralInput) -> None:
        async with self.db.write() as session:
            await session.exec(insert_ignoring_conflict(  # type: ignore[call-overload]
                ReferralRecord, {**data.model_dump(), "kind": data.kind.value}, self.db.engine.dialect.name))

    @activity.defn(name="record_claim")
    async def record_claim(self, data: ClaimInput) -> None:
        async with self.db.write() as session:
            await session.exec(insert_ignoring_conflict(RestorationClaim, data.model_dump(),  # type: ignore[call-overload]
                                                        self.db.engine.dialect.name))

    @activity.defn(name="campaign_progress")
    async def campaign_progress(self, request: ProgressRequest) -> Progress:
        """How the campaign's cases stand, from the projection."""
        async with self.db.session() as session:
            rows = (await session.exec(
                select(CaseRecord.stage, CaseRecord.status, func.count())
                .join(CampaignCase, col(CampaignCase.case_id) == col(CaseRecord.case_id))
                .where(CampaignCase.campaign_id == request.campaign_id)
                .group_by(col(CaseRecord.stage), col(CaseRecord.status))
            )).all()
            overdue = (await session.exec(select(func.count()).select_from(RectificationItemRecord).where(
                RectificationItemRecord.campaign_id == request.campaign_id,
                col(RectificationItemRecord.overdue).is_(True), RectificationItemRecord.status == "open"))).one()
        progress = Progress(overdue_items=overdue)
        for stage, status, n in rows:
            progress.total += n
            if status == Status.ACTIVE.value:
                progress.open += n
                progress.by_stage[stage] = progress.by_stage.get(stage, 0) + n
            elif status == Status.COMPLETED.value:
                progress.closed += n
        return progress
