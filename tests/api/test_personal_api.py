"""个人事项 over the API, on the services the console uses: change password, notifications and their read state,
已办 and 我发起的, and bulk 催办. Runs on both databases."""

from sqlmodel import select

from models.db import utcnow
from models.notifications import DeliveryStatus, Notification
from models.registry import User
from tests.support.stack import Stack


async def test_password_notifications_and_worklists_over_the_api(stack: Stack):
    s = stack
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    started = await s.ok(await s.get("zn_ent1", "/started"))
    assert [c["case_id"] for c in started["items"]] == [case_id]
    done = await s.ok(await s.get("zn_nr", "/done"))
    assert [c["case_id"] for c in done["items"]] == [case_id] and done["total"] == 1
    assert (await s.ok(await s.get("zn_nr", "/started")))["total"] == 0

    async with s.db.write() as session:
        session.add(Notification(event_key=f"{case_id}:99:user:zn_nr", case_id=case_id, action="urged",
                                 audience="user:zn_nr", subject="【矿山审批】测试", body="催办：请尽快办理",
                                 status=DeliveryStatus.SENT, created_at=utcnow()))
    mine = await s.ok(await s.get("zn_nr", "/notifications"))
    assert mine["unread"] == 1 and [n["body"] for n in mine["items"]] == ["催办：请尽快办理"]
    assert (await s.ok(await s.get("zn_police", "/notifications")))["total"] == 0
    assert (await s.ok(await s.post("zn_nr", "/notifications/read", {})))["marked"] == 1
    assert (await s.ok(await s.post("zn_nr", "/notifications/read", {})))["marked"] == 0
    assert (await s.ok(await s.get("zn_nr", "/notifications", unread="true")))["total"] == 0

    body = {"current_password": "mineflow-demo", "new_password": "short", "confirm_password": "short"}
    await s.refused(await s.post("zn_nr", "/me/password", body), 422, "VALIDATION_FAILED")
    body = {"current_password": "not-it", "new_password": "n3w-secret!", "confirm_password": "n3w-secret!"}
    error = await s.refused(await s.post("zn_nr", "/me/password", body), 422, "VALIDATION_FAILED")
    assert error["message"] == "当前密码不正确"
    r = await s.post("zn_nr", "/me/password", {**body, "current_password": "mineflow-demo"})
    assert r.status_code == 204
    # every token signed before the change has ended, the one it was made with included
    error = await s.refused(await s.get("zn_nr", "/me"), 401, "TOKEN_INVALID")
    assert "密码已修改" in error["message"]
    login = await s.http.post("/api/v1/auth/token", data={"username": "zn_nr", "password": "n3w-secret!"})
    assert login.status_code == 200
    me = await s.http.get("/api/v1/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"})
    assert me.status_code == 200 and me.json()["username"] == "zn_nr"
    async with s.db.session() as session:
        user = (await session.exec(select(User).where(User.username == "zn_nr"))).one()
    assert user.password_hash.startswith("$argon2")


async def test_bulk_urge_over_the_api(stack: Stack):
    s = stack
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    result = await s.ok(await s.post("zn_supervisor", "/reminders/batch", {
        "case_ids": [case_id, "KFG-20260101-NOSUCH"], "message": "请尽快签署"}))
    assert [u["case_id"] for u in result["urged"]] == [case_id]
    assert [(r["case_id"], r["code"]) for r in result["refused"]] == [("KFG-20260101-NOSUCH", "CASE_NOT_FOUND")]
    refused = await s.ok(await s.post("zn_ent1", "/reminders/batch", {"case_ids": [case_id], "message": "x"}))
    assert [r["code"] for r in refused["refused"]] == ["FORBIDDEN_ROLE"]  # the workflow's own refusal
    await s.refused(await s.post("zn_nr", "/reminders/batch", {"case_ids": ["<script>"], "message": "x"}), 422,
                    "VALIDATION_FAILED")
