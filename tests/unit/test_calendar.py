"""Working days by China's official calendar, across holidays, 调休 Saturdays and the 2026→2027 boundary."""

import json
import logging
from datetime import date, datetime

import pytest

from activities.calendar import CalendarActivities
from domain.calendar import CHINA_TZ, load_calendar
from models.cases import DeadlineRequest

cal = load_calendar()


def test_statutory_holiday_is_not_a_working_day():
    assert not cal.is_working_day(date(2026, 10, 1))  # 国庆节
    assert not cal.is_working_day(date(2026, 2, 17))  # 春节


def test_swapped_saturday_is_a_working_day():
    assert date(2026, 2, 14).weekday() == 5
    assert cal.is_working_day(date(2026, 2, 14))  # 调休上班 before 春节 2026


def test_twenty_working_days_across_spring_festival_2026():
    # Accepted Friday 2026-02-06: 2/9-2/13 (5), 2/14 调休 (6), 春节 2/15-2/23 off, 2/24-2/27 (10),
    # 2/28 调休 Saturday (11), 3/2-3/6 (16), 3/9-3/12 (20).
    assert cal.add_working_days(date(2026, 2, 6), 20) == date(2026, 3, 12)


def test_the_start_day_is_not_counted():
    assert cal.add_working_days(date(2026, 3, 2), 1) == date(2026, 3, 3)
    assert cal.add_working_days(date(2026, 3, 2), 0) == date(2026, 3, 2)


def test_counting_backwards_for_reminders():
    assert cal.add_working_days(date(2026, 3, 12), -2) == date(2026, 3, 10)


def test_working_days_between_is_the_inverse_of_adding():
    start = date(2026, 9, 21)
    for n in (1, 5, 10, 20, 40):
        assert cal.working_days_between(start, cal.add_working_days(start, n)) == n


def test_deadline_set_in_december_2026_crosses_into_2027_without_raising(caplog):
    """chinese-calendar 1.11 stops at 2026; the shipped 2027 table keeps 元旦 a rest day and says it is provisional."""
    with caplog.at_level(logging.WARNING, logger="mineflow.calendar"):
        due = cal.add_working_days(date(2026, 12, 18), 10)
    # 12/21-12/25 (5), 12/28-12/31 (9), 2027-01-01 元旦 off, 01-02/03 weekend, 01-04 (10)
    assert due == date(2027, 1, 4)
    assert cal.is_provisional(date(2027, 1, 4)) and not cal.is_provisional(date(2026, 12, 31))
    assert any("2027" in r.getMessage() for r in caplog.records)


def test_spring_festival_2027_statutory_days_are_rest_days():
    for day in (date(2027, 2, 5), date(2027, 2, 8)):  # 除夕 and 正月初三 (Friday, Monday)
        assert not cal.is_working_day(day)


def test_a_year_nobody_knows_counts_weekends_only_and_warns(caplog):
    with caplog.at_level(logging.WARNING, logger="mineflow.calendar"):
        assert cal.is_working_day(date(2031, 1, 1))  # no data: 元旦 2031 cannot be known here
        assert not cal.is_working_day(date(2031, 1, 4))  # Saturday
    assert cal.is_provisional(date(2031, 1, 1))
    assert any("2031" in r.getMessage() for r in caplog.records)


def test_an_operator_file_overrides_a_provisional_year(tmp_path):
    override = tmp_path / "holidays.json"
    override.write_text(json.dumps({"2027": {"holidays": ["2027-01-01", "2027-02-09"], "workdays": ["2027-02-20"],
                                             "provisional": False, "source": "国办发明电〔2026〕X号"}}))
    custom = load_calendar(override)
    assert not custom.is_working_day(date(2027, 2, 9))
    assert custom.is_working_day(date(2027, 2, 20))  # a Saturday worked by notice
    assert not custom.is_provisional(date(2027, 2, 9))


async def test_deadline_plan_activity_marks_provisional_and_reminds_at_nine():
    plan = await CalendarActivities(cal).plan_deadline(DeadlineRequest(
        start=datetime(2026, 12, 18, 10, tzinfo=CHINA_TZ), working_days=10, remind_before_working_days=2))
    assert plan.due == date(2027, 1, 4)
    assert plan.due_at == datetime(2027, 1, 5, 0, 0, tzinfo=CHINA_TZ)
    assert plan.remind_at == datetime(2026, 12, 30, 9, 0, tzinfo=CHINA_TZ)
    assert plan.provisional


@pytest.mark.parametrize(("start", "end", "count"), [
    (date(2026, 9, 30), date(2026, 10, 9), 2),  # 国庆 10/1-10/7 off: only 10/8 and 10/9 are worked
    (date(2026, 9, 30), date(2026, 10, 10), 3),  # 10/10 is a 调休 Saturday
    (date(2026, 10, 9), date(2026, 9, 30), -2),
])
def test_working_days_between_known_spans(start, end, count):
    assert cal.working_days_between(start, end) == count
