"""关闭取缔 (seed 002 §05, §06(二)): each step by its department, in order, with deadlines; 公示; the mine
closed once."""

from datetime import timedelta

from tests.support.stack import EXPIRED_MINE

CEMENT_MINE = "中宁县余丁乡水泥用灰岩矿"  # zn_ent2, township officer zn_yuding; not yet in the demo ledger
STEPS = [("power_cut", "zn_power"), ("explosives", "zn_police"), ("safety_permit", "zn_emergency"),
         ("licence", "zn_nr"), ("clearance", "zn_yuding"), ("restoration", "zn_ent2"),
         ("restoration_acceptance", "zn_nr")]


async def start_closure(s, mine_name=EXPIRED_MINE, username="zn_nr"):
    mine = await s.mine(mine_name)
    result = await s.ok(await s.post(username, "/closures/batch",
                                     {"mine_ids": [mine.id], "plan_ref": "中宁政函〔2026〕8号"}))
    return mine, result


async def done(s, case_id, stage, username):
    return await s.post(username, f"/cases/{case_id}/closure-steps/{stage}",
                        {"evidence": [f"{stage}-佐证"], "note": "已完成"})


async def test_closure_steps_in_order_then_publicity_and_the_mine_is_closed_once(timed):
    s, env = timed
    mine, result = await start_closure(s, CEMENT_MINE)
    [started] = result["started"]
    case_id = started["case_id"]
    case = await s.case(case_id)
    assert case["stage"] == "power_cut" and case["plan_ref"] == "中宁政函〔2026〕8号"
    assert [(p["party"], p["name"]) for p in case["pending"]] == [("power_supply", "国网中宁供电公司")]
    assert [t["task"] for t in (await s.ok(await s.get("zn_power", "/tasks")))["items"]] == ["closure_step"]

    # out of order, or by another department: refused
    await s.refused(await done(s, case_id, "explosives", "zn_police"), 409, "WRONG_STAGE")
    await s.refused(await done(s, case_id, "power_cut", "zn_police"), 403, "NOT_YOUR_STEP")
    again = await s.ok(await s.post("zn_nr", "/closures/batch", {"mine_ids": [mine.id], "plan_ref": "x"}))
    assert again["started"] == [] and again["existing"] == [{"mine_id": mine.id, "case_id": case_id}]

    for stage, username in STEPS:
        case = await s.ok(await done(s, case_id, stage, username))
    assert case["stage"] == "publicity" and case["publicity_until"]
    assert [st["done_by"] for st in case["steps"]] == [u for _, u in STEPS]
    assert (await s.ok(await s.get("zn_ent2", f"/mines/{mine.id}")))["status"] != "closed"

    await env.sleep(timedelta(days=12))
    await s.eventually(lambda: _status(s, case_id, "completed"))
    case = await s.case(case_id)
    assert case["stage"] == "completed"
    actions = [e["action"] for e in case["timeline"]]
    assert actions.count("mine_closed") == 1 and actions[-2:] == ["publicity_ended", "mine_closed"]
    assert (await s.ok(await s.get("zn_ent2", f"/mines/{mine.id}")))["status"] == "closed"
    # 双挂钩一达标: the exited capacity (at 注销) and its restoration (at 验收) are in the city's ledger
    assert actions.index("ledger_closed") < actions.index("ledger_restored")
    ledger = await s.ok(await s.get("city_nr", "/ledger", city="640500"))
    assert [(e["kind"], e["mine_id"], e["amount_wt"], e["reference"]) for e in ledger["entries"]
            if e["mine_id"] == mine.id] == [
        ("closed", mine.id, mine.scale_wt, f"closure:{case_id}"),
        ("restored", mine.id, mine.scale_wt, f"restoration:{case_id}")]
    assert ledger["balance"]["restoration_pct"] == 100
    refused = await s.ok(await s.post("zn_nr", "/closures/batch", {"mine_ids": [mine.id], "plan_ref": "x"}))
    assert refused["refused"][0]["code"] == "MINE_CLOSED"


async def test_overdue_closure_step_is_escalated_to_the_inspection_group(timed):
    s, env = timed
    _, result = await start_closure(s)
    case_id = result["started"][0]["case_id"]
    await env.sleep(timedelta(days=10))  # 断电 has 5 working days
    await s.eventually(lambda: _has(s, case_id, "escalated"))
    case = await s.case(case_id)
    [entry] = [e for e in case["timeline"] if e["action"] == "escalated"]
    assert entry["data"]["step"] == "power_cut" and entry["data"]["to"] == ["supervisor"]
    assert case["pending"][0]["overdue"] is True
    inbox = (await s.ok(await s.get("zn_supervisor", "/tasks")))["items"]
    assert [(t["case_id"], t["party"]) for t in inbox] == [(case_id, "power_supply")]
    case = await s.ok(await done(s, case_id, "power_cut", "zn_power"))
    assert case["stage"] == "explosives" and "逾期" in case["timeline"][-1]["detail"]
    for stage, username in (("explosives", "zn_police"), ("safety_permit", "zn_emergency"), ("licence", "zn_nr")):
        case = await s.ok(await done(s, case_id, stage, username))
    # the demo ledger already counts this mine's exited capacity: said on the timeline, and the closure goes on
    [entry] = [e for e in case["timeline"] if e["action"] == "ledger_not_recorded"]
    assert entry["data"]["code"] == "LEDGER_MINE_ALREADY_CLOSED" and "已登记" in entry["detail"]
    assert case["stage"] == "clearance"


async def _status(s, case_id, status):
    return (await s.case(case_id))["status"] == status


async def _has(s, case_id, action):
    return action in await s.actions(case_id)
