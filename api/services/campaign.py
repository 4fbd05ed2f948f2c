"""治理整顿 (the campaign) as the registry and projection know it: its record, the groups it names, the counts and
the supervision views over its cases, the 两个暂停 check on reopenings, and batch starts of its rectification and
closure cases — keyword-only functions the routes, the console and the procedures (api/procedures/campaign.py,
rectification.py, closure.py) call."""

import asyncio
import hashlib
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.deps import Principal
from api.kinds import Kind, Starting, stage_name
from api.scope import can_view
from api.services import cases, registry
from domain.calendar import local_date
from domain.campaign import GROUP_REQUIRED_DEPARTMENTS, REFERRAL_NAMES, ReferralKind
from domain.cases import Status
from domain.divisions import covers
from domain.errors import DomainError, ErrorCode
from domain.roles import Role
from models.campaign import BatchRefused, BatchRequest, BatchResult, BatchStarted, InspectionGroup
from models.campaign_records import (
    CampaignCase,
    CampaignRecord,
    InspectionGroupRecord,
    RectificationItemRecord,
    ReferralRecord,
    RestorationClaim,
)
from models.db import Database, utcnow
from models.projection import CaseRecord
from models.registry import Division, DivisionLevel, Mine, MineStatus
from settings import Settings

RECTIFICATION_CODE = "rectification"  # the kind whose 销号 lifts the moratorium for a mine (api/procedures)


# ---- the campaign ---------------------------------------------------------------------------------------------------


async def check_groups(*, session: AsyncSession, city_code: str, groups: list[InspectionGroup]) -> None:
    """One 督查组 per county of the city, each with members from 自然资源、应急管理、生态环境 (seed 000 附件)."""
    counties = {d.code for d in (await session.exec(select(Division).where(
        Division.parent_code == city_code, Division.level == DivisionLevel.COUNTY))).all()}
    named = [g.county_code for g in groups]
    problems: dict[str, Any] = {}
    if stray := sorted(set(named) - counties):
        problems["not_in_city"] = stray
    if missing := sorted(counties - set(named)):
        problems["counties_without_group"] = missing
    if len(set(named)) != len(named):
        problems["duplicate_counties"] = sorted({c for c in named if named.count(c) > 1})
    for group in groups:
        kinds = {m.department for m in group.members}
        if lacking := [k for k in GROUP_REQUIRED_DEPARTMENTS if k not in kinds]:
            problems.setdefault("groups_lacking_departments", {})[group.name] = [k.value for k in lacking]
    if problems:
        raise DomainError(ErrorCode.INSPECTION_GROUPS_INVALID, details=problems)


async def campaign_record(*, session: AsyncSession, principal: Principal, campaign_id: str) -> CampaignRecord:
    """A campaign the caller oversees (its city, or a county of it)."""
    record = await session.get(CampaignRecord, campaign_id)
    if record is None:
        raise DomainError(ErrorCode.CAMPAIGN_NOT_FOUND, details={"campaign_id": campaign_id})
    if principal.role is not Role.ADMIN and not (
            principal.user.division_code and (covers(principal.user.division_code, record.city_code)
                                              or covers(record.city_code, principal.user.division_code))):
        raise DomainError(ErrorCode.OUT_OF_JURISDICTION)
    return record


class CampaignSummary(BaseModel):
    campaign_id: str
    title: str
    city_code: str
    stage: str
    results_due: Any
    acceptance_due: Any
    moratorium_active: bool
    moratorium_changed_at: datetime | None
    moratorium_reason: str | None


def summary(record: CampaignRecord) -> CampaignSummary:
    return CampaignSummary(**record.model_dump(include=set(CampaignSummary.model_fields)))


async def list_campaigns(*, session: AsyncSession, principal: Principal) -> list[CampaignSummary]:
    """The campaigns over the caller's jurisdiction (a county official: its city's), newest first."""
    code = principal.user.division_code
    rows = (await session.exec(select(CampaignRecord).order_by(col(CampaignRecord.updated_at).desc()))).all()
    await session.commit()
    return [summary(r) for r in rows
            if principal.role is Role.ADMIN or (code and (covers(code, r.city_code) or covers(r.city_code, code)))]


async def case_counts(*, session: AsyncSession, campaign_id: str) -> tuple[int, int]:
    """(all, still open) of the rectification and closure cases a campaign started."""
    rows = (await session.exec(
        select(CaseRecord.status, func.count())
        .join(CampaignCase, col(CampaignCase.case_id) == col(CaseRecord.case_id))
        .where(CampaignCase.campaign_id == campaign_id).group_by(col(CaseRecord.status)))).all()
    await session.commit()
    return sum(n for _, n in rows), sum(n for status, n in rows if status == Status.ACTIVE.value)


# ---- 两个暂停 ---------------------------------------------------------------------------------------------

async def ensure_reopening_may_be_approved(*, session: AsyncSession, case_id: str) -> None:
    """两个暂停 (seed 000 §二(二)): while a city's campaign holds the moratorium, a reopening may reach 批复 only for
    a mine whose rectification under that campaign is 销号 — read from the `campaigns` row the CampaignWorkflow
    writes and the cases' projection."""
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
        .where(CampaignCase.campaign_id == campaign.campaign_id, CampaignCase.kind == RECTIFICATION_CODE,
               CampaignCase.mine_id == mine_id)
        .order_by(col(CaseRecord.submitted_at).desc()))).all()
    await session.commit()
    if any(status == Status.COMPLETED.value for _, _, status in cases):
        return
    latest = next(((cid, stage, status) for cid, stage, status in cases if status == Status.ACTIVE.value), None)
    if latest is None:
        where, details = "尚未启动整治", {"rectification_case_id": None, "rectification_stage": None}
    else:
        where = f"整治处于“{stage_name(RECTIFICATION_CODE, latest[1])}”阶段，尚未验收销号"
        details = {"rectification_case_id": latest[0], "rectification_stage": latest[1]}
    raise DomainError(ErrorCode.MORATORIUM_IN_FORCE,
                      f"“两个暂停”实行期间（{campaign.title}），{mine_name}{where}，不得下发开复工批复",
                      {"campaign_id": campaign.campaign_id, "mine_id": mine_id, **details,
                       "rectification_status": "none" if latest is None else "in_progress"})


# ---- batch starts ---------------------------------------------------------------------------------------------

def _case_id(kind: Kind, campaign_id: str | None, mine_id: int, now: datetime, deployment: str) -> str:
    """Deterministic per (kind, campaign, mine, day): two batches racing for one mine start one case. `deployment`
    (the task-queue prefix) keeps deployments sharing a Temporal namespace — test stacks do — apart."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    key = f"{deployment}:{kind.code}:{campaign_id or ''}:{mine_id}:{local_date(now)}"
    digest = hashlib.sha256(key.encode()).digest()
    return f"{kind.prefix}-{local_date(now):%Y%m%d}-{''.join(alphabet[b % len(alphabet)] for b in digest[:6])}"


async def start_batch(*, kind: Kind, session: AsyncSession, db: Database, temporal: Client, settings: Settings,
                      principal: Principal, body: BatchRequest) -> BatchResult:
    """Start a `kind` case for each mine; a mine with an open case of that kind is reported, not started twice.
    The case ids are deterministic per (kind, campaign, mine, day), so two batches racing start one case."""
    result = BatchResult()
    to_start: list[tuple[int, str, BaseModel]] = []
    if body.campaign_id is not None:
        await campaign_record(session=session, principal=principal, campaign_id=body.campaign_id)
    for mine_id in dict.fromkeys(body.mine_ids):
        mine = await session.get(Mine, mine_id)
        if mine is None:
            result.refused.append(_refused(mine_id, ErrorCode.MINE_NOT_FOUND))
            continue
        if not can_view(principal, mine.division_code, None) or principal.role is Role.ENTERPRISE:
            result.refused.append(_refused(mine_id, ErrorCode.OUT_OF_JURISDICTION))
            continue
        if mine.status is MineStatus.CLOSED:
            result.refused.append(_refused(mine_id, ErrorCode.MINE_CLOSED, "该矿山已关闭"))
            continue
        if (open_case := await cases.open_case_of(session=session, kind=kind, mine_id=mine_id)) is not None:
            result.existing.append(BatchStarted(mine_id=mine_id, case_id=open_case))
            continue
        try:
            facts = await registry.mine_facts(session=session, mine=mine)
            if body.campaign_id is not None:
                campaign = await session.get(CampaignRecord, body.campaign_id)
                if campaign is None or campaign.city_code != facts.city_code:
                    raise DomainError(ErrorCode.OUT_OF_JURISDICTION, "该矿山不在此次治理整顿的范围内")
            case_id = _case_id(kind, body.campaign_id, facts.mine_id, utcnow(), settings.task_queue)
            assert kind.batch is not None, f"{kind.code} is not started in batches"
            starting = Starting(session=session, db=db, settings=settings, principal=principal)
            start = await kind.batch.build(starting, body, facts, case_id)
        except DomainError as error:
            result.refused.append(BatchRefused(mine_id=mine_id, code=error.code.value, message=error.message))
            continue
        if await session.get(CaseRecord, case_id) is not None:  # started today already, and closed since
            result.existing.append(BatchStarted(mine_id=mine_id, case_id=case_id))
            continue
        to_start.append((mine_id, case_id, start))
    await session.commit()  # no connection held while Temporal starts the cases
    bound = asyncio.Semaphore(max(1, settings.batch_start_concurrency))

    async def open_one(case_id: str, start: BaseModel) -> str:
        async with bound:
            view = await cases.open_case(kind=kind, temporal=temporal, settings=settings, principal=principal,
                                         start_input=start, case_id=case_id)
            return view.case_id

    # Checked one by one above (one session); started `batch_start_concurrency` at a time. Every start runs to its
    # end before a failure is raised: the ids are deterministic, so the batch sent again starts only what is left.
    opened = await asyncio.gather(*(open_one(case_id, start) for _, case_id, start in to_start),
                                  return_exceptions=True)
    if failure := next((o for o in opened if isinstance(o, BaseException)), None):
        raise failure
    result.started += [BatchStarted(mine_id=mine_id, case_id=str(case_id))
                       for (mine_id, _, _), case_id in zip(to_start, opened, strict=True)]
    return result


def _refused(mine_id: int, code: ErrorCode, message: str | None = None) -> BatchRefused:
    return BatchRefused(mine_id=mine_id, code=code.value, message=message or DomainError(code).message)



# ---- supervision ----------------------------------------------------------------------------------------------

class MineStage(BaseModel):
    case_id: str
    kind: str
    mine_id: int | None
    mine_name: str | None
    stage: str
    stage_name: str
    status: str
    overdue: bool


class OverdueItem(BaseModel):
    case_id: str
    item_no: int
    mine_name: str
    description: str
    due: Any
    third_party: bool


class DepartmentOverdue(BaseModel):
    department: str
    department_name: str
    count: int
    items: list[OverdueItem]


class ReferralOut(BaseModel):
    case_id: str
    mine_name: str | None
    kind: str
    kind_name: str
    reason: str
    by: str
    at: datetime


class ClaimOut(BaseModel):
    case_id: str
    item_no: int
    enterprise_name: str | None
    contractor: str
    contract_ref: str
    cost_yuan: float
    at: datetime


class CountySupervision(BaseModel):
    county_code: str
    county_name: str
    group: dict[str, Any] | None = Field(default=None, description="本县（区）督查组")
    total: int = 0
    closed: int = 0
    stage_counts: dict[str, int] = Field(default_factory=dict, description="未办结案件按阶段计数")
    mines_by_stage: dict[str, list[MineStage]] = Field(default_factory=dict)
    overdue_by_department: list[DepartmentOverdue] = Field(default_factory=list)
    referrals: list[ReferralOut] = Field(default_factory=list)
    claims: list[ClaimOut] = Field(default_factory=list)


class Supervision(CampaignSummary):
    counties: list[CountySupervision]


async def supervision(*, session: AsyncSession, principal: Principal, campaign_id: str,
                      division_code: str | None = None) -> Supervision:
    """Per county of the campaign (those the caller oversees): mines by stage, overdue items by department,
    referrals and third-party claims."""
    record = await campaign_record(session=session, principal=principal, campaign_id=campaign_id)
    counties = (await session.exec(select(Division).where(Division.parent_code == record.city_code)
                                   .order_by(col(Division.code)))).all()
    visible = [c for c in counties if can_view(principal, c.code, None)
               and (division_code is None or c.code == division_code)]
    codes = [c.code for c in visible]
    groups = {g.county_code: g for g in (await session.exec(select(InspectionGroupRecord).where(
        InspectionGroupRecord.campaign_id == campaign_id))).all()}
    cases = (await session.exec(
        select(CaseRecord).join(CampaignCase, col(CampaignCase.case_id) == col(CaseRecord.case_id))
        .where(CampaignCase.campaign_id == campaign_id, col(CaseRecord.division_code).in_(codes))
        .order_by(col(CaseRecord.mine_name)))).all()
    overdue = (await session.exec(select(RectificationItemRecord).where(
        RectificationItemRecord.campaign_id == campaign_id, col(RectificationItemRecord.division_code).in_(codes),
        RectificationItemRecord.status == "open", col(RectificationItemRecord.overdue).is_(True))
        .order_by(col(RectificationItemRecord.due)))).all()
    referrals = (await session.exec(select(ReferralRecord).where(
        ReferralRecord.campaign_id == campaign_id, col(ReferralRecord.division_code).in_(codes))
        .order_by(col(ReferralRecord.at)))).all()
    claims = (await session.exec(select(RestorationClaim).where(
        RestorationClaim.campaign_id == campaign_id, col(RestorationClaim.division_code).in_(codes))
        .order_by(col(RestorationClaim.at)))).all()
    out = []
    for county in visible:
        view = CountySupervision(county_code=county.code, county_name=county.name)
        if (group := groups.get(county.code)) is not None:
            view.group = {"name": group.name, "leader": group.leader, "members": group.members}
        for case in (c for c in cases if c.division_code == county.code):
            view.total += 1
            if case.status == Status.COMPLETED.value:
                view.closed += 1
            else:
                view.stage_counts[case.stage] = view.stage_counts.get(case.stage, 0) + 1
            view.mines_by_stage.setdefault(case.stage, []).append(MineStage(
                case_id=case.case_id, kind=case.kind, mine_id=case.mine_id, mine_name=case.mine_name,
                stage=case.stage, stage_name=stage_name(case.kind, case.stage), status=case.status,
                overdue=case.overdue))
        by_dept: dict[str, DepartmentOverdue] = {}
        for item in (i for i in overdue if i.division_code == county.code):
            entry = by_dept.setdefault(item.department_name, DepartmentOverdue(
                department=item.department, department_name=item.department_name, count=0, items=[]))
            entry.count += 1
            entry.items.append(OverdueItem(case_id=item.case_id, item_no=item.item_no, mine_name=item.mine_name,
                                           description=item.description, due=item.due,
                                           third_party=item.third_party))
        view.overdue_by_department = sorted(by_dept.values(), key=lambda d: (-d.count, d.department_name))
        view.referrals = [ReferralOut(case_id=r.case_id, mine_name=r.mine_name, kind=r.kind,
                                      kind_name=REFERRAL_NAMES[ReferralKind(r.kind)], reason=r.reason, by=r.by,
                                      at=r.at) for r in referrals if r.division_code == county.code]
        view.claims = [ClaimOut(case_id=c.case_id, item_no=c.item_no, enterprise_name=c.enterprise_name,
                                contractor=c.contractor, contract_ref=c.contract_ref, cost_yuan=c.cost_yuan, at=c.at)
                       for c in claims if c.division_code == county.code]
        out.append(view)
    await session.commit()
    return Supervision(**summary(record).model_dump(), counties=out)

