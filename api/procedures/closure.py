"""关闭取缔 (closing one mine), seed 002 §04(二)1, §05, §06(二); seed 000 §二(二)六: once the closure plan is
approved, each step by its own department in order — 断电, 火工品, 安全生产许可证注销, 采矿许可证注销, 三不留,
生态修复 (the enterprise), 验收 — then 公示; the mine is closed in the registry and the capacity ledger records
what left it. Started for many mines at once, from a campaign or a 四个一批 classification run.

The workflow and its actions: workflows/closure.py. Its wire models: models/campaign.py. Its rules:
domain/campaign.py (CLOSURE_STEPS).
"""

from activities.campaign import CampaignActivities
from api.kinds import Batch, Kind, Page, Starting, activity_methods, register
from api.services import registry
from domain.campaign import CLOSURE_DEFAULTS, CLOSURE_STAGE_NAMES, CLOSURE_STEPS, CLOSURE_TASK_NAMES
from domain.errors import DomainError, ErrorCode
from domain.roles import DEPARTMENT_KIND_NAMES, DepartmentKind, Role
from models.campaign import ClosureBatchRequest, ClosurePolicy, ClosureStart
from models.cases import MineFacts, PartySpec
from models.registry import Department
from settings import Settings
from workflows.closure import ClosureWorkflow


def closure_policy(settings: Settings) -> ClosurePolicy:
    """The 公示 period and each step's working days (domain/campaign.py CLOSURE_STEPS), as overridden."""
    overrides = dict(settings.policy_overrides("closure"))
    publicity = overrides.pop("publicity_working_days", CLOSURE_DEFAULTS.publicity_working_days)
    steps = {s.stage.value: overrides.get(s.stage.value, s.working_days) for s in CLOSURE_STEPS}
    return ClosurePolicy(publicity_working_days=publicity, step_working_days=steps)


async def build_for_mine(starting: Starting, body: ClosureBatchRequest, mine: MineFacts, case_id: str) -> ClosureStart:
    """Each step's department in the mine's county (its own township for 三不留)."""
    session = starting.session
    departments = {}
    for step in CLOSURE_STEPS:
        if step.department is None:
            continue
        if step.department is DepartmentKind.TOWNSHIP:
            dept = await session.get(Department, mine.township_id)
        else:
            dept = await registry.department(session=session, division_code=mine.division_code, kind=step.department)
        if dept is None:
            raise DomainError(ErrorCode.REGISTRY_INCOMPLETE,
                              f"{mine.division_name}缺少{DEPARTMENT_KIND_NAMES[step.department]}部门，无法组织关闭取缔",
                              {"missing_kind": step.department.value})
        departments[step.stage.value] = PartySpec(party=step.department.value, name=dept.name, department_id=dept.id)
    return ClosureStart(case_id=case_id, campaign_id=body.campaign_id, mine=mine, plan_ref=body.plan_ref,
                        departments=departments, opened_by=starting.principal.actor(),
                        policy=closure_policy(starting.settings))


CLOSURE = register(Kind(
    code="closure", prefix="GBQD", name="关闭取缔", workflow=ClosureWorkflow, family="campaign",
    description="关闭方案批复 → 断电 → 火工品收缴 → 许可证注销 → 三不留 → 生态修复及验收 → 公示",
    short_stage_names={"explosives": "收缴火工品", "safety_permit": "注销安许证", "licence": "注销采矿证",
                       "clearance": "三不留", "restoration_acceptance": "修复验收", "publicity": "结果公示"},
    task_names=CLOSURE_TASK_NAMES, flow=[s.value for s in CLOSURE_STAGE_NAMES],
    batch=Batch(path="/closures/batch", request=ClosureBatchRequest,
                roles=frozenset({Role.CITY_NR, Role.COUNTY_NR}), build=build_for_mine,
                summary="关闭方案批复后批量启动关闭取缔（已有在办关闭的矿山不重复启动）", label="批量启动关闭取缔"),
    policy=closure_policy, page=Page("kinds/closure.html"),
    activities=lambda db: activity_methods(CampaignActivities(db)),
))
