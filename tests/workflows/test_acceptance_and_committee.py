"""联合验收 rounds (整改 → 复验, bounded), the 三重一大 meeting (quorum, defer, reject) and racing actions."""

import asyncio


async def test_failed_acceptance_leads_to_rectification_and_a_second_full_round(stack):
    s = stack
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    case = await s.sign_all(case_id, fail=("zn_water",))
    assert case["stage"] == "rectification" and case["status"] == "active"
    assert case["rounds"][0]["outcome"] == "fail"
    failed = [p["party"] for p in case["rounds"][0]["parties"] if p["verdict"] == "fail"]
    assert failed == ["water_resources"]
    assert [t["task"] for t in (await s.ok(await s.get("zn_ent1", "/tasks")))["items"]] == ["rectification"]
    # a sign-off for the closed round is refused, never counted
    await s.refused(await s.sign(case_id, "zn_water", "pass"), 409, "WRONG_STAGE")

    case = await s.ok(await s.post("zn_ent1", f"/cases/{case_id}/rectification-done",
                                   {"note": "排水设施已整改", "materials": [{"kind": "soil_water_conservation",
                                                                      "ref": "水保-2"}]}))
    assert case["stage"] == "joint_acceptance" and len(case["rounds"]) == 2
    assert len(case["pending"]) == 8  # every party again, not only the one that failed
    assert all(p["verdict"] is None for p in case["rounds"][1]["parties"])
    case = await s.sign_all(case_id)
    assert case["stage"] == "committee_review" and case["rounds"][1]["outcome"] == "pass"
    assert case["rounds"][0]["outcome"] == "fail"  # the first round stays on the record


async def test_a_fail_in_the_last_round_ends_the_case_as_not_to_reopen(stack):
    s = stack
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    await s.sign_all(case_id, fail=("zn_emergency",))
    await s.ok(await s.post("zn_ent1", f"/cases/{case_id}/rectification-done", {"note": "已整改"}))
    case = await s.sign_all(case_id, fail=("zn_emergency", "zn_expert2"))
    assert case["status"] == "rejected" and case["pending"] == []
    assert "不予开复工" in case["outcome_reason"]
    listed = await s.ok(await s.get("zn_nr", "/cases", status="rejected"))
    assert [c["case_id"] for c in listed["items"]] == [case_id]
    await s.refused(await s.post("zn_ent1", f"/cases/{case_id}/rectification-done", {}), 409, "CASE_CLOSED")


async def test_the_round_fails_only_once_every_party_has_answered(stack):
    s = stack
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    case = await s.ok(await s.sign(case_id, "zn_emergency", "fail", "安全设施不全"))
    assert case["stage"] == "joint_acceptance" and len(case["pending"]) == 7


async def test_a_fail_without_reasons_is_refused(stack):
    s = stack
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    response = await s.post("zn_police", f"/cases/{case_id}/acceptance/sign-offs", {"verdict": "fail"})
    await s.refused(response, 422, "VALIDATION_FAILED")
    assert len((await s.case(case_id))["pending"]) == 8


async def test_double_sign_off_is_recorded_once(stack):
    s = stack
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    first, second = await asyncio.gather(s.sign(case_id, "zn_police"), s.sign(case_id, "zn_police"))
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    loser = first if first.status_code == 409 else second
    assert loser.json()["error"]["code"] == "ALREADY_SIGNED"
    case = await s.case(case_id)
    assert [e["data"].get("party") for e in case["timeline"] if e["action"] == "signed_off"] == ["public_security"]


async def test_quorum_not_met_is_refused_and_changes_nothing(stack):
    s = stack
    case_id = await s.to_committee()
    error = await s.refused(await s.decide(case_id, attendees=3, members=7), 422, "QUORUM_NOT_MET")
    assert error["details"] == {"attendees": 3, "members_total": 7, "required": "超过 1/2"}
    case = await s.case(case_id)
    assert case["stage"] == "committee_review" and case["committee_meetings"] == []
    case = await s.ok(await s.decide(case_id, attendees=4, members=7))
    assert case["stage"] == "approval"


async def test_defer_returns_to_county_nr_for_material_then_back_to_the_committee(stack):
    s = stack
    case_id = await s.to_committee()
    case = await s.ok(await s.decide(case_id, "defer"))
    assert case["stage"] == "committee_review"
    assert [(p["role"], p["task"]) for p in case["pending"]] == [("county_nr", "committee_material")]
    assert [t["task"] for t in (await s.ok(await s.get("zn_nr", "/tasks")))["items"]] == ["committee_material"]
    assert (await s.ok(await s.get("zn_committee", "/tasks")))["items"] == []
    await s.refused(await s.decide(case_id), 409, "WRONG_STAGE")

    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/committee-materials",
                                   {"note": "补充生态修复专项说明", "materials": [{"kind": "restoration_plan",
                                                                        "ref": "修复方案-修订版"}]}))
    assert [(p["role"], p["task"]) for p in case["pending"]] == [("committee_secretary", "committee_decision")]
    case = await s.ok(await s.decide(case_id, "approve"))
    assert case["stage"] == "approval"
    assert [m["decision"] for m in case["committee_meetings"]] == ["defer", "approve"]


async def test_committee_rejection_closes_the_case(stack):
    s = stack
    case_id = await s.to_committee()
    case = await s.ok(await s.decide(case_id, "reject"))
    assert case["status"] == "rejected" and case["stage"] == "committee_review"
    assert "集体研究不同意" in case["outcome_reason"]


async def test_withdraw_racing_the_committee_decision_exactly_one_wins(stack):
    s = stack
    case_id = await s.to_committee()
    decision, withdrawal = await asyncio.gather(
        s.decide(case_id, "approve"),
        s.post("zn_ent1", f"/cases/{case_id}/withdraw", {"reason": "企业决定暂不复工"}),
    )
    codes = sorted([decision.status_code, withdrawal.status_code])
    assert codes == [200, 409], (decision.text, withdrawal.text)
    case = await s.case(case_id)
    if decision.status_code == 200:
        assert case["stage"] == "approval" and case["status"] == "active"
        assert "withdrawn" not in [e["action"] for e in case["timeline"]]
    else:
        assert case["status"] == "withdrawn" and case["committee_meetings"] == []


async def test_withdraw_is_refused_after_approval(stack):
    s = stack
    case_id = await s.to_committee()
    await s.ok(await s.decide(case_id))
    await s.approve(case_id)
    await s.refused(await s.post("zn_ent1", f"/cases/{case_id}/withdraw", {"reason": "x"}), 409, "WRONG_STAGE")


async def test_parties_sign_for_themselves_only(stack):
    s = stack
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    # a department that is not a party (林草 is not called for this underground mine)
    await s.refused(await s.sign(case_id, "zn_forestry"), 403, "NOT_YOUR_PARTY")
    # the township of another mine's area
    await s.refused(await s.sign(case_id, "zn_mingsha"), 403, "NOT_YOUR_PARTY")
    # a department of another county
    await s.refused(await s.sign(case_id, "hy_police"), 403, "OUT_OF_JURISDICTION")
    # an enterprise or the county bureau cannot sign for a party
    await s.refused(await s.sign(case_id, "zn_ent1"), 403, "FORBIDDEN_ROLE")
    await s.refused(await s.sign(case_id, "zn_nr"), 403, "FORBIDDEN_ROLE")
    case = await s.case(case_id)
    assert len(case["pending"]) == 8 and all(p["verdict"] is None for p in case["rounds"][0]["parties"])


async def test_enterprise_withdraws_during_joint_acceptance(stack):
    s = stack
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    case = await s.ok(await s.post("zn_ent1", f"/cases/{case_id}/withdraw", {"reason": "企业决定暂不复工"}))
    assert case["status"] == "withdrawn" and case["pending"] == []
    assert case["rounds"][0]["outcome"] == "withdrawn"
    assert (await s.ok(await s.get("zn_police", "/tasks")))["items"] == []  # inboxes empty at once
    await s.refused(await s.sign(case_id, "zn_police"), 409, "CASE_CLOSED")
