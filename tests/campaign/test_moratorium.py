"""两个暂停 (seed 000 §二(二)): while the moratorium holds, a reopening reaches 批复 only for a mine whose
rectification is 销号; lifting it is an explicit, audited action of the city."""

from models.registry import Mine, MineStatus
from tests.campaign.support import accept, close_all_items, open_campaign, start_rectifications, submit_plan
from tests.support.stack import OPEN_PIT_MINE, SHIKONG_MINE


async def test_moratorium_suspends_producing_mines(stack):
    s = stack
    mine = await s.mine(OPEN_PIT_MINE)
    async with s.db.write() as session:
        row = await session.get(Mine, mine.id)
        row.status = MineStatus.PRODUCING
        session.add(row)
    campaign = await open_campaign(s)
    assert campaign["moratorium_active"] is True
    [imposed] = [e for e in campaign["timeline"] if e["action"] == "moratorium_imposed"]
    assert imposed["data"]["suspended_mines"] == [mine.id] and "火工产品" in imposed["detail"]
    assert (await s.ok(await s.get("zn_ent2", f"/mines/{mine.id}")))["status"] == "suspended"


async def test_moratorium_refuses_approval_until_rectification_is_closed_off(stack):
    s = stack
    campaign = await open_campaign(s)
    assert campaign["moratorium_active"] is True
    assert [e["action"] for e in campaign["timeline"]] == ["opened", "moratorium_imposed"]
    reopening = await s.to_committee(SHIKONG_MINE)
    await s.ok(await s.decide(reopening))

    error = await s.refused(await s.approve_raw(reopening), 409, "MORATORIUM_IN_FORCE")
    assert "尚未启动整治" in error["message"]
    assert error["details"]["rectification_status"] == "none"
    assert error["details"]["campaign_id"] == campaign["case_id"]

    mine = await s.mine(SHIKONG_MINE)
    [started] = (await start_rectifications(s, [mine.id], campaign["case_id"]))["started"]
    rect = await submit_plan(s, started["case_id"])
    error = await s.refused(await s.approve_raw(reopening), 409, "MORATORIUM_IN_FORCE")
    assert error["details"]["rectification_stage"] == "suspension" and "停产整治" in error["message"]
    assert (await s.case(reopening))["stage"] == "approval"  # nothing reached the workflow

    await close_all_items(s, rect)
    await accept(s, started["case_id"])
    case = await s.approve(reopening)
    assert case["stage"] == "resumption" and case["document_no"]


async def test_lifting_the_moratorium_is_explicit_and_audited(stack):
    s = stack
    campaign = await open_campaign(s)
    case = await s.submit(OPEN_PIT_MINE, "zn_ent2")
    await s.accept(case["case_id"])
    await s.sign_all(case["case_id"], township="zn_mingsha")
    await s.ok(await s.decide(case["case_id"]))
    await s.refused(await s.approve_raw(case["case_id"]), 409, "MORATORIUM_IN_FORCE")

    path = f"/campaigns/{campaign['case_id']}/moratorium/lift"
    await s.refused(await s.post("zn_nr", path, {"reason": "县里想复工"}), 403, "FORBIDDEN_ROLE")
    lifted = await s.ok(await s.post("city_nr", path, {"reason": "自治区同意有序复工复产"}))
    assert lifted["moratorium_active"] is False and lifted["moratorium_lift_reason"] == "自治区同意有序复工复产"
    [entry] = [e for e in lifted["timeline"] if e["action"] == "moratorium_lifted"]
    assert entry["actor"] == "city_nr" and "自治区同意有序复工复产" in entry["detail"]
    await s.refused(await s.post("city_nr", path, {"reason": "再次解除"}), 409, "MORATORIUM_NOT_ACTIVE")

    [listed] = await s.ok(await s.get("zn_supervisor", "/campaigns"))
    assert (listed["campaign_id"], listed["moratorium_active"]) == (campaign["case_id"], False)
    await s.refused(await s.get("zn_ent1", "/campaigns"), 403, "FORBIDDEN_ROLE")
    approved = await s.approve(case["case_id"])
    assert approved["stage"] == "resumption"
    view = await s.ok(await s.get("city_nr", f"/campaigns/{campaign['case_id']}/supervision"))
    assert view["moratorium_active"] is False and view["moratorium_reason"] == "自治区同意有序复工复产"


async def test_campaign_without_moratorium_leaves_reopenings_alone(stack):
    s = stack
    campaign = await open_campaign(s, moratorium=False)
    assert campaign["moratorium_active"] is False
    reopening = await s.to_committee(SHIKONG_MINE)
    await s.ok(await s.decide(reopening))
    assert (await s.approve(reopening))["stage"] == "resumption"


async def test_campaign_opening_checks_groups_and_one_per_city(stack):
    s = stack
    today = await s.today()
    body = {"title": "整顿", "results_due": str(today), "acceptance_due": str(today),
            "groups": [{"county_code": "640521", "name": "第二督查组", "leader": "王东山",
                        "members": [{"name": "甲", "department": "natural_resources"}]}]}
    error = await s.refused(await s.post("city_nr", "/campaigns", body), 422, "INSPECTION_GROUPS_INVALID")
    assert error["details"]["counties_without_group"] == ["640502", "640522"]
    assert error["details"]["groups_lacking_departments"] == {"第二督查组": ["emergency_management",
                                                                          "ecology_environment"]}
    await s.refused(await s.post("zn_nr", "/campaigns", body), 403, "FORBIDDEN_ROLE")
    from tests.campaign.support import groups
    late = {**body, "groups": groups(), "results_due": str(today.replace(year=today.year - 1))}
    error = await s.refused(await s.post("city_nr", "/campaigns", late), 422, "DATE_INVALID")
    assert "不能早于今天" in error["message"]
    await open_campaign(s)
    body["groups"] = groups()
    await s.refused(await s.post("city_nr", "/campaigns", body), 409, "CAMPAIGN_ALREADY_OPEN")
