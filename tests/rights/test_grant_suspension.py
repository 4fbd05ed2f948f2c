"""中止交易 / 恢复交易 on a time-skipping server: a suspension stops the running 招拍挂 period however long it lasts,
the trading actions are refused meanwhile, and resuming runs the period on with the working days it had left — its
end moved by exactly the working days the trading stood suspended. Only the issuing bureau suspends."""

from datetime import date, timedelta

from domain.calendar import load_calendar
from tests.rights.support import (
    MINGSHA,
    enterprise_id,
    entries,
    skip_past,
    through_meetings,
    to_publicity,
    wait_stage,
)
from tests.support.stack import make_http
from tests.support.web import Browser

calendar = load_calendar()
DISPUTE = {"reason": "ownership_dispute", "note": "相邻采矿权人对出让范围东侧拐点提出权属争议，已诉至人民法院"}


async def test_a_suspension_in_the_bidding_stops_its_clock_until_trading_resumes(timed):
    s, env = timed
    case_id = await through_meetings(s)  # a city-issued block: 市自然资源局 runs the trading
    case = await s.case(case_id)
    await skip_past(env, s, case["period_clock"]["announcement"]["ends_at"])
    case = await wait_stage(s, case_id, "bidding")
    bidding_start = date.fromisoformat(case["period_clock"]["announcement"]["ends"]) + timedelta(days=1)
    planned_end = date.fromisoformat(case["period_clock"]["bidding"]["ends"])
    assert planned_end == calendar.add_working_days(bidding_start, 10)

    # only the issuing bureau suspends: not a department, not the county for a city-issued right
    await s.refused(await s.post("zn_police", f"/cases/{case_id}/trading-suspension", DISPUTE), 403,
                    "FORBIDDEN_ROLE")
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/trading-suspension", DISPUTE), 403, "WRONG_AUTHORITY")
    # nothing to resume yet
    await s.refused(await s.post("city_nr", f"/cases/{case_id}/trading-resumption", {"note": "争议已解决"}), 409,
                    "TRADING_NOT_SUSPENDED")

    await env.sleep(timedelta(days=3))
    suspended_on = await s.today()
    used = calendar.working_days_between(bidding_start, suspended_on)
    case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/trading-suspension", DISPUTE))
    bidding = case["period_clock"]["bidding"]
    assert case["suspended"] and case["stage"] == "bidding" and case["deadline"] is None
    assert bidding["running_since"] is None and bidding["used_working_days"] == used and not bidding["finished"]
    [pending] = case["pending"]
    assert (pending["task"], pending["role"]) == ("resume_trading", "city_nr")  # the bureau must resume it
    assert case["suspensions"][0]["reason"] == "ownership_dispute" and case["suspensions"][0]["ended_at"] is None
    [entry] = entries(await s.case(case_id), "trading_suspended")
    assert "因权属争议中止交易" in entry["detail"] and f"尚余 {10 - used} 个工作日" in entry["detail"]
    assert "seed" not in entry["detail"]
    offered = (await s.case(case_id, "city_nr"))["available_actions"]
    assert "resume_trading" in offered and "grant_result" not in offered and "suspend_trading" not in offered

    # the case page says so, and offers the bureau the form to resume
    async with make_http(s.app) as http:
        web = Browser(http)
        await web.login("city_nr")
        page = (await web.http.get(f"/console/cases/{case_id}")).text
    assert 'id="trading-suspended"' in page and "因权属争议" in page and 'id="action-resume_trading"' in page
    assert 'id="action-grant_result"' not in page

    # two months pass: the bidding period, 10 working days, does not run out while trading is suspended
    await env.sleep(timedelta(days=60))
    case = await s.case(case_id)
    assert case["suspended"] and case["stage"] == "bidding" and not case["period_clock"]["bidding"]["finished"]
    assert not entries(case, "bidding_ended")
    # the trading actions are refused meanwhile, saying why
    winner = {"winner_enterprise_id": await enterprise_id(s, MINGSHA), "price_wan_yuan": 3600}
    error = await s.refused(await s.post("city_nr", f"/cases/{case_id}/grant-result", winner), 409,
                            "TRADING_SUSPENDED")
    assert "中止" in error["message"] and "权属争议" in error["message"]
    await s.refused(await s.post("city_nr", f"/cases/{case_id}/trading-suspension", DISPUTE), 409,
                    "TRADING_SUSPENDED")

    resumed_on = await s.today()
    case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/trading-resumption",
                                   {"note": "人民法院判决驳回相邻采矿权人的诉讼请求，权属争议已解决"}))
    resumed_end = date.fromisoformat(case["period_clock"]["bidding"]["ends"])
    assert not case["suspended"] and case["pending"] == [] and case["deadline"] == str(resumed_end)
    assert resumed_end == calendar.add_working_days(resumed_on, 10 - used)
    # the end moved by exactly the working days the trading stood suspended
    assert calendar.working_days_between(planned_end, resumed_end) == calendar.working_days_between(
        suspended_on, resumed_on) > 30
    assert case["suspensions"][0]["ended_at"] and case["suspensions"][0]["resumed_by"] == "city_nr"
    [entry] = entries(await s.case(case_id), "trading_resumed")
    assert "恢复交易" in entry["detail"] and f"至 {resumed_end} 止" in entry["detail"]

    # the period then runs out on its new date and trading goes on
    case = await to_publicity(env, s, case_id)
    assert case["stage"] == "publicity" and case["result"]["winner_name"] == MINGSHA


async def test_a_suspension_in_the_publicity_refuses_objections_and_resumes_the_publicity(timed):
    s, env = timed
    case_id = await through_meetings(s)
    case = await to_publicity(env, s, case_id)
    publicity_start = await s.today()
    await env.sleep(timedelta(days=2))
    suspended_on = await s.today()
    used = calendar.working_days_between(publicity_start, suspended_on)
    case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/trading-suspension", {
        "reason": "bidder_violation", "note": "竞得人存在越界开采行为，尚未处理"}))
    assert case["suspended"] and case["stage"] == "publicity"
    assert case["period_clock"]["publicity"]["used_working_days"] == used
    await s.refused(await s.post("city_nr", f"/cases/{case_id}/objections", {"objector": "张三", "content": "异议"}),
                    409, "TRADING_SUSPENDED")
    await env.sleep(timedelta(days=30))
    assert not (await s.case(case_id))["period_clock"]["publicity"]["finished"]
    resumed_on = await s.today()
    case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/trading-resumption",
                                   {"note": "违法行为已依法处罚并执行完毕"}))
    assert case["period_clock"]["publicity"]["ends"] == str(calendar.add_working_days(resumed_on, 10 - used))
    await skip_past(env, s, case["period_clock"]["publicity"]["ends_at"])
    await wait_stage(s, case_id, "contract")
    # after the 公示 the trading is over: nothing left to suspend
    await s.refused(await s.post("city_nr", f"/cases/{case_id}/trading-suspension", DISPUTE), 409, "WRONG_STAGE")
