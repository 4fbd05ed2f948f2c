"""开复工 (reopening), seed 000 §二(三): the enterprise applies; county NR accepts and leads the joint acceptance;
the county 三重一大 decides; county NR issues the 批复; the enterprise resumes; the city files it.

The workflow and its actions: workflows/reopening.py. Its wire models: models/reopening.py. Its rules:
domain/reopening.py.
"""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, SessionDep
from api.errors import ErrorBody
from api.kinds import Acting, Kind, Page, Start, Starting, prepares, register
from api.scope import ensure_can_view
from api.services import campaign as campaign_service
from api.services import cases, registry
from domain import reopening
from domain.calendar import local_date
from domain.errors import DomainError, ErrorCode
from domain.mines import METHOD_NAMES
from domain.reopening import DEFAULTS, JOINT_ACCEPTANCE_DEPARTMENTS, required_materials
from domain.roles import Role
from models.db import utcnow
from models.registry import MineStatus
from models.reopening import (
    ApprovalInput,
    ApprovalRequest,
    IntakeInput,
    IntakeRequest,
    MaterialRequirement,
    ReopeningCreate,
    ReopeningPolicy,
    ReopeningStart,
    RequiredMaterials,
)
from settings import Settings
from workflows.reopening import ReopeningWorkflow


def reopening_policy(settings: Settings) -> ReopeningPolicy:
    return ReopeningPolicy(**{**asdict(DEFAULTS), **settings.policy_overrides("reopening")})


async def build_start(starting: Starting, body: ReopeningCreate) -> ReopeningStart:
    """The mine must be the applicant's, open, and licensed today; one open reopening per mine."""
    session, principal = starting.session, starting.principal
    mine = await registry.mine(session=session, mine_id=body.mine_id)
    if mine.enterprise_id != principal.user.enterprise_id:
        raise DomainError(ErrorCode.NOT_YOUR_CASE, "只能为本企业的矿山申请开复工")
    if mine.status is MineStatus.CLOSED:
        raise DomainError(ErrorCode.MINE_CLOSED)
    today = local_date(utcnow())
    if mine.licence_valid_to < today:
        raise DomainError(ErrorCode.LICENCE_EXPIRED,
                          f"采矿许可证 {mine.licence_no} 已于 {mine.licence_valid_to} 到期，不能申请开复工",
                          {"licence_no": mine.licence_no, "licence_valid_to": str(mine.licence_valid_to)})
    if mine.licence_valid_from > today:
        raise DomainError(ErrorCode.LICENCE_NOT_YET_VALID,
                          details={"licence_no": mine.licence_no, "licence_valid_from": str(mine.licence_valid_from)})
    if (open_case := await cases.open_case_of(session=session, kind=REOPENING, mine_id=mine.id)) is not None:
        raise DomainError(ErrorCode.CASE_ALREADY_OPEN, details={"case_id": open_case})
    facts = await registry.mine_facts(session=session, mine=mine)
    # 县自然资源局牵头，应急、环保、公安、水务、乡镇 (seed 000 §二(三)); the township is the mine's own
    departments = await registry.parties(session=session, division_code=facts.division_code,
                                         township_id=facts.township_id, kinds=JOINT_ACCEPTANCE_DEPARTMENTS,
                                         purpose="组织联合验收")
    return ReopeningStart(case_id=cases.new_case_id(REOPENING), mine=facts, reason=body.reason,
                          materials=body.materials, departments=departments, applicant=principal.actor(),
                          policy=reopening_policy(starting.settings))


@prepares(ReopeningWorkflow.intake)
async def intake_input(acting: Acting, body: IntakeRequest) -> IntakeInput:
    """Accepting names the expert panel: each an active expert of the case's county or its city."""
    experts = []
    if body.decision == "accept" and body.experts:
        experts = await registry.experts(session=acting.session, division_code=acting.division_code,
                                         usernames=body.experts)
    return IntakeInput(actor=acting.actor, decision=body.decision, missing=body.missing, experts=experts,
                       note=body.note)


@prepares(ReopeningWorkflow.approval)
async def approval_input(acting: Acting, body: ApprovalRequest) -> ApprovalInput:
    """两个暂停: while the city's campaign holds its moratorium, no 批复 for a mine not yet 销号."""
    await campaign_service.ensure_reopening_may_be_approved(session=acting.session, case_id=acting.case_id)
    return ApprovalInput(actor=acting.actor, **body.model_dump())


def routes() -> APIRouter:
    router = APIRouter(tags=["开复工"])

    @router.get("/reopenings/required-materials", summary="查询矿山申请开复工须提交的材料",
                response_model=RequiredMaterials, responses={r: {"model": ErrorBody} for r in (401, 403, 404, 422)})
    async def get_required_materials(principal: CurrentUser, session: SessionDep,
                                     mine_id: Annotated[int, Query(ge=1, le=2**31 - 1)]) -> RequiredMaterials:
        mine = await registry.mine(session=session, mine_id=mine_id)
        ensure_can_view(principal, mine.division_code, mine.enterprise_id)
        return RequiredMaterials(mine_id=mine_id, method=mine.method.value, items=[
            MaterialRequirement(kind=rule.kind.value, name=rule.name, clause=rule.clause)
            for rule in required_materials(mine.method)
        ])

    return router


REOPENING = register(Kind(
    code="reopening", prefix="KFG", name="开复工", workflow=ReopeningWorkflow, family="reopening",
    description="企业申请 → 县自然资源局受理 → 联合验收 → 县党委政府三重一大 → 批复 → 复工 → 市局备案",
    short_stage_names={"committee_review": "三重一大", "city_filing": "备案"},
    task_names=reopening.TASK_NAMES, status_names={s.value: n for s, n in reopening.STATUS_NAMES.items()},
    flow=[s.value for s in reopening.STAGE_FLOW],
    side_loops={reopening.Stage.CORRECTION: (reopening.Stage.INTAKE, "correction_requested"),
                reopening.Stage.RECTIFICATION: (reopening.Stage.JOINT_ACCEPTANCE, "acceptance_failed")},
    start=Start(path="/reopenings", summary="企业提交开复工申请", request=ReopeningCreate,
                roles=frozenset({Role.ENTERPRISE}), build=build_start, label="申请开复工"),
    policy=reopening_policy, routes=routes, page=Page("kinds/reopening.html", context=lambda case: {
        "material": {k.value: n for k, n in reopening.MATERIAL_NAMES.items()},
        "material_clause": {rule.kind.value: rule.clause for rule in reopening.REQUIRED_MATERIALS},
        "method": {k.value: n for k, n in METHOD_NAMES.items()}}),
))
