"""The rules of domain/rights.py and the natural-day clock, without Temporal."""

from datetime import UTC, date, datetime

import pytest

from activities.calendar import CalendarActivities
from api.procedures.grant import grant_policy
from api.procedures.transfer import transfer_policy
from api.services.rights import authority_rules
from domain.calendar import load_calendar
from domain.rights import (
    AuthorityLevel,
    Scale,
    TransferCondition,
    TransferFacts,
    authority_level,
    failed_transfer_conditions,
    overlaps,
    polygon_problem,
)
from models.cases import DeadlineRequest, WorkingDaysRequest
from settings import Settings


def test_authority_rules_are_configurable_per_province():
    assert authority_level("建筑用砂", Scale.SMALL) is AuthorityLevel.COUNTY
    assert authority_level("建筑用砂", Scale.MEDIUM) is AuthorityLevel.CITY
    settings = Settings(rights_authority_rules=[{"minerals": ["石膏"], "scales": ["small", "medium"],
                                                 "level": "county"}, {"level": "city"}])
    rules = authority_rules(settings)
    assert authority_level("石膏", Scale.MEDIUM, rules) is AuthorityLevel.COUNTY
    assert authority_level("建筑用砂", Scale.SMALL, rules) is AuthorityLevel.CITY


def test_periods_are_configurable_and_unknown_keys_refused():
    assert transfer_policy(Settings()).decision_days == 40
    assert grant_policy(Settings(grant_periods={"publicity_working_days": 7})).publicity_working_days == 7
    with pytest.raises(ValueError, match="unknown"):
        grant_policy(Settings(grant_periods={"publicity_days": 7}))


def test_polygons():
    assert polygon_problem([[0, 0], [1, 0], [1, 1], [0, 1]]) is None
    assert polygon_problem([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]) is None
    assert "自相交" in polygon_problem([[0, 0], [1, 1], [1, 0], [0, 1]])
    assert overlaps([[0, 0], [2, 0], [2, 2], [0, 2]], [[1, 1], [3, 1], [3, 3], [1, 3]]) == 1.0
    assert overlaps([[0, 0], [1, 0], [1, 1], [0, 1]], [[1, 0], [2, 0], [2, 1], [1, 1]]) == 0.0


def test_produced_one_year_is_counted_to_the_day():
    facts = TransferFacts(production_started_on=date(2025, 3, 1), ownership_dispute=False, fees_paid=True,
                          transferee_qualified=True, state_owned=False, supervisor_consent=False,
                          right_valid_to=date(2030, 1, 1))
    assert failed_transfer_conditions(facts, date(2026, 2, 28)) == [TransferCondition.PRODUCED_ONE_YEAR]
    assert failed_transfer_conditions(facts, date(2026, 3, 1)) == []


async def test_natural_day_deadlines_count_every_day_but_end_on_a_working_day():
    cal = CalendarActivities(load_calendar())
    start = datetime(2026, 9, 29, 4, tzinfo=UTC)  # National Day week follows
    natural = await cal.plan_deadline(DeadlineRequest(start=start, working_days=40, remind_before_working_days=5,
                                                      calendar_days=True))
    # 40 natural days through National Day end on Sunday 11-08, so on Monday 11-09 (民法典 第二百零三条)
    assert natural.due == date(2026, 11, 9) and natural.remind_at.date() == date(2026, 11, 4)
    working = await cal.plan_deadline(DeadlineRequest(start=start, working_days=5))
    assert working.due == date(2026, 10, 12)  # 10-01..10-07 off, 10-10 a 调休 Saturday
    assert await cal.count_working_days(WorkingDaysRequest(start=start, end=datetime(2026, 10, 9, 4, tzinfo=UTC),
                                                           calendar_days=True)) == 10
