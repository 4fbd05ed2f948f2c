"""治理整顿 campaign, per-mine rectification (整改) and closure (关闭取缔) — the rules of seed 000 §二(一), §二(二),
§三 and 附件, and seed 002 §04(二)1, §05, §06(二).

Every figure is a default carried into each case as its policy when the case starts (settings may override it),
so a later change of default never alters a case already in flight.
"""

from dataclasses import dataclass
from enum import StrEnum

from domain import cases
from domain.cases import Status
from domain.roles import DepartmentKind

# ---- the campaign ----------------------------------------------------------------------------------------------

CAMPAIGN_CLAUSE = "seed 000 §二(一)：确保5月底取得实效，6月底前完成自治区级验收销号"
MORATORIUM_CLAUSE = "seed 000 §二(二)：实行“两个暂停”，即暂停全市所有矿山企业生产活动，暂停全市火工产品供应"
GROUPS_CLAUSE = "seed 000 §三(二)及附件：市自然资源局牵头成立督查组，分片驻守包抓各县（区）"
REFERRAL_CLAUSE = ("seed 000 §三(三)：对推进不力、进展缓慢、把关不严不实、发现问题隐瞒不报不查的，"
                   "按程序移交纪检监察部门"
                   "严肃追责问责，涉及违法的移交司法部门依法处置")
THIRD_PARTY_CLAUSE = ("seed 000 §二(一)：对拒不履行恢复治理责任的，由县（区）政府委托第三方先行修复，"
                      "产生的费用通过司法途径"
                      "向责任主体进行追偿")


class CampaignStage(StrEnum):
    RECTIFYING = "rectifying"  # 整治 under way, results due (5月底取得实效)
    VERIFYING = "verifying"  # 自治区级验收销号 (6月底前)
    COMPLETED = "completed"


CAMPAIGN_STAGE_NAMES: dict[CampaignStage, str] = {
    CampaignStage.RECTIFYING: "集中整治",
    CampaignStage.VERIFYING: "验收销号",
    CampaignStage.COMPLETED: "整顿结束",
}

# 督查组 membership (seed 000 附件: 市自然资源局 leads; 市应急管理局和生态环境局各1名干部).
GROUP_REQUIRED_DEPARTMENTS: tuple[DepartmentKind, ...] = (
    DepartmentKind.NATURAL_RESOURCES, DepartmentKind.EMERGENCY_MANAGEMENT, DepartmentKind.ECOLOGY_ENVIRONMENT,
)


# ---- rectification: the 8 环节 of seed 000 §二(一) ------------------------------------------------------------------

class RectStage(StrEnum):
    SURVEY = "survey"  # 查清现状: the mine's plan (一矿一方案) is drawn up
    SUSPENSION = "suspension"  # 停产整治
    CLOSURE = "closure"  # 取缔关闭
    ENFORCEMENT = "enforcement"  # 依法查处
    RESTORATION = "restoration"  # 生态修复
    STOCKPILE = "stockpile"  # 堆料治理
    REGULATION = "regulation"  # 规范管理
    FOLLOW_UP = "follow_up"  # 后续管理
    COUNTY_ACCEPTANCE = "county_acceptance"  # 县级验收
    REGION_ACCEPTANCE = "region_acceptance"  # 自治区级验收
    CLOSED = "closed"  # 销号


LINKS: tuple[RectStage, ...] = (  # seed 000 §二(一): 8 个整治环节, in their order
    RectStage.SURVEY, RectStage.SUSPENSION, RectStage.CLOSURE, RectStage.ENFORCEMENT, RectStage.RESTORATION,
    RectStage.STOCKPILE, RectStage.REGULATION, RectStage.FOLLOW_UP,
)
ITEM_LINKS: tuple[RectStage, ...] = LINKS[1:]  # 查清现状 is the plan itself; items belong to the other seven

RECT_STAGE_NAMES: dict[RectStage, str] = {
    RectStage.SURVEY: "查清现状",
    RectStage.SUSPENSION: "停产整治",
    RectStage.CLOSURE: "取缔关闭",
    RectStage.ENFORCEMENT: "依法查处",
    RectStage.RESTORATION: "生态修复",
    RectStage.STOCKPILE: "堆料治理",
    RectStage.REGULATION: "规范管理",
    RectStage.FOLLOW_UP: "后续管理",
    RectStage.COUNTY_ACCEPTANCE: "县级验收",
    RectStage.REGION_ACCEPTANCE: "自治区级验收",
    RectStage.CLOSED: "验收销号",
}
RECT_STATUS_NAMES: dict[Status, str] = {**cases.STATUS_NAMES, Status.COMPLETED: "已销号"}


class KeyCheck(StrEnum):
    """The seven key checks of seed 000 §二(二) 一至七."""

    SAFETY = "safety"
    DEVELOPMENT_RESTORATION = "development_restoration"
    ENVIRONMENT = "environment"
    SOIL_WATER = "soil_water"
    ILLEGAL_MINING = "illegal_mining"
    EXPIRED_MINES = "expired_mines"
    COLLECTIVE_DECISION = "collective_decision"


@dataclass(frozen=True)
class KeyCheckRule:
    name: str
    department: DepartmentKind  # who closes its items by default
    clause: str


KEY_CHECKS: dict[KeyCheck, KeyCheckRule] = {
    KeyCheck.SAFETY: KeyCheckRule(
        "安全设计、安评、安全生产许可证与安全隐患", DepartmentKind.EMERGENCY_MANAGEMENT,
        "seed 000 §二(二)一：安全设计、安评、安全生产许可证，安全隐患排查整治到位"),
    KeyCheck.DEVELOPMENT_RESTORATION: KeyCheckRule(
        "开发利用方案与恢复治理方案", DepartmentKind.NATURAL_RESOURCES,
        "seed 000 §二(二)二：按照开发利用方案开采，按照恢复治理方案开采和治理"),
    KeyCheck.ENVIRONMENT: KeyCheckRule(
        "环评与环保措施", DepartmentKind.ECOLOGY_ENVIRONMENT,
        "seed 000 §二(二)三：按照环评要求落实各项环保措施，通过环保监测验收"),
    KeyCheck.SOIL_WATER: KeyCheckRule(
        "水土保持方案", DepartmentKind.WATER_RESOURCES,
        "seed 000 §二(二)四：按照水土保持方案要求进行施工"),
    KeyCheck.ILLEGAL_MINING: KeyCheckRule(
        "占用林地草原、违法开采与越界开采", DepartmentKind.NATURAL_RESOURCES,
        "seed 000 §二(二)五：非法占用林地或草原，依法停产、查处、取缔关闭，越界开采、破坏性开采或只开采不治理"),
    KeyCheck.EXPIRED_MINES: KeyCheckRule(
        "过期、注销矿山“三不留”治理与验收销号", DepartmentKind.NATURAL_RESOURCES,
        "seed 000 §二(二)六：过期注销、未注销矿山按照“三不留”标准治理，恢复治理到位并通过验收销号"),
    KeyCheck.COLLECTIVE_DECISION: KeyCheckRule(
        "出让、登记、开复工审批列入“三重一大”", DepartmentKind.NATURAL_RESOURCES,
        "seed 000 §二(二)七：矿产资源出让、登记、开复工等审核审批列入“三重一大”事项研究"),
}

TASK_NAMES: dict[str, str] = {
    "plan": "制定一矿一方案", "close_item": "整改事项销号", "county_acceptance": "县级验收",
    "region_acceptance": "自治区级验收（市局录入）", "commission_restoration": "委托第三方先行修复",
}


class ReferralKind(StrEnum):
    DISCIPLINE = "discipline"  # 纪检监察
    JUDICIAL = "judicial"  # 移交司法


REFERRAL_NAMES = {ReferralKind.DISCIPLINE: "移交纪检监察", ReferralKind.JUDICIAL: "移交司法"}


class FindingKind(StrEnum):
    """What a 督查组 may find (seed 000 §三(三))."""

    CONCEALMENT = "concealment"  # 发现问题隐瞒不报不查 → 纪检监察
    LAX = "lax"  # 推进不力、把关不严不实 → 纪检监察
    ILLEGAL = "illegal"  # 涉及违法 → 移交司法


FINDING_NAMES = {FindingKind.CONCEALMENT: "发现问题隐瞒不报不查", FindingKind.LAX: "推进不力、把关不严不实",
                 FindingKind.ILLEGAL: "涉及违法行为"}
FINDING_REFERRAL = {FindingKind.CONCEALMENT: ReferralKind.DISCIPLINE, FindingKind.LAX: ReferralKind.DISCIPLINE,
                    FindingKind.ILLEGAL: ReferralKind.JUDICIAL}


@dataclass(frozen=True)
class RectificationDefaults:
    # 查清现状: the plan is due this many working days after the case opens (then escalated to the 督查组).
    plan_limit_working_days: int = 10
    # An item still open this many working days after its deadline (a second, repeated overdue) is referred to
    # 纪检监察 as 推进不力、进展缓慢 (seed 000 §三(三)).
    referral_after_working_days: int = 10
    # Working days given to the county or the city to record an acceptance before it is escalated.
    acceptance_limit_working_days: int = 10


RECTIFICATION_DEFAULTS = RectificationDefaults()


# ---- closure (关闭取缔): seed 002 §05, §06(二); seed 000 §二(二)六 -----------------------------------------------

class ClosureStage(StrEnum):
    POWER_CUT = "power_cut"
    EXPLOSIVES = "explosives"
    SAFETY_PERMIT = "safety_permit"
    LICENCE = "licence"
    CLEARANCE = "clearance"
    RESTORATION = "restoration"
    RESTORATION_ACCEPTANCE = "restoration_acceptance"
    PUBLICITY = "publicity"
    COMPLETED = "completed"


@dataclass(frozen=True)
class ClosureStep:
    stage: ClosureStage
    name: str
    department: DepartmentKind | None  # None: the enterprise does it
    working_days: int
    clause: str


# In order: 组织实施彻底关闭 (方案批复后), then 履行生态修复义务 (拆除设施、设备后) — seed 002 §05.
CLOSURE_STEPS: tuple[ClosureStep, ...] = (
    ClosureStep(ClosureStage.POWER_CUT, "断电", DepartmentKind.POWER_SUPPLY, 5,
                "seed 002 §06(二)：供电公司按县政府关停退出企业名单和时限，配合实施停电措施，"
                "严禁为关停企业办理报装接电"),
    ClosureStep(ClosureStage.EXPLOSIVES, "停止供应并收缴火工品", DepartmentKind.PUBLIC_SECURITY, 5,
                "seed 002 §06(二)：公安部门负责矿山民爆物品安全管理，依规处置关停退出矿山剩余民爆物品；"
                "seed 000 §二(二)：暂停全市火工产品供应"),
    ClosureStep(ClosureStage.SAFETY_PERMIT, "注销安全生产许可证", DepartmentKind.EMERGENCY_MANAGEMENT, 10,
                "seed 002 §06(二)：应急管理部门依法提请关闭取缔不具备安全条件的矿山"),
    # 15 working days: within the statute's 30 (calendar) days even across the Spring Festival holiday.
    ClosureStep(ClosureStage.LICENCE, "注销采矿许可证", DepartmentKind.NATURAL_RESOURCES, 15,
                "矿产资源开采登记管理办法（国务院令241号）第十六条：关闭矿山的，自关闭之日起30日内办理注销登记；"
                "seed 002 §06(二)：行政审批部门办理关闭退出的注销"),
    ClosureStep(ClosureStage.CLEARANCE, "拆除设备、建筑物（三不留）", DepartmentKind.TOWNSHIP, 20,
                "seed 000 §二(二)六：按照“三不留”（不留人员、不留采矿设备、不留建筑物）标准进行治理；"
                "seed 000 §三(三)：按照属地管理"),
    ClosureStep(ClosureStage.RESTORATION, "生态修复", None, 60,
                "seed 002 §05(二)：履行生态修复义务（拆除设施、设备后）；seed 002 §03(三)"),
    ClosureStep(ClosureStage.RESTORATION_ACCEPTANCE, "生态修复验收", DepartmentKind.NATURAL_RESOURCES, 10,
                "seed 000 §二(二)六：恢复治理到位，并通过验收销号"),
)
CLOSURE_STEP_BY_STAGE: dict[ClosureStage, ClosureStep] = {s.stage: s for s in CLOSURE_STEPS}
PUBLICITY_CLAUSE = "seed 002 §06(四)：关闭取缔、生态保护履行义务情况及时向社会进行公示，主动接受社会监督"

CLOSURE_STAGE_NAMES: dict[ClosureStage, str] = {
    **{s.stage: s.name for s in CLOSURE_STEPS},
    ClosureStage.PUBLICITY: "关闭结果公示",
    ClosureStage.COMPLETED: "关闭完成",
}
CLOSURE_TASK_NAMES: dict[str, str] = {"closure_step": "关闭取缔步骤", "restoration": "履行生态修复义务"}


@dataclass(frozen=True)
class ClosureDefaults:
    publicity_working_days: int = 5  # 公示期 of the closure's outcome


CLOSURE_DEFAULTS = ClosureDefaults()
