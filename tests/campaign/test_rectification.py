"""A mine's rectification (一矿一策) through the HTTP API: plan, 逐项销号, county and 自治区 acceptance, 销号."""

from tests.campaign.support import accept, close_all_items, open_campaign, start_rectifications, submit_plan
from tests.support.stack import SHIKONG_MINE


async def test_rectification_from_plan_to_closing_off(stack):
    s = stack
    campaign = await open_campaign(s)
    mine = await s.mine(SHIKONG_MINE)
    batch = await start_rectifications(s, [mine.id], campaign["case_id"])
    [started] = batch["started"]
    case_id = started["case_id"]
    case = await s.case(case_id)
    assert case["stage"] == "survey" and case["stage_name"] == "查清现状"
    assert [p["task"] for p in case["pending"]] == ["plan"]

    case = await submit_plan(s, case_id)
    assert case["responsible_person"] == "张建国"
    assert [i["department"] for i in case["items"]] == ["emergency_management", "natural_resources",
                                                        "ecology_environment"]
    assert case["stage"] == "suspension" and case["stage_name"] == "停产整治"
    assert {p["task"] for p in case["pending"]} == {"close_item"}
    inbox = (await s.ok(await s.get("zn_emergency", "/tasks")))["items"]
    assert [(t["case_id"], t["task"]) for t in inbox] == [(case_id, "close_item")]

    # the wrong department cannot close an item
    wrong = await s.post("zn_ecology", f"/cases/{case_id}/items/1/close", {"evidence": ["x"]})
    await s.refused(wrong, 403, "NOT_YOUR_ITEM")
    case = await close_all_items(s, case)
    assert case["stage"] == "county_acceptance"
    again = await s.post("zn_emergency", f"/cases/{case_id}/items/1/close", {"evidence": ["x"]})
    await s.refused(again, 409, "WRONG_STAGE")

    # a failed county acceptance reopens the named item
    failed = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/county-acceptance",
                                     {"verdict": "fail", "opinion": "边坡仍不稳定", "reopen": [2]}))
    assert failed["stage"] == "restoration"
    assert [i["status"] for i in failed["items"]] == ["closed", "open", "closed"]
    case = await close_all_items(s, failed)
    case = await accept(s, case_id)
    assert case["status"] == "completed" and case["stage"] == "closed" and case["status_name"] == "已销号"
    actions = [e["action"] for e in case["timeline"]]
    assert actions[0] == "opened" and actions[-1] == "case_closed_off"
    assert actions.count("item_closed") == 4

    # idempotent per mine: a closed-off case today is reported, never started twice
    again = await start_rectifications(s, [mine.id], campaign["case_id"])
    assert again["started"] == [] and [e["case_id"] for e in again["existing"]] == [case_id]


async def test_actions_of_another_kind_are_refused_not_failed(stack):
    s = stack
    mine = await s.mine(SHIKONG_MINE)
    [started] = (await start_rectifications(s, [mine.id], None, username="zn_nr"))["started"]
    case_id = started["case_id"]
    await s.refused(await s.approve_raw(case_id), 409, "WRONG_STAGE")
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/closure-steps/licence", {"evidence": ["x"]}), 409,
                    "WRONG_STAGE")
    reopening = await s.submit()
    await s.refused(await s.post("zn_nr", f"/cases/{reopening['case_id']}/items/1/close", {"evidence": ["x"]}), 409,
                    "WRONG_STAGE")
    # the campaign's own case reads through the common case endpoint, with its kind's names
    case = await s.case(case_id)
    assert case["kind"] == "rectification" and "finding" in case["available_actions"]
    listed = await s.ok(await s.get("zn_nr", "/cases", kind="rectification", stage="survey"))
    assert [c["stage_name"] for c in listed["items"]] == ["查清现状"]
    assert (await s.ok(await s.get("zn_nr", "/cases", kind="rectification", stage="suspension")))["total"] == 0


async def test_bad_input_is_refused_with_its_code(stack):
    s = stack
    mine = await s.mine(SHIKONG_MINE)
    [started] = (await start_rectifications(s, [mine.id], None, username="zn_nr"))["started"]
    case_id = started["case_id"]
    item = {"check": "safety", "link": "suspension", "description": "隐患整治", "working_days": 10}
    for bad in ({"responsible_person": "张", "items": []},
                {"responsible_person": "张", "items": [{**item, "working_days": 0}]},
                {"responsible_person": "张", "items": [{**item, "check": "astrology"}]},
                {"items": [item]}):
        await s.refused(await s.post("zn_nr", f"/cases/{case_id}/plan", bad), 422, "VALIDATION_FAILED")
    error = await s.refused(await s.post("zn_nr", f"/cases/{case_id}/plan", {
        "responsible_person": "张", "items": [{**item, "link": "county_acceptance"}]}), 422, "PLAN_INVALID")
    assert error["details"]["links"] == ["county_acceptance"]
    body = {"responsible_person": "张", "items": [item]}
    await s.refused(await s.post("zn_emergency", f"/cases/{case_id}/plan", body), 403, "FORBIDDEN_ROLE")
    await s.refused(await s.post("hy_nr", f"/cases/{case_id}/plan", {"responsible_person": "张", "items": [item]}),
                    403, "OUT_OF_JURISDICTION")
    await s.refused(await s.post("zn_nr", "/rectifications/batch", {"mine_ids": []}), 422, "VALIDATION_FAILED")
    await s.refused(await s.post("zn_ent1", "/rectifications/batch", {"mine_ids": [mine.id]}), 403, "FORBIDDEN_ROLE")
    await s.refused(await s.post("zn_nr", "/rectifications/batch", {"mine_ids": [mine.id], "campaign_id": "ZLZD-X"}),
                    404, "CAMPAIGN_NOT_FOUND")
    result = await s.ok(await s.post("zn_nr", "/rectifications/batch", {"mine_ids": [999999]}))
    assert result["refused"] == [{"mine_id": 999999, "code": "MINE_NOT_FOUND", "message": "矿山不存在"}]
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/plan", {"responsible_person": "张", "items": [item]}))
    await s.refused(await s.post("zn_emergency", f"/cases/{case_id}/items/9/close", {"evidence": ["x"]}), 404,
                    "ITEM_NOT_FOUND")
    await s.refused(await s.post("zn_emergency", f"/cases/{case_id}/items/1/close", {"evidence": []}), 422,
                    "VALIDATION_FAILED")
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/third-party-restoration", {
        "item_no": 1, "contractor": "甲", "contract_ref": "乙", "cost_yuan": 0}), 422, "VALIDATION_FAILED")
