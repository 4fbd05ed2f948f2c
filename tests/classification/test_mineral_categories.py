"""One mineral-category table (domain/minerals.py) for the grant precheck and the 四个一批 classifier (issue 18 item
3): the same mineral, by any of its names, is held to the same figure by both, each citing the clause the figure
comes from; a quarry still below standard after its 2025-12-31 upgrade deadline cites §04(二)3(3) too."""

from datetime import date
from typing import Any

import pytest

from domain.citations import cite
from domain.classification import Category, MineFacts, classify
from domain.minerals import QUARRY, category_of
from domain.mines import MineMethod
from domain.rights import BlockFacts, GrantCheck, Scale, grant_findings
from tests.classification.test_classifier import CLEAN

QUARRY_NAMES = ["建筑石料用灰岩", "建筑石料", "石灰岩", "白云岩", "建筑用白云岩", "建筑用花岗岩", "建筑用砂岩"]


def precheck_refuses_scale(mineral: str, scale_wt: float, open_pit: bool = True) -> list[str]:
    block = BlockFacts(mineral=mineral, open_pit=open_pit, production_wt=scale_wt, service_years=8,
                       deposit_scale=Scale.MEDIUM, production_scale=Scale.MEDIUM, land_use_cleared=True,
                       forest_grassland_cleared=True, outside_red_line=True)
    return [f.clause for f in grant_findings(block, []) if f.check is GrantCheck.PRODUCTION_SCALE]


def classified(mineral: str, scale_wt: float, as_of: date, method: MineMethod = MineMethod.OPEN_PIT, **more: Any):
    return classify(MineFacts(**{**CLEAN, "mineral": mineral, "method": method, "scale_wt": scale_wt,
                                 "remaining_service_years": 8, **more}), as_of)


def below_standard(result) -> list[str]:
    return [m.clause for m in result.matched if m.code == "BELOW_PROVINCIAL_STANDARD"]


@pytest.mark.parametrize("mineral", QUARRY_NAMES)
@pytest.mark.parametrize("scale_wt", [45, 49, 49.9])
def test_an_open_pit_quarry_under_50_is_refused_by_the_precheck_and_held_below_standard(mineral, scale_wt):
    # the old precheck matched a short list of exact names, so 建筑石料/石灰岩/白云岩 at 45–49 passed it
    assert precheck_refuses_scale(mineral, scale_wt) == ["seed 002 §02(二)2"]
    result = classified(mineral, scale_wt, date(2026, 11, 25))
    assert result.category is Category.GUIDED_EXIT and len(below_standard(result)) == 1
    assert "§02(二)2" in below_standard(result)[0]


@pytest.mark.parametrize("mineral", QUARRY_NAMES)
def test_at_50_both_accept_the_quarry(mineral):
    assert precheck_refuses_scale(mineral, 50) == []
    assert below_standard(classified(mineral, 50, date(2026, 11, 25))) == []


@pytest.mark.parametrize(("mineral", "open_pit", "figure"), [
    ("石膏", False, 30), ("水泥用灰岩", True, 30), ("建筑用白云岩", True, 50), ("石灰岩", True, 50)])
def test_the_precheck_and_the_proposed_mine_use_the_same_figure(mineral, open_pit, figure):
    method = MineMethod.OPEN_PIT if open_pit else MineMethod.UNDERGROUND
    for scale_wt, refused in ((figure - 1, True), (figure, False)):
        assert bool(precheck_refuses_scale(mineral, scale_wt, open_pit)) is refused
        proposed = classified(mineral, scale_wt, date(2026, 11, 25), method=method, proposed=True)
        assert ("NEW_SCALE_STANDARD" in {u.code for u in proposed.unmet}) is refused


def test_an_underground_limestone_is_no_quarry_for_either():
    assert precheck_refuses_scale("石灰岩", 10, open_pit=False) == []
    assert below_standard(classified("石灰岩", 10, date(2026, 11, 25), method=MineMethod.UNDERGROUND)) == []


def test_a_quarry_below_standard_after_the_upgrade_deadline_cites_the_deadline_clause():
    before = classified("建筑石料", 45, date(2025, 12, 31))
    assert before.category is Category.UPGRADE and "QUARRY_CAPACITY_UPGRADE" in {m.code for m in before.matched}
    after = classified("建筑石料", 45, date(2026, 1, 1))
    assert after.category is Category.GUIDED_EXIT
    [clause] = below_standard(after)
    assert "§02(二)2" in clause and "§04(二)3(3)" in clause
    text = next(m.text for m in after.matched if m.code == "BELOW_PROVINCIAL_STANDARD")
    assert "2025年12月31日" in text
    # shown to users by the document's title
    assert "seed" not in cite(clause) and "《平顺县非煤矿产资源整治提升方案》" in cite(clause)
    # a mine short of service life was never in the upgrade window: the deadline is not its ground
    short = classified("建筑石料", 45, date(2026, 1, 1), remaining_service_years=3)
    assert all("§04(二)3(3)" not in c for c in below_standard(short))


# ---- names that merely contain a category's name (issue: matching by substring) ---------------------------------

# Each is another mineral of the national classification that contains a category's name: 硫铁矿 (pyrite) is a
# chemical raw material, 铬铁矿 ore of chromium, 钛铁矿 of titanium — none is 铁矿; limestone, dolomite or sandstone
# named for a non-construction use (熔剂用, 冶金用, 电石用, 玻璃用 …) is no 露天采石场 stone.
NOT_IN_THE_STANDARD = ["硫铁矿", "铬铁矿", "钛铁矿", "熔剂用灰岩", "冶金用白云岩", "电石用灰岩", "制碱用灰岩",
                       "化肥用白云岩", "玻璃用砂岩", "冶金用砂岩", "建筑用砂"]


@pytest.mark.parametrize("mineral", NOT_IN_THE_STANDARD)
def test_a_mineral_only_containing_a_categorys_name_is_held_to_no_figure(mineral):
    for open_pit in (True, False):
        assert category_of(mineral, open_pit) is None, mineral
        assert precheck_refuses_scale(mineral, 10, open_pit) == []
        method = MineMethod.OPEN_PIT if open_pit else MineMethod.UNDERGROUND
        assert below_standard(classified(mineral, 10, date(2026, 11, 25), method=method)) == []


@pytest.mark.parametrize(("mineral", "name", "clause"), [
    ("铁矿", "铁矿", "seed 002 §04(二)2(1)"), ("磁铁矿", "铁矿", "seed 002 §04(二)2(1)"),
    ("赤铁矿", "铁矿", "seed 002 §04(二)2(1)"), ("石膏矿", "石膏矿", "seed 002 §02(二)2"),
    ("水泥用灰岩矿", "水泥用灰岩矿", "seed 002 §02(二)2"), (" 石膏 ", "石膏矿", "seed 002 §02(二)2"),
    ("建筑石料用灰岩矿", QUARRY.name, "seed 002 §02(二)2"), ("建筑用白云岩、石灰岩", QUARRY.name, "seed 002 §02(二)2"),
])
def test_a_categorys_own_names_still_match_with_their_clause(mineral, name, clause):
    category = category_of(mineral, open_pit=True)
    assert category is not None and (category.name, category.clause) == (name, clause)


def test_an_iron_mine_below_30_is_held_below_standard_but_a_pyrite_mine_is_not():
    iron = classified("磁铁矿", 20, date(2026, 11, 25), method=MineMethod.UNDERGROUND)
    [clause] = below_standard(iron)
    assert clause.startswith("seed 002 §04(二)2(1)")  # 铁矿's figure, cited
    assert below_standard(classified("硫铁矿", 20, date(2026, 11, 25), method=MineMethod.UNDERGROUND)) == []
