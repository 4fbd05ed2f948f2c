"""Working days by China's official calendar, across holidays, 调休 Saturdays and the 2026→2027 boundary."""

import json
import logging
from datetime import date, datetime, timedelta

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


# ---- the fallback's 补假 (《全国年节及纪念日放假办法》第六条) and natural-day periods (民法典 第二百零三条) ----

@pytest.mark.parametrize(("holiday", "makeup"), [
    ((date(2027, 2, 6), date(2027, 2, 7)), (date(2027, 2, 9), date(2027, 2, 10))),  # 春节初一/初二 on Sat/Sun
    ((date(2027, 5, 1), date(2027, 5, 2)), (date(2027, 5, 3), date(2027, 5, 4))),  # 劳动节 on Sat/Sun
    ((date(2027, 10, 2), date(2027, 10, 3)), (date(2027, 10, 4), date(2027, 10, 5))),  # 国庆 on Sat/Sun
])
def test_the_fallback_makes_up_a_weekend_holiday_on_the_next_working_days(holiday, makeup):
    assert all(day.weekday() >= 5 for day in holiday)
    for day in makeup:
        assert not cal.is_working_day(day), f"{day} is the 补假 of a statutory day on a weekend"
        assert cal.is_provisional(day)  # still only an inference until the notice is loaded
    assert cal.is_working_day(makeup[-1] + timedelta(days=1))


@pytest.mark.parametrize(("name", "start", "days", "due"), [
    # 元旦 2027-01-01 is a Friday: no 补假; 12/31 + 1 working day skips 1/1-1/3
    ("元旦", date(2026, 12, 31), 1, date(2027, 1, 4)),
    # 春节: 2/5 除夕 (Fri), 2/6-2/7 (weekend, made up 2/9-2/10), 2/8 (Mon) — back to work 2/11
    ("春节", date(2027, 2, 4), 1, date(2027, 2, 11)),
    # 清明 2027-04-05 is a Monday
    ("清明", date(2027, 4, 2), 1, date(2027, 4, 6)),
    # 劳动节 5/1-5/2 on the weekend, made up 5/3-5/4
    ("劳动节", date(2027, 4, 30), 1, date(2027, 5, 5)),
    # 端午 2027-06-09 is a Wednesday
    ("端午", date(2027, 6, 8), 1, date(2027, 6, 10)),
    # 中秋 2027-09-15 is a Wednesday
    ("中秋", date(2027, 9, 14), 1, date(2027, 9, 16)),
    # 国庆 10/1 (Fri), 10/2-10/3 (weekend, made up 10/4-10/5)
    ("国庆", date(2027, 9, 30), 1, date(2027, 10, 6)),
])
def test_each_2027_holiday_under_the_fallback(name, start, days, due):
    assert cal.add_working_days(start, days) == due, name
    assert cal.is_provisional(due)


def test_twenty_working_days_from_december_2026_across_new_year_2027():
    # 12/21-12/25 (5), 12/28-12/31 (9), 元旦 1/1 off, 1/4-1/8 (14), 1/11-1/15 (19), 1/18 (20)
    assert cal.add_working_days(date(2026, 12, 18), 20) == date(2027, 1, 18)


def test_a_natural_day_period_ending_on_a_rest_day_ends_on_the_next_working_day():
    assert cal.add_natural_days(date(2026, 9, 1), 30) == date(2026, 10, 8)  # 10/1-10/7 国庆 2026
    assert cal.add_natural_days(date(2026, 9, 2), 30) == date(2026, 10, 8)
    assert cal.add_natural_days(date(2026, 3, 1), 30) == date(2026, 3, 31)  # a Tuesday: unchanged
    assert cal.add_natural_days(date(2026, 9, 6), 40) == date(2026, 10, 16)  # a Friday: unchanged
    assert cal.add_natural_days(date(2026, 12, 2), 30) == date(2027, 1, 4)  # 元旦 2027 then the weekend
    assert cal.add_natural_days(date(2027, 4, 1), 30) == date(2027, 5, 5)  # 劳动节 2027 and its 补假


async def test_a_fee_clock_from_1_september_2026_does_not_lapse_on_national_day():
    """30 natural days from 2026-09-01 end on 10-01, a statutory holiday; 国庆 2026 runs to 10-07, so the period
    ends on Thursday 10-08 and lapses at 00:00 on 10-09 (民法典 第二百零三条)."""
    plan = await CalendarActivities(cal).plan_deadline(DeadlineRequest(
        start=datetime(2026, 9, 1, 10, tzinfo=CHINA_TZ), working_days=30, calendar_days=True))
    assert plan.due == date(2026, 10, 8)
    assert plan.due_at == datetime(2026, 10, 9, 0, 0, tzinfo=CHINA_TZ)
    assert not plan.provisional


async def test_a_natural_day_period_ending_in_2027_is_provisional_only_there():
    ends_2026 = await CalendarActivities(cal).plan_deadline(DeadlineRequest(
        start=datetime(2026, 11, 1, 10, tzinfo=CHINA_TZ), working_days=30, calendar_days=True))
    ends_2027 = await CalendarActivities(cal).plan_deadline(DeadlineRequest(
        start=datetime(2026, 12, 10, 10, tzinfo=CHINA_TZ), working_days=60, calendar_days=True))
    assert (ends_2026.due, ends_2026.provisional) == (date(2026, 12, 1), False)
    assert (ends_2027.due, ends_2027.provisional) == (date(2027, 2, 11), True)  # 2/8 is 春节, 2/9-10 its 补假


# ---- a year's official arrangement loaded on top of the fallback ----

def official_calendar():
    from domain.calendar import year_table
    from tests.support.calendar_2027 import OFFICIAL_2027

    table = year_table([date.fromisoformat(d) for d in OFFICIAL_2027["holidays"]],
                       [date.fromisoformat(d) for d in OFFICIAL_2027["workdays"]],
                       provisional=False, source=OFFICIAL_2027["source"])
    return load_calendar().with_tables({2027: table})


@pytest.mark.parametrize(("name", "start", "fallback", "official"), [
    ("元旦", date(2026, 12, 31), date(2027, 1, 4), date(2027, 1, 4)),
    ("春节", date(2027, 2, 4), date(2027, 2, 11), date(2027, 2, 15)),  # 9 days off by notice
    ("清明", date(2027, 4, 2), date(2027, 4, 6), date(2027, 4, 6)),
    ("劳动节", date(2027, 4, 30), date(2027, 5, 5), date(2027, 5, 6)),  # 5/5 off by notice
    ("端午", date(2027, 6, 8), date(2027, 6, 10), date(2027, 6, 10)),
    ("中秋", date(2027, 9, 14), date(2027, 9, 16), date(2027, 9, 16)),
    ("国庆", date(2027, 9, 30), date(2027, 10, 6), date(2027, 10, 8)),  # 10/6-10/7 off by notice
])
def test_each_2027_holiday_with_the_official_table_loaded(name, start, fallback, official):
    loaded = official_calendar()
    assert cal.add_working_days(start, 1) == fallback, name
    assert loaded.add_working_days(start, 1) == official, name
    assert not loaded.is_provisional(official) and cal.is_provisional(fallback)


@pytest.mark.parametrize("workday", [date(2027, 2, 20), date(2027, 4, 25), date(2027, 9, 26), date(2027, 10, 9)])
def test_a_loaded_year_makes_its_tiaoxiu_weekends_working_days(workday):
    assert workday.weekday() >= 5
    assert official_calendar().is_working_day(workday) and not cal.is_working_day(workday)


def test_forty_working_days_from_december_2026_across_the_loaded_spring_festival():
    # from 2026-12-31: 1/4-1/29 (20), 2/1-2/4 (24), 春节 2/5-2/14 off, 2/15-2/19 (29), 2/20 调休 (30),
    # 2/22-2/26 (35), 3/1-3/5 (40); the fallback works 2/11-2/12 and not 2/20, so it ends a day earlier
    assert official_calendar().add_working_days(date(2026, 12, 31), 40) == date(2027, 3, 5)
    assert cal.add_working_days(date(2026, 12, 31), 40) == date(2027, 3, 4)


def test_an_arrangement_that_cannot_be_a_notice_is_refused():
    from domain.calendar import check_arrangement
    from domain.errors import DomainError

    ok = [date(2027, 1, 1)]
    for holidays, workdays, field in (
        ([date(2026, 12, 31)], [], "holidays"),  # outside the year
        (ok, [date(2028, 1, 8)], "workdays"),
        ([date(2027, 2, 20)], [date(2027, 2, 20)], "workdays"),  # both rest and work
        (ok, [date(2027, 2, 22)], "workdays"),  # a Monday is a working day anyway
        ([], [], "holidays"),
    ):
        with pytest.raises(DomainError) as refused:
            check_arrangement(2027, holidays, workdays)
        assert refused.value.code == "DATE_INVALID" and refused.value.details["field"] == field
        assert refused.value.status == 422
    check_arrangement(2027, ok, [date(2027, 2, 20)])
