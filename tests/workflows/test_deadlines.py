"""Every deadline of the reopening, on a time-skipping server: reminders, escalations, time-outs, the statutory
clock stopping and restarting. Nothing here sleeps in real time."""

from datetime import timedelta

from domain.calendar import CHINA_TZ, load_calendar
from tests.support.stack import ZN_DEPARTMENTS, ZN_EXPERTS

calendar = load_calendar()


async def skip_to_local(env, stack, day, hour=12):
    """Skip the server's clock to `day` at `hour`:00 China time."""
    now = await stack.now()
    target = now.astimezone(CHINA_TZ).replace(year=day.year, month=day.month, day=day.day, hour=hour, minute=0)
    assert target > now
    await env.sleep(target - now)


def entries(case, action, **data):
    return [e for e in case["timeline"] if e["action"] == action
            and all(e["data"].get(k) == v for k, v in data.items())]


async def test_late_party_is_reminded_then_escalated_and_can_still_sign(timed):
    s, env = timed
    case = await s.submit()
    case_id = case["case_id"]
    accepted = await s.accept(case_id)
    police = next(p for p in accepted["pending"] if p["party"] == "public_security")
    due = police["due"]
    for username in (*(u for u in ZN_DEPARTMENTS if u != "zn_police"), "zn_shikong", *ZN_EXPERTS):
        await s.ok(await s.sign(case_id, username))

    # two working days before the deadline, at 09:00, the police (and only they) are reminded
    remind_day = calendar.add_working_days(calendar.add_working_days(await s.today(), 10), -2)
    await skip_to_local(env, s, remind_day, hour=10)
    await s.eventually(lambda: _has(s, case_id, "reminded"))
    case = await s.case(case_id)
    assert [e["data"]["party"] for e in entries(case, "reminded")] == ["public_security"]
    assert entries(case, "escalated") == []
    assert (await s.ok(await s.get("zn_supervisor", "/tasks")))["items"] == []

    # the deadline passes: escalated to county NR and the 督查组; the supervisor's inbox and the lists show it
    await skip_to_local(env, s, calendar.add_working_days(remind_day, 3), hour=1)
    await s.eventually(lambda: _has(s, case_id, "escalated"))
    case = await s.case(case_id)
    [escalation] = entries(case, "escalated")
    assert escalation["data"] == {"party": "public_security", "due": due, "to": ["county_nr", "supervisor"]}
    assert [p["party"] for p in case["pending"] if p["overdue"]] == ["public_security"]
    supervisor_inbox = (await s.ok(await s.get("zn_supervisor", "/tasks")))["items"]
    assert [(t["case_id"], t["party"], t["overdue"]) for t in supervisor_inbox] == [(case_id, "public_security", True)]
    overdue_list = await s.ok(await s.get("zn_nr", "/cases", overdue="true"))
    assert [c["case_id"] for c in overdue_list["items"]] == [case_id]

    # a late sign-off is still taken: the round completes and the case moves on
    case = await s.ok(await s.sign(case_id, "zn_police"))
    assert case["stage"] == "committee_review"
    assert (await s.ok(await s.get("zn_nr", "/cases", overdue="true")))["items"] == []


async def test_intake_not_decided_in_five_working_days_is_escalated(timed):
    s, env = timed
    case_id = (await s.submit())["case_id"]
    await env.sleep(timedelta(days=9))
    await s.eventually(lambda: _has(s, case_id, "escalated"))
    case = await s.case(case_id)
    assert entries(case, "escalated", task="intake")
    assert "第三十二条" in entries(case, "escalated")[0]["detail"]
    assert case["pending"][0]["overdue"] is True
    inbox = (await s.ok(await s.get("zn_supervisor", "/tasks")))["items"]
    assert [(t["case_id"], t["task"]) for t in inbox] == [(case_id, "intake")]


async def test_unanswered_correction_closes_the_case_as_withdrawn(timed):
    s, env = timed
    case_id = (await s.submit())["case_id"]
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/intake",
                                   {"decision": "request_correction", "missing": ["safety_assessment"]}))
    assert case["stage"] == "correction" and case["correction_due_at"]
    assert [t["task"] for t in (await s.ok(await s.get("zn_ent1", "/tasks")))["items"]] == ["correction"]

    await env.sleep(timedelta(days=40))  # more than 20 working days, whatever the holidays
    await s.eventually(lambda: _status(s, case_id, "withdrawn"))
    case = await s.case(case_id)
    assert case["outcome_reason"] == "逾期未补正，视为撤回申请"
    assert "correction_timed_out" in [e["action"] for e in case["timeline"]]
    assert (await s.ok(await s.get("zn_ent1", "/tasks")))["items"] == []
    late = await s.post("zn_ent1", f"/cases/{case_id}/corrections",
                        {"materials": [{"kind": "safety_assessment", "ref": "安评-2"}]})
    await s.refused(late, 409, "CASE_CLOSED")


async def test_statutory_clock_stops_during_correction_and_restarts_on_resubmission(timed):
    s, env = timed
    case_id = (await s.submit())["case_id"]
    start = await s.today()
    await skip_to_local(env, s, calendar.add_working_days(start, 3), hour=15)
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/intake",
                                   {"decision": "request_correction", "missing": ["safety_assessment"]}))
    assert case["clock"]["running_since"] is None and case["clock"]["used_days"] == 3
    assert case["deadline"] is None  # stopped: no deadline while the enterprise holds the case

    await env.sleep(timedelta(days=12))  # the enterprise takes its time; none of it counts
    back = await s.today()
    case = await s.ok(await s.post("zn_ent1", f"/cases/{case_id}/corrections",
                                   {"materials": [{"kind": "safety_assessment", "ref": "安评-2"}]}))
    assert case["stage"] == "intake" and case["clock"]["used_days"] == 3
    assert case["deadline"] == str(calendar.add_working_days(back, 17))


async def test_clock_stops_during_joint_acceptance_and_warns_then_escalates_in_committee(timed):
    s, env = timed
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    case = await s.case(case_id)
    assert case["clock"]["running_since"] is None  # 联合验收 is expert review: not counted
    await env.sleep(timedelta(days=6))
    await s.sign_all(case_id)
    case = await s.case(case_id)
    assert case["stage"] == "committee_review" and case["clock"]["used_days"] == 0
    deadline = case["deadline"]

    await env.sleep(timedelta(days=40))
    await s.eventually(lambda: _has(s, case_id, "deadline_warning"))
    await s.eventually(lambda: _count(s, case_id, "escalated", 1))
    case = await s.case(case_id)
    assert case["clock"]["exceeded"] and case["pending"][0]["overdue"]
    assert entries(case, "deadline_warning")[0]["data"] == {"deadline": deadline}
    inbox = (await s.ok(await s.get("zn_supervisor", "/tasks")))["items"]
    assert [(t["case_id"], t["task"]) for t in inbox] == [(case_id, "committee_decision")]


async def test_unacknowledged_filing_is_reminded_then_escalated(timed):
    s, env = timed
    case_id = await s.to_committee()
    await s.ok(await s.decide(case_id))
    await s.approve(case_id)
    await s.resume(case_id)
    await env.sleep(timedelta(days=60))
    await s.eventually(lambda: _count(s, case_id, "filing_reminded", 4))
    await s.eventually(lambda: _count(s, case_id, "escalated", 1))
    case = await s.case(case_id)
    assert case["filing_reminders"] == 4
    assert entries(case, "escalated", task="city_filing")
    assert all(e["at"][11:13] == "01" for e in entries(case, "filing_reminded"))  # 09:00 China time
    case = await s.file(case_id)
    assert case["status"] == "completed"


async def _has(s, case_id, action):
    return action in await s.actions(case_id)


async def _count(s, case_id, action, n):
    return (await s.actions(case_id)).count(action) >= n


async def _status(s, case_id, status):
    return (await s.case(case_id))["status"] == status
