"""Scenarios whose event histories are kept as replay fixtures: each drives one case as users would and returns
its case id. `python -m tests.replay.record` runs them on a time-skipping server and writes the histories."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from tests.support.stack import ZN_DEPARTMENTS, ZN_EXPERTS, Stack

Scenario = Callable[[Stack, WorkflowEnvironment], Awaitable[str]]


async def happy_path(s: Stack, env: WorkflowEnvironment) -> str:
    case_id = await s.to_committee()
    await s.ok(await s.decide(case_id))
    await s.approve(case_id)
    await s.resume(case_id)
    await env.sleep(timedelta(days=9))  # one filing reminder
    await s.file(case_id)
    return case_id


async def failure_loop(s: Stack, env: WorkflowEnvironment) -> str:
    """A failed round, rectification, a passing second round; a deferred meeting, then rejection."""
    case_id = (await s.submit())["case_id"]
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/intake",
                            {"decision": "request_correction", "missing": ["safety_assessment"]}))
    await s.ok(await s.post("zn_ent1", f"/cases/{case_id}/corrections",
                            {"materials": [{"kind": "safety_assessment", "ref": "安评-2"}]}))
    await s.accept(case_id)
    await s.sign_all(case_id, fail=("zn_water",))
    await s.ok(await s.post("zn_ent1", f"/cases/{case_id}/rectification-done", {"note": "已整改"}))
    await s.sign_all(case_id)
    await s.ok(await s.decide(case_id, "defer"))
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/committee-materials", {"note": "补充说明"}))
    await s.ok(await s.decide(case_id, "reject"))
    return case_id


async def time_outs(s: Stack, env: WorkflowEnvironment) -> str:
    """Reminders and escalations in joint acceptance, then an unanswered correction closing the case."""
    case_id = (await s.submit())["case_id"]
    await env.sleep(timedelta(days=9))  # intake escalated
    await s.accept(case_id)
    for username in (*ZN_DEPARTMENTS[:2], *ZN_EXPERTS):
        await s.ok(await s.sign(case_id, username))
    await env.sleep(timedelta(days=20))  # reminders, escalations
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/return", {
        "to_stage": "correction", "reason": "材料过期", "missing": ["environmental_assessment"]}))
    await env.sleep(timedelta(days=40))  # correction never answered: withdrawn
    await s.eventually(lambda: _closed(s, case_id))
    return case_id


async def every_move(s: Stack, env: WorkflowEnvironment) -> str:
    """转办, 委派 and its draft, 加签, 减签, 退回 both ways, 催办, 抄送, and finally 撤回."""
    for username, department_of in (("zn_police2", "zn_police"),):
        dept = (await s.user(department_of)).department_id
        await s.ok(await s.post("admin", "/users", {"username": username, "password": "officer-password",
                                                    "display_name": "公安第二经办人", "role": "department_officer",
                                                    "division_code": "640521", "department_id": dept}), 201)
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/tasks/public_security/reassign",
                            {"to": "zn_police2", "reason": "休假"}))
    await s.ok(await s.post("zn_police2", f"/cases/{case_id}/tasks/public_security/delegate",
                            {"to": "zn_police", "reason": "请起草"}))
    await s.ok(await s.post("zn_police", f"/cases/{case_id}/tasks/public_security/draft",
                            {"verdict": "pass", "opinion": "起草：同意"}))
    await s.ok(await s.sign(case_id, "zn_police2"))
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/parties", {"party": "forestry_grassland", "reason": "林地"}))
    await s.ok(await s.request("DELETE", "zn_nr", f"/cases/{case_id}/parties/township", {"reason": "乡镇撤并"}))
    await s.ok(await s.post("zn_supervisor", f"/cases/{case_id}/reminders",
                            {"parties": ["water_resources"], "message": "请尽快签署"}))
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/copies", {"to": "hy_supervisor"}))
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/return", {"to_stage": "intake", "reason": "调整专家"}))
    await s.accept(case_id)
    for username in ("zn_emergency", "zn_ecology", "zn_police2", "zn_water", "zn_forestry", *ZN_EXPERTS):
        await s.ok(await s.sign(case_id, username))
    await s.ok(await s.post("zn_committee", f"/cases/{case_id}/return",
                            {"to_stage": "joint_acceptance", "reason": "补充核查"}))
    await s.ok(await s.post("zn_ent1", f"/cases/{case_id}/withdraw", {"reason": "企业决定暂缓"}))
    return case_id


async def _closed(s: Stack, case_id: str) -> bool:
    return (await s.case(case_id))["status"] != "active"


SCENARIOS: dict[str, Scenario] = {
    "reopening_happy_path": happy_path,
    "reopening_failure_loop": failure_loop,
    "reopening_time_outs": time_outs,
    "reopening_every_move": every_move,
}


async def happy_path_with_resumption_reminder(s: Stack, env: WorkflowEnvironment) -> str:
    """Recorded after the `resumption-reminder` patch: the reminder fires before the enterprise reports."""
    case_id = await s.to_committee()
    await s.ok(await s.decide(case_id))
    await s.approve(case_id)
    await env.sleep(timedelta(days=35))
    await s.eventually(lambda: _reminded(s, case_id))
    await s.resume(case_id)
    await s.file(case_id)
    return case_id


async def _reminded(s: Stack, case_id: str) -> bool:
    return "resumption_reminded" in await s.actions(case_id)


SCENARIOS["reopening_resumption_reminder"] = happy_path_with_resumption_reminder


# Recorded after the `local-activities` patch: calendar look-ups and projection writes run inside workflow tasks.
SCENARIOS["reopening_local_activities"] = happy_path

# The mining-right procedures (issue 6).
from tests.replay.rights_scenarios import RIGHTS_SCENARIOS  # noqa: E402

SCENARIOS.update(RIGHTS_SCENARIOS)

# The 治理整顿 family (issue 8): campaign, rectification and closure.
from tests.campaign.replay_scenarios import CAMPAIGN_SCENARIOS  # noqa: E402

SCENARIOS.update(CAMPAIGN_SCENARIOS)

# Recorded after the `documents` patch: each procedure issues its documents as its acts happen (issue 17).
from tests.campaign.replay_scenarios import closure_scenario, rectification_scenario  # noqa: E402
from tests.replay.rights_scenarios import grant_city_level, transfer_county_level  # noqa: E402


def _documents_issued(scenario: Scenario) -> Scenario:
    """The scenario, then its case's end: the workflow ends once its last documents are issued, so the history
    holds every document's activity to its result."""
    async def run(s: Stack, env: WorkflowEnvironment) -> str:
        case_id = await scenario(s, env)
        await asyncio.wait_for(s.temporal.get_workflow_handle(case_id).result(), timeout=60)
        return case_id
    return run


SCENARIOS.update({
    "documents_reopening_approved": _documents_issued(happy_path),
    "documents_reopening_refused": _documents_issued(failure_loop),
    "documents_transfer": _documents_issued(transfer_county_level),
    "documents_grant": _documents_issued(grant_city_level),
    "documents_rectification": _documents_issued(rectification_scenario),
    "documents_closure": _documents_issued(closure_scenario),
})

# Recorded after the `documents-queue` patch: documents are issued on their own task queue (issue 19).
SCENARIOS["documents_queue_reopening_approved"] = _documents_issued(happy_path)
