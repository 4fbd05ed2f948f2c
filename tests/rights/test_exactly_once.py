"""The registry changes exactly once per case, whatever the retries: the registration activities are keyed by the
case (unique (case_id, change) in the history), so a second run — after a lost answer or a crash past the commit —
finds its own row and changes nothing."""

import uuid

from temporalio import activity

from activities.rights import RightsActivities
from api.app import create_app
from models.rights_cases import ChangeHolderInput, GrantCreate, IssueRightInput
from tests.rights.support import (
    MINGSHA,
    XINYUAN,
    block,
    county_right,
    enterprise_id,
    history,
    right_by_licence,
    right_of_mine,
    to_decision,
)
from tests.support.stack import Stack, make_http, settings_for_tests
from worker import build_worker


async def test_change_right_holder_run_twice_changes_once(demo_db):
    s = Stack(temporal=None, db=demo_db, settings=None, http=None, app=None)  # type: ignore[arg-type]
    right = await right_of_mine(s)
    activities = RightsActivities(demo_db)
    request = ChangeHolderInput(case_id="ZR-TEST-1", right_id=right.id,
                                to_enterprise_id=await enterprise_id(s, MINGSHA), by_username="zn_nr", reason="转让")
    first = await activities.change_right_holder(request)
    again = await activities.change_right_holder(request)  # a retry after the first attempt committed
    assert first.applied is True and again.applied is False and again.history_id == first.history_id
    assert (await right_by_licence(s, right.licence_no)).version == right.version + 1
    assert [h.change for h in await history(s, right.id)] == ["created", "holder"]


async def test_issue_mining_right_run_twice_issues_once(demo_db):
    s = Stack(temporal=None, db=demo_db, settings=None, http=None, app=None)  # type: ignore[arg-type]
    activities = RightsActivities(demo_db)
    request = IssueRightInput(case_id="CR-TEST-1", licence_no="C6405002027017130000009",
                              block=GrantCreate(**block()), holder_enterprise_id=await enterprise_id(s, XINYUAN),
                              authority_level="city", valid_from="2027-01-01", by_username="city_nr")
    first = await activities.issue_mining_right(request)
    again = await activities.issue_mining_right(request)
    assert first.applied and not again.applied and again.right_id == first.right_id
    assert [h.case_id for h in await history(s, first.right_id)] == ["CR-TEST-1"]
    assert str((await right_by_licence(s, request.licence_no)).valid_to) == "2037-01-01"


async def test_a_registration_whose_first_attempt_fails_after_writing_changes_the_holder_once(time_env, demo_db):
    """The first attempt commits the change and then dies (as a worker crashing before it could answer);
    Temporal retries the activity, which finds the change already made."""
    real = RightsActivities(demo_db)
    attempts: list[bool] = []

    @activity.defn(name="change_right_holder")
    async def flaky(request: ChangeHolderInput):  # type: ignore[no-untyped-def]
        result = await real.change_right_holder(request)
        attempts.append(result.applied)
        if len(attempts) == 1:
            raise RuntimeError("worker lost after the commit")
        return result

    settings = settings_for_tests(demo_db.url, f"test-{uuid.uuid4()}")
    app = create_app(settings, db=demo_db, temporal=time_env.client)
    async with (build_worker(time_env.client, demo_db, settings.task_queue, settings=settings,
                             overrides={"change_right_holder": flaky}), make_http(app) as http):
        s = Stack(temporal=time_env.client, db=demo_db, settings=settings, http=http, app=app,
                  now=time_env.get_current_time)
        right = await county_right(s)
        case_id = await to_decision(s, right["id"])
        await s.ok(await s.post("zn_nr", f"/cases/{case_id}/transfer-decision", {"decision": "approve"}))
        case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/change-registration", {}))
    assert case["stage"] == "city_filing"
    assert attempts == [True, False]  # two runs, one change
    assert [(h.change, h.case_id) for h in await history(s, right["id"])] == [("created", None), ("holder", case_id)]
    stored = await right_by_licence(s, right["licence_no"])
    assert stored.holder_enterprise_id == await enterprise_id(s, MINGSHA) and stored.version == 2
