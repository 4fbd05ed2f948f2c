"""The whole 开复工 procedure through the HTTP API, on the real Temporal dev server: every role, every stage."""

import pytest

from tests.support.stack import ZN_DEPARTMENTS, ZN_EXPERTS, china_today

pytestmark = pytest.mark.devserver


async def test_reopening_from_application_to_city_filing(dev_stack):
    s = dev_stack
    case = await s.submit()
    case_id = case["case_id"]
    assert case["stage"] == "intake" and case["status"] == "active"
    assert case["stage_name"] == "受理"
    assert [p["task"] for p in case["pending"]] == ["intake"]

    # county NR sees it in its inbox; the enterprise sees it in its list
    inbox = await s.ok(await s.get("zn_nr", "/tasks"))
    assert [t["case_id"] for t in inbox["items"]] == [case_id]
    mine_list = await s.ok(await s.get("zn_ent1", "/cases"))
    assert [c["case_id"] for c in mine_list["items"]] == [case_id]

    # 受理, naming the expert panel: eight parties now pending, each with a working-day deadline
    case = await s.accept(case_id)
    assert case["stage"] == "joint_acceptance"
    parties = {p["party"] for p in case["pending"]}
    assert parties == {"emergency_management", "ecology_environment", "public_security", "water_resources",
                       "township", *(f"expert:{e}" for e in ZN_EXPERTS)}
    assert all(p["due"] and p["working_days_left"] == 10 for p in case["pending"])
    officer_inbox = await s.ok(await s.get("zn_police", "/tasks"))
    assert [(t["case_id"], t["task"]) for t in officer_inbox["items"]] == [(case_id, "sign_off")]

    # every party signs; the police's inbox empties at once
    for username in (*ZN_DEPARTMENTS, "zn_shikong", *ZN_EXPERTS):
        case = await s.ok(await s.sign(case_id, username))
    assert (await s.ok(await s.get("zn_police", "/tasks")))["items"] == []
    assert case["stage"] == "committee_review"
    assert case["rounds"][0]["outcome"] == "pass" and len(case["rounds"][0]["parties"]) == 8
    assert case["deadline"] is not None and case["working_days_left"] == 20  # 行政许可法 42: clock runs from here

    case = await s.ok(await s.decide(case_id))
    assert case["stage"] == "approval"
    assert case["committee_meetings"][0]["meeting_no"] == "中宁县政府常务会议〔2026〕12次"

    case = await s.approve(case_id)
    year = china_today().year
    assert case["stage"] == "resumption"
    assert case["document_no"] == f"中宁自然资复〔{year}〕1号"

    case = await s.resume(case_id)
    assert case["stage"] == "city_filing" and case["resumed_on"] == str(china_today())
    assert [t["case_id"] for t in (await s.ok(await s.get("city_nr", "/tasks")))["items"]] == [case_id]

    case = await s.file(case_id)
    assert case["stage"] == "completed" and case["status"] == "completed" and case["pending"] == []

    # the timeline names who did what, in order
    actions = [(e["actor"], e["action"]) for e in case["timeline"]]
    assert actions[0] == ("zn_ent1", "submitted")
    assert ("zn_nr", "intake_accepted") in actions and ("zn_committee", "committee_decided") in actions
    assert actions[-1] == ("city_nr", "filing_acknowledged")
    assert [e["seq"] for e in case["timeline"]] == list(range(1, len(actions) + 1))

    # the list (projection) agrees, the mine is producing again, and a closed case stays readable
    listed = await s.ok(await s.get("city_nr", "/cases", status="completed"))
    assert [(c["case_id"], c["document_no"]) for c in listed["items"]] == [(case_id, case["document_no"])]
    mine = await s.ok(await s.get("zn_ent1", f"/mines/{case['mine_id']}"))
    assert mine["status"] == "producing"
    again = await s.ok(await s.get("zn_ent1", f"/cases/{case_id}"))
    assert again["status"] == "completed"
    # what the filing answered stands; only the issuing of documents (in the background, after their acts) may follow
    later = [(e["actor"], e["action"]) for e in again["timeline"]]
    assert later[:len(actions)] == actions and {a for _, a in later[len(actions):]} <= {"document_issued"}, later
