"""Every period of the transfer on a time-skipping server: the 40-day decision clock (natural days, 第十条)
stopping across a 补正, its reminder and escalation, an audited extension, the approval lapsing when the change is
not registered in time, and a correction never supplied. Nothing sleeps in real time."""

from datetime import timedelta

from domain.calendar import load_calendar
from tests.rights.support import (
    confirm,
    county_right,
    entries,
    history,
    review,
    right_by_licence,
    submit_transfer,
    to_decision,
)

calendar = load_calendar()  # natural-day periods end on a working day (民法典 第二百零三条)


async def _received(s, right_id):
    case_id = (await submit_transfer(s, right_id))["case_id"]
    case = await confirm(s, case_id)
    return case_id, case


async def test_the_clock_stops_during_correction_and_restarts_with_the_days_left(timed):
    s, env = timed
    right = await county_right(s)
    case_id, case = await _received(s, right["id"])
    received = await s.today()
    assert case["deadline"] == str(calendar.add_natural_days(received, 40))

    await env.sleep(timedelta(days=10))
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/transfer-review",
                                   {"decision": "request_correction", "missing": ["mining_report"]}))
    assert case["stage"] == "correction" and case["deadline"] is None and case["working_days_left"] is None
    assert case["clock"]["used_days"] == 10
    stopped = entries(await s.case(case_id), "clock_stopped")[0]
    assert stopped["data"] == {"used_days": 10, "days_left": 30}

    # 20 days pass while the applicants correct: none of them count
    await env.sleep(timedelta(days=20))
    case = await s.ok(await s.post("zn_ent2", f"/cases/{case_id}/transfer-corrections",
                                   {"materials": [{"kind": "mining_report", "ref": "开采情况报告-2"}]}))
    assert case["stage"] == "review"
    assert case["deadline"] == str(calendar.add_natural_days(await s.today(), 30))
    assert case["clock"]["used_days"] == 10 and case["clock"]["limit_days"] == 40


async def test_the_decision_limit_is_reminded_then_escalated(timed):
    s, env = timed
    right = await county_right(s)
    case_id, case = await _received(s, right["id"])
    deadline = case["deadline"]
    await review(s, case_id)

    await env.sleep(timedelta(days=36))  # five days before the limit, at 09:00: the reminder
    await s.eventually(lambda: _has(s, case_id, "deadline_warning"))
    case = await s.case(case_id)
    assert entries(case, "escalated") == []
    assert entries(case, "deadline_warning")[0]["data"]["deadline"] == deadline

    await env.sleep(timedelta(days=5))
    await s.eventually(lambda: _has(s, case_id, "escalated"))
    case = await s.case(case_id)
    [escalation] = entries(case, "escalated")
    assert escalation["data"]["deadline"] == deadline and "第十条" in escalation["detail"]
    assert case["pending"][0]["overdue"] is True
    overdue = await s.ok(await s.get("zn_supervisor", "/cases", overdue="true", kind="transfer"))
    assert [c["case_id"] for c in overdue["items"]] == [case_id]


async def test_an_extension_is_audited_and_bounded(timed):
    s, _env = timed
    right = await county_right(s)
    case_id, case = await _received(s, right["id"])
    before = case["deadline"]
    body = {"days": 10, "head_approval_ref": "中宁自然资〔2026〕延字1号", "reason": "需征求林草部门意见"}
    await s.refused(await s.post("zn_ent1", f"/cases/{case_id}/deadline-extensions", body), 403, "FORBIDDEN_ROLE")
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/deadline-extensions", body))
    assert case["clock"]["limit_days"] == 50 and case["clock"]["extended_days"] == 10
    assert case["deadline"] == str(calendar.add_natural_days(await s.today(), 50)) and case["deadline"] > before
    [entry] = entries(case, "deadline_extended")
    assert entry["actor"] == "zn_nr" and entry["data"]["head_approval_ref"] == "中宁自然资〔2026〕延字1号"
    assert "第四十二条" in entry["detail"]
    assert case["extensions"][0]["by"] == "zn_nr"
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/deadline-extensions", {**body, "days": 1}),
                    422, "EXTENSION_NOT_ALLOWED")


async def test_an_approval_not_registered_in_time_lapses_and_the_registry_keeps_its_holder(timed):
    s, env = timed
    right = await county_right(s)
    case_id = await to_decision(s, right["id"])
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/transfer-decision", {"decision": "approve"}))
    assert case["registration_due"] == str(calendar.add_natural_days(await s.today(), 60))
    await env.sleep(timedelta(days=59))
    case = await s.case(case_id)
    assert case["status"] == "active"
    [reminder] = entries(case, "registration_reminded")
    assert reminder["data"]["due"] == case["registration_due"]
    assert await s.audiences(case_id, "registration_reminded") == {  # both parties are told
        f"enterprise:{case['transferor_enterprise_id']}", f"enterprise:{case['transferee_enterprise_id']}"}
    await env.sleep(timedelta(days=2))
    await s.eventually(lambda: _has(s, case_id, "approval_lapsed"))
    case = await s.case(case_id)
    assert case["status"] == "rejected" and case["stage"] == "lapsed" and "批准转让失效" in case["outcome_reason"]
    assert (await right_by_licence(s, right["licence_no"])).holder_enterprise_id == right["holder_enterprise_id"]
    assert [h.change for h in await history(s, right["id"])] == ["created"]
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/change-registration", {}), 409, "CASE_CLOSED")


async def test_a_correction_never_supplied_closes_the_case_as_withdrawn(timed):
    s, env = timed
    right = await county_right(s)
    case_id, _ = await _received(s, right["id"])
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/transfer-review",
                            {"decision": "request_correction", "missing": ["contract"]}))
    await env.sleep(timedelta(days=31))
    await s.eventually(lambda: _has(s, case_id, "correction_timed_out"))
    case = await s.case(case_id)
    assert case["status"] == "withdrawn" and "逾期未补正" in case["outcome_reason"]


async def _has(s, case_id, action):
    return action in await s.actions(case_id)


async def test_expert_review_stops_the_clock_until_it_resumes(timed):
    s, env = timed
    right = await county_right(s)
    case_id, _ = await _received(s, right["id"])
    await review(s, case_id)
    await env.sleep(timedelta(days=12))
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/clock-pauses",
                                   {"kind": "expert_review", "reason": "组织专家评审开采方案"}))
    assert case["stage"] == "suspended" and case["deadline"] is None and case["clock"]["used_days"] == 12
    assert case["available_actions"][0] == "resume"
    # decisions wait while the clock is stopped; 60 days of review cost the case nothing
    await s.refused(await s.decide(case_id), 409, "WRONG_STAGE")
    await env.sleep(timedelta(days=60))
    case = await s.case(case_id)
    assert entries(case, "escalated") == [] and case["stage"] == "suspended"
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/clock-resumption", {"note": "专家评审完成"}))
    assert case["stage"] == "committee_review"
    assert case["deadline"] == str(calendar.add_natural_days(await s.today(), 28))
    assert case["pauses"][0]["kind"] == "expert_review" and case["pauses"][0]["ended_at"]
    [paused] = entries(case, "clock_paused")
    assert "第四十五条" in paused["detail"] and paused["data"]["days_left"] == 28
