"""Replay fixtures for the campaign's workflows (tests/replay): each scenario drives one case through most of its
moves and returns its id. Recorded with `python -m tests.replay.record campaign_… rectification_… closure_…`."""

from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from tests.campaign.support import close_all_items, open_campaign, start_rectifications, submit_plan
from tests.support.stack import SHIKONG_MINE, Stack


async def campaign_scenario(s: Stack, env: WorkflowEnvironment) -> str:
    """Opened with the 两个暂停, its first date passes (stock taken), the moratorium lifted, concluded."""
    today = await s.today()
    campaign = await open_campaign(s, results_due=today + timedelta(days=5), acceptance_due=today + timedelta(days=60))
    campaign_id = campaign["case_id"]
    await env.sleep(timedelta(days=8))
    await s.eventually(lambda: _has(s, campaign_id, "milestone"))
    await s.ok(await s.post("city_nr", f"/campaigns/{campaign_id}/moratorium/lift", {"reason": "有序复工"}))
    await s.ok(await s.post("city_nr", f"/campaigns/{campaign_id}/conclusion", {"summary": "整顿完成"}))
    return str(campaign_id)


async def rectification_scenario(s: Stack, env: WorkflowEnvironment) -> str:
    """Plan; an item escalated then referred; third-party restoration; findings; county acceptance failing once;
    both acceptances; 销号."""
    mine = await s.mine(SHIKONG_MINE)
    [started] = (await start_rectifications(s, [mine.id], None, username="zn_nr"))["started"]
    case_id = started["case_id"]
    await submit_plan(s, case_id)
    await s.ok(await s.post("zn_ecology", f"/cases/{case_id}/items/3/close", {"evidence": ["降尘记录"]}))
    await env.sleep(timedelta(days=60))
    await s.eventually(lambda: _has(s, case_id, "referred"))
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/third-party-restoration", {
        "item_no": 2, "contractor": "宁夏绿源生态修复有限公司", "contract_ref": "中宁委〔2026〕3号",
        "cost_yuan": 800000}))
    await s.ok(await s.post("zn_supervisor", f"/cases/{case_id}/findings",
                            {"kind": "illegal", "description": "停产期间偷采"}))
    await s.ok(await s.post("zn_supervisor", f"/cases/{case_id}/reminders",
                            {"parties": ["item:i1"], "message": "请尽快销号"}))
    case = await close_all_items(s, await s.case(case_id))
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/county-acceptance",
                                   {"verdict": "fail", "opinion": "复查不合格", "reopen": [1]}))
    await close_all_items(s, case)
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/county-acceptance", {"verdict": "pass"}))
    await s.ok(await s.post("city_nr", f"/cases/{case_id}/region-acceptance", {"verdict": "pass"}))
    return str(case_id)


async def closure_scenario(s: Stack, env: WorkflowEnvironment) -> str:
    """Every step in order, the first one late (escalated), the capacity ledger written at 注销 and at 验收, then the
    公示 and the mine closed."""
    mine = await s.mine("中宁县余丁乡水泥用灰岩矿")
    result = await s.ok(await s.post("zn_nr", "/closures/batch",
                                     {"mine_ids": [mine.id], "plan_ref": "中宁政函〔2026〕8号"}))
    case_id = result["started"][0]["case_id"]
    await env.sleep(timedelta(days=10))
    await s.eventually(lambda: _has(s, case_id, "escalated"))
    for stage, username in (("power_cut", "zn_power"), ("explosives", "zn_police"),
                            ("safety_permit", "zn_emergency"), ("licence", "zn_nr"), ("clearance", "zn_yuding"),
                            ("restoration", "zn_ent2"), ("restoration_acceptance", "zn_nr")):
        await s.ok(await s.post(username, f"/cases/{case_id}/closure-steps/{stage}", {"evidence": [stage]}))
    await env.sleep(timedelta(days=12))
    await s.eventually(lambda: _has(s, case_id, "mine_closed"))
    return str(case_id)


async def _has(s: Stack, case_id: str, action: str) -> bool:
    return action in [e["action"] for e in (await s.case(case_id, "city_nr"))["timeline"]]


CAMPAIGN_SCENARIOS = {
    "campaign_moratorium_and_dates": campaign_scenario,
    "rectification_every_move": rectification_scenario,
    "closure_every_step": closure_scenario,
}
