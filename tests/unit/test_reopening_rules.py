"""The reopening rule table (seed 000 §二(二)/(三)) and the 三重一大 meeting rules."""

from datetime import date

import pytest

from domain.reopening import (
    JOINT_ACCEPTANCE_DEPARTMENTS,
    MaterialKind,
    MineMethod,
    approval_document_number,
    missing_materials,
    quorum_met,
    required_materials,
)
from domain.roles import Role
from models.cases import Actor, CommitteeDecisionInput
from workflows.parts.committee import meeting_refusal


def test_every_material_rule_cites_seed_000():
    assert all(rule.clause.startswith("seed 000 §二") for rule in required_materials(MineMethod.OPEN_PIT))


def test_open_pit_mines_also_answer_for_forest_and_grassland():
    open_pit = {r.kind for r in required_materials(MineMethod.OPEN_PIT)}
    underground = {r.kind for r in required_materials(MineMethod.UNDERGROUND)}
    assert open_pit - underground == {MaterialKind.FOREST_GRASSLAND}
    assert {MaterialKind.SAFETY_FACILITY_DESIGN, MaterialKind.SAFETY_ASSESSMENT,
            MaterialKind.SAFETY_PRODUCTION_PERMIT, MaterialKind.MINING_LICENCE} <= underground


def test_missing_materials_lists_what_is_absent_in_table_order():
    submitted = {MaterialKind.MINING_LICENCE.value, MaterialKind.ENVIRONMENTAL_ASSESSMENT.value}
    missing = missing_materials(MineMethod.UNDERGROUND, submitted)
    assert missing[0] is MaterialKind.SAFETY_FACILITY_DESIGN
    assert MaterialKind.MINING_LICENCE not in missing and MaterialKind.FOREST_GRASSLAND not in missing


def test_joint_acceptance_parties_are_those_of_seed_000():
    assert [k.value for k in JOINT_ACCEPTANCE_DEPARTMENTS] == [
        "emergency_management", "ecology_environment", "public_security", "water_resources", "township"]


@pytest.mark.parametrize(("present", "members", "met"), [(4, 7, True), (3, 7, False), (3, 6, False), (4, 6, True),
                                                         (1, 1, True), (1, 2, False)])
def test_quorum_is_strictly_more_than_half(present, members, met):
    assert quorum_met(present, members, 1, 2) is met


def test_document_number_format():
    assert approval_document_number("中宁", "自然资复", 2026, 7) == "中宁自然资复〔2026〕7号"


SECRETARY = Actor(username="zn_committee", display_name="秘书", role=Role.COMMITTEE_SECRETARY, division_code="640521")
TODAY = date(2026, 11, 20)


def meeting(**overrides):
    base = {"actor": SECRETARY, "meeting_no": "第12次", "meeting_date": TODAY, "attendees": ["甲", "乙", "丙", "丁"],
            "members_total": 7, "decision": "approve", "minutes_ref": "纪要12号"}
    return CommitteeDecisionInput(**{**base, **overrides})


def refusal_code(m):
    error = meeting_refusal(m, today=TODAY, not_before=date(2026, 11, 1), numerator=1, denominator=2)
    return None if error is None else error.type


def test_a_valid_meeting_stands():
    assert refusal_code(meeting()) is None


@pytest.mark.parametrize(("overrides", "code"), [
    ({"attendees": ["甲", "乙", "丙"]}, "QUORUM_NOT_MET"),  # 3 of 7
    ({"attendees": ["甲", "乙", "丙", "丁"], "recused": ["甲"]}, "QUORUM_NOT_MET"),  # 3 voting of 6
    ({"attendees": ["甲", "甲", "乙", "丙"]}, "MEETING_INVALID"),
    ({"attendees": [f"m{i}" for i in range(8)]}, "MEETING_INVALID"),  # more present than members
    ({"recused": ["戊"]}, "MEETING_INVALID"),  # recused but not present
    ({"meeting_date": date(2026, 11, 21)}, "DATE_INVALID"),  # in the future
    ({"meeting_date": date(2026, 10, 31)}, "DATE_INVALID"),  # before the case reached the committee
])
def test_meeting_refusals(overrides, code):
    assert refusal_code(meeting(**overrides)) == code


def test_recusal_with_enough_voters_stands():
    assert refusal_code(meeting(attendees=["甲", "乙", "丙", "丁", "戊"], recused=["甲"])) is None  # 4 of 6


