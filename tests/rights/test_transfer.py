"""采矿权转让 through the HTTP API on a time-skipping server: every stage, the registry's holder changing once."""

from datetime import date

from models.registry import Division
from tests.rights.support import (
    MINGSHA,
    city_meeting,
    confirm,
    county_right,
    enterprise_id,
    history,
    materials,
    review,
    right_by_licence,
    right_of_mine,
    submit_transfer,
    to_decision,
)


async def test_county_level_transfer_from_application_to_city_filing(timed):
    s, _env = timed
    right = await county_right(s)
    assert right["authority_level"] == "county" and right["area"][0] == right["area"][-1]
    case = await submit_transfer(s, right["id"])
    case_id = case["case_id"]
    assert case_id.startswith("ZR-") and case["kind"] == "transfer" and case["stage"] == "joint_application"
    assert case["deadline"] is None  # nothing received until both parties have applied
    assert all(c["met"] for c in case["conditions"])

    # the transferee reads the case, finds its task in its inbox and confirms: the 40 days start
    assert (await s.ok(await s.get("zn_ent2", f"/cases/{case_id}")))["available_actions"] == [
        "transferee_confirm", "withdraw"]
    inbox = await s.ok(await s.get("zn_ent2", "/tasks"))
    assert [(t["case_id"], t["task"]) for t in inbox["items"]] == [(case_id, "transferee_confirm")]
    case = await confirm(s, case_id)
    assert case["stage"] == "review" and case["clock"]["calendar_days"] is True
    assert case["working_days_left"] == 40  # natural days for this clock (国务院令第242号 第十条)
    today = await s.today()  # each party's time left is counted the same way, not in working days
    assert case["pending"] and all(p["working_days_left"] == (date.fromisoformat(p["due"]) - today).days
                                   for p in case["pending"] if p["due"]), case["pending"]
    listed = await s.ok(await s.get("zn_ent2", "/cases", kind="transfer"))
    assert [c["case_id"] for c in listed["items"]] == [case_id]

    await review(s, case_id)
    case = await s.ok(await s.decide(case_id))
    assert case["stage"] == "decision"  # county-issued: no city meeting
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/transfer-decision", {"decision": "approve"}))
    assert case["stage"] == "registration" and case["decision"] == "approved" and case["registration_due"]
    assert case["document_no"] == f"中宁自然资转〔{(await s.today()).year}〕1号"

    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/change-registration", {"note": "已换发许可证"}))
    assert case["stage"] == "city_filing"
    stored = await right_by_licence(s, right["licence_no"])
    assert stored.holder_enterprise_id == await enterprise_id(s, MINGSHA)
    changes = [(h.change, h.case_id) for h in await history(s, right["id"])]
    assert changes == [("created", None), ("holder", case_id)]
    reg = await s.ok(await s.get("zn_nr", f"/mining-rights/{right['id']}/history"))
    assert [h["change_name"] for h in reg] == ["设立登记", "矿业权人变更"]

    case = await s.file(case_id)
    assert case["status"] == "completed" and case["stage"] == "completed"
    # the new holder now sees the right; the old one no longer does
    assert (await s.ok(await s.get("zn_ent2", f"/mining-rights/{right['id']}")))["holder_name"] == MINGSHA
    await s.refused(await s.get("zn_ent1", f"/mining-rights/{right['id']}"), 404, "RIGHT_NOT_FOUND")


async def test_city_level_transfer_goes_through_the_city_meeting_and_the_city_decides(timed):
    s, _env = timed
    right = await right_of_mine(s)  # 石膏 30万吨/年: city-issued
    assert right.authority_level == "city"
    case_id = (await submit_transfer(s, right.id))["case_id"]
    await confirm(s, case_id)
    await review(s, case_id)
    case = await s.ok(await s.decide(case_id))
    assert case["stage"] == "city_meeting"
    case = await city_meeting(s, case_id)
    assert case["stage"] == "decision" and case["city_meetings"][0]["meeting_no"] == "中卫市政府常务会议〔2026〕8次"
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/transfer-decision", {"decision": "approve"}),
                    403, "WRONG_AUTHORITY")
    case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/transfer-decision", {"decision": "approve"}))
    assert case["document_no"] == f"中卫自然资转〔{(await s.today()).year}〕1号"  # the city's own sequence
    case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/change-registration", {}))
    assert case["status"] == "completed"  # the city issued it: no filing with itself
    # the mine now belongs to the transferee: it, not the transferor, applies for the mine from now on
    mine = await s.mine(right.mine_name)
    assert mine.enterprise_id == await enterprise_id(s, MINGSHA)


async def test_city_meeting_rejection_refuses_the_transfer_with_its_reason(timed):
    s, _env = timed
    right = await right_of_mine(s)
    case_id = (await submit_transfer(s, right.id))["case_id"]
    await confirm(s, case_id)
    await review(s, case_id)
    await s.ok(await s.decide(case_id))
    case = await city_meeting(s, case_id, "reject")
    assert case["status"] == "rejected" and "市政府会议研究不同意" in case["outcome_reason"]


async def test_refusal_without_reasons_is_refused(timed):
    s, _env = timed
    right = await county_right(s)
    case_id = await to_decision(s, right["id"])
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/transfer-decision", {"decision": "refuse"}),
                    422, "REFUSAL_REASONS_REQUIRED")
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/transfer-decision",
                                   {"decision": "refuse", "reasons": ["受让人开采方案不符合矿产资源规划"]}))
    assert case["status"] == "rejected" and case["refusal_reasons"] == ["受让人开采方案不符合矿产资源规划"]
    assert "受让人开采方案不符合矿产资源规划" in case["outcome_reason"]


async def test_either_party_may_withdraw_before_the_meetings(timed):
    s, _env = timed
    right = await county_right(s)
    case_id = (await submit_transfer(s, right["id"]))["case_id"]
    await confirm(s, case_id)
    case = await s.ok(await s.post("zn_ent2", f"/cases/{case_id}/withdraw", {"reason": "受让方资金安排变化"}))
    assert case["status"] == "withdrawn" and "受让方资金安排变化" in case["outcome_reason"]
    # a closed transfer no longer blocks a new one for the same right
    await submit_transfer(s, right["id"])
    await s.refused(await s.post("zn_ent1", "/transfers", {
        "right_id": right["id"], "transferee_enterprise_id": case["transferee_enterprise_id"], "reason": "再次",
        "price_wan_yuan": 1, "evidence": {"fees_paid": True, "transferee_qualified": True}, "materials": []}),
        409, "TRANSFER_ALREADY_OPEN")


async def test_who_may_read_and_act_on_a_transfer(stack):
    s = stack
    right = await county_right(s)
    case_id = (await submit_transfer(s, right["id"]))["case_id"]
    assert (await s.case(case_id, "zn_ent2"))["transferee_enterprise_id"] == await enterprise_id(s, MINGSHA)
    assert (await s.case(case_id, "city_nr"))["case_id"] == case_id
    await s.refused(await s.get("hy_ent1", f"/cases/{case_id}"), 403, "NOT_YOUR_CASE")
    await s.refused(await s.get("hy_nr", f"/cases/{case_id}"), 403, "OUT_OF_JURISDICTION")
    assert (await s.ok(await s.get("hy_ent1", "/cases", kind="transfer")))["items"] == []
    # only the transferee confirms; a county official cannot, nor can the transferor
    await s.refused(await s.post("zn_ent1", f"/cases/{case_id}/transferee-confirmation", {}), 403, "NOT_YOUR_CASE")
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/transferee-confirmation", {}), 403, "FORBIDDEN_ROLE")
    await s.refused(await s.post("zn_ent2", f"/cases/{case_id}/transfer-review", {"decision": "accept"}),
                    403, "FORBIDDEN_ROLE")
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/transfer-review", {"decision": "accept"}),
                    409, "WRONG_STAGE")
    # actions of another kind are refused by kind, not sent to the workflow
    await s.refused(await s.post("city_nr", f"/cases/{case_id}/grant-contract", {
        "contract_no": "x", "signed_on": "2026-01-01", "fee_wan_yuan": 1}), 409, "WRONG_STAGE")


async def test_the_same_idempotency_key_starts_one_transfer(stack):
    s = stack
    right = await county_right(s)
    body = {"right_id": right["id"], "transferee_enterprise_id": await enterprise_id(s, MINGSHA), "reason": "资产出售",
            "price_wan_yuan": 10, "evidence": {"fees_paid": True, "transferee_qualified": True},
            "materials": materials()}
    first = await s.ok(await s.post("zn_ent1", "/transfers", body, {"Idempotency-Key": "zr-1"}), 201)
    again = await s.ok(await s.post("zn_ent1", "/transfers", body, {"Idempotency-Key": "zr-1"}), 201)
    assert first["case_id"] == again["case_id"]


async def test_the_city_meeting_is_named_from_the_registry_and_a_city_officers_pause_is_resumed_by_the_city(timed):
    """The city's name comes from the registry (no city is written into the procedure), and a pause is resumed by
    the bureau of whoever paused it, whatever that officer's username."""
    s, _env = timed
    async with s.db.session() as session:  # a city not written anywhere in the code
        city = await session.get(Division, "640500")
        city.name = "测试市"
        session.add(city)
        await session.commit()
    await s.ok(await s.post("admin", "/users", {
        "username": "zw_officer2", "password": "city-officer-password", "display_name": "市局经办人乙",
        "role": "city_nr", "division_code": "640500"}), 201)
    right = await right_of_mine(s)  # city-issued
    case_id = (await submit_transfer(s, right.id))["case_id"]
    await confirm(s, case_id)
    await review(s, case_id)
    case = await s.ok(await s.decide(case_id))
    assert [p["name"] for p in case["pending"]] == ["测试市人民政府会议（市自然资源局录入）"]
    await city_meeting(s, case_id)
    case = await s.ok(await s.post("zw_officer2", f"/cases/{case_id}/clock-pauses",
                                   {"kind": "hearing", "reason": "利害关系人申请听证"}))
    assert case["stage"] == "suspended"
    assert [(p["role"], p["task"]) for p in case["pending"]] == [("city_nr", "resume")]
    assert "resume" in (await s.case(case_id, "city_nr"))["available_actions"]
    assert "resume" not in (await s.case(case_id, "zn_nr"))["available_actions"]
    case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/clock-resumption", {"note": "听证结束"}))
    assert case["stage"] == "decision"


async def test_a_step_of_another_procedure_is_refused_at_its_route(stack):
    """`/corrections` is the reopening's: a transfer case sent there is told it has no such step."""
    s = stack
    right = await county_right(s)
    case_id = (await submit_transfer(s, right["id"]))["case_id"]
    error = await s.refused(await s.post("zn_ent1", f"/cases/{case_id}/corrections", {
        "materials": [{"kind": "mining_licence", "ref": "证-1"}]}), 409, "WRONG_STAGE")
    assert "采矿权转让案件没有此项操作" in error["message"]
