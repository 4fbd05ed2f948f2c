"""矿山整治 (one mine's rectification under a campaign), seed 000 §二(一), §二(二), §三(三): 一矿一策 — county NR
draws up the mine's plan naming its responsible person and the items to rectify; each item is closed (销号) by its
own department; county acceptance, then 自治区级验收 closes the case. Started for many mines at once, from a
campaign or a 四个一批 classification run.

The workflow and its actions: workflows/rectification.py. Its wire models: models/campaign.py. Its rules:
domain/campaign.py.
"""

from dataclasses import asdict

from activities.campaign import CampaignActivities
from api.kinds import Acting, Batch, Kind, Page, Starting, activity_methods, prepares, register
from api.services import registry
from domain.campaign import (
    KEY_CHECKS,
    RECT_STAGE_NAMES,
    RECT_STATUS_NAMES,
    RECTIFICATION_DEFAULTS,
    TASK_NAMES,
    RectStage,
)
from domain.errors import DomainError, ErrorCode
from domain.roles import DEPARTMENT_KIND_NAMES, DepartmentKind, Role
from models.campaign import (
    BatchRequest,
    PlanInput,
    PlanItemSpec,
    PlanRequest,
    RectificationPolicy,
    RectificationStart,
)
from models.cases import MineFacts
from models.projection import CaseRecord
from models.registry import Department
from settings import Settings
from workflows.rectification import RectificationWorkflow


def rectification_policy(settings: Settings) -> RectificationPolicy:
    return RectificationPolicy(**{**asdict(RECTIFICATION_DEFAULTS), **settings.policy_overrides("rectification")})


async def build_for_mine(starting: Starting, body: BatchRequest, mine: MineFacts, case_id: str) -> RectificationStart:
    return RectificationStart(case_id=case_id, campaign_id=body.campaign_id, mine=mine,
                              opened_by=starting.principal.actor(), policy=rectification_policy(starting.settings))


@prepares(RectificationWorkflow.plan)
async def plan_input(acting: Acting, body: PlanRequest) -> PlanInput:
    """Each item's department: the one named, else the key check's (seed 000 §二(二)), in the mine's county (the
    mine's own township for 乡镇)."""
    session = acting.session
    record = await session.get(CaseRecord, acting.case_id)
    if record is None or record.mine_id is None:
        raise DomainError(ErrorCode.CASE_NOT_FOUND)
    mine = await registry.mine(session=session, mine_id=record.mine_id)
    departments = await registry.departments_of(session=session, division_code=record.division_code)
    items = []
    for item in body.items:
        kind = item.department or KEY_CHECKS[item.check].department
        dept = await session.get(Department, mine.township_id) if kind is DepartmentKind.TOWNSHIP \
            else departments.get(kind)
        if dept is None or dept.id is None:
            raise DomainError(ErrorCode.DEPARTMENT_NOT_FOUND, f"本县（区）没有{DEPARTMENT_KIND_NAMES[kind]}部门",
                              {"department": kind.value})
        items.append(PlanItemSpec(check=item.check, link=item.link, description=item.description,
                                  working_days=item.working_days, department=kind, department_id=dept.id,
                                  department_name=dept.name))
    await session.commit()
    return PlanInput(actor=acting.actor, responsible_person=body.responsible_person,
                     responsible_title=body.responsible_title, measures=body.measures, items=items)


RECTIFICATION = register(Kind(
    code="rectification", prefix="ZZ", name="矿山整治", workflow=RectificationWorkflow, family="campaign",
    description="县自然资源局制定一矿一方案 → 各责任部门逐项销号 → 县级验收 → 自治区级验收销号",
    task_names=TASK_NAMES, status_names={s.value: n for s, n in RECT_STATUS_NAMES.items()},
    final_stages=frozenset({RectStage.CLOSED.value}), flow=[s.value for s in RECT_STAGE_NAMES],
    batch=Batch(path="/rectifications/batch", request=BatchRequest, roles=frozenset({Role.CITY_NR, Role.COUNTY_NR}),
                build=build_for_mine, summary="批量启动矿山整治（一矿一案；已有在办整治的矿山不重复启动）",
                label="批量启动矿山整治"),
    policy=rectification_policy, page=Page("kinds/rectification.html", context=lambda case: {
        "rect_stage": {k.value: n for k, n in RECT_STAGE_NAMES.items()},
        "check": {k.value: r.name for k, r in KEY_CHECKS.items()}}),
    activities=lambda db: activity_methods(CampaignActivities(db)),
))
