"""四个一批 classifier (domain/classification.py): one case per clause, boundaries exactly at each threshold, and
unknown facts reported — never assumed."""

from datetime import date
from typing import Any

import pytest

from domain.classification import (
    CRITERIA,
    NEW_CONDITIONS,
    SCALE_STANDARDS,
    Category,
    MineFacts,
    classify,
    scale_standard,
)
from domain.mines import MineMethod

AS_OF = date(2026, 11, 25)
CLOSURE, EXIT, UPGRADE, NEW = Category.CLOSURE, Category.GUIDED_EXIT, Category.UPGRADE, Category.NEW_ESTABLISHMENT

# A mine with every fact known and nothing wrong: kept, to be upgraded (seed 002 §04(二)3).
CLEAN: dict[str, Any] = {
    "mineral": "石膏", "method": MineMethod.UNDERGROUND, "scale_wt": 30, "licence_valid_from": date(2022, 1, 1),
    "licence_valid_to": date(2032, 1, 1), "producing": True, "remaining_service_years": 5,
    "production_scale_class": "medium", "deposit_scale_class": "medium", "has_safety_permit": True,
    "illegal_mining_unrectified": False, "safety_failed_after_suspension": False,
    "obsolete_process_unrectified": False, "accident_or_design_mismatch_unrectified": False,
    "in_ecological_red_line": False, "in_nature_reserve": False, "visible_from_major_road_or_railway": False,
    "resources_exhausted_uneconomic": False, "county_decided_closure": False, "long_suspended_own_reasons": False,
    "county_decided_exit": False, "environmental_violation_unrectified": False,
}
QUARRY = {"mineral": "建筑用白云岩", "method": MineMethod.OPEN_PIT, "scale_wt": 50}


def run(as_of: date = AS_OF, **changes: Any):
    return classify(MineFacts(**{**CLEAN, **changes}), as_of)


def codes(result) -> set[str]:
    return {m.code for m in result.matched}


# (case, changes, expected category, criterion expected among the matched — None: only RETAINED_MINE)
CASES: list[tuple[str, dict[str, Any], Category, str | None]] = [
    # 关闭取缔, seed 002 §04(二)1(1)-(9)
    ("1(1) mining without a safety permit", {"has_safety_permit": False}, CLOSURE, "UNLICENSED_MINING"),
    ("1(1) mining on an expired licence", {"licence_valid_to": date(2026, 11, 24)}, CLOSURE, "UNLICENSED_MINING"),
    ("1(1) not mining: no permit is no closure ground", {"has_safety_permit": False, "producing": False},
     UPGRADE, None),
    ("1(2) beyond the boundary, not rectified", {"illegal_mining_unrectified": True}, CLOSURE,
     "ILLEGAL_MINING_UNRECTIFIED"),
    ("1(3) unsafe after 停产整顿", {"safety_failed_after_suspension": True}, CLOSURE, "UNSAFE_AFTER_SUSPENSION"),
    ("1(4) obsolete process kept in use", {"obsolete_process_unrectified": True}, CLOSURE, "OBSOLETE_PROCESS"),
    ("1(5) accident not rectified", {"accident_or_design_mismatch_unrectified": True}, CLOSURE,
     "ACCIDENT_OR_DESIGN_MISMATCH"),
    ("1(6) inside the ecological red line", {"in_ecological_red_line": True}, CLOSURE, "PROHIBITED_ZONE"),
    ("1(6) inside a nature reserve", {"in_nature_reserve": True}, CLOSURE, "PROHIBITED_ZONE"),
    ("1(7) small open pit in view of a road", {"mineral": "建筑用砂", "method": MineMethod.OPEN_PIT,
                                               "production_scale_class": "small",
                                               "visible_from_major_road_or_railway": True},
     CLOSURE, "SMALL_OPEN_PIT_IN_VIEW"),
    ("1(7) an underground mine is not an open pit", {"production_scale_class": "small",
                                                    "visible_from_major_road_or_railway": True}, UPGRADE, None),
    ("1(7) a medium open pit is not small", {"mineral": "建筑用砂", "method": MineMethod.OPEN_PIT,
                                            "visible_from_major_road_or_railway": True}, UPGRADE, None),
    ("1(8) exhausted, uneconomic", {"resources_exhausted_uneconomic": True}, CLOSURE, "EXHAUSTED_UNECONOMIC"),
    ("1(9) the county decided closure", {"county_decided_closure": True}, CLOSURE, "COUNTY_DECIDED_CLOSURE"),
    # 引导退出, seed 002 §04(二)2(1)-(3), §03(一)
    ("2(1) gypsum below 30", {"scale_wt": 29.99}, EXIT, "BELOW_PROVINCIAL_STANDARD"),
    ("2(1) gypsum exactly 30", {"scale_wt": 30}, UPGRADE, None),
    ("2(1) cement limestone below 30", {"mineral": "水泥用灰岩", "method": MineMethod.OPEN_PIT, "scale_wt": 29.99},
     EXIT, "BELOW_PROVINCIAL_STANDARD"),
    ("2(1) cement limestone exactly 30", {"mineral": "水泥用灰岩", "method": MineMethod.OPEN_PIT, "scale_wt": 30},
     UPGRADE, None),
    ("2(1) iron below 30", {"mineral": "铁矿", "scale_wt": 29.99}, EXIT, "BELOW_PROVINCIAL_STANDARD"),
    ("2(1) iron exactly 30", {"mineral": "铁矿", "scale_wt": 30}, UPGRADE, None),
    ("2(1) quarry exactly 50", QUARRY, UPGRADE, None),
    ("2(1) building-stone limestone quarry exactly 50", {**QUARRY, "mineral": "建筑石料用灰岩"}, UPGRADE, None),
    ("2(1) quarry below 50 after the 2025-12-31 deadline", {**QUARRY, "scale_wt": 49.99}, EXIT,
     "BELOW_PROVINCIAL_STANDARD"),
    ("2(1) service life just under 5 years", {"remaining_service_years": 4.99}, EXIT, "BELOW_PROVINCIAL_STANDARD"),
    ("2(1) service life exactly 5 years", {"remaining_service_years": 5}, UPGRADE, None),
    ("2(1) quarry below 50 with a short life", {**QUARRY, "scale_wt": 49.99, "remaining_service_years": 4.99},
     EXIT, "BELOW_PROVINCIAL_STANDARD"),
    ("2(1) dolomite mined underground is no open-pit quarry", {"mineral": "建筑用白云岩", "scale_wt": 10},
     UPGRADE, None),
    ("2(1) sand has no provincial standard", {"mineral": "建筑用砂", "method": MineMethod.OPEN_PIT, "scale_wt": 5,
                                             "remaining_service_years": 1}, UPGRADE, None),
    ("2(2) long suspended, licence held over a year", {"long_suspended_own_reasons": True, "producing": False},
     EXIT, "LONG_SUSPENDED"),
    ("2(2) licence held exactly one year", {"long_suspended_own_reasons": True, "producing": False,
                                            "licence_valid_from": date(2025, 11, 25)}, EXIT, "LONG_SUSPENDED"),
    ("2(2) licence held one day less than a year", {"long_suspended_own_reasons": True, "producing": False,
                                                    "licence_valid_from": date(2025, 11, 26)}, UPGRADE, None),
    ("2(3) the county decided exit", {"county_decided_exit": True}, EXIT, "COUNTY_DECIDED_EXIT"),
    ("§03(一) small mine, licence expired, not mining", {"production_scale_class": "small", "producing": False,
                                                        "licence_valid_to": date(2026, 11, 24)},
     EXIT, "SMALL_MINE_LICENCE_EXPIRED"),
    ("§03(一) licence expiring today is still valid", {"production_scale_class": "small", "producing": False,
                                                      "licence_valid_to": AS_OF}, UPGRADE, None),
]


@pytest.mark.parametrize(("changes", "category", "criterion"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_clause(changes: dict[str, Any], category: Category, criterion: str | None):
    result = run(**changes)
    assert result.decided and result.category is category, result
    assert result.missing_facts == []
    if criterion is None:
        assert codes(result) == {"RETAINED_MINE"}
    else:
        assert criterion in codes(result)
        matched = next(m for m in result.matched if m.code == criterion)
        assert matched.clause.startswith("seed 002 §") and matched.text


def test_every_criterion_has_a_case_and_a_clause():
    tested = {c[3] for c in CASES} | {"RETAINED_MINE", "QUARRY_CAPACITY_UPGRADE", "ENVIRONMENTAL_VIOLATION"}
    assert {c.code for c in CRITERIA} <= tested
    assert all(c.clause.startswith("seed 002 §") for c in (*CRITERIA, *NEW_CONDITIONS))
    assert all(s.clause.startswith("seed 002 §") for s in SCALE_STANDARDS)


def test_the_thresholds_table():
    assert scale_standard("石膏", MineMethod.UNDERGROUND).min_scale_wt == 30
    assert scale_standard("水泥用灰岩", MineMethod.OPEN_PIT).min_scale_wt == 30
    assert scale_standard("铁矿", MineMethod.UNDERGROUND).min_scale_wt == 30
    assert scale_standard("建筑用白云岩", MineMethod.OPEN_PIT).min_scale_wt == 50
    assert scale_standard("建筑石料用灰岩", MineMethod.OPEN_PIT).min_scale_wt == 50
    assert scale_standard("建筑用砂", MineMethod.OPEN_PIT) is None


def test_a_small_quarry_with_life_left_is_upgraded_until_the_deadline_then_exits():
    """seed 002 §04(二)3(3): 截止2025年12月31日，未实现产能提升的列入关闭取缔或引导退出名单."""
    small = {**QUARRY, "scale_wt": 49.99, "remaining_service_years": 5}
    before = run(date(2025, 12, 31), **small)
    assert before.category is UPGRADE and "QUARRY_CAPACITY_UPGRADE" in codes(before)
    assert any("六大系统" in t["task"] or "电子围栏" in t["task"] for t in before.upgrade_tasks)
    after = run(date(2026, 1, 1), **small)
    assert after.category is EXIT and codes(after) == {"BELOW_PROVINCIAL_STANDARD"}


def test_closure_wins_and_every_matched_criterion_is_listed():
    result = run(in_ecological_red_line=True, county_decided_closure=True, scale_wt=10, county_decided_exit=True)
    assert result.category is CLOSURE
    assert codes(result) == {"PROHIBITED_ZONE", "COUNTY_DECIDED_CLOSURE", "BELOW_PROVINCIAL_STANDARD",
                             "COUNTY_DECIDED_EXIT"}
    assert result.upgrade_tasks == []


def test_an_environmental_violation_is_flagged_for_the_county_and_decides_nothing_alone():
    result = run(environmental_violation_unrectified=True)
    assert result.category is UPGRADE
    assert [f.code for f in result.flags] == ["ENVIRONMENTAL_VIOLATION"]
    assert "§06(二)" in result.flags[0].clause


def test_nothing_known_but_the_registry_leaves_the_mine_undecided_with_what_is_missing():
    facts = MineFacts(mineral="石膏", method=MineMethod.UNDERGROUND, scale_wt=30, licence_valid_from=date(2022, 1, 1),
                      licence_valid_to=date(2032, 1, 1), producing=False)
    result = classify(facts, AS_OF)
    assert not result.decided and result.category is None and result.provisional_category is UPGRADE
    missing = {m.fact for m in result.missing_facts}
    assert {"illegal_mining_unrectified", "in_ecological_red_line", "in_nature_reserve", "remaining_service_years",
            "county_decided_closure", "long_suspended_own_reasons", "county_decided_exit"} <= missing
    assert "has_safety_permit" not in missing  # a mine not mining cannot be mining without a permit
    assert all(m.name and m.needed_for for m in result.missing_facts)


def test_a_closure_ground_decides_even_when_other_facts_are_unknown():
    facts = MineFacts(mineral="石膏", method=MineMethod.UNDERGROUND, in_nature_reserve=True)
    result = classify(facts, AS_OF)
    assert result.decided and result.category is CLOSURE and result.missing_facts == []


def test_an_exit_ground_waits_only_for_the_closure_facts():
    result = run(scale_wt=10, in_ecological_red_line=None, has_safety_permit=None)
    assert not result.decided and result.provisional_category is EXIT
    assert {m.fact for m in result.missing_facts} == {"in_ecological_red_line", "has_safety_permit"}
    assert result.missing_facts[0].needed_for  # which criterion each missing fact would decide


def test_unknown_scale_is_missing_not_assumed():
    result = run(scale_wt=None)
    assert not result.decided and {m.fact for m in result.missing_facts} == {"scale_wt"}


PROPOSED: dict[str, Any] = {**CLEAN, "proposed": True, "green_mine_commitment": True, "producing": None}


@pytest.mark.parametrize(("changes", "unmet"), [
    ({}, None),
    ({"deposit_scale_class": "small"}, "NEW_MEDIUM_OR_LARGE"),
    ({"production_scale_class": "small"}, "NEW_MEDIUM_OR_LARGE"),
    ({"scale_wt": 29.99}, "NEW_SCALE_STANDARD"),
    ({"remaining_service_years": 4.99}, "NEW_SERVICE_LIFE"),
    ({"in_ecological_red_line": True}, "NEW_OUTSIDE_PROHIBITED_ZONES"),
    ({"green_mine_commitment": False}, "NEW_GREEN_MINE"),
    ({**QUARRY, "scale_wt": 49.99}, "NEW_SCALE_STANDARD"),
], ids=["all met", "small deposit", "small production", "gypsum 29.99", "life 4.99", "red line", "not green",
        "quarry 49.99"])
def test_new_establishment_needs_every_condition(changes: dict[str, Any], unmet: str | None):
    """seed 002 §04(二)4(2)-(3), §02(二)2."""
    result = classify(MineFacts(**{**PROPOSED, **changes}), AS_OF)
    assert result.decided
    if unmet is None:
        assert result.category is NEW and len(result.matched) == len(NEW_CONDITIONS) and result.unmet == []
    else:
        assert result.category is None and [u.code for u in result.unmet] == [unmet]


def test_new_establishment_with_unknown_facts_is_undecided():
    result = classify(MineFacts(**{**PROPOSED, "deposit_scale_class": None, "green_mine_commitment": None}), AS_OF)
    assert not result.decided and result.provisional_category is NEW
    assert {m.fact for m in result.missing_facts} == {"deposit_scale_class", "green_mine_commitment"}
