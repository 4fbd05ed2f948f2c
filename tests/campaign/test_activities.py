"""The campaign's activities are idempotent: a retried call (a worker dying mid-call) adds or changes nothing twice,
and a late write never rolls newer state back."""

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from activities.campaign import CampaignActivities
from domain.campaign import ReferralKind
from models.campaign import (
    CampaignRecordInput,
    CapacityInput,
    ClaimInput,
    ItemRow,
    ItemsSyncInput,
    ProgressRequest,
    ReferralInput,
)
from models.campaign_records import CampaignRecord, RectificationItemRecord, ReferralRecord, RestorationClaim
from models.registry import Mine, MineStatus

AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def item(no: int, status: str = "open") -> ItemRow:
    return ItemRow(item_no=no, check="safety", link="suspension", department="emergency_management",
                   department_id=1, department_name="应急管理局", description="隐患", due=date(2026, 3, 16),
                   status=status, overdue=False, escalated=False, third_party=False)


async def test_every_write_is_idempotent(demo_db):
    acts = CampaignActivities(demo_db)
    async with demo_db.session() as session:
        mine = (await session.exec(select(Mine).where(Mine.name == "中宁县余丁乡水泥用灰岩矿"))).one()
    async with demo_db.write() as session:
        row = await session.get(Mine, mine.id)
        row.status = MineStatus.PRODUCING
        session.add(row)

    record = CampaignRecordInput(campaign_id="ZLZD-1", city_code="640500", title="整顿", results_due=date(2026, 5, 31),
                                 acceptance_due=date(2026, 6, 30), groups=[], stage="rectifying",
                                 moratorium_active=True, at=AT, by="city_nr")
    await acts.record_campaign(record)
    await acts.record_campaign(record)
    assert await acts.suspend_city_mines(ProgressRequest(campaign_id="ZLZD-1")) == [mine.id]
    assert await acts.suspend_city_mines(ProgressRequest(campaign_id="ZLZD-1")) == []  # the retry: none left
    lifted = record.model_copy(update={"moratorium_active": False, "at": AT + timedelta(days=1), "reason": "解除"})
    await acts.record_campaign(lifted)
    await acts.record_campaign(record)  # a late retry of the older write changes nothing
    async with demo_db.session() as session:
        campaign = await session.get(CampaignRecord, "ZLZD-1")
        assert (campaign.moratorium_active, campaign.moratorium_reason) == (False, "解除")

    sync = ItemsSyncInput(case_id="ZZ-1", campaign_id="ZLZD-1", mine_id=mine.id, mine_name=mine.name,
                          division_code="640521", version=2, items=[item(1, "closed"), item(2)])
    await acts.sync_rectification_items(sync)
    await acts.sync_rectification_items(sync.model_copy(update={"version": 1, "items": [item(1)]}))  # late
    async with demo_db.session() as session:
        rows = (await session.exec(select(RectificationItemRecord))).all()
    assert [(r.item_no, r.status) for r in rows] == [(1, "closed"), (2, "open")]

    referral = ReferralInput(key="ZZ-1:7", campaign_id="ZLZD-1", case_id="ZZ-1", mine_id=mine.id,
                             mine_name=mine.name, division_code="640521", kind=ReferralKind.DISCIPLINE,
                             reason="推进不力", by="system", at=AT)
    claim = ClaimInput(key="ZZ-1:8", campaign_id="ZLZD-1", case_id="ZZ-1", item_no=2, mine_id=mine.id,
                       enterprise_id=mine.enterprise_id, enterprise_name="企业", division_code="640521",
                       contractor="第三方", contract_ref="合同", cost_yuan=1000.0, at=AT)
    for _ in range(2):
        await acts.record_referral(referral)
        await acts.record_claim(claim)
    async with demo_db.session() as session:
        assert len((await session.exec(select(ReferralRecord))).all()) == 1
        assert len((await session.exec(select(RestorationClaim))).all()) == 1

    closed = CapacityInput(kind="closed", mine_id=mine.id, case_id="GBQD-1", actor="zn_nr", role="county_nr")
    first, again = await acts.record_closure_capacity(closed), await acts.record_closure_capacity(closed)
    assert first.recorded and again.recorded and first.amount_wt == again.amount_wt == mine.scale_wt
    other = await acts.record_closure_capacity(closed.model_copy(update={"case_id": "GBQD-2"}))
    assert (other.recorded, other.code) == (False, "LEDGER_MINE_ALREADY_CLOSED")
