"""Mining rights (矿业权): the registry's rules, the transfer (转让) conditions and the grant (出让) prechecks and
periods — each rule once, with its clause.

Sources:
- 《探矿权采矿权转让管理办法》(国务院令第242号, 2014 修订) — 转让 conditions (第六条), the applicant (第七条),
  documents (第八条), the 40-day decision and the 变更登记 (第十条). Article 6 was checked against the published
  text; the 60-day registration limit of article 10 was not (REGISTRATION_LIMIT_CONFIRMED).
- 国发〔2012〕52号: city and county bureaus approve transfers of the rights they issued.
- seed 000 §二(三): 出让、登记 pass the county 三重一大; city-level rights also the city government meeting.
- seed 002 §02(二)2 and §04(二)4: thresholds for new rights (domain/minerals.py), 净矿, 双挂钩一达标, 招拍挂 on
  the public trading platform.
- 《矿业权出让交易规则》(自然资规〔2023〕1号) as applied by provinces — the 招拍挂 periods and the suspension of
  trading (中止). The periods are those of the provincial rules, e.g. 《四川省省级矿业权出让网上交易规则（试行）》;
  the national text itself was not checked here (PERIODS_CONFIRMED_NATIONALLY); each province overrides them
  (settings `MINEFLOW_GRANT_PERIODS`). The grounds for suspending are those of 《矿业权交易规则》(国土资规〔2017〕7号)
  第二十七条, which the 2023 rules replaced keeping a part on 中止、终止 (its article number not checked).
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from enum import StrEnum
from typing import Any

from shapely.geometry import Polygon
from shapely.validation import explain_validity

from domain.minerals import MIN_SERVICE_YEARS, SERVICE_LIFE_CLAUSE, category_of


class RightKind(StrEnum):
    MINING = "mining"  # 采矿权
    EXPLORATION = "exploration"  # 探矿权


RIGHT_KIND_NAMES = {RightKind.MINING: "采矿权", RightKind.EXPLORATION: "探矿权"}


class RightStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


RIGHT_STATUS_NAMES = {RightStatus.VALID: "有效", RightStatus.EXPIRED: "已到期", RightStatus.CANCELLED: "已注销"}


class Scale(StrEnum):
    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"


SCALE_NAMES = {Scale.LARGE: "大型", Scale.MEDIUM: "中型", Scale.SMALL: "小型"}
SCALE_RANK = {Scale.SMALL: 0, Scale.MEDIUM: 1, Scale.LARGE: 2}


class AuthorityLevel(StrEnum):
    COUNTY = "county"
    CITY = "city"


AUTHORITY_NAMES = {AuthorityLevel.COUNTY: "县级", AuthorityLevel.CITY: "市级"}

CRS = "CGCS2000"  # 2000 国家大地坐标系: 拐点坐标 as (X, Y) in metres of its Gauss-Krüger projection


# ---- the area: 拐点坐标 ----------------------------------------------------------------------------------------

def polygon_problem(points: Sequence[Sequence[float]]) -> str | None:
    """Why the 拐点坐标 do not make a valid area, or None. The ring may be given open or closed (first point
    repeated at the end); it needs at least 3 distinct points and must not cross itself."""
    if any(len(p) != 2 for p in points):
        return "每个拐点须为 [X, Y] 两个坐标"
    if not all(math.isfinite(float(v)) for p in points for v in p):
        return "拐点坐标须为有限数值"
    ring = [(float(x), float(y)) for x, y in points]
    if len(ring) >= 2 and ring[0] == ring[-1]:
        ring = ring[:-1]
    if len(set(ring)) < 3:
        return "矿区范围至少需要 3 个不同的拐点"
    if len(set(ring)) != len(ring):
        return "拐点有重复"
    polygon = Polygon(ring)
    if not polygon.is_valid:
        return f"矿区范围拐点连线自相交或不闭合：{explain_validity(polygon)}"
    if polygon.area <= 0:
        return "矿区范围面积为零"
    return None


# Gauss-Krüger Y as registries often write it: the zone number before the easting (Y = zone × 1 000 000 + easting,
# the easting carrying its 500 000 m false easting), e.g. 36 500 123.4 in 3° zone 36. A Y below 1 000 000 has none.
ZONE_FACTOR = 1_000_000


def split_zone(y: float) -> tuple[int | None, float]:
    """(zone number or None, easting in metres) of a CGCS2000 Gauss-Krüger Y coordinate."""
    if y >= ZONE_FACTOR:
        zone = int(y // ZONE_FACTOR)
        return zone, round(y - zone * ZONE_FACTOR, 4)  # registries give millimetres at most
    return None, y


@dataclass(frozen=True)
class Extent:
    """Where a division's 拐点坐标 can plausibly lie: its 3° Gauss-Krüger zones (the number written before Y's
    easting) and the ranges of X (northing) and of the easting (with its 500 km false easting), in metres."""

    name: str
    zones: frozenset[int]
    x: tuple[float, float]
    easting: tuple[float, float]


# Mainland China and Hainan: about 18°–54°N, 73°–135°E, i.e. 3° zones 25–45. A point outside is a typing error
# (a missing digit, −1e300), whatever the division.
CHINA_EXTENT = Extent("中国境内", frozenset(range(25, 46)), (1_950_000.0, 6_000_000.0), (250_000.0, 750_000.0))
# By division-code prefix, longest first. 中卫市 (中宁县, 海原县, 沙坡头区) lies at about 36.0°–37.7°N and
# 104.2°–106.2°E: X ≈ 3.99–4.18e6 m; its own 3° zone is 35 (central meridian 105°E, eastings ≈ 430–610 km), and
# zone 36 (108°E) is accepted because the city's registries, and the demo data, write Y in it (eastings down to
# ≈ 160 km for the city's west). 宁夏 as a whole: 35.2°–39.4°N, 104.2°–107.7°E.
DIVISION_EXTENTS: dict[str, Extent] = {
    "6405": Extent("中卫市", frozenset({35, 36}), (3_950_000.0, 4_250_000.0), (150_000.0, 700_000.0)),
    "64": Extent("宁夏回族自治区", frozenset({35, 36}), (3_850_000.0, 4_400_000.0), (150_000.0, 750_000.0)),
}


def extent_of(division_code: str) -> Extent:
    for prefix in sorted(DIVISION_EXTENTS, key=len, reverse=True):
        if division_code.startswith(prefix):
            return DIVISION_EXTENTS[prefix]
    return CHINA_EXTENT


def coordinates_problem(points: Sequence[Sequence[float]], division_code: str) -> str | None:
    """Why the 拐点坐标 cannot lie in the division (zone, X or easting out of its extent), in Chinese, or None.
    A Y without a zone number is taken as the easting alone."""
    extent = extent_of(division_code)
    for n, (x, y) in enumerate(points, start=1):
        if not (math.isfinite(x) and math.isfinite(y)):
            return f"第 {n} 个拐点坐标须为有限数值"
        zone, easting = split_zone(y) if y < 100 * ZONE_FACTOR else (None, math.inf)
        if zone is not None and zone not in extent.zones:
            return (f"第 {n} 个拐点的 Y 坐标带号 {zone} 不在{extent.name}所在的 3° 带"
                    f"（{'、'.join(str(z) for z in sorted(extent.zones))}）")
        if not extent.x[0] <= x <= extent.x[1]:
            return (f"第 {n} 个拐点的 X 坐标 {x:.10g} 米不在{extent.name}范围内"
                    f"（{extent.x[0]:.0f}–{extent.x[1]:.0f} 米）")
        if not extent.easting[0] <= easting <= extent.easting[1]:
            return (f"第 {n} 个拐点的 Y 坐标（东坐标 {easting:.10g} 米）不在{extent.name}范围内"
                    f"（{extent.easting[0]:.0f}–{extent.easting[1]:.0f} 米，可带 3° 带号）")
    return None


def area_polygon(points: Sequence[Sequence[float]]) -> Polygon:
    ring = [(float(x), float(y)) for x, y in points]
    if ring[0] == ring[-1]:
        ring = ring[:-1]
    return Polygon(ring)


def closed_ring(points: Sequence[Sequence[float]]) -> list[list[float]]:
    """The ring as stored: closed (first point repeated last)."""
    ring = [[float(x), float(y)] for x, y in points]
    return ring if ring[0] == ring[-1] else [*ring, ring[0]]


def overlaps(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]]) -> float:
    """The area two ranges share (m²); ranges that only touch along an edge share none."""
    return float(area_polygon(a).intersection(area_polygon(b)).area)


# ---- who issues the right: one rule table, configurable per province -----------------------------------------

@dataclass(frozen=True)
class AuthorityRule:
    minerals: frozenset[str]  # empty: any mineral
    scales: frozenset[Scale]  # empty: any scale
    level: AuthorityLevel


# Default (宁夏 practice as the demo assumes it; not confirmed against a provincial notice — operators set
# MINEFLOW_RIGHTS_AUTHORITY_RULES): small 砂石土 quarries are county-issued, everything else city-issued
# (seed 002 §04(二)4: "科学有序投放市级发证矿业权").
SAND_GRAVEL_CLAY = frozenset({"建筑用砂", "砖瓦用黏土", "建筑石料用灰岩", "建筑用白云岩", "建筑用花岗岩"})
DEFAULT_AUTHORITY_RULES: tuple[AuthorityRule, ...] = (
    AuthorityRule(SAND_GRAVEL_CLAY, frozenset({Scale.SMALL}), AuthorityLevel.COUNTY),
    AuthorityRule(frozenset(), frozenset(), AuthorityLevel.CITY),
)
AUTHORITY_RULES_CONFIRMED = False


def parse_authority_rules(raw: Iterable[Mapping[str, Any]]) -> tuple[AuthorityRule, ...]:
    """`[{"minerals": [...], "scales": ["small"], "level": "county"}, …]`: first match wins."""
    return tuple(AuthorityRule(frozenset(r.get("minerals", [])), frozenset(Scale(s) for s in r.get("scales", [])),
                               AuthorityLevel(r["level"])) for r in raw)


def authority_level(mineral: str, scale: Scale,
                    rules: Sequence[AuthorityRule] = DEFAULT_AUTHORITY_RULES) -> AuthorityLevel:
    for rule in rules:
        if (not rule.minerals or mineral in rule.minerals) and (not rule.scales or scale in rule.scales):
            return rule.level
    return AuthorityLevel.CITY


# ---- transfer (转让), 国务院令第242号 ------------------------------------------------------------------------------

class TransferCondition(StrEnum):
    PRODUCED_ONE_YEAR = "produced_one_year"
    NO_DISPUTE = "no_dispute"
    FEES_PAID = "fees_paid"
    TRANSFEREE_QUALIFIED = "transferee_qualified"
    SUPERVISOR_CONSENT = "supervisor_consent"
    RIGHT_VALID = "right_valid"


@dataclass(frozen=True)
class ConditionRule:
    name: str
    clause: str


TRANSFER_CONDITIONS: dict[TransferCondition, ConditionRule] = {
    TransferCondition.PRODUCED_ONE_YEAR: ConditionRule("矿山企业投入采矿生产满1年", "国务院令第242号 第六条第（一）项"),
    TransferCondition.NO_DISPUTE: ConditionRule("采矿权属无争议", "国务院令第242号 第六条第（二）项"),
    TransferCondition.FEES_PAID: ConditionRule(
        "已缴纳采矿权使用费、采矿权价款、矿产资源补偿费和资源税", "国务院令第242号 第六条第（三）项"),
    TransferCondition.TRANSFEREE_QUALIFIED: ConditionRule(
        "受让人符合采矿权申请人的条件", "国务院令第242号 第七条；《矿产资源开采登记管理办法》"),
    TransferCondition.SUPERVISOR_CONSENT: ConditionRule(
        "国有矿山企业转让采矿权已征得矿山企业主管部门同意", "国务院令第242号 第六条第二款、第八条第二款"),
    TransferCondition.RIGHT_VALID: ConditionRule("采矿权在有效期内", "国务院令第242号 第三条第（二）项"),
}


class TransferMaterial(StrEnum):
    APPLICATION = "application"
    CONTRACT = "contract"
    TRANSFEREE_QUALIFICATION = "transferee_qualification"
    CONDITION_EVIDENCE = "condition_evidence"
    MINING_REPORT = "mining_report"
    SUPERVISOR_CONSENT = "supervisor_consent"


TRANSFER_MATERIAL_NAMES = {
    TransferMaterial.APPLICATION: "转让申请书",
    TransferMaterial.CONTRACT: "转让人与受让人签订的转让合同",
    TransferMaterial.TRANSFEREE_QUALIFICATION: "受让人资质条件的证明文件",
    TransferMaterial.CONDITION_EVIDENCE: "转让人具备第六条规定转让条件的证明",
    TransferMaterial.MINING_REPORT: "矿产资源开采情况的报告",
    TransferMaterial.SUPERVISOR_CONSENT: "主管部门同意转让采矿权的批准文件（国有矿山企业）",
}
TRANSFER_MATERIALS_CLAUSE = "国务院令第242号 第八条"


def required_transfer_materials(state_owned: bool) -> list[TransferMaterial]:
    required = [m for m in TransferMaterial if m is not TransferMaterial.SUPERVISOR_CONSENT]
    return [*required, TransferMaterial.SUPERVISOR_CONSENT] if state_owned else required


@dataclass(frozen=True)
class TransferFacts:
    """What the conditions are judged on: the registry's facts and the applicants' declared evidence."""

    production_started_on: date | None
    ownership_dispute: bool
    fees_paid: bool
    transferee_qualified: bool
    state_owned: bool
    supervisor_consent: bool
    right_valid_to: date


def add_years(day: date, years: int) -> date:
    if day.year + years > date.max.year:
        return date.max
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def failed_transfer_conditions(facts: TransferFacts, today: date) -> list[TransferCondition]:
    """The 第六条/第七条 conditions a 采矿权 transfer does not meet, in the order of the article."""
    failed = []
    if facts.production_started_on is None or add_years(facts.production_started_on, 1) > today:
        failed.append(TransferCondition.PRODUCED_ONE_YEAR)
    if facts.ownership_dispute:
        failed.append(TransferCondition.NO_DISPUTE)
    if not facts.fees_paid:
        failed.append(TransferCondition.FEES_PAID)
    if not facts.transferee_qualified:
        failed.append(TransferCondition.TRANSFEREE_QUALIFIED)
    if facts.state_owned and not facts.supervisor_consent:
        failed.append(TransferCondition.SUPERVISOR_CONSENT)
    if facts.right_valid_to < today:
        failed.append(TransferCondition.RIGHT_VALID)
    return failed


def condition_text(conditions: Iterable[TransferCondition]) -> str:
    return "；".join(f"不符合“{TRANSFER_CONDITIONS[c].name}”（{TRANSFER_CONDITIONS[c].clause}）" for c in conditions)


@dataclass(frozen=True)
class TransferPeriods:
    # 第十条: "自收到转让申请之日起40日内，作出准予转让或者不准转让的决定" — natural days (日, not 工作日).
    decision_days: int = 40
    # 第十条: 准予转让的，自收到批准转让通知之日起60日内到原发证机关办理变更登记 — NOT CONFIRMED here.
    registration_days: int = 60
    # 补正: how long the applicants have to supply what is missing (local practice; no statutory figure).
    correction_days: int = 30
    # reminder before the decision limit runs out (natural days).
    warning_days: int = 5
    # 行政许可法 第四十二条: extension by up to 10 (working) days with the head's approval; applied to this
    # natural-day clock as natural days (not confirmed for 242号, which has no extension clause of its own).
    max_extension_days: int = 10
    # city filing reminder (natural days).
    filing_reminder_days: int = 5
    # the parties are reminded this many days before an approval lapses unregistered.
    registration_reminder_days: int = 10


TRANSFER_DECISION_CLAUSE = "国务院令第242号 第十条"
TRANSFER_DOC_TYPE = "自然资转"  # e.g. 中宁自然资转〔2026〕1号, from the issuing bureau's own sequence
REGISTRATION_LIMIT_CONFIRMED = False  # the 60 days of article 10 were not checked against the published text
EXTENSION_CLAUSE = "《行政许可法》第四十二条"


# ---- grant (出让) ----------------------------------------------------------------------------------------------

# The scale and service-life standard for new and expanded mines is domain/minerals.py's table (with the 四个一批
# classifier's); a block is held to it by its mineral's category, aliases included (建筑石料, 石灰岩 … → 露天采石场).
MIN_SCALE_CLAUSE = "seed 002 §02(二)2, §04(二)4(2)"  # 新设矿业权矿床规模和生产规模均达到中型及以上
CLEAN_SITE_CLAUSE = "seed 002 §04(二)4(3)（净矿出让）"
CAPACITY_CLAUSE = "seed 002 §04(二)4(2)（双挂钩一达标）"


class GrantCheck(StrEnum):
    LAND_USE = "land_use"
    FOREST_GRASSLAND = "forest_grassland"
    ECOLOGICAL_RED_LINE = "ecological_red_line"
    NO_OVERLAP = "no_overlap"
    PRODUCTION_SCALE = "production_scale"
    SERVICE_LIFE = "service_life"
    DEPOSIT_SCALE = "deposit_scale"
    PRODUCTION_SCALE_CLASS = "production_scale_class"
    CAPACITY_LEDGER = "capacity_ledger"


@dataclass(frozen=True)
class GrantFinding:
    check: GrantCheck
    message: str
    clause: str


@dataclass(frozen=True)
class BlockFacts:
    mineral: str
    open_pit: bool
    production_wt: float
    service_years: float
    deposit_scale: Scale
    production_scale: Scale
    land_use_cleared: bool
    forest_grassland_cleared: bool
    outside_red_line: bool


def grant_findings(block: BlockFacts, overlapping: Sequence[str]) -> list[GrantFinding]:
    """Why a block may not be granted (empty when it may); `overlapping`: licence numbers of registered rights
    whose range overlaps the block's."""
    found = []
    if not block.land_use_cleared:
        found.append(GrantFinding(GrantCheck.LAND_USE, "出让范围与用地审批未衔接（非净矿）", CLEAN_SITE_CLAUSE))
    if not block.forest_grassland_cleared:
        found.append(GrantFinding(GrantCheck.FOREST_GRASSLAND, "出让范围涉及林地草原未衔接（非净矿）",
                                  CLEAN_SITE_CLAUSE))
    if not block.outside_red_line:
        found.append(GrantFinding(GrantCheck.ECOLOGICAL_RED_LINE, "出让范围与生态保护红线等禁止限制区域重叠",
                                  CLEAN_SITE_CLAUSE))
    if overlapping:
        found.append(GrantFinding(GrantCheck.NO_OVERLAP, f"出让范围与已设矿业权重叠：{'、'.join(overlapping)}",
                                  CLEAN_SITE_CLAUSE))
    category = category_of(block.mineral, block.open_pit, new_mine=True)
    if category is not None and block.production_wt < category.min_scale_wt:
        found.append(GrantFinding(GrantCheck.PRODUCTION_SCALE, f"{category.name}生产规模 {block.production_wt:g} "
                                  f"万吨/年，低于 {category.min_scale_wt:g} 万吨/年", category.clause))
    if block.service_years < MIN_SERVICE_YEARS:
        found.append(GrantFinding(GrantCheck.SERVICE_LIFE,
                                  f"服务年限 {block.service_years:g} 年，少于 {MIN_SERVICE_YEARS:g} 年（不含基建期）",
                                  SERVICE_LIFE_CLAUSE))
    if SCALE_RANK[block.deposit_scale] < SCALE_RANK[Scale.MEDIUM]:
        found.append(GrantFinding(GrantCheck.DEPOSIT_SCALE, "矿床规模未达到中型及以上", MIN_SCALE_CLAUSE))
    if SCALE_RANK[block.production_scale] < SCALE_RANK[Scale.MEDIUM]:
        found.append(GrantFinding(GrantCheck.PRODUCTION_SCALE_CLASS, "生产规模未达到中型及以上", MIN_SCALE_CLAUSE))
    return found


class GrantMode(StrEnum):
    TENDER = "tender"  # 招标
    AUCTION = "auction"  # 拍卖
    LISTING = "listing"  # 挂牌


GRANT_MODE_NAMES = {GrantMode.TENDER: "招标", GrantMode.AUCTION: "拍卖", GrantMode.LISTING: "挂牌"}


@dataclass(frozen=True)
class GrantPeriods:
    """招拍挂 periods in working days, plus the fee and registration limits (natural days).

    The three periods are the provincial trading rules' issued under the national rules (GRANT_PERIODS_CLAUSE),
    e.g. 《四川省省级矿业权出让网上交易规则（试行）》: trading information published 20 working days before the
    grant, 网上挂牌 not less than 10 working days, the result 公示 not less than 10 working days. A province whose
    rules differ overrides them (`MINEFLOW_GRANT_PERIODS`). While trading is suspended (中止, GRANT_SUSPENSION_CLAUSE)
    the running period stops and resumes with the working days it had left."""

    announcement_working_days: int = 20  # 公告: trading information published ≥ 20 working days before the grant
    bidding_working_days: int = 10  # 挂牌 period ≥ 10 working days
    publicity_working_days: int = 10  # result 公示 ≥ 10 working days
    fee_payment_days: int = 30  # 出让收益 first payment after the contract (local practice; not confirmed)
    fee_reminder_days: int = 5  # the winner is reminded this many days before the fee deadline
    warning_working_days: int = 2


# Confirmed against a province's published rules (Sichuan, above), not against the national text.
PERIODS_CONFIRMED_NATIONALLY = False
PERIODS_CONFIRMED_PROVINCIALLY = True
GRANT_PERIODS_CLAUSE = "《矿业权出让交易规则》（自然资规〔2023〕1号）及各省矿业权出让交易规则"


def periods_with(defaults: Any, overrides: Mapping[str, int]) -> Any:
    """A periods table with a province's overrides (unknown keys refused)."""
    known = {f.name for f in fields(defaults)}
    if unknown := set(overrides) - known:
        raise ValueError(f"unknown period(s): {sorted(unknown)}")
    return replace(defaults, **overrides)


# ---- stages and tasks -----------------------------------------------------------------------------------------

class TransferStage(StrEnum):
    JOINT_APPLICATION = "joint_application"
    REVIEW = "review"
    CORRECTION = "correction"
    COMMITTEE_REVIEW = "committee_review"
    CITY_MEETING = "city_meeting"
    DECISION = "decision"
    REGISTRATION = "registration"
    CITY_FILING = "city_filing"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    REFUSED = "refused"
    LAPSED = "lapsed"


class PauseKind(StrEnum):
    """Time not counted in the decision limit: 行政许可法 第四十五条 (听证、检验、检测、鉴定和专家评审), and the
    assessment of a right formed by state-funded exploration (国务院令第242号 第九条)."""

    HEARING = "hearing"
    EXPERT_REVIEW = "expert_review"
    APPRAISAL = "appraisal"


PAUSE_NAMES = {PauseKind.HEARING: "听证", PauseKind.EXPERT_REVIEW: "专家评审", PauseKind.APPRAISAL: "评估、鉴定"}
PAUSE_CLAUSE = "《行政许可法》第四十五条"


TRANSFER_STAGE_NAMES = {
    TransferStage.JOINT_APPLICATION: "受让人共同申请", TransferStage.REVIEW: "受理审查",
    TransferStage.CORRECTION: "补正", TransferStage.COMMITTEE_REVIEW: "县三重一大集体研究",
    TransferStage.CITY_MEETING: "市政府会议研究", TransferStage.DECISION: "转让审批决定",
    TransferStage.REGISTRATION: "变更登记", TransferStage.CITY_FILING: "市局备案",
    TransferStage.SUSPENDED: "听证、专家评审等（期限中止）",
    TransferStage.COMPLETED: "已办结", TransferStage.REFUSED: "不准转让", TransferStage.LAPSED: "批准失效",
}
# The 40 days run from receipt; they stop while the applicants 补正 (行政许可法 第三十二条 practice).
TRANSFER_CLOCK_RUNS_IN = frozenset({TransferStage.REVIEW, TransferStage.COMMITTEE_REVIEW, TransferStage.CITY_MEETING,
                                    TransferStage.DECISION})
TRANSFER_WITHDRAWABLE = frozenset({TransferStage.JOINT_APPLICATION, TransferStage.REVIEW, TransferStage.CORRECTION})
TRANSFER_TASK_NAMES = {
    "transferee_confirm": "受让人确认共同申请", "review": "受理审查", "correction": "补正材料",
    "committee_decision": "三重一大集体研究", "city_meeting": "市政府会议研究", "decision": "作出转让审批决定",
    "registration": "办理变更登记", "city_filing": "市局备案", "resume": "恢复计算审批期限",
}


class GrantStage(StrEnum):
    CAPACITY_CHECK = "capacity_check"
    COMMITTEE_REVIEW = "committee_review"
    CITY_MEETING = "city_meeting"
    ANNOUNCEMENT = "announcement"
    BIDDING = "bidding"
    PUBLICITY = "publicity"
    OBJECTION_REVIEW = "objection_review"
    CONTRACT = "contract"
    FEE_PAYMENT = "fee_payment"
    REGISTRATION = "registration"
    COMPLETED = "completed"
    REFUSED = "refused"
    LAPSED = "lapsed"


GRANT_STAGE_NAMES = {
    GrantStage.CAPACITY_CHECK: "产能台账校验", GrantStage.COMMITTEE_REVIEW: "县三重一大集体研究",
    GrantStage.CITY_MEETING: "市政府会议研究", GrantStage.ANNOUNCEMENT: "出让公告", GrantStage.BIDDING: "招拍挂竞价",
    GrantStage.PUBLICITY: "结果公示", GrantStage.OBJECTION_REVIEW: "异议处理（公示暂停）",
    GrantStage.CONTRACT: "签订出让合同",
    GrantStage.FEE_PAYMENT: "缴纳出让收益", GrantStage.REGISTRATION: "采矿权登记", GrantStage.COMPLETED: "已办结",
    GrantStage.REFUSED: "不予出让", GrantStage.LAPSED: "出让失效",
}
GRANT_TASK_NAMES = {
    "committee_decision": "三重一大集体研究", "city_meeting": "市政府会议研究", "grant_result": "录入竞得结果",
    "objection_resolution": "处理公示异议", "grant_contract": "录入出让合同", "fee_payment": "确认缴纳出让收益",
    "grant_registration": "采矿权设立登记", "resume_trading": "恢复交易（交易中止中）",
}


class SuspensionReason(StrEnum):
    """Why trading is suspended (中止): 《矿业权交易规则》(国土资规〔2017〕7号) 第二十七条 (一)(二) — an ownership
    dispute over the right being granted not yet resolved; a bidder's violation of the mineral-resources law not yet
    dealt with (or its penalty not yet carried out). Trading resumes once the cause is removed (same article)."""

    OWNERSHIP_DISPUTE = "ownership_dispute"
    BIDDER_VIOLATION = "bidder_violation"


SUSPENSION_REASON_NAMES = {SuspensionReason.OWNERSHIP_DISPUTE: "权属争议",
                           SuspensionReason.BIDDER_VIOLATION: "竞买人违法违规未处理"}
GRANT_SUSPENSION_CLAUSE = "《矿业权出让交易规则》（自然资规〔2023〕1号），原《矿业权交易规则》第二十七条"
# Trading is suspended from the 公告 to the end of the 公示: the stages whose period stops meanwhile.
GRANT_SUSPENDABLE = frozenset({GrantStage.ANNOUNCEMENT, GrantStage.BIDDING, GrantStage.PUBLICITY})
