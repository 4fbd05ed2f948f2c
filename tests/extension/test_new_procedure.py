"""Adding a procedure is one module and one registration line (tests/extension/site_inspection.py, imported below):
it is then started, acted on over HTTP and in the console, listed, and served by a worker — no other file touched."""

import importlib
import sys
import uuid
from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.kinds import KINDS
from models.db import Database
from tests.support.stack import Stack, make_http, settings_for_tests
from tests.support.web import Browser
from worker import build_worker

MODULE = "tests.extension.site_inspection"


@pytest.fixture
async def with_inspection(time_env: WorkflowEnvironment, demo_db: Database) -> AsyncIterator[Stack]:
    """The product as it is, plus the new procedure: registered by importing its module, before the app and the
    worker are made (as `api/procedures/__init__.py` imports the others). Unregistered afterwards, so no other test
    sees it."""
    importlib.import_module(MODULE)  # the registration line
    settings = settings_for_tests(demo_db.url, f"test-{uuid.uuid4()}")
    app = create_app(settings, db=demo_db, temporal=time_env.client)
    try:
        async with (build_worker(time_env.client, demo_db, settings.task_queue, settings=settings),
                    make_http(app) as http):
            yield Stack(temporal=time_env.client, db=demo_db, settings=settings, http=http, app=app,
                        now=time_env.get_current_time)
    finally:
        KINDS.pop("inspection", None)
        sys.modules.pop(MODULE, None)


async def test_a_made_up_procedure_runs_like_the_others(with_inspection: Stack):
    s = with_inspection
    mine = await s.mine("中宁县石空镇双龙山石膏矿")

    # started over HTTP by the role its declaration names; a wrong role is refused as for any procedure
    await s.refused(await s.post("zn_ent1", "/inspections", {"mine_id": mine.id, "purpose": "安全隐患复查"}),
                    403, "FORBIDDEN_ROLE")
    case = await s.ok(await s.post("zn_nr", "/inspections", {"mine_id": mine.id, "purpose": "安全隐患复查"}), 201)
    case_id = case["case_id"]
    assert case_id.startswith("XCHC-") and case["stage"] == "inspection" and case["stage_name"] == "现场核查"
    assert [p["party"] for p in case["pending"]] == ["emergency_management", "ecology_environment"]
    assert case["available_actions"] == ["reassign", "add_party", "urge", "copy", "remove_party"]

    # listed, and in the inbox of the party it waits on, with the action that answers it
    listed = await s.ok(await s.get("zn_nr", "/cases", kind="inspection"))
    assert [c["case_id"] for c in listed["items"]] == [case_id] and listed["items"][0]["stage_name"] == "现场核查"
    tasks = (await s.ok(await s.get("zn_emergency", "/tasks")))["items"]
    assert [(t["case_id"], t["task_name"], t["action"]) for t in tasks] == [(case_id, "核查会签", "sign_off")]

    # acted on over HTTP: the countersign it shares with every procedure, at the same route
    signed = await s.ok(await s.sign(case_id, "zn_emergency"))
    assert [p["party"] for p in signed["pending"]] == ["ecology_environment"]
    # an action it lacks is refused, not mistaken for another procedure's
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/approval", {}), 409, "WRONG_STAGE")

    # and in the console: its case page offers the generated forms, which the workflow answers
    async with make_http(s.app) as http:
        web = Browser(http)
        await web.login("zn_ecology")
        url = f"/console/cases/{case_id}"
        page = (await http.get(url)).text
        assert 'id="action-sign_off"' in page and "现场核查" in page
        r = await web.post_form(url, f"{url}/actions/sign_off", {"verdict": "pass", "opinion": "无隐患"})
        assert r.status_code == 303, r.text
        http.cookies.clear()
        await web.login("zn_nr")
        page = (await http.get(url)).text
        assert 'id="action-conclude"' in page and "符合要求" in page  # its own action, its own choices
        r = await web.post_form(url, f"{url}/actions/conclude", {"finding": "compliant", "note": "复查合格"})
        assert r.status_code == 303, r.text
        # its start page is generated too
        start = (await http.get("/console/inspections/new")).text
        assert 'id="start-form"' in start and "核查事由" in start and mine.name in start

    done = await s.case(case_id)
    assert done["status"] == "completed" and done["finding"] == "compliant"
    assert [e["action"] for e in done["timeline"]][-2:] == ["signed_off", "concluded"]
    completed = await s.ok(await s.get("zn_nr", "/cases", kind="inspection", status="completed"))
    assert completed["total"] == 1
