"""开复工 (reopening) — the rules of seed 000 §二(三), with the checks of §二(二) 一至七.

Procedure (seed 000 §二(三)): 凡开复工的矿山企业，须向县（区）自然资源部门提出开复工申请，由县（区）自然资源部门牵头，
应急、环保、公安、水务、乡镇等部门及相关专家参与，严格按照验收标准进行开复工联合验收，验收合格后，按程序报当地县（区）
党委、政府研究同意后，由县（区）自然资源部门向企业下发开复工批复，企业方可开复工，同时报市自然资源局备案，对验收不合格
的矿山坚决不予开复工。

Every figure below is a default carried into each case as its `ReopeningPolicy` when the case starts, so a
later change of default never alters a case already in flight.
"""

from dataclasses import dataclass
from enum import StrEnum

from domain import cases
from domain.cases import Status
from domain.mines import MineMethod
from domain.roles import DepartmentKind


class Stage(StrEnum):
    INTAKE = "intake"
    CORRECTION = "correction"
    JOINT_ACCEPTANCE = "joint_acceptance"
    RECTIFICATION = "rectification"
    COMMITTEE_REVIEW = "committee_review"
    APPROVAL = "approval"
    RESUMPTION = "resumption"
    CITY_FILING = "city_filing"
    COMPLETED = "completed"


STAGE_NAMES: dict[Stage, str] = {
    Stage.INTAKE: "受理",
    Stage.CORRECTION: "补正",
    Stage.JOINT_ACCEPTANCE: "联合验收",
    Stage.RECTIFICATION: "整改",
    Stage.COMMITTEE_REVIEW: "三重一大集体研究",
    Stage.APPROVAL: "批复",
    Stage.RESUMPTION: "复工",
    Stage.CITY_FILING: "市局备案",
    Stage.COMPLETED: "办结",
}

# The procedure's main line, in order, for drawing where a case stands.
STAGE_FLOW: tuple[Stage, ...] = (
    Stage.INTAKE, Stage.JOINT_ACCEPTANCE, Stage.COMMITTEE_REVIEW, Stage.APPROVAL,
    Stage.RESUMPTION, Stage.CITY_FILING, Stage.COMPLETED,
)

# Stages before 批复, in which the enterprise may still withdraw.
WITHDRAWABLE: frozenset[Stage] = frozenset(
    {Stage.INTAKE, Stage.CORRECTION, Stage.JOINT_ACCEPTANCE, Stage.RECTIFICATION, Stage.COMMITTEE_REVIEW}
)


# Reopening names its refusal precisely: 不予开复工 (seed 000 §二(三)).
STATUS_NAMES: dict[Status, str] = {**cases.STATUS_NAMES, Status.REJECTED: "不予开复工"}


class MaterialKind(StrEnum):
    MINING_LICENCE = "mining_licence"
    SAFETY_FACILITY_DESIGN = "safety_facility_design"
    SAFETY_ASSESSMENT = "safety_assessment"
    SAFETY_PRODUCTION_PERMIT = "safety_production_permit"
    DEVELOPMENT_PLAN = "development_plan"
    RESTORATION_PLAN = "restoration_plan"
    ENVIRONMENTAL_ASSESSMENT = "environmental_assessment"
    SOIL_WATER_CONSERVATION = "soil_water_conservation"
    FOREST_GRASSLAND = "forest_grassland"


@dataclass(frozen=True)
class MaterialRule:
    kind: MaterialKind
    name: str
    clause: str
    methods: frozenset[MineMethod]


_BOTH = frozenset(MineMethod)

# What a reopening application must carry, from the key checks of seed 000 §二(二).
REQUIRED_MATERIALS: tuple[MaterialRule, ...] = (
    MaterialRule(MaterialKind.MINING_LICENCE, "采矿许可证（有效期内）",
                 "seed 000 §二(四): 严厉打击采矿许可证过期开采、无证开采", _BOTH),
    MaterialRule(MaterialKind.SAFETY_FACILITY_DESIGN, "安全设施设计",
                 "seed 000 §二(二)一: 是否编制或按照专家要求及时更新安全设计，并严格按照安全设计进行建设", _BOTH),
    MaterialRule(MaterialKind.SAFETY_ASSESSMENT, "安全评价报告",
                 "seed 000 §二(二)一: 是否编制或及时更新安评，并严格按照安评要求落实各项安全措施", _BOTH),
    MaterialRule(MaterialKind.SAFETY_PRODUCTION_PERMIT, "安全生产许可证",
                 "seed 000 §二(二)一: 取得安全生产许可证", _BOTH),
    MaterialRule(MaterialKind.DEVELOPMENT_PLAN, "矿产资源开发利用方案",
                 "seed 000 §二(二)二: 是否编制或及时更新开发利用方案，并严格按照开发利用方案进行开采", _BOTH),
    MaterialRule(MaterialKind.RESTORATION_PLAN, "矿山地质环境恢复治理方案",
                 "seed 000 §二(二)二: 是否编制或及时更新恢复治理方案，并严格按照恢复治理方案进行开采和治理", _BOTH),
    MaterialRule(MaterialKind.ENVIRONMENTAL_ASSESSMENT, "环境影响评价批复",
                 "seed 000 §二(二)三: 是否编制或及时更新环评，并通过环保监测验收", _BOTH),
    MaterialRule(MaterialKind.SOIL_WATER_CONSERVATION, "水土保持方案",
                 "seed 000 §二(二)四: 是否编制或及时更新水土保持方案，并严格按照水土保持方案要求进行施工", _BOTH),
    # Open-pit works strip the surface itself, so their land is where §二(二)五 looks for 林地/草原 occupation;
    # an underground mine's surface land is its industrial site, covered by the licence and development plan.
    MaterialRule(MaterialKind.FOREST_GRASSLAND, "使用林地、草原审核同意手续",
                 "seed 000 §二(二)五: 是否存在非法占用林地或草原的行为", frozenset({MineMethod.OPEN_PIT})),
)

MATERIAL_NAMES: dict[MaterialKind, str] = {rule.kind: rule.name for rule in REQUIRED_MATERIALS}


def required_materials(method: MineMethod) -> list[MaterialRule]:
    return [rule for rule in REQUIRED_MATERIALS if method in rule.methods]


def missing_materials(method: MineMethod, submitted: set[str]) -> list[MaterialKind]:
    return [rule.kind for rule in required_materials(method) if rule.kind not in submitted]


# 联合验收 parties (seed 000 §二(三): 应急、环保、公安、水务、乡镇等部门及相关专家参与), led by county NR.
JOINT_ACCEPTANCE_DEPARTMENTS: tuple[DepartmentKind, ...] = (
    DepartmentKind.EMERGENCY_MANAGEMENT,
    DepartmentKind.ECOLOGY_ENVIRONMENT,
    DepartmentKind.PUBLIC_SECURITY,
    DepartmentKind.WATER_RESOURCES,
    DepartmentKind.TOWNSHIP,
)
JOINT_ACCEPTANCE_CLAUSE = "seed 000 §二(三)"


@dataclass(frozen=True)
class ReopeningDefaults:
    # Expert panel: at least 3 experts for city level and below (provincial restoration-acceptance practice,
    # DESIGN.md "expert panels"); each expert signs individually.
    expert_panel_size: int = 3
    # Acceptance rounds in all, the first included: a fail in the last round ends the case as 不予开复工
    # (seed 000 §二(三): 对验收不合格的矿山坚决不予开复工).
    max_acceptance_rounds: int = 2
    # 行政许可法 第三十二条: 补正 must be notified at once or within 5 (working) days, listing everything.
    intake_limit_working_days: int = 5
    # Product default (no statute fixes the applicant's side): unanswered corrections close the case as withdrawn.
    correction_limit_working_days: int = 20
    # Per-party joint-acceptance deadline and the reminder before it (product defaults, configurable).
    sign_off_limit_working_days: int = 10
    reminder_before_working_days: int = 2
    # 行政许可法 第四十二条: decision within 20 working days of 受理; see CLOCK_RUNS_IN for what is not counted.
    decision_limit_working_days: int = 20
    decision_warning_working_days: int = 3
    # 三重一大 quorum: more than half of the members present (党组工作条例, DESIGN.md "collective decision quorum").
    quorum_numerator: int = 1
    quorum_denominator: int = 2
    # 备案: the city is reminded every N working days while the filing stays unacknowledged, up to a limit,
    # after which the supervisor (督查组) is alerted.
    filing_reminder_every_working_days: int = 5
    filing_max_reminders: int = 4
    # After 批复 the enterprise is reminded once to report its resumption (product default).
    resumption_reminder_working_days: int = 20
    # 批复 document numbers: 〔county short name〕自然资复〔year〕N号.
    approval_doc_type: str = "自然资复"


DEFAULTS = ReopeningDefaults()

# Stages in which the statutory decision clock runs: those in which the bureau holds the case. It stops while
# the applicant holds it (补正, 整改) and during 联合验收, which is expert review (行政许可法 第四十五条: 专家评审
# not counted), and restarts when the case comes back. Counting 受理 too is stricter than 第四十二条 (which counts
# from 受理): the applicant is promised 20 working days of bureau time from submission.
CLOCK_RUNS_IN: frozenset[Stage] = frozenset({Stage.INTAKE, Stage.COMMITTEE_REVIEW, Stage.APPROVAL})


def quorum_met(attendees: int, members_total: int, numerator: int, denominator: int) -> bool:
    """More than `numerator/denominator` of the members present (strictly more: 超过半数)."""
    return attendees * denominator > members_total * numerator


def approval_document_number(county_short_name: str, doc_type: str, year: int, seq: int) -> str:
    """e.g. 中宁自然资复〔2026〕7号."""
    return f"{county_short_name}{doc_type}〔{year}〕{seq}号"


# What each inbox task asks of its holder.
TASK_NAMES: dict[str, str] = {
    "intake": "受理审查（受理或一次性告知补正）",
    "correction": "提交补正材料",
    "sign_off": "签署联合验收意见",
    "draft_opinion": "起草联合验收意见（受委派）",
    "rectification": "整改并申请复验",
    "committee_decision": "提请三重一大集体研究并录入决定",
    "committee_material": "补充上会材料",
    "approval": "下发开复工批复",
    "resumption": "报告复工",
    "city_filing": "确认备案",
}
