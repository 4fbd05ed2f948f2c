"""Authorisation on every route: enterprises their own cases, officers their own department and county,
officials their jurisdiction (the city all its counties)."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tests.support.stack import OPEN_PIT_MINE


async def test_no_token_is_401(stack):
    response = await stack.http.get("/api/v1/cases")
    await stack.refused(response, 401, "NOT_AUTHENTICATED")


async def test_forged_token_is_401(stack):
    forged = jwt.encode({"sub": "admin", "exp": datetime.now(UTC) + timedelta(hours=1), "iat": datetime.now(UTC),
                         "iss": "mineflow"}, "not-the-secret-but-long-enough-for-hs256", algorithm="HS256")
    response = await stack.http.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    await stack.refused(response, 401, "TOKEN_INVALID")


async def test_expired_token_is_401(stack):
    past = datetime.now(UTC) - timedelta(hours=2)
    token = jwt.encode({"sub": "admin", "exp": past + timedelta(minutes=5), "iat": past, "iss": "mineflow"},
                       stack.settings.jwt_secret, algorithm="HS256")
    response = await stack.http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    await stack.refused(response, 401, "TOKEN_EXPIRED")


async def test_token_of_a_deactivated_user_is_401(stack):
    async with stack.db.write() as session:
        user = await stack.user("zn_police")
        user.is_active = False
        session.add(user)
    await stack.refused(await stack.get("zn_police", "/me"), 401, "TOKEN_INVALID")


async def test_login_issues_a_token_and_refuses_a_wrong_password(stack):
    ok = await stack.http.post("/api/v1/auth/token", data={"username": "zn_nr", "password": "mineflow-demo"})
    token = (await stack.ok(ok))["access_token"]
    me = await stack.ok(await stack.http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}))
    assert me == {"username": "zn_nr", "display_name": "中宁县自然资源局矿管股", "role": "county_nr",
                  "division_code": "640521", "department_id": me["department_id"], "enterprise_id": None}
    bad = await stack.http.post("/api/v1/auth/token", data={"username": "zn_nr", "password": "wrong-password"})
    await stack.refused(bad, 401, "INVALID_CREDENTIALS")
    nobody = await stack.http.post("/api/v1/auth/token", data={"username": "nobody", "password": "whatever1"})
    await stack.refused(nobody, 401, "INVALID_CREDENTIALS")


async def test_enterprise_sees_and_acts_on_its_own_cases_only(stack):
    s = stack
    own = (await s.submit())["case_id"]
    other = (await s.submit(OPEN_PIT_MINE, username="zn_ent2"))["case_id"]
    listed = await s.ok(await s.get("zn_ent1", "/cases"))
    assert [c["case_id"] for c in listed["items"]] == [own] and listed["total"] == 1
    await s.refused(await s.get("zn_ent1", f"/cases/{other}"), 403, "NOT_YOUR_CASE")
    await s.refused(await s.post("zn_ent1", f"/cases/{other}/withdraw", {"reason": "恶意撤回"}), 403, "NOT_YOUR_CASE")
    mines = await s.ok(await s.get("zn_ent1", "/mines"))
    assert {m["enterprise_id"] for m in mines} == {(await s.user("zn_ent1")).enterprise_id}
    other_mine = await s.mine(OPEN_PIT_MINE)
    await s.refused(await s.get("zn_ent1", f"/mines/{other_mine.id}"), 403, "NOT_YOUR_CASE")
    # nor may it apply for another enterprise's mine
    body = {"mine_id": other_mine.id, "reason": "冒名申请", "materials": []}
    await s.refused(await s.post("zn_ent1", "/reopenings", body), 403, "NOT_YOUR_CASE")


async def test_county_officials_see_their_county_and_the_city_sees_all(stack):
    s = stack
    zn = (await s.submit())["case_id"]
    hy = (await s.submit("海原县李旺镇石灰岩矿", username="hy_ent1"))["case_id"]
    zn_list = await s.ok(await s.get("zn_nr", "/cases"))
    assert [c["case_id"] for c in zn_list["items"]] == [zn]
    await s.refused(await s.get("zn_nr", f"/cases/{hy}"), 403, "OUT_OF_JURISDICTION")
    await s.refused(await s.post("zn_nr", f"/cases/{hy}/intake", {"decision": "request_correction",
                                                                 "missing": ["safety_assessment"]}),
                    403, "OUT_OF_JURISDICTION")
    city = await s.ok(await s.get("city_nr", "/cases"))
    assert {c["case_id"] for c in city["items"]} == {zn, hy}
    by_county = await s.ok(await s.get("city_nr", "/cases", division_code="640522"))
    assert [c["case_id"] for c in by_county["items"]] == [hy]
    assert (await s.ok(await s.get("hy_nr", "/tasks")))["items"][0]["case_id"] == hy
    assert [t["case_id"] for t in (await s.ok(await s.get("zn_nr", "/tasks")))["items"]] == [zn]


async def test_the_city_cannot_do_the_county_bureaus_work(stack):
    s = stack
    case_id = (await s.submit())["case_id"]
    response = await s.post("city_nr", f"/cases/{case_id}/intake", {"decision": "accept"})
    await s.refused(response, 403, "FORBIDDEN_ROLE")


@pytest.mark.parametrize(("username", "path", "body"), [
    ("zn_police", "/reopenings", {"mine_id": 1, "reason": "x"}),
    ("zn_nr", "/reopenings", {"mine_id": 1, "reason": "x"}),
    ("zn_ent1", "/users", {"username": "intruder", "password": "12345678", "display_name": "x", "role": "admin"}),
    ("zn_nr", "/mines", {}),
    ("city_nr", "/enterprises", {}),
])
async def test_role_guards(stack, username, path, body):
    await stack.refused(await stack.post(username, path, body), 403, "FORBIDDEN_ROLE")


async def test_each_action_is_refused_to_the_wrong_role(stack):
    s = stack
    case_id = await s.to_committee()
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/committee-decision", await s.meeting()),
                    403, "FORBIDDEN_ROLE")
    await s.refused(await s.post("zn_committee", f"/cases/{case_id}/approval", {}), 403, "FORBIDDEN_ROLE")
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/withdraw", {"reason": "x"}), 403, "FORBIDDEN_ROLE")
    await s.ok(await s.decide(case_id))
    await s.refused(await s.post("zn_ent1", f"/cases/{case_id}/approval", {}), 403, "FORBIDDEN_ROLE")
    await s.approve(case_id)
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/resumption", {"resumed_on": str(await s.today())}),
                    403, "FORBIDDEN_ROLE")
    await s.resume(case_id)
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/city-filing", {}), 403, "FORBIDDEN_ROLE")
    await s.refused(await s.post("hy_nr", f"/cases/{case_id}/city-filing", {}), 403, "OUT_OF_JURISDICTION")


async def test_expert_not_on_the_panel_cannot_sign(stack):
    s = stack
    created = await s.ok(await s.post("admin", "/users", {
        "username": "zn_expert9", "password": "expert-password", "display_name": "专家庚", "role": "expert",
        "division_code": "640521"}), 201)
    assert created["role"] == "expert"
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    await s.refused(await s.sign(case_id, "zn_expert9"), 403, "NOT_YOUR_PARTY")


async def test_each_caller_is_offered_exactly_the_actions_they_may_take_now(stack):
    s = stack
    case = await s.submit()
    case_id = case["case_id"]
    assert case["available_actions"] == ["withdraw"]  # the enterprise, at intake
    assert (await s.case(case_id, "zn_nr"))["available_actions"] == ["intake", "urge", "copy"]
    assert (await s.case(case_id, "city_nr"))["available_actions"] == []
    assert (await s.case(case_id, "zn_supervisor"))["available_actions"] == ["urge"]
    await s.accept(case_id)
    assert (await s.case(case_id, "zn_police"))["available_actions"] == ["sign_off", "reassign", "delegate"]
    assert (await s.case(case_id, "zn_expert2"))["available_actions"] == ["sign_off"]
    assert (await s.case(case_id, "zn_forestry"))["available_actions"] == []
    assert (await s.case(case_id, "zn_nr"))["available_actions"] == [
        "reassign", "add_party", "urge", "copy", "return", "remove_party"]
    case = await s.ok(await s.sign(case_id, "zn_police"))
    assert case["available_actions"] == []  # signed: nothing more for the police
    for username in ("zn_emergency", "zn_ecology", "zn_water", "zn_shikong", "zn_expert1", "zn_expert2",
                     "zn_expert3"):
        await s.ok(await s.sign(case_id, username))
    assert (await s.case(case_id, "zn_committee"))["available_actions"] == ["committee_decision", "return"]
    assert (await s.case(case_id, "zn_ent1"))["available_actions"] == ["withdraw"]
