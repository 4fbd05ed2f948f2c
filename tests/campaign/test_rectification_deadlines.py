"""Every deadline and escalation of a rectification and of the campaign, on a time-skipping server: the plan's,
an item's (督查组, then 纪检监察 on the repeated overdue), third-party restoration with its claim, 督查组 findings,
and the campaign's dates. Nothing here sleeps in real time."""

from datetime import timedelta

from tests.campaign.support import close_all_items, open_campaign, start_rectifications, submit_plan
from tests.support.stack import SHIKONG_MINE


def entries(case, action, **data):
    return [e for e in case["timeline"] if e["action"] == action
            and all(e["data"].get(k) == v for k, v in data.items())]


async def rectification(s, campaign_id=None):
    mine = await s.mine(SHIKONG_MINE)
    result = await start_rectifications(s, [mine.id], campaign_id, username="zn_nr")
    return result["started"][0]["case_id"]


async def test_plan_not_drawn_up_in_time_is_escalated(timed):
    s, env = timed
    case_id = await rectification(s)
    await env.sleep(timedelta(days=20))  # 10 working days, whatever the holidays
    await s.eventually(lambda: _has(s, case_id, "escalated"))
    case = await s.case(case_id)
    assert entries(case, "escalated", task="plan") and case["pending"][0]["overdue"] is True
    inbox = (await s.ok(await s.get("zn_supervisor", "/tasks")))["items"]
    assert [(t["case_id"], t["task"]) for t in inbox] == [(case_id, "plan")]


async def test_overdue_item_goes_to_the_inspection_group_then_to_discipline(timed):
    s, env = timed
    campaign = await open_campaign(s)
    case_id = await rectification(s, campaign["case_id"])
    case = await submit_plan(s, case_id)
    safety = case["items"][0]
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/items/2/close", {"evidence": ["边坡验收单"]}))
    await s.ok(await s.post("zn_ecology", f"/cases/{case_id}/items/3/close", {"evidence": ["降尘记录"]}))

    await env.sleep(timedelta(days=20))  # item 1 has 10 working days
    await s.eventually(lambda: _has(s, case_id, "escalated"))
    case = await s.case(case_id)
    [escalation] = entries(case, "escalated", item_no=1)
    assert escalation["data"]["due"] == safety["due"] and escalation["data"]["to"] == ["supervisor"]
    assert entries(case, "referred") == []
    inbox = (await s.ok(await s.get("zn_supervisor", "/tasks")))["items"]
    assert [(t["case_id"], t["party"], t["overdue"]) for t in inbox] == [(case_id, "item:i1", True)]
    view = await s.ok(await s.get("zn_supervisor", f"/campaigns/{campaign['case_id']}/supervision"))
    [county] = view["counties"]  # the 督查组 of 中宁县 sees its own county only
    assert county["county_code"] == "640521" and county["group"]["name"] == "第二督查组"
    [dept] = county["overdue_by_department"]
    assert (dept["department"], dept["count"], dept["items"][0]["item_no"]) == ("emergency_management", 1, 1)
    assert dept["department_name"] == "中宁县应急管理局"

    # still open 10 working days later: 推进不力、进展缓慢 → 纪检监察
    await env.sleep(timedelta(days=20))
    await s.eventually(lambda: _has(s, case_id, "referred"))
    case = await s.case(case_id)
    [referral] = case["referrals"]
    assert referral["kind"] == "discipline" and referral["item_no"] == 1 and "推进不力" in referral["reason"]
    view = await s.ok(await s.get("city_nr", f"/campaigns/{campaign['case_id']}/supervision",
                                  division_code="640521"))
    assert [(r["kind"], r["kind_name"]) for r in view["counties"][0]["referrals"]] == [("discipline", "移交纪检监察")]

    # a late close is still taken, and marked late
    case = await s.ok(await s.post("zn_emergency", f"/cases/{case_id}/items/1/close", {"evidence": ["隐患台账"]}))
    assert case["stage"] == "county_acceptance" and "逾期" in case["timeline"][-1]["detail"]


async def test_refused_restoration_is_given_to_a_third_party_with_a_claim(timed):
    s, env = timed
    campaign = await open_campaign(s)
    case_id = await rectification(s, campaign["case_id"])
    await submit_plan(s, case_id)
    body = {"item_no": 2, "contractor": "宁夏绿源生态修复有限公司", "contract_ref": "中宁委〔2026〕3号",
            "cost_yuan": 1250000}
    path = f"/cases/{case_id}/third-party-restoration"
    await s.refused(await s.post("zn_nr", path, body), 409, "THIRD_PARTY_NOT_ALLOWED")  # not yet overdue
    await s.refused(await s.post("zn_nr", path, {**body, "item_no": 1}), 409, "THIRD_PARTY_NOT_ALLOWED")

    await env.sleep(timedelta(days=35))  # the restoration item has 20 working days
    await s.eventually(lambda: _escalated(s, case_id, 2))
    [escalation] = entries(await s.case(case_id), "escalated", item_no=2)
    assert "委托第三方先行修复" in escalation["detail"] and escalation["data"]["to"] == ["supervisor", "county_nr"]
    inbox = (await s.ok(await s.get("zn_nr", "/tasks")))["items"]
    assert [(t["task"], t["task_name"]) for t in inbox if t["case_id"] == case_id and t["party"] == "third_party:i2"] \
        == [("commission_restoration", "委托第三方先行修复")]
    assert "third_party" in (await s.case(case_id))["available_actions"]
    case = await s.ok(await s.post("zn_nr", path, body))
    assert "third_party:i2" not in [p["party"] for p in case["pending"]]
    assert case["items"][1]["third_party"]["contractor"] == "宁夏绿源生态修复有限公司"
    assert case["claims"] == [{"item_no": 2, "contractor": "宁夏绿源生态修复有限公司",
                               "contract_ref": "中宁委〔2026〕3号", "cost_yuan": 1250000.0,
                               "at": case["claims"][0]["at"]}]
    [entry] = entries(case, "third_party_commissioned")
    assert "追偿" in entry["detail"] and "1,250,000.00" in entry["detail"]
    await s.refused(await s.post("zn_nr", path, body), 409, "ALREADY_EXISTS")
    view = await s.ok(await s.get("city_nr", f"/campaigns/{campaign['case_id']}/supervision",
                                  division_code="640521"))
    [claim] = view["counties"][0]["claims"]
    assert (claim["case_id"], claim["cost_yuan"], claim["enterprise_name"]) == (case_id, 1250000.0,
                                                                               "中宁县鑫源矿业有限公司")


async def test_acceptance_not_recorded_in_time_is_escalated(timed):
    s, env = timed
    case_id = await rectification(s)
    case = await submit_plan(s, case_id)
    case = await close_all_items(s, case)
    assert case["stage"] == "county_acceptance" and case["pending"][0]["due"]
    await env.sleep(timedelta(days=20))
    await s.eventually(lambda: _has(s, case_id, "escalated"))
    case = await s.case(case_id)
    assert entries(case, "escalated", task="county_acceptance") and case["pending"][0]["overdue"] is True
    inbox = (await s.ok(await s.get("zn_supervisor", "/tasks")))["items"]
    assert [(t["case_id"], t["task_name"]) for t in inbox] == [(case_id, "县级验收")]
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/county-acceptance", {"verdict": "pass"}))
    case = await s.case(case_id)
    assert case["stage"] == "region_acceptance" and case["pending"][0]["overdue"] is False  # a fresh deadline
    assert [t["task"] for t in (await s.ok(await s.get("city_nr", "/tasks")))["items"]] == ["region_acceptance"]


async def test_findings_refer_concealment_to_discipline_and_illegal_acts_to_justice(stack):
    s = stack
    campaign = await open_campaign(s)
    case_id = await rectification(s, campaign["case_id"])
    await submit_plan(s, case_id)
    await s.refused(await s.post("zn_emergency", f"/cases/{case_id}/findings",
                                 {"kind": "illegal", "description": "x"}), 403, "FORBIDDEN_ROLE")
    await s.refused(await s.post("spt_supervisor", f"/cases/{case_id}/findings",
                                 {"kind": "illegal", "description": "x"}), 403, "OUT_OF_JURISDICTION")
    await s.ok(await s.post("zn_supervisor", f"/cases/{case_id}/findings",
                            {"kind": "concealment", "description": "乡镇发现越界开采未上报", "item_no": 1}))
    case = await s.ok(await s.post("zn_supervisor", f"/cases/{case_id}/findings",
                                   {"kind": "illegal", "description": "企业停产期间夜间偷采"}))
    assert [(r["kind"], r["by"]) for r in case["referrals"]] == [("discipline", "zn_supervisor"),
                                                                 ("judicial", "zn_supervisor")]
    view = await s.ok(await s.get("zn_supervisor", f"/campaigns/{campaign['case_id']}/supervision"))
    assert [r["kind_name"] for r in view["counties"][0]["referrals"]] == ["移交纪检监察", "移交司法"]


async def test_campaign_dates_take_stock_and_escalate_what_is_open(timed):
    s, env = timed
    today = await s.today()
    campaign = await open_campaign(s, results_due=today + timedelta(days=10),
                                   acceptance_due=today + timedelta(days=40))
    campaign_id = campaign["case_id"]
    await rectification(s, campaign_id)
    await env.sleep(timedelta(days=12))
    await s.eventually(lambda: _has(s, campaign_id, "milestone", "city_nr"))
    case = await s.case(campaign_id, "city_nr")
    [milestone] = entries(case, "milestone", milestone="results_due")
    assert (milestone["data"]["total"], milestone["data"]["open"]) == (1, 1)
    assert entries(case, "escalated", milestone="results_due")
    # the city bureau and every county's 督查组 are told (the campaign itself sits at the city)
    assert await s.audiences(campaign_id, "escalated") == {"role:city_nr:640500"} | {
        f"role:supervisor:{g['county_code']}" for g in case["groups"]}
    assert case["stage"] == "verifying" and case["stage_name"] == "验收销号"
    await env.sleep(timedelta(days=30))
    await s.eventually(lambda: _count(s, campaign_id, "milestone", 2, "city_nr"))
    case = await s.case(campaign_id, "city_nr")
    assert case["milestones"]["acceptance_due"]["open"] == 1 and case["pending"][0]["overdue"] is True
    refused = await s.post("city_nr", f"/campaigns/{campaign_id}/conclusion", {"summary": "结束"})
    await s.refused(refused, 409, "CAMPAIGN_CASES_OPEN")


async def _escalated(s, case_id, item_no):
    return bool(entries(await s.case(case_id), "escalated", item_no=item_no))


async def _has(s, case_id, action, username="zn_nr"):
    return action in [e["action"] for e in (await s.case(case_id, username))["timeline"]]


async def _count(s, case_id, action, n, username="zn_nr"):
    return [e["action"] for e in (await s.case(case_id, username))["timeline"]].count(action) >= n
