"""四个一批 — 关闭取缔 / 引导退出 / 升级改造 / 合理新设 (seed 002 §04(二)1-4; standards of §02(二)2 and §03(一)).

`classify(facts, as_of)` is a pure function. Every fact is optional: a fact nobody has recorded is *unknown*, never
assumed. The answer lists every criterion that matched (with its clause) and, when a criterion that could change the
outcome cannot be decided, the facts missing to decide it.

Precedence (seed 002 §04(二)): a mine that meets any 关闭取缔 criterion is closed whatever else holds; otherwise any
引导退出 criterion makes it exit; a mine kept (保留矿山) is upgraded (§04(二)3 "督促指导保留矿山进行升级改造").
合理新设 is for a *proposed* mine (§04(二)4): it is establishable only when every condition holds.

Reading of the text, stated once here:
- The provincial standard (§02(二)2, repeated in §04(二)2(1)): 石膏 and 水泥用灰岩 ≥ 30万吨/年, 露天采石场 (incl. 建筑用
  白云岩) ≥ 50万吨/年, and for those minerals a remaining service life ≥ 5 years (基建期 not counted). §04(二)2(1) adds
  铁矿 ≥ 30万吨/年. A mine of those minerals falling short of scale *or* of service life is below the standard.
- §04(二)3(3): an open-pit quarry below 50万吨/年 whose service life is ≥ 5 years is upgraded (capacity raised) rather
  than exited — until 2025-12-31; after that date it goes on the exit list.
- §03(一) "小矿到期不续": a small mine whose licence has expired is not renewed (引导退出).
- Environmental violations are not a closure ground of their own in §04(二)1: the 生态环境 department refers them to
  the county government (§06(二)), whose decision is then §04(二)1(9). They are reported as a flag.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.minerals import (
    CATEGORIES,
    MIN_SERVICE_YEARS,
    QUARRY_UPGRADE_CLAUSE,
    QUARRY_UPGRADE_DEADLINE,
    MineralCategory,
    category_of,
)
from domain.mines import MineMethod


class Category(StrEnum):
    CLOSURE = "closure"  # 关闭取缔
    GUIDED_EXIT = "guided_exit"  # 引导退出
    UPGRADE = "upgrade"  # 升级改造
    NEW_ESTABLISHMENT = "new_establishment"  # 合理新设


CATEGORY_NAMES: dict[Category, str] = {
    Category.CLOSURE: "关闭取缔",
    Category.GUIDED_EXIT: "引导退出",
    Category.UPGRADE: "升级改造",
    Category.NEW_ESTABLISHMENT: "合理新设",
}

# What a decided category sets in motion, by case kind: mines to be closed or to exit are shut down the same way
# (关停退出: power cut, explosives withdrawn, permits cancelled, restoration — seed 002 §05, §06(二)); mines kept
# are upgraded under supervision (seed 002 §04(二)3, through seed 000 §二(一)'s 一矿一策 rectification).
PROCEDURE_FOR: dict[Category, str] = {
    Category.CLOSURE: "closure",
    Category.GUIDED_EXIT: "closure",
    Category.UPGRADE: "rectification",
}

# Most severe first: the first category with a matched criterion wins.
PRECEDENCE: tuple[Category, ...] = (Category.CLOSURE, Category.GUIDED_EXIT, Category.UPGRADE)


class ScaleClass(StrEnum):
    LARGE = "large"  # 大型
    MEDIUM = "medium"  # 中型
    SMALL = "small"  # 小型


# ---- thresholds: one table, each row cited ----------------------------------------------------------------------

# The scale standard per mineral category, its figures and clauses: domain/minerals.py (shared with the grant precheck).
SCALE_STANDARDS = CATEGORIES
LICENCE_HELD_YEARS_FOR_EXIT = 1  # 领取采矿许可证满一年: seed 002 §04(二)2(2)
NEW_MINE_MIN_CLASS = frozenset({ScaleClass.MEDIUM, ScaleClass.LARGE})  # 中型及以上: seed 002 §02(二)2, §04(二)4(2)


def scale_standard(mineral: str, method: MineMethod, *, new_mine: bool = False) -> MineralCategory | None:
    """The provincial scale standard a mineral is held to, or None when the standard names no such mineral."""
    return category_of(mineral, method is MineMethod.OPEN_PIT, new_mine=new_mine)


def is_quarry(mineral: str, method: MineMethod) -> bool:
    standard = scale_standard(mineral, method)
    return standard is not None and standard.open_pit_only


# ---- the facts -------------------------------------------------------------------------------------------------

FACT_NAMES: dict[str, str] = {
    "mineral": "开采矿种",
    "method": "开采方式",
    "scale_wt": "核定生产规模（万吨/年）",
    "licence_valid_from": "采矿许可证有效期起",
    "licence_valid_to": "采矿许可证有效期止",
    "producing": "是否在生产（含建设）",
    "remaining_service_years": "剩余服务年限（年，不含基建期）",
    "production_scale_class": "生产规模类型（大/中/小型）",
    "deposit_scale_class": "矿床规模类型（大/中/小型）",
    "has_safety_permit": "是否持有有效安全生产许可证",
    "illegal_mining_unrectified": "越界开采、以采代建或持勘查许可证采矿且拒不整改或整改不到位",
    "safety_failed_after_suspension": "经停产整顿仍达不到安全生产条件",
    "obsolete_process_unrectified": "使用应当淘汰的危及生产安全的工艺、设备且拒不整改仍生产建设",
    "accident_or_design_mismatch_unrectified": "发生过安全事故或开采现状与设计不符，未整改到位或不具备安全生产条件",
    "in_ecological_red_line": "位于生态保护红线内",
    "in_nature_reserve": "位于自然保护区等自然保护地内",
    "visible_from_major_road_or_railway": "位于重要公路、铁路可视范围内",
    "resources_exhausted_uneconomic": "资源濒临枯竭、开采收益不足以支付生态成本",
    "county_decided_closure": "经县委县政府研究应当关闭取缔",
    "long_suspended_own_reasons": "由于企业自身原因长期处于停产停建状态",
    "county_decided_exit": "经县委县政府研究应当引导退出",
    "environmental_violation_unrectified": "存在生态破坏、环境污染或重大环境隐患未整改",
    "green_mine_commitment": "新设矿山按绿色矿山建设标准设计建设",
}


class MineFacts(BaseModel):
    """What is known of one mine; `None` means nobody has recorded it."""

    mine_id: int | None = None
    proposed: bool = Field(False, description="拟新设矿山（按合理新设条件审查）")
    mineral: str
    method: MineMethod
    scale_wt: float | None = None
    licence_valid_from: date | None = None
    licence_valid_to: date | None = None
    producing: bool | None = None
    remaining_service_years: float | None = None
    production_scale_class: ScaleClass | None = None
    deposit_scale_class: ScaleClass | None = None
    has_safety_permit: bool | None = None
    illegal_mining_unrectified: bool | None = None
    safety_failed_after_suspension: bool | None = None
    obsolete_process_unrectified: bool | None = None
    accident_or_design_mismatch_unrectified: bool | None = None
    in_ecological_red_line: bool | None = None
    in_nature_reserve: bool | None = None
    visible_from_major_road_or_railway: bool | None = None
    resources_exhausted_uneconomic: bool | None = None
    county_decided_closure: bool | None = None
    long_suspended_own_reasons: bool | None = None
    county_decided_exit: bool | None = None
    environmental_violation_unrectified: bool | None = None
    green_mine_commitment: bool | None = None


# ---- three-valued logic: True / False / None (unknown) -----------------------------------------------------------

Tri = bool | None


def k_and(*values: Tri) -> Tri:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def k_or(*values: Tri) -> Tri:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def k_not(value: Tri) -> Tri:
    return None if value is None else not value


def _lt(value: float | None, limit: float) -> Tri:
    return None if value is None else value < limit


def _is(value: object, *wanted: object) -> Tri:
    return None if value is None else value in wanted


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# ---- derived facts ---------------------------------------------------------------------------------------------

def licence_expired(f: MineFacts, as_of: date) -> Tri:
    return None if f.licence_valid_to is None else f.licence_valid_to < as_of


def licence_held_a_year(f: MineFacts, as_of: date) -> Tri:
    if f.licence_valid_from is None:
        return None
    return f.licence_valid_from <= _years_before(as_of, LICENCE_HELD_YEARS_FOR_EXIT)


def below_scale(f: MineFacts) -> Tri:
    standard = scale_standard(f.mineral, f.method, new_mine=f.proposed)
    return False if standard is None else _lt(f.scale_wt, standard.min_scale_wt)


def short_service_life(f: MineFacts) -> Tri:
    # "以上矿种": only the minerals of the standard
    if scale_standard(f.mineral, f.method, new_mine=f.proposed) is None:
        return False
    return _lt(f.remaining_service_years, MIN_SERVICE_YEARS)


def quarry_upgrade_window(f: MineFacts, as_of: date) -> Tri:
    """§04(二)3(3): a quarry with ≥ 5 years of service life below 50万吨/年, before the 2025-12-31 deadline."""
    return k_and(is_quarry(f.mineral, f.method), k_not(short_service_life(f)), below_scale(f),
                 as_of <= QUARRY_UPGRADE_DEADLINE)


# ---- the criteria: one table, each row cited -----------------------------------------------------------------------

@dataclass(frozen=True)
class Criterion:
    code: str
    category: Category | None  # None: a flag reported to the county, deciding nothing by itself
    clause: str
    text: str
    needs: tuple[str, ...]  # the facts it reads (reported as missing when unknown and the result is undecided)
    test: Callable[[MineFacts, date], Tri]


CLOSURE, EXIT, UPGRADE, NEW = Category.CLOSURE, Category.GUIDED_EXIT, Category.UPGRADE, Category.NEW_ESTABLISHMENT
_LICENCE = ("licence_valid_from", "licence_valid_to")

CRITERIA: tuple[Criterion, ...] = (
    # 1. 关闭取缔 — seed 002 §04(二)1
    Criterion("UNLICENSED_MINING", CLOSURE, "seed 002 §04(二)1(1)",
              "未依法取得采矿许可证、安全生产许可证擅自从事矿产资源开采",
              ("producing", "licence_valid_to", "has_safety_permit"),
              lambda f, d: k_and(f.producing, k_or(licence_expired(f, d), k_not(f.has_safety_permit)))),
    Criterion("ILLEGAL_MINING_UNRECTIFIED", CLOSURE, "seed 002 §04(二)1(2)",
              "越界开采、以采代建、持勘查许可证采矿且拒不整改或整改不到位", ("illegal_mining_unrectified",),
              lambda f, d: f.illegal_mining_unrectified),
    Criterion("UNSAFE_AFTER_SUSPENSION", CLOSURE, "seed 002 §04(二)1(3)",
              "金属非金属矿山经停产整顿仍达不到安全生产条件", ("safety_failed_after_suspension",),
              lambda f, d: f.safety_failed_after_suspension),
    Criterion("OBSOLETE_PROCESS", CLOSURE, "seed 002 §04(二)1(4)",
              "使用应当淘汰的危及生产安全的工艺、设备且拒不整改仍然生产建设", ("obsolete_process_unrectified",),
              lambda f, d: f.obsolete_process_unrectified),
    Criterion("ACCIDENT_OR_DESIGN_MISMATCH", CLOSURE, "seed 002 §04(二)1(5)",
              "发生过安全事故、开采现状与设计不符等违法违规开采建设，未整改到位或不具备安全生产条件",
              ("accident_or_design_mismatch_unrectified",), lambda f, d: f.accident_or_design_mismatch_unrectified),
    Criterion("PROHIBITED_ZONE", CLOSURE, "seed 002 §04(二)1(6)", "位于生态保护红线、自然保护区等禁止采矿区域内",
              ("in_ecological_red_line", "in_nature_reserve"),
              lambda f, d: k_or(f.in_ecological_red_line, f.in_nature_reserve)),
    Criterion("SMALL_OPEN_PIT_IN_VIEW", CLOSURE, "seed 002 §04(二)1(7)", "位于重要公路、铁路可视范围内的小型露天矿山",
              ("production_scale_class", "visible_from_major_road_or_railway"),
              lambda f, d: k_and(f.method is MineMethod.OPEN_PIT, _is(f.production_scale_class, ScaleClass.SMALL),
                                 f.visible_from_major_road_or_railway)),
    Criterion("EXHAUSTED_UNECONOMIC", CLOSURE, "seed 002 §04(二)1(8)", "资源濒临枯竭、开采收益不足以支付生态成本",
              ("resources_exhausted_uneconomic",), lambda f, d: f.resources_exhausted_uneconomic),
    Criterion("COUNTY_DECIDED_CLOSURE", CLOSURE, "seed 002 §04(二)1(9)",
              "其他不符合法律法规要求，经县委县政府研究应当关闭取缔", ("county_decided_closure",),
              lambda f, d: f.county_decided_closure),
    # 2. 引导退出 — seed 002 §04(二)2 (and §03(一))
    Criterion("BELOW_PROVINCIAL_STANDARD", EXIT, "seed 002 §04(二)2(1), §02(二)2",
              "生产规模或剩余服务年限不达省级确定标准（石膏、水泥用灰岩、铁矿 30 万吨/年，"
              "露天采石场含建筑用白云岩 50 万吨/年，剩余服务年限不少于 5 年不含基建期）",
              ("scale_wt", "remaining_service_years"),
              lambda f, d: k_or(short_service_life(f), k_and(below_scale(f), k_not(quarry_upgrade_window(f, d))))),
    Criterion("LONG_SUSPENDED", EXIT, "seed 002 §04(二)2(2)",
              "领取采矿许可证满一年，由于企业自身原因长期处于停产停建状态",
              ("licence_valid_from", "long_suspended_own_reasons"),
              lambda f, d: k_and(licence_held_a_year(f, d), f.long_suspended_own_reasons)),
    Criterion("COUNTY_DECIDED_EXIT", EXIT, "seed 002 §04(二)2(3)",
              "其他不适应产业发展趋势和要求，经县委县政府研究应当引导退出",
              ("county_decided_exit",), lambda f, d: f.county_decided_exit),
    Criterion("SMALL_MINE_LICENCE_EXPIRED", EXIT, "seed 002 §03(一)", "小矿到期不续：小型矿山采矿许可证已到期",
              ("licence_valid_to", "production_scale_class"),
              lambda f, d: k_and(licence_expired(f, d), _is(f.production_scale_class, ScaleClass.SMALL))),
    # 3. 升级改造 — seed 002 §04(二)3
    Criterion("QUARRY_CAPACITY_UPGRADE", UPGRADE, "seed 002 §04(二)3(3)",
              "剩余服务年限满足5年要求、生产规模达不到50万吨/年的露天采石场，须于2025年12月31日前完成变更登记实现产能提升",
              ("scale_wt", "remaining_service_years"), quarry_upgrade_window),
    Criterion("RETAINED_MINE", UPGRADE, "seed 002 §04(二)3",
              "保留矿山：加强绿色发展、强化安全生产、推进智能化矿山建设", (), lambda f, d: True),
    # Flags: reported to the county, deciding nothing alone
    Criterion("ENVIRONMENTAL_VIOLATION", None, "seed 002 §06(二), §03(一)",
              "存在生态破坏、环境污染或重大环境隐患：由生态环境部门提请县政府依规处置（县政府决定关闭的，即为关闭取缔第（9）项情形）",
              ("environmental_violation_unrectified",), lambda f, d: f.environmental_violation_unrectified),
)

# 4. 合理新设 — seed 002 §04(二)4: every condition must hold for a proposed mine.
NEW_CONDITIONS: tuple[Criterion, ...] = (
    Criterion("NEW_MEDIUM_OR_LARGE", NEW, "seed 002 §04(二)4(2), §02(二)2", "矿床规模和生产规模均达到中型及以上",
              ("deposit_scale_class", "production_scale_class"),
              lambda f, d: k_and(_is(f.deposit_scale_class, *NEW_MINE_MIN_CLASS),
                                 _is(f.production_scale_class, *NEW_MINE_MIN_CLASS))),
    Criterion("NEW_SCALE_STANDARD", NEW, "seed 002 §02(二)2",
              "新建生产规模不小于省级标准（石膏、水泥用灰岩 30 万吨/年，露天采石场含建筑用白云岩 50 万吨/年）",
              ("scale_wt",),
              lambda f, d: k_not(below_scale(f))),
    Criterion("NEW_SERVICE_LIFE", NEW, "seed 002 §02(二)2", "新建服务年限不少于5年（不含基建期）",
              ("remaining_service_years",), lambda f, d: k_not(short_service_life(f))),
    Criterion("NEW_OUTSIDE_PROHIBITED_ZONES", NEW, "seed 002 §04(二)4(3)",
              "依法避让生态保护红线、自然保护区等禁止开采区域",
              ("in_ecological_red_line", "in_nature_reserve"),
              lambda f, d: k_not(k_or(f.in_ecological_red_line, f.in_nature_reserve))),
    Criterion("NEW_GREEN_MINE", NEW, "seed 002 §04(二)4(2)", "新设矿山必须达到绿色矿山建设标准",
              ("green_mine_commitment",), lambda f, d: f.green_mine_commitment),
)
# The third condition of §04(二)4(2), 双挂钩 (capacity ≤ 150% of closed, 100% restored), is the ledger's
# (domain/ledger.py), checked when the right is granted.

# What a retained mine must build (§04(二)3(1)(2)(4), §03(二)), by mining method.
UPGRADE_TASKS: dict[MineMethod, tuple[tuple[str, str], ...]] = {
    MineMethod.UNDERGROUND: (
        ("按省级绿色矿山要求建设、生产", "seed 002 §04(二)3(1), §03(二)"),
        ("安装安全避险“六大系统”（监测监控、人员定位、紧急避险、压风自救、供水施救、通信联络）", "seed 002 §03(二)"),
        ("原则上采用充填采矿法，边开采、边治理", "seed 002 §03(三)"),
        ("推进智能化矿山建设", "seed 002 §04(二)3(4)"),
    ),
    MineMethod.OPEN_PIT: (
        ("按省级绿色矿山要求建设、生产", "seed 002 §04(二)3(1), §03(二)"),
        ("视频监控、电子围栏、安全围栏全覆盖", "seed 002 §03(二)"),
        ("边开采、边治理", "seed 002 §03(三)"),
        ("推进智能化矿山建设", "seed 002 §04(二)3(4)"),
    ),
}


# ---- the answer ----------------------------------------------------------------------------------------------------

class CriterionResult(BaseModel):
    code: str
    category: Category | None
    clause: str
    text: str


class MissingFact(BaseModel):
    fact: str
    name: str
    needed_for: list[str]  # criterion codes


class Classification(BaseModel):
    mine_id: int | None = None
    category: Category | None = Field(description="决定的类别；事实不全无法决定或不符合合理新设条件时为空")
    category_name: str | None = None
    decided: bool = Field(description="已知事实足以决定类别")
    provisional_category: Category | None = Field(
        None, description="未决定时：按已知事实的类别，缺失事实可能使其变为更严重的类别")
    matched: list[CriterionResult] = Field(description="成立的全部条件及其条款")
    unmet: list[CriterionResult] = Field(default=[], description="合理新设：不满足的条件")
    flags: list[CriterionResult] = Field(default=[], description="需提请县政府依规处置的情形")
    missing_facts: list[MissingFact] = Field(description="决定类别所缺的事实（未知事实不作推定）")
    upgrade_tasks: list[dict[str, str]] = []
    as_of: date


def _result(c: Criterion) -> CriterionResult:
    return CriterionResult(code=c.code, category=c.category, clause=c.clause, text=c.text)


def _below_standard_result(c: Criterion, facts: MineFacts, as_of: date) -> CriterionResult:
    """A quarry held below standard after its upgrade window closed (§04(二)3(3)) cites that clause too."""
    if k_and(is_quarry(facts.mineral, facts.method), k_not(short_service_life(facts)), below_scale(facts),
             as_of > QUARRY_UPGRADE_DEADLINE) is True:
        also = QUARRY_UPGRADE_CLAUSE.removeprefix("seed 002 ")
        return CriterionResult(code=c.code, category=c.category, clause=f"{c.clause}, {also}",
                               text=f"{c.text}；露天采石场截止{QUARRY_UPGRADE_DEADLINE.year}年"
                                    f"{QUARRY_UPGRADE_DEADLINE.month}月{QUARRY_UPGRADE_DEADLINE.day}日"
                                    "未实现产能提升，列入关闭取缔或引导退出名单")
    return _result(c)


def _missing(facts: MineFacts, unknown: list[Criterion]) -> list[MissingFact]:
    needed: dict[str, list[str]] = {}
    for c in unknown:
        for name in c.needs:
            if getattr(facts, name) is None:
                needed.setdefault(name, []).append(c.code)
    return [MissingFact(fact=n, name=FACT_NAMES[n], needed_for=codes) for n, codes in needed.items()]


def classify(facts: MineFacts, as_of: date) -> Classification:
    """Put one mine into 四个一批 as of a day (see the module docstring for precedence and reading).

    `matched` lists every criterion that holds, of any category; the category is the most severe of them. The
    category is decided only when no criterion of a more severe category is left unknown; otherwise it is
    `provisional_category`, and `missing_facts` names what must be recorded to decide."""
    if facts.proposed:
        return _classify_proposed(facts, as_of)
    outcomes = [(c, c.test(facts, as_of)) for c in CRITERIA]
    category: Category | None = None
    unknown_above: list[Criterion] = []  # undecided criteria more severe than the category found
    for cat in PRECEDENCE:
        if any(c.category is cat and v is True for c, v in outcomes):
            category = cat
            break
        unknown_above += [c for c, v in outcomes if c.category is cat and v is None]
    matched = [_below_standard_result(c, facts, as_of) if c.code == "BELOW_PROVINCIAL_STANDARD" else _result(c)
               for c, v in outcomes if v is True and c.category is not None
               and (c.code != "RETAINED_MINE" or category is UPGRADE)]
    flags = [_result(c) for c, v in outcomes if c.category is None and v is True]
    decided = not unknown_above
    return Classification(
        mine_id=facts.mine_id, category=category if decided else None,
        category_name=CATEGORY_NAMES[category] if decided and category else None, decided=decided,
        provisional_category=None if decided else category, matched=matched, flags=flags,
        missing_facts=_missing(facts, unknown_above),
        upgrade_tasks=[{"task": t, "clause": cl} for t, cl in UPGRADE_TASKS[facts.method]]
        if category is UPGRADE else [], as_of=as_of,
    )


def _classify_proposed(facts: MineFacts, as_of: date) -> Classification:
    outcomes = [(c, c.test(facts, as_of)) for c in NEW_CONDITIONS]
    unmet = [_result(c) for c, v in outcomes if v is False]
    unknown = [c for c, v in outcomes if v is None]
    decided = bool(unmet) or not unknown
    category = NEW if decided and not unmet else None
    return Classification(
        mine_id=facts.mine_id, category=category, category_name=CATEGORY_NAMES[NEW] if category else None,
        decided=decided, provisional_category=NEW if not decided else None,
        matched=[_result(c) for c, v in outcomes if v is True], unmet=unmet,
        missing_facts=[] if unmet else _missing(facts, unknown), as_of=as_of,
    )
