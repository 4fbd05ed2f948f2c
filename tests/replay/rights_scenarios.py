"""Replay scenarios of the mining-right procedures (registered in tests/replay/scenarios.py)."""

from datetime import date, timedelta

from temporalio.testing import WorkflowEnvironment

from tests.rights.support import (
    confirm,
    county_right,
    entries,
    skip_past,
    skip_to_local,
    submit_transfer,
    through_meetings,
    to_publicity,
    wait_stage,
)
from tests.support.calendar_2027 import OFFICIAL_2027
from tests.support.stack import Stack


async def transfer_county_level(s: Stack, env: WorkflowEnvironment) -> str:
    """Joint application, a 补正 with the clock stopped, an extension, both decisions, registration, filing."""
    right = await county_right(s)
    case_id = str((await submit_transfer(s, right["id"]))["case_id"])
    await confirm(s, case_id)
    await env.sleep(timedelta(days=5))
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/transfer-review",
                            {"decision": "request_correction", "missing": ["mining_report"]}))
    await env.sleep(timedelta(days=10))
    await s.ok(await s.post("zn_ent1", f"/cases/{case_id}/transfer-corrections",
                            {"materials": [{"kind": "mining_report", "ref": "报告-2"}]}))
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/transfer-review", {"decision": "accept"}))
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/deadline-extensions",
                            {"days": 10, "head_approval_ref": "延字1号", "reason": "征求意见"}))
    await s.ok(await s.decide(case_id))
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/transfer-decision", {"decision": "approve"}))
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/change-registration", {}))
    await env.sleep(timedelta(days=6))  # a filing reminder
    await s.file(case_id)
    return case_id


async def transfer_calendar_loaded(s: Stack, env: WorkflowEnvironment) -> str:
    """A transfer whose 40-day clock ends in 2027's 春节; 2027's arrangement is loaded while it runs (the
    `calendar_loaded` signal and the re-plan behind its patch), then the case goes on to its decision."""
    await skip_to_local(env, s, date(2027, 1, 2))
    right = await county_right(s)
    case_id = str((await submit_transfer(s, right["id"]))["case_id"])
    await confirm(s, case_id)
    await s.ok(await s.post("admin", "/admin/calendar/2027", OFFICIAL_2027), 201)

    async def replanned() -> bool:
        return bool(entries(await s.case(case_id), "deadline_replanned"))
    await s.eventually(replanned)
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/transfer-review", {"decision": "accept"}))
    await s.ok(await s.decide(case_id))
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/transfer-decision",
                            {"decision": "refuse", "reasons": ["测试：不准转让"]}))
    return case_id


async def grant_city_level(s: Stack, env: WorkflowEnvironment) -> str:
    """Both meetings, 公告 and 挂牌 timers, an objection pausing the 公示, contract, fee and registration."""
    case_id = await through_meetings(s)
    await to_publicity(env, s, case_id)
    await env.sleep(timedelta(days=2))
    await s.ok(await s.post("city_nr", f"/cases/{case_id}/objections", {"objector": "某公司", "content": "资格存疑"}))
    await env.sleep(timedelta(days=10))
    case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/objection-resolution",
                                   {"resolution": "dismissed", "note": "不成立"}))
    await skip_past(env, s, case["period_clock"]["publicity"]["ends_at"])
    await wait_stage(s, case_id, "contract")
    today = str(await s.today())
    await s.ok(await s.post("city_nr", f"/cases/{case_id}/grant-contract",
                            {"contract_no": "出让合同1号", "signed_on": today, "fee_wan_yuan": 100}))
    await s.ok(await s.post("city_nr", f"/cases/{case_id}/fee-payment", {"receipt_ref": "缴款1", "paid_on": today}))
    await s.ok(await s.post("city_nr", f"/cases/{case_id}/grant-registration",
                            {"licence_no": "C6405002027017130000077"}))
    return case_id


RIGHTS_SCENARIOS = {"transfer_county_level": transfer_county_level, "grant_city_level": grant_city_level,
                    "transfer_calendar_loaded": transfer_calendar_loaded}
