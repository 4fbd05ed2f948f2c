"""会签 moves (issue 11): reassign, delegate, add or remove a party, return, urge, copy — each recorded on the
timeline, each changing every affected inbox at once, and the races that break other products."""

import asyncio
from datetime import timedelta

from tests.support.stack import ZN_DEPARTMENTS, ZN_EXPERTS


async def inbox(s, username):
    return [(t["case_id"], t["task"], t["party"]) for t in (await s.ok(await s.get(username, "/tasks")))["items"]]


async def officer(s, username, department_of):
    """A second officer of `department_of`'s department, created by the admin."""
    dept = (await s.user(department_of)).department_id
    await s.ok(await s.post("admin", "/users", {"username": username, "password": "officer-password",
                                                "display_name": f"{username} 经办人", "role": "department_officer",
                                                "division_code": "640521", "department_id": dept}), 201)


async def accepted(s):
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    return case_id


def last(case, action):
    return [e for e in case["timeline"] if e["action"] == action][-1]


async def test_reassign_moves_the_task_and_the_old_officer_can_no_longer_sign(stack):
    s = stack
    await officer(s, "zn_police2", "zn_police")
    case_id = await accepted(s)
    assert (case_id, "sign_off", "public_security") in await inbox(s, "zn_police")
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/tasks/public_security/reassign",
                                   {"to": "zn_police2", "reason": "原经办人休假"}))
    task = next(p for p in case["rounds"][0]["parties"] if p["party"] == "public_security")
    assert task["assignee"] == "zn_police2"
    entry = last(case, "reassigned")
    assert (entry["actor"], entry["role"], entry["data"]["to"], entry["data"]["reason"]) == (
        "zn_nr", "county_nr", "zn_police2", "原经办人休假")
    assert await inbox(s, "zn_police") == []  # the old officer's inbox empties at once
    assert await inbox(s, "zn_police2") == [(case_id, "sign_off", "public_security")]
    await s.refused(await s.sign(case_id, "zn_police"), 403, "NOT_YOUR_PARTY")
    case = await s.ok(await s.sign(case_id, "zn_police2"))
    assert next(p for p in case["rounds"][0]["parties"] if p["party"] == "public_security")["signed_by"] == "zn_police2"


async def test_an_officer_hands_over_their_own_task_but_not_outside_the_department(stack):
    s = stack
    await officer(s, "zn_police2", "zn_police")
    case_id = await accepted(s)
    await s.refused(await s.post("zn_police", f"/cases/{case_id}/tasks/public_security/reassign",
                                 {"to": "zn_water", "reason": "转给水务"}), 422, "REASSIGN_TARGET_INVALID")
    await s.refused(await s.post("zn_water", f"/cases/{case_id}/tasks/public_security/reassign",
                                 {"to": "zn_police2", "reason": "越权转办"}), 403, "NOT_YOUR_PARTY")
    case = await s.ok(await s.post("zn_police", f"/cases/{case_id}/tasks/public_security/reassign",
                                   {"to": "zn_police2", "reason": "工作调整"}))
    assert last(case, "reassigned")["actor"] == "zn_police"
    await s.refused(await s.post("zn_police", f"/cases/{case_id}/tasks/public_security/reassign",
                                 {"to": "zn_police", "reason": "要回来"}), 403, "NOT_YOUR_PARTY")


async def test_delegate_prepares_the_opinion_and_the_holder_signs(stack):
    s = stack
    await officer(s, "zn_police2", "zn_police")
    case_id = await accepted(s)
    case = await s.ok(await s.post("zn_police", f"/cases/{case_id}/tasks/public_security/delegate",
                                   {"to": "zn_police2", "reason": "请起草验收意见"}))
    assert last(case, "delegated")["data"]["to"] == "zn_police2"
    assert await inbox(s, "zn_police2") == [(case_id, "draft_opinion", "public_security")]
    assert await inbox(s, "zn_police") == [(case_id, "sign_off", "public_security")]
    await s.refused(await s.sign(case_id, "zn_police2"), 403, "NOT_YOUR_PARTY")  # the delegate drafts, never signs

    case = await s.ok(await s.post("zn_police2", f"/cases/{case_id}/tasks/public_security/draft",
                                   {"verdict": "pass", "opinion": "民爆物品管理符合要求"}))
    task = next(p for p in case["rounds"][0]["parties"] if p["party"] == "public_security")
    assert task["draft"]["opinion"] == "民爆物品管理符合要求" and task["delegate"] is None
    assert await inbox(s, "zn_police2") == []
    case = await s.ok(await s.sign(case_id, "zn_police", opinion="同意起草意见"))
    actions = [e["action"] for e in case["timeline"]]
    assert actions[-3:] == ["delegated", "draft_submitted", "signed_off"]


async def test_add_a_party_mid_round_with_its_own_deadline_and_the_round_waits_for_it(stack):
    s = stack
    case_id = await accepted(s)
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/parties",
                                   {"party": "forestry_grassland", "reason": "矿区涉及林地"}))
    added = next(p for p in case["rounds"][0]["parties"] if p["party"] == "forestry_grassland")
    assert added["added_at"] and added["due"] and added["name"] == "中宁县林业和草原局"
    assert await inbox(s, "zn_forestry") == [(case_id, "sign_off", "forestry_grassland")]
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/parties",
                                 {"party": "forestry_grassland", "reason": "重复"}), 409, "ALREADY_EXISTS")
    case = await s.sign_all(case_id)
    assert case["stage"] == "joint_acceptance"  # eight signed, the added party has not
    case = await s.ok(await s.sign(case_id, "zn_forestry"))
    assert case["stage"] == "committee_review"
    assert "forestry_grassland" in {p["party"] for p in case["parties"]}  # later rounds call on it too


async def test_remove_the_only_pending_party_completes_the_round_at_once(stack):
    s = stack
    case_id = await accepted(s)
    for username in (*(u for u in ZN_DEPARTMENTS), *ZN_EXPERTS):
        await s.ok(await s.sign(case_id, username))
    case = await s.case(case_id)
    assert [p["party"] for p in case["pending"]] == ["township"]
    case = await s.ok(await s.request("DELETE", "zn_nr", f"/cases/{case_id}/parties/township",
                                      {"reason": "乡镇撤并，不再参与"}))
    assert case["stage"] == "committee_review" and case["rounds"][0]["outcome"] == "pass"
    removed = next(p for p in case["rounds"][0]["parties"] if p["party"] == "township")
    assert removed["removed_reason"] == "乡镇撤并，不再参与" and removed["verdict"] is None
    assert await inbox(s, "zn_shikong") == []


async def test_remove_refuses_a_signed_party_and_the_last_party(stack):
    s = stack
    case_id = await accepted(s)
    await s.ok(await s.sign(case_id, "zn_police"))
    await s.refused(await s.request("DELETE", "zn_nr", f"/cases/{case_id}/parties/public_security",
                                    {"reason": "x"}), 409, "PARTY_NOT_PENDING")
    parties = [p["party"] for p in (await s.case(case_id))["pending"]]
    for party in parties[:-1]:
        await s.ok(await s.request("DELETE", "zn_nr", f"/cases/{case_id}/parties/{party}", {"reason": "测试减签"}))
    # public_security signed and stays; the last pending one may go, since a party remains
    await s.ok(await s.request("DELETE", "zn_nr", f"/cases/{case_id}/parties/{parties[-1]}", {"reason": "最后"}))
    case = await s.case(case_id)
    assert case["stage"] == "committee_review"


async def test_the_last_remaining_party_cannot_be_removed(stack):
    s = stack
    case_id = await accepted(s)
    parties = [p["party"] for p in (await s.case(case_id))["pending"]]
    for party in parties[:-1]:
        await s.ok(await s.request("DELETE", "zn_nr", f"/cases/{case_id}/parties/{party}", {"reason": "减签"}))
    await s.refused(await s.request("DELETE", "zn_nr", f"/cases/{case_id}/parties/{parties[-1]}",
                                    {"reason": "全部减掉"}), 409, "LAST_PARTY")


async def test_return_from_acceptance_to_intake_keeps_the_round_and_opens_a_new_complete_one(stack):
    s = stack
    case_id = await accepted(s)
    await s.ok(await s.sign(case_id, "zn_police"))
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/return",
                                   {"to_stage": "intake", "reason": "专家组需调整"}))
    assert case["stage"] == "intake" and case["rounds"][0]["outcome"] == "returned"
    assert next(p for p in case["rounds"][0]["parties"] if p["party"] == "public_security")["verdict"] == "pass"
    assert await inbox(s, "zn_water") == []
    await s.refused(await s.sign(case_id, "zn_water"), 409, "WRONG_STAGE")  # the closed round takes nothing

    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/intake", {"decision": "accept"}))  # same panel
    assert len(case["rounds"]) == 2 and len(case["pending"]) == 8
    assert all(p["verdict"] is None for p in case["rounds"][1]["parties"])  # a new, complete round
    case = await s.sign_all(case_id)
    assert case["stage"] == "committee_review"


async def test_return_to_correction_lists_what_is_missing(stack):
    s = stack
    case_id = await accepted(s)
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/return", {"to_stage": "correction", "reason": "x"}),
                    422, "CORRECTION_LIST_EMPTY")
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/return", {
        "to_stage": "correction", "reason": "安评报告已过期", "missing": ["safety_assessment"]}))
    assert case["stage"] == "correction" and case["missing"] == ["safety_assessment"]
    assert await inbox(s, "zn_ent1") == [(case_id, "correction", "enterprise")]


async def test_committee_returns_to_joint_acceptance_for_one_more_check(stack):
    s = stack
    case_id = await s.to_committee()
    await s.refused(await s.post("zn_committee", f"/cases/{case_id}/return",
                                 {"to_stage": "intake", "reason": "x"}), 422, "VALIDATION_FAILED")
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/return",
                                 {"to_stage": "joint_acceptance", "reason": "x"}), 409, "WRONG_STAGE")
    case = await s.ok(await s.post("zn_committee", f"/cases/{case_id}/return",
                                   {"to_stage": "joint_acceptance", "reason": "请补充水务复核"}))
    assert case["stage"] == "joint_acceptance" and len(case["rounds"]) == 2
    assert case["rounds"][0]["outcome"] == "pass" and len(case["pending"]) == 8
    assert (case_id, "sign_off", "water_resources") in await inbox(s, "zn_water")
    assert await inbox(s, "zn_committee") == []
    case = await s.sign_all(case_id)
    assert case["stage"] == "committee_review"


async def test_urge_is_recorded_and_shown_in_the_inboxes_of_those_urged(stack):
    s = stack
    case_id = await accepted(s)
    await s.refused(await s.post("zn_supervisor", f"/cases/{case_id}/reminders",
                                 {"parties": ["county_nr"], "message": "x"}), 409, "PARTY_NOT_PENDING")
    case = await s.ok(await s.post("zn_supervisor", f"/cases/{case_id}/reminders",
                                   {"parties": ["public_security", "expert:zn_expert1"], "message": "请尽快签署"}))
    entry = last(case, "urged")
    assert (entry["actor"], entry["role"], entry["data"]["parties"]) == (
        "zn_supervisor", "supervisor", ["public_security", "expert:zn_expert1"])
    police_task = (await s.ok(await s.get("zn_police", "/tasks")))["items"][0]
    assert police_task["urge_message"] == "请尽快签署" and police_task["urged_at"]
    water_task = (await s.ok(await s.get("zn_water", "/tasks")))["items"][0]
    assert water_task["urged_at"] is None
    await s.refused(await s.post("zn_police", f"/cases/{case_id}/reminders",
                                 {"parties": ["water_resources"], "message": "x"}), 403, "FORBIDDEN_ROLE")


async def test_copy_gives_read_access_and_a_copied_list_but_no_actions(stack):
    s = stack
    case_id = (await s.submit())["case_id"]
    await s.refused(await s.get("hy_supervisor", f"/cases/{case_id}"), 403, "OUT_OF_JURISDICTION")
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/copies", {"to": "hy_supervisor", "note": "请督导"}))
    assert [c["username"] for c in case["copies"]] == ["hy_supervisor"]
    copied = await s.ok(await s.get("hy_supervisor", "/copies"))
    assert [c["case_id"] for c in copied["items"]] == [case_id]
    seen = await s.ok(await s.get("hy_supervisor", f"/cases/{case_id}"))
    assert seen["case_id"] == case_id and seen["available_actions"] == []
    await s.refused(await s.post("hy_supervisor", f"/cases/{case_id}/reminders",
                                 {"parties": ["county_nr"], "message": "x"}), 403, "OUT_OF_JURISDICTION")
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/copies", {"to": "hy_supervisor"}), 409, "ALREADY_EXISTS")
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/copies", {"to": "zn_ent2"}), 422, "VALIDATION_FAILED")


async def test_race_return_against_the_last_sign_off_exactly_one_wins(stack):
    s = stack
    case_id = await accepted(s)
    for username in (*ZN_DEPARTMENTS, *ZN_EXPERTS):
        await s.ok(await s.sign(case_id, username))
    sign, ret = await asyncio.gather(
        s.sign(case_id, "zn_shikong"),
        s.post("zn_nr", f"/cases/{case_id}/return", {"to_stage": "intake", "reason": "退回调整"}),
    )
    assert sorted([sign.status_code, ret.status_code]) == [200, 409], (sign.text, ret.text)
    case = await s.case(case_id)
    if sign.status_code == 200:  # the round passed before the return: nothing was returned
        assert case["stage"] == "committee_review" and case["rounds"][0]["outcome"] == "pass"
        assert "returned" not in [e["action"] for e in case["timeline"]]
    else:  # returned first: the late sign-off was refused, never counted
        assert case["stage"] == "intake" and case["rounds"][0]["outcome"] == "returned"
        township = next(p for p in case["rounds"][0]["parties"] if p["party"] == "township")
        assert township["verdict"] is None


async def test_race_a_sign_off_in_flight_is_never_counted_in_the_new_round(stack):
    s = stack
    case_id = await accepted(s)
    sign, ret = await asyncio.gather(
        s.sign(case_id, "zn_police"),
        s.post("zn_nr", f"/cases/{case_id}/return", {"to_stage": "intake", "reason": "退回调整"}),
    )
    assert ret.status_code == 200
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/intake", {"decision": "accept"}))
    assert all(p["verdict"] is None for p in case["rounds"][1]["parties"])
    police_round1 = next(p for p in case["rounds"][0]["parties"] if p["party"] == "public_security")
    assert (police_round1["verdict"] == "pass") == (sign.status_code == 200)


async def test_race_add_a_party_against_the_last_sign_off(stack):
    s = stack
    case_id = await accepted(s)
    for username in (*ZN_DEPARTMENTS, *ZN_EXPERTS):
        await s.ok(await s.sign(case_id, username))
    sign, add = await asyncio.gather(
        s.sign(case_id, "zn_shikong"),
        s.post("zn_nr", f"/cases/{case_id}/parties", {"party": "power_supply", "reason": "涉及供电线路"}),
    )
    assert sign.status_code == 200
    case = await s.case(case_id)
    if add.status_code == 200:  # added before the last sign-off: the round waits for it
        assert case["stage"] == "joint_acceptance" and [p["party"] for p in case["pending"]] == ["power_supply"]
    else:
        assert add.status_code == 409 and case["stage"] == "committee_review"


async def test_added_party_is_reminded_and_escalated_on_its_own_deadline(timed):
    s, env = timed
    case_id = await accepted(s)
    for username in (*ZN_DEPARTMENTS, *ZN_EXPERTS):
        await s.ok(await s.sign(case_id, username))
    await env.sleep(timedelta(days=3))
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/parties",
                                   {"party": "power_supply", "reason": "涉及供电线路"}))
    await s.ok(await s.sign(case_id, "zn_shikong"))  # now only the added party is pending
    added = next(p for p in case["rounds"][0]["parties"] if p["party"] == "power_supply")
    first_due = case["rounds"][0]["parties"][0]["due"]
    assert added["due"] > first_due  # its own deadline, counted from when it joined
    await env.sleep(timedelta(days=25))

    async def escalated() -> bool:
        actions = [(e["action"], e["data"].get("party")) for e in (await s.case(case_id))["timeline"]]
        return ("escalated", "power_supply") in actions and ("reminded", "power_supply") in actions

    await s.eventually(escalated)
    inbox_items = (await s.ok(await s.get("zn_supervisor", "/tasks")))["items"]
    assert [(t["party"], t["overdue"]) for t in inbox_items] == [("power_supply", True)]
