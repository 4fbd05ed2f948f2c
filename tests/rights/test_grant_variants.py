"""A county-issued grant (the province's rule table makes it so) goes through the county meeting only; and the
capacity-ledger hook, when it refuses, ends the grant with its reason."""

import uuid

from temporalio import activity

from api.app import create_app
from models.rights_cases import CapacityCheckInput, CapacityVerdict
from tests.rights.support import block, propose
from tests.support.stack import Stack, make_http, settings_for_tests
from worker import build_worker


async def test_a_county_level_grant_skips_the_city_meeting_and_the_county_bureau_acts(stack):
    s = stack
    s.settings.rights_authority_rules = [{"minerals": ["建筑用白云岩"], "level": "county"}, {"level": "city"}]
    case = await propose(s)
    assert case["authority_level"] == "county"
    case = await s.ok(await s.decide(case["case_id"]))
    assert case["stage"] == "announcement" and case["city_meetings"] == []


async def test_the_capacity_ledger_refusing_ends_the_grant(time_env, demo_db):
    @activity.defn(name="check_capacity_ledger")
    async def full(request: CapacityCheckInput) -> CapacityVerdict:
        return CapacityVerdict(ok=False, reason="全市新设产能已超过关闭产能的150%", clause="seed 002 §04(二)4(2)")

    settings = settings_for_tests(demo_db.url, f"test-{uuid.uuid4()}")
    app = create_app(settings, db=demo_db, temporal=time_env.client)
    async with (build_worker(time_env.client, demo_db, settings.task_queue, settings=settings,
                             overrides={"check_capacity_ledger": full}), make_http(app) as http):
        s = Stack(temporal=time_env.client, db=demo_db, settings=settings, http=http, app=app)
        case = await s.ok(await s.post("zn_nr", "/grants", block()), 201)
        case_id = case["case_id"]

        async def closed() -> bool:
            return bool((await s.case(case_id))["status"] == "rejected")
        await s.eventually(closed)
        case = await s.case(case_id)
    assert case["stage"] == "refused" and "150%" in case["outcome_reason"] and "§04(二)4(2)" in case["outcome_reason"]
