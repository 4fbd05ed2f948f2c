"""两个暂停 (seed 000 §二(二)): while a city's campaign holds the moratorium, a reopening may reach 批复 only for a mine
whose rectification under that campaign is 销号. Checked by `case_service.act` before the approval reaches the
workflow, from the `campaigns` row the CampaignWorkflow writes and the cases' projection."""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.kinds import RECTIFICATION
from domain.cases import Status
from domain.errors import DomainError, ErrorCode
from models.campaign_records import CampaignCase, CampaignRecord
from models.projection import CaseRecord


async def ensure_reopening_may_be_approved(session: AsyncSession, case_id: str) -> None:
    found = (await session.exec(select(CaseRecord.mine_id, CaseRecord.mine_name, CaseRecord.city_code)
                                .where(CaseRecord.case_id == case_id))).first()
    if found is None or found[0] is None:
        return
    mine_id, mine_name, city_code = found
    campaign = (await session.exec(select(CampaignRecord).where(
        CampaignRecord.city_code == city_code, col(CampaignRecord.moratorium_active).is_(True)))).first()
    if campaign is None:
        await session.commit()
        return
    cases = (await session.exec(
        select(CaseRecord.case_id, CaseRecord.stage, CaseRecord.status)
        .join(CampaignCase, col(CampaignCase.case_id) == col(CaseRecord.case_id))
        .where(CampaignCase.campaign_id == campaign.campaign_id, CampaignCase.kind == RECTIFICATION.code,
               CampaignCase.mine_id == mine_id)
        .order_by(col(CaseRecord.submitted_at).desc()))).all()
    await session.commit()
    if any(status == Status.COMPLETED.value for _, _, status in cases):
        return
    latest = next(((cid, stage, status) for cid, stage, status in cases if status == Status.ACTIVE.value), None)
    if latest is None:
        where, details = "尚未启动整治", {"rectification_case_id": None, "rectification_stage": None}
    else:
        where = f"整治处于“{RECTIFICATION.stage_names.get(latest[1], latest[1])}”阶段，尚未验收销号"
        details = {"rectification_case_id": latest[0], "rectification_stage": latest[1]}
    raise DomainError(ErrorCode.MORATORIUM_IN_FORCE,
                      f"“两个暂停”实行期间（{campaign.title}），{mine_name}{where}，不得下发开复工批复",
                      {"campaign_id": campaign.campaign_id, "mine_id": mine_id, **details,
                       "rectification_status": "none" if latest is None else "in_progress"})
