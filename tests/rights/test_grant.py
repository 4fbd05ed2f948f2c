"""采矿权出让 on a time-skipping server: prechecks citing their clauses, both meetings for a city-level block, the
招拍挂 periods as durable working-day timers (across the Spring Festival), an objection pausing the 公示, the fee
deadline, and the new right entering the registry once."""

from datetime import date, timedelta

import pytest

from domain.calendar import load_calendar
from domain.citations import cite
from tests.rights.support import (
    MINGSHA,
    block,
    city_meeting,
    enterprise_id,
    entries,
    history,
    propose,
    right_by_licence,
    skip_past,
    skip_to_local,
    through_meetings,
    to_publicity,
    wait_stage,
)

calendar = load_calendar()


async def test_city_level_grant_through_both_meetings_to_a_registered_right(timed):
    s, env = timed
    case = await propose(s)
    case_id = case["case_id"]
    assert case_id.startswith("CR-") and case["kind"] == "grant" and case["authority_level"] == "city"
    assert case["stage"] == "committee_review" and case["capacity_verdict"]  # the capacity hook ran (passes)
    await s.refused(await city_meeting_raw(s, case_id), 409, "WRONG_STAGE")  # county meeting first
    case = await s.ok(await s.decide(case_id))
    assert case["stage"] == "city_meeting"
    case = await city_meeting(s, case_id)
    assert case["stage"] == "announcement"
    started = await s.today()
    assert case["period_clock"]["announcement"]["ends"] == str(calendar.add_working_days(started, 20))

    # results can only be entered once the bidding period is over
    await s.refused(await s.post("city_nr", f"/cases/{case_id}/grant-result",
                                 {"winner_enterprise_id": 1, "price_wan_yuan": 1}), 409, "WRONG_STAGE")
    await skip_past(env, s, case["period_clock"]["announcement"]["ends_at"])
    case = await wait_stage(s, case_id, "bidding")
    bidding_start = date.fromisoformat(case["period_clock"]["announcement"]["ends"]) + timedelta(days=1)
    assert case["period_clock"]["bidding"]["ends"] == str(calendar.add_working_days(bidding_start, 10))
    await s.refused(await s.post("city_nr", f"/cases/{case_id}/grant-result",
                                 {"winner_enterprise_id": 1, "price_wan_yuan": 1}), 409, "PERIOD_NOT_ENDED")

    case = await to_publicity(env, s, case_id)
    assert case["stage"] == "publicity" and case["result"]["winner_name"] == MINGSHA
    # the county bureau may not act for the city (city-issued)
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/objections", {"objector": "张三", "content": "异议"}),
                    403, "WRONG_AUTHORITY")
    # the winner now reads the case
    assert (await s.case(case_id, "zn_ent2"))["stage"] == "publicity"
    await skip_past(env, s, case["period_clock"]["publicity"]["ends_at"])
    case = await wait_stage(s, case_id, "contract")

    case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/grant-contract", {
        "contract_no": "中卫出让合同〔2027〕3号", "signed_on": str(await s.today()), "fee_wan_yuan": 3600}))
    # 30 natural days, ending on a working day (民法典 第二百零三条)
    assert case["stage"] == "fee_payment" and case["fee_due"] == str(calendar.add_natural_days(await s.today(), 30))
    case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/fee-payment",
                                   {"receipt_ref": "缴款书0001", "paid_on": str(await s.today())}))
    assert case["stage"] == "registration"
    licence = "C6405002027017130000001"
    case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/grant-registration", {"licence_no": licence}))
    assert case["status"] == "completed" and case["right_licence_no"] == licence

    right = await right_by_licence(s, licence)
    assert right.holder_enterprise_id == await enterprise_id(s, MINGSHA)
    assert right.authority_level == "city" and right.scale_wt == 60 and right.area == block()["area"] + [
        block()["area"][0]]
    assert [(h.change, h.case_id) for h in await history(s, right.id)] == [("created", case_id)]
    listed = await s.ok(await s.get("city_nr", "/cases", kind="grant", status="completed"))
    assert [c["case_id"] for c in listed["items"]] == [case_id]
    # a second block on the same ground is no longer clean (净矿)
    error = await s.refused(await s.post("zn_nr", "/grants", block()), 422, "GRANT_PRECHECK_FAILED")
    assert [f["check"] for f in error["details"]["findings"]] == ["no_overlap"] and licence in error["message"]


async def city_meeting_raw(s, case_id):
    return await s.post("city_nr", f"/cases/{case_id}/city-meeting", {
        "meeting_no": "中卫市政府常务会议〔2026〕8次", "meeting_date": str(await s.today()), "decision": "approve",
        "minutes_ref": "中卫纪要〔2026〕8号"})


async def test_the_announcement_counts_working_days_across_the_spring_festival(timed):
    s, env = timed
    await skip_to_local(env, s, date(2027, 1, 27), hour=10)  # a Wednesday, 20 working days before 春节 ends
    case_id = await through_meetings(s)
    case = await s.case(case_id)
    announcement = case["period_clock"]["announcement"]
    ends = date.fromisoformat(announcement["ends"])
    assert ends == calendar.add_working_days(date(2027, 1, 27), 20)
    # the Spring Festival days off (2027-02-05 and 02-08 fall on weekdays) are not counted
    weekdays_only = date(2027, 1, 27)
    left = 20
    while left:
        weekdays_only += timedelta(days=1)
        left -= weekdays_only.weekday() < 5
    assert ends > weekdays_only and not calendar.is_working_day(date(2027, 2, 8))
    assert announcement["provisional"] is True  # 2027's arrangement is not yet published: said so, not hidden
    [started] = entries(case, "announcement_started")
    assert started["data"]["provisional"] is True and "尚未公布" in started["detail"]
    await skip_past(env, s, announcement["ends_at"], extra=-timedelta(hours=2))
    assert (await s.case(case_id))["stage"] == "announcement"
    await env.sleep(timedelta(hours=3))
    await wait_stage(s, case_id, "bidding")


async def test_an_objection_pauses_the_publicity_until_it_is_dismissed(timed):
    s, env = timed
    case_id = await through_meetings(s)
    case = await to_publicity(env, s, case_id)
    publicity_start = await s.today()
    # three days into the 公示 an objection arrives
    await env.sleep(timedelta(days=3))
    objected_on = await s.today()
    used = calendar.working_days_between(publicity_start, objected_on)
    case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/objections",
                                   {"objector": "宁夏某建材公司", "content": "竞得人资格存疑"}))
    assert case["stage"] == "objection_review" and case["deadline"] is None
    assert case["period_clock"]["publicity"]["used_working_days"] == used
    assert case["period_clock"]["publicity"]["running_since"] is None
    # however long the objection takes, the 公示 does not run out meanwhile
    await env.sleep(timedelta(days=40))
    case = await s.case(case_id)
    assert case["stage"] == "objection_review" and not case["period_clock"]["publicity"]["finished"]
    case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/objection-resolution",
                                   {"resolution": "dismissed", "note": "经核查竞得人资格符合要求"}))
    assert case["stage"] == "publicity"
    resumed = await s.today()
    assert case["period_clock"]["publicity"]["ends"] == str(calendar.add_working_days(resumed, 10 - used))
    assert case["objections"][0]["resolution"] == "dismissed"
    assert entries(case, "objection_received") and entries(case, "objection_dismissed")
    await skip_past(env, s, case["period_clock"]["publicity"]["ends_at"])
    await wait_stage(s, case_id, "contract")


async def test_an_upheld_objection_voids_the_result(timed):
    s, env = timed
    case_id = await through_meetings(s)
    await to_publicity(env, s, case_id)
    await s.ok(await s.post("city_nr", f"/cases/{case_id}/objections", {"objector": "李四", "content": "串通竞价"}))
    case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/objection-resolution",
                                   {"resolution": "upheld", "note": "查实存在串通竞价"}))
    assert case["status"] == "rejected" and "异议成立" in case["outcome_reason"]


async def test_the_fee_not_paid_in_time_voids_the_grant(timed):
    s, env = timed
    case_id = await through_meetings(s)
    case = await to_publicity(env, s, case_id)
    await skip_past(env, s, case["period_clock"]["publicity"]["ends_at"])
    await wait_stage(s, case_id, "contract")
    case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/grant-contract", {
        "contract_no": "中卫出让合同〔2027〕4号", "signed_on": str(await s.today()), "fee_wan_yuan": 100}))
    await skip_past(env, s, case["fee_due_at"])
    case = await wait_stage(s, case_id, "lapsed")
    assert entries(case, "fee_reminded")[0]["data"]["due"] == case["fee_due"]
    assert await s.audiences(case_id, "fee_reminded") == {f"enterprise:{case['result']['winner_enterprise_id']}"}
    assert case["status"] == "rejected" and "逾期未缴纳出让收益" in case["outcome_reason"]


async def test_the_county_meeting_rejecting_ends_the_grant(timed):
    s, _env = timed
    case_id = (await propose(s))["case_id"]
    case = await s.ok(await s.decide(case_id, "reject"))
    assert case["status"] == "rejected" and "县党委政府集体研究不同意" in case["outcome_reason"]


PRECHECKS = {
    "land_use": ({"land_use_cleared": False}, "§04(二)4(3)"),
    "forest_grassland": ({"forest_grassland_cleared": False}, "§04(二)4(3)"),
    "ecological_red_line": ({"outside_red_line": False}, "§04(二)4(3)"),
    "production_scale": ({"production_wt": 40}, "§02(二)2"),
    "service_life": ({"service_years": 4}, "§02(二)2"),
    "deposit_scale": ({"deposit_scale": "small"}, "§04(二)4(2)"),
    "production_scale_class": ({"production_scale": "small"}, "§04(二)4(2)"),
}


@pytest.mark.parametrize("check", list(PRECHECKS))
async def test_each_precheck_refuses_the_block_citing_its_clause(stack, check):
    s = stack
    overrides, clause = PRECHECKS[check]
    error = await s.refused(await s.post("zn_nr", "/grants", block(**overrides)), 422, "GRANT_PRECHECK_FAILED")
    [finding] = error["details"]["findings"]
    assert finding["check"] == check and clause in finding["clause"]
    # the message a user reads cites the document by its title, not the reviewer's shorthand
    assert cite(finding["clause"]) in error["message"] and "seed" not in error["message"]


async def test_gypsum_threshold_is_30_and_quarries_50(stack):
    s = stack
    error = await s.refused(await s.post("zn_nr", "/grants", block(mineral="石膏", production_wt=25, open_pit=False)),
                            422, "GRANT_PRECHECK_FAILED")
    assert "30" in error["details"]["findings"][0]["message"]
    await s.ok(await s.post("zn_nr", "/grants", block(mineral="石膏", production_wt=30, open_pit=False)), 201)


async def test_a_block_overlapping_a_registered_right_is_not_clean(stack):
    s = stack
    from tests.rights.support import right_of_mine

    existing = await right_of_mine(s)
    error = await s.refused(await s.post("zn_nr", "/grants", block(area=existing.area)), 422, "GRANT_PRECHECK_FAILED")
    assert error["details"]["findings"][0]["check"] == "no_overlap" and existing.licence_no in error["message"]
    await s.refused(await s.post("zn_ent1", "/grants", block()), 403, "FORBIDDEN_ROLE")
    await s.refused(await s.post("hy_nr", "/grants", block()), 403, "OUT_OF_JURISDICTION")


async def test_a_year_without_any_holiday_data_is_flagged_not_silently_counted(timed):
    s, env = timed
    await skip_to_local(env, s, date(2028, 3, 1), hour=10)
    case_id = await through_meetings(s)
    case = await s.case(case_id)
    assert case["period_clock"]["announcement"]["provisional"] is True
    assert "尚未公布" in entries(case, "announcement_started")[0]["detail"]


async def test_a_publicity_paused_across_the_spring_festival_resumes_with_its_working_days_left(timed):
    s, env = timed
    await skip_to_local(env, s, date(2026, 12, 15), hour=10)
    case_id = await through_meetings(s)
    case = await to_publicity(env, s, case_id)
    publicity_start = await s.today()
    ends = date.fromisoformat(case["period_clock"]["publicity"]["ends"])
    assert publicity_start < date(2027, 2, 4) < ends  # the 公示 would have run through the holiday
    await skip_to_local(env, s, date(2027, 2, 4), hour=10)
    used = calendar.working_days_between(publicity_start, date(2027, 2, 4))
    case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/objections",
                                   {"objector": "某公司", "content": "竞得人资格存疑"}))
    assert case["period_clock"]["publicity"]["used_working_days"] == used
    # the objection is dismissed after the holiday: the days off counted neither before nor after
    await skip_to_local(env, s, date(2027, 2, 10), hour=10)
    case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/objection-resolution",
                                   {"resolution": "dismissed", "note": "异议不成立"}))
    resumed_ends = date.fromisoformat(case["period_clock"]["publicity"]["ends"])
    assert resumed_ends == calendar.add_working_days(date(2027, 2, 10), 10 - used)
    assert calendar.working_days_between(publicity_start, date(2027, 2, 4)) + calendar.working_days_between(
        date(2027, 2, 10), resumed_ends) == 10
