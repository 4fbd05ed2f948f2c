"""The campaign's rule table (domain/campaign.py) against the seeds, line by line."""

import pytest

from domain.campaign import (
    CLOSURE_STEPS,
    GROUP_REQUIRED_DEPARTMENTS,
    ITEM_LINKS,
    KEY_CHECKS,
    LINKS,
    RECT_STAGE_NAMES,
    ClosureStage,
    KeyCheck,
)
from domain.roles import DepartmentKind as D


def test_the_eight_links_of_seed_000_in_order():
    # seed 000 §二(一): “查清现状、停产整治、取缔关闭、依法查处、生态修复、堆料治理、规范管理、后续管理”8 个整治环节
    assert [RECT_STAGE_NAMES[s] for s in LINKS] == ["查清现状", "停产整治", "取缔关闭", "依法查处", "生态修复",
                                                    "堆料治理", "规范管理", "后续管理"]
    assert LINKS[1:] == ITEM_LINKS


@pytest.mark.parametrize(("check", "department", "clause"), [
    (KeyCheck.SAFETY, D.EMERGENCY_MANAGEMENT, "§二(二)一"),
    (KeyCheck.DEVELOPMENT_RESTORATION, D.NATURAL_RESOURCES, "§二(二)二"),
    (KeyCheck.ENVIRONMENT, D.ECOLOGY_ENVIRONMENT, "§二(二)三"),
    (KeyCheck.SOIL_WATER, D.WATER_RESOURCES, "§二(二)四"),
    (KeyCheck.ILLEGAL_MINING, D.NATURAL_RESOURCES, "§二(二)五"),
    (KeyCheck.EXPIRED_MINES, D.NATURAL_RESOURCES, "§二(二)六"),
    (KeyCheck.COLLECTIVE_DECISION, D.NATURAL_RESOURCES, "§二(二)七"),
])
def test_each_key_check_has_its_department_and_clause(check, department, clause):
    rule = KEY_CHECKS[check]
    assert rule.department is department and clause in rule.clause


def test_closure_steps_follow_seed_002_in_order_each_with_its_department():
    # seed 002 §05: 组织实施彻底关闭（方案批复后），then 履行生态修复义务（拆除设施、设备后）
    assert [(s.stage, s.department) for s in CLOSURE_STEPS] == [
        (ClosureStage.POWER_CUT, D.POWER_SUPPLY), (ClosureStage.EXPLOSIVES, D.PUBLIC_SECURITY),
        (ClosureStage.SAFETY_PERMIT, D.EMERGENCY_MANAGEMENT), (ClosureStage.LICENCE, D.NATURAL_RESOURCES),
        (ClosureStage.CLEARANCE, D.TOWNSHIP), (ClosureStage.RESTORATION, None),
        (ClosureStage.RESTORATION_ACCEPTANCE, D.NATURAL_RESOURCES)]
    assert all("seed" in s.clause or "241号" in s.clause for s in CLOSURE_STEPS)
    licence = next(s for s in CLOSURE_STEPS if s.stage is ClosureStage.LICENCE)
    # 15 working days stay within the statute's 30 calendar days even across the Spring Festival holiday
    assert licence.working_days == 15 and "30日" in licence.clause


def test_inspection_groups_need_the_three_departments_of_the_annex():
    assert set(GROUP_REQUIRED_DEPARTMENTS) == {D.NATURAL_RESOURCES, D.EMERGENCY_MANAGEMENT, D.ECOLOGY_ENVIRONMENT}
