"""治理整顿: opening a campaign, starting rectification and closure cases in batches, the registry facts their
actions need (departments of a plan's items), and the supervision views — registry facts in, workflow calls out."""

import hashlib
from dataclasses import asdict
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api import case_service
from api.deps import Principal
from api.kinds import CAMPAIGN, RECTIFICATION, Kind, stage_name
from api.scope import can_view
from domain.calendar import local_date
from domain.campaign import (
    CLOSURE_DEFAULTS,
    CLOSURE_STEPS,
    GROUP_REQUIRED_DEPARTMENTS,
    KEY_CHECKS,
    RECTIFICATION_DEFAULTS,
    REFERRAL_NAMES,
    ReferralKind,
)
from domain.cases import Status
from domain.divisions import city_of, covers
from domain.errors import DomainError, ErrorCode
from domain.roles import DEPARTMENT_KIND_NAMES, DepartmentKind, Role
from models.campaign import (
    BatchRefused,
    BatchRequest,
    BatchResult,
    BatchStarted,
    CampaignCreate,
    CampaignStart,
    CampaignView,
    ClosureBatchRequest,
    ClosurePolicy,
    ClosureStart,
    ConcludeInput,
    ConcludeRequest,
    InspectionGroup,
    PlanInput,
    PlanItemSpec,
    PlanRequest,
    RectificationPolicy,
    RectificationStart,
)
from models.campaign_records import (
    CampaignCase,
    CampaignRecord,
    InspectionGroupRecord,
    RectificationItemRecord,
    ReferralRecord,
    RestorationClaim,
)
from models.cases import MineFacts, PartySpec
from models.db import Database, utcnow
from models.projection import CaseRecord
from models.registry import Department, Division, DivisionLevel, Enterprise, Mine, MineStatus
from settings import Settings

# ---- the campaign ------------------------------------------------------------------------------------------------


async def start_campaign(*, session: AsyncSession, db: Database, temporal: Client, settings: Settings,
                         principal: Principal, body: CampaignCreate, idempotency_key: str | None) -> CampaignView:
    async def build() -> CampaignStart:
        city_code = principal.user.division_code or ""
        city = await session.get(Division, city_code)
        if city is None or city.level is not DivisionLevel.CITY:
            raise DomainError(ErrorCode.FORBIDDEN_ROLE, "只有市自然资源局可以启动治理整顿")
        if body.results_due < local_date(utcnow()):
            raise DomainError(ErrorCode.DATE_INVALID, "取得实效期限不能早于今天",
                              {"results_due": str(body.results_due)})
        if body.acceptance_due < body.results_due:
            raise DomainError(ErrorCode.DATE_INVALID, "自治区级验收销号期限不能早于取得实效期限",
                              {"results_due": str(body.results_due), "acceptance_due": str(body.acceptance_due)})
        await _check_groups(session, city_code, body.groups)
        open_campaign = (await session.exec(select(CaseRecord.case_id).where(
            CaseRecord.kind == CAMPAIGN.code, CaseRecord.city_code == city_code,
            CaseRecord.status == Status.ACTIVE.value))).first()
        if open_campaign is not None:
            raise DomainError(ErrorCode.CAMPAIGN_ALREADY_OPEN, details={"case_id": open_campaign})
        return CampaignStart(case_id=case_service.new_case_id(CAMPAIGN.prefix, utcnow()), title=body.title,
                             city_code=city_code, city_name=city.name, results_due=body.results_due,
                             acceptance_due=body.acceptance_due, groups=body.groups, moratorium=body.moratorium,
                             note=body.note, opened_by=principal.actor())

    view = await case_service.start_case(kind=CAMPAIGN, session=session, db=db, temporal=temporal, settings=settings,
                                         principal=principal, body=body, idempotency_key=idempotency_key,
                                         build=build, start_type=CampaignStart)
    assert isinstance(view, CampaignView)
    return view


async def _check_groups(session: AsyncSession, city_code: str, groups: list[InspectionGroup]) -> None:
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


async def campaign_record(session: AsyncSession, principal: Principal, campaign_id: str) -> CampaignRecord:
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


async def list_campaigns(session: AsyncSession, principal: Principal) -> list[CampaignSummary]:
    """The campaigns over the caller's jurisdiction (a county official: its city's), newest first."""
    code = principal.user.division_code
    rows = (await session.exec(select(CampaignRecord).order_by(col(CampaignRecord.updated_at).desc()))).all()
    await session.commit()
    return [summary(r) for r in rows
            if principal.role is Role.ADMIN or (code and (covers(code, r.city_code) or covers(r.city_code, code)))]


async def conclude_input(session: AsyncSession, principal: Principal, campaign_id: str,
                         body: ConcludeRequest) -> ConcludeInput:
    rows = (await session.exec(
        select(CaseRecord.status, func.count())
        .join(CampaignCase, col(CampaignCase.case_id) == col(CaseRecord.case_id))
        .where(CampaignCase.campaign_id == campaign_id).group_by(col(CaseRecord.status)))).all()
    total = sum(n for _, n in rows)
    open_ = sum(n for status, n in rows if status == Status.ACTIVE.value)
    await session.commit()
    return ConcludeInput(actor=principal.actor(), summary=body.summary, total_cases=total, open_cases=open_)


# ---- batch start -----------------------------------------------------------------------------------------------


async def mine_facts(session: AsyncSession, mine: Mine) -> MineFacts:
    enterprise = await session.get(Enterprise, mine.enterprise_id)
    county = await session.get(Division, mine.division_code)
    township = await session.get(Department, mine.township_id)
    assert enterprise is not None and county is not None and township is not None  # foreign keys
    return MineFacts(
        mine_id=mine.id or 0, mine_name=mine.name, enterprise_id=enterprise.id or 0, enterprise_name=enterprise.name,
        division_code=county.code, division_name=county.name, county_short_name=county.short_name,
        city_code=county.parent_code or city_of(county.code), township_id=township.id or 0,
        township_name=township.name, mineral=mine.mineral, method=mine.method, scale_wt=mine.scale_wt,
        licence_no=mine.licence_no, licence_valid_to=mine.licence_valid_to,
    )


def _case_id(kind: Kind, campaign_id: str | None, mine_id: int, now: datetime, deployment: str) -> str:
    """Deterministic per (kind, campaign, mine, day): two batches racing for one mine start one case. `deployment`
    (the task-queue prefix) keeps deployments sharing a Temporal namespace — test stacks do — apart."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    key = f"{deployment}:{kind.code}:{campaign_id or ''}:{mine_id}:{local_date(now)}"
    digest = hashlib.sha256(key.encode()).digest()
    return f"{kind.prefix}-{local_date(now):%Y%m%d}-{''.join(alphabet[b % len(alphabet)] for b in digest[:6])}"


async def start_batch(*, kind: Kind, session: AsyncSession, db: Database, temporal: Client, settings: Settings,
                      principal: Principal, body: BatchRequest) -> BatchResult:
    """Start a `kind` case for each mine; a mine with an open case of that kind is reported, not started twice."""
    result = BatchResult()
    if body.campaign_id is not None:
        await campaign_record(session, principal, body.campaign_id)
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
        open_case = (await session.exec(select(CaseRecord.case_id).where(
            CaseRecord.mine_id == mine_id, CaseRecord.kind == kind.code,
            CaseRecord.status == Status.ACTIVE.value))).first()
        if open_case is not None:
            result.existing.append(BatchStarted(mine_id=mine_id, case_id=open_case))
            continue
        try:
            start = await _build(kind, session, principal, body, mine, settings)
        except DomainError as error:
            result.refused.append(BatchRefused(mine_id=mine_id, code=error.code.value, message=error.message))
            continue
        if await session.get(CaseRecord, start.case_id) is not None:  # started today already, and closed since
            result.existing.append(BatchStarted(mine_id=mine_id, case_id=start.case_id))
            continue

        async def given(s: RectificationStart | ClosureStart = start) -> RectificationStart | ClosureStart:
            return s

        view = await case_service.start_case(kind=kind, session=session, db=db, temporal=temporal,
                                             settings=settings, principal=principal, body=body,
                                             idempotency_key=None, build=given, start_type=type(start))
        result.started.append(BatchStarted(mine_id=mine_id, case_id=view.case_id))
    return result


def _refused(mine_id: int, code: ErrorCode, message: str | None = None) -> BatchRefused:
    return BatchRefused(mine_id=mine_id, code=code.value, message=message or DomainError(code).message)


async def _build(kind: Kind, session: AsyncSession, principal: Principal, body: BatchRequest, mine: Mine,
                 settings: Settings) -> RectificationStart | ClosureStart:
    facts = await mine_facts(session, mine)
    if body.campaign_id is not None:
        campaign = await session.get(CampaignRecord, body.campaign_id)
        if campaign is None or campaign.city_code != facts.city_code:
            raise DomainError(ErrorCode.OUT_OF_JURISDICTION, "该矿山不在此次治理整顿的范围内")
    case_id = _case_id(kind, body.campaign_id, facts.mine_id, utcnow(), settings.task_queue)
    if kind is RECTIFICATION:
        return RectificationStart(case_id=case_id, campaign_id=body.campaign_id, mine=facts,
                                  opened_by=principal.actor(), policy=rectification_policy(settings))
    assert isinstance(body, ClosureBatchRequest)
    departments = {}
    for step in CLOSURE_STEPS:
        if step.department is None:
            continue
        if step.department is DepartmentKind.TOWNSHIP:
            dept = await session.get(Department, mine.township_id)
        else:
            dept = (await session.exec(select(Department).where(
                Department.division_code == mine.division_code, Department.kind == step.department)
                .order_by(col(Department.id)))).first()
        if dept is None:
            raise DomainError(ErrorCode.REGISTRY_INCOMPLETE,
                              f"{facts.division_name}缺少{DEPARTMENT_KIND_NAMES[step.department]}部门，无法组织关闭取缔",
                              {"missing_kind": step.department.value})
        departments[step.stage.value] = PartySpec(party=step.department.value, name=dept.name,
                                                  department_id=dept.id)
    return ClosureStart(case_id=case_id, campaign_id=body.campaign_id, mine=facts, plan_ref=body.plan_ref,
                        departments=departments, opened_by=principal.actor(),
                        policy=closure_policy(settings))


def rectification_policy(settings: Settings) -> RectificationPolicy:
    return RectificationPolicy(**{**asdict(RECTIFICATION_DEFAULTS), **settings.rectification_policy})


def closure_policy(settings: Settings) -> ClosurePolicy:
    """The 公示 period and each step's working days (domain/campaign.py CLOSURE_STEPS), as overridden."""
    overrides = dict(settings.closure_policy)
    publicity = overrides.pop("publicity_working_days", CLOSURE_DEFAULTS.publicity_working_days)
    steps = {s.stage.value: overrides.get(s.stage.value, s.working_days) for s in CLOSURE_STEPS}
    return ClosurePolicy(publicity_working_days=publicity, step_working_days=steps)


# ---- actions' registry facts --------------------------------------------------------------------------------------


async def plan_input(session: AsyncSession, principal: Principal, case_id: str, body: PlanRequest) -> PlanInput:
    """Each item's department: the one named, else the key check's (seed 000 §二(二)), in the mine's county."""
    found = (await session.exec(select(CaseRecord.division_code, CaseRecord.mine_id).where(
        CaseRecord.case_id == case_id))).first()
    if found is None:
        raise DomainError(ErrorCode.CASE_NOT_FOUND)
    division, mine_id = found
    mine = await session.get(Mine, mine_id)
    assert mine is not None
    departments: dict[DepartmentKind, Department] = {}
    for dept in (await session.exec(select(Department).where(Department.division_code == division)
                                    .order_by(col(Department.id)))).all():
        departments.setdefault(dept.kind, dept)
    township = await session.get(Department, mine.township_id)
    items = []
    for item in body.items:
        kind = item.department or KEY_CHECKS[item.check].department
        dept = township if kind is DepartmentKind.TOWNSHIP else departments.get(kind)
        if dept is None or dept.id is None:
            raise DomainError(ErrorCode.DEPARTMENT_NOT_FOUND, f"本县（区）没有{DEPARTMENT_KIND_NAMES[kind]}部门",
                              {"department": kind.value})
        items.append(PlanItemSpec(check=item.check, link=item.link, description=item.description,
                                  working_days=item.working_days, department=kind, department_id=dept.id,
                                  department_name=dept.name))
    await session.commit()
    return PlanInput(actor=principal.actor(), responsible_person=body.responsible_person,
                     responsible_title=body.responsible_title, measures=body.measures, items=items)


# ---- supervision -----------------------------------------------------------------------------------------------


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


async def supervision(session: AsyncSession, principal: Principal, campaign_id: str,
                      division_code: str | None = None) -> Supervision:
    """Per county of the campaign (those the caller oversees): mines by stage, overdue items by department,
    referrals and third-party claims."""
    record = await campaign_record(session, principal, campaign_id)
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

