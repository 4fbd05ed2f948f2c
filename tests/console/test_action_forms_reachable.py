"""Every registered action of every procedure has a form a person can reach: for a case of its kind, the case page
as someone of a role the action names shows the action's form, posting to the action's console route.

tests/extension/test_action_table.py checks that each action's request model makes a form in Chinese; this test
checks the page that offers it. Which actions a case offers now is the workflow's (`available_actions`, proven by
the journeys in test_journeys_browser.py); here each action is offered in turn, so a procedure added tomorrow, or
an action whose pickers fail for a real case, or one the page cannot draw, fails by name."""

from typing import Any

import pytest

import api.procedures  # noqa: F401  (registers the procedures)
from api.kinds import KINDS
from console import routes
from domain.roles import Role
from tests.campaign.support import open_campaign, start_rectifications
from tests.console.test_console_pages import web  # noqa: F401  (the cookie-keeping browser fixture)
from tests.rights.support import county_right, propose, submit_transfer
from tests.support.stack import EXPIRED_MINE, SHIKONG_MINE, Stack

# One demo user per role, who can read the cases started below (all in 中宁县; the enterprise is the applicant's).
USERS = {Role.ENTERPRISE: "zn_ent1", Role.DEPARTMENT_OFFICER: "zn_police", Role.EXPERT: "zn_expert1",
         Role.COUNTY_NR: "zn_nr", Role.COMMITTEE_SECRETARY: "zn_committee", Role.CITY_NR: "city_nr",
         Role.SUPERVISOR: "zn_supervisor"}
ROLE_ORDER = list(USERS)


def drawn(html: str, case_id: str, action: str) -> bool:
    """The page carries the action's form, posting to its route."""
    return f'id="action-{action}"' in html and f'action="/console/cases/{case_id}/actions/{action}"' in html


async def one_case_of_each_kind(s: Stack) -> dict[str, str]:
    found = {"reopening": (await s.submit())["case_id"]}
    found["transfer"] = (await submit_transfer(s, (await county_right(s))["id"]))["case_id"]
    found["grant"] = (await propose(s))["case_id"]
    found["campaign"] = (await open_campaign(s))["case_id"]
    shikong, expired = await s.mine(SHIKONG_MINE), await s.mine(EXPIRED_MINE)
    found["rectification"] = (await start_rectifications(s, [shikong.id], None, "zn_nr"))["started"][0]["case_id"]
    closure = await s.ok(await s.post("zn_nr", "/closures/batch", {"mine_ids": [expired.id],
                                                                  "plan_ref": "中宁政函〔2026〕8号"}))
    found["closure"] = closure["started"][0]["case_id"]
    return found


async def test_every_action_of_every_kind_has_a_reachable_form(stack, web, monkeypatch):  # noqa: F811
    case_ids = await one_case_of_each_kind(stack)
    assert set(case_ids) == set(KINDS), f"a new procedure: start a case of it here ({set(KINDS) - set(case_ids)})"
    offered: dict[str, list[str]] = {}
    read = routes._read

    async def offering(console: Any, temporal: Any, case_id: str) -> Any:
        case = await read(console, temporal, case_id)
        return case.model_copy(update={"available_actions": offered[case_id]})

    monkeypatch.setattr(routes, "_read", offering)
    missing = []
    for code, kind in KINDS.items():
        case_id = case_ids[code]
        for action in kind.actions().values():
            role = next((r for r in ROLE_ORDER if r in action.roles), None)
            assert role is not None, f"{code}.{action.name}: no role a person logs in as"
            offered[case_id] = [action.name]
            web.http.cookies.clear()
            await web.login(USERS[role])
            page = await web.http.get(f"/console/cases/{case_id}")
            if page.status_code != 200 or not drawn(page.text, case_id, action.name):
                missing.append(f"{code}.{action.name} as {USERS[role]}: {page.status_code}")
    assert not missing, "actions without a reachable form:\n" + "\n".join(missing)


@pytest.mark.parametrize("drop", ["page", "route"])
async def test_the_check_sees_an_action_the_page_does_not_draw(stack, web, monkeypatch, drop):  # noqa: F811
    """The test above can fail: a page that leaves one action out is caught."""
    case_id = (await stack.submit())["case_id"]
    read = routes._read

    async def offering(console: Any, temporal: Any, cid: str) -> Any:
        case = await read(console, temporal, cid)
        return case.model_copy(update={"available_actions": ["withdraw"]})

    monkeypatch.setattr(routes, "_read", offering)
    original = routes.action_form
    # the page draws another action's form in its place, or the form posts somewhere else
    field, value = {"page": ("code", "something-else"), "route": ("target", "cases/nowhere")}[drop]

    async def spoiled(console: Any, case: Any, action: Any, **kw: Any) -> Any:
        view = await original(console, case, action, **kw)
        setattr(view, field, value)
        return view
    monkeypatch.setattr(routes, "action_form", spoiled)
    await web.login("zn_ent1")
    page = await web.http.get(f"/console/cases/{case_id}")
    assert page.status_code == 200 and not drawn(page.text, case_id, "withdraw")
