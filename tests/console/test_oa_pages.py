"""The console's OA staples over HTTP: 已办 / 抄送我的 / 我发起的, notifications and their unread count, changing a
password, the case list as Excel (read back with openpyxl), every dashboard number equal to the cases it leads
to, and bulk 催办 of overdue cases — each through its workflow's own action. Runs on both databases."""

import io
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from html import unescape

import pytest
from fastapi import FastAPI
from openpyxl import load_workbook
from sqlmodel import col, func, select

from activities.notify import LogNotifier, NotificationActivities
from api.app import create_app
from domain.notifications import audiences_of
from models.audit import AuditEntry
from models.db import Database, utcnow
from models.demo import DEMO_PASSWORD
from models.notifications import DeliveryStatus, Notification
from models.projection import CaseRecord
from models.registry import User
from tests.console.synthetic import fill_projection
from tests.support.stack import Stack, make_http, settings_for_tests
from tests.support.web import Browser


class Users:
    """Console sessions of several users over one app."""

    def __init__(self, app: FastAPI) -> None:
        self.app, self.clients = app, []

    async def __call__(self, username: str, password: str = DEMO_PASSWORD) -> Browser:
        http = make_http(self.app)
        self.clients.append(http)
        web = Browser(http)
        assert (await web.login(username, password)).status_code == 303
        return web

    async def close(self) -> None:
        for http in self.clients:
            await http.aclose()


@pytest.fixture
async def users(stack: Stack) -> AsyncIterator[Users]:
    found = Users(stack.app)
    yield found
    await found.close()


@pytest.fixture
async def projection_users(demo_db: Database) -> AsyncIterator[Users]:
    """Console sessions over the demo registry without Temporal (pages that read only the database)."""
    found = Users(create_app(settings_for_tests(demo_db.url, f"test-{uuid.uuid4()}"), db=demo_db, temporal=None))
    yield found
    await found.close()


def listed(page: str) -> list[str]:
    return re.findall(r'<tr class="[^"]*" data-case="([^"]+)"', page)


# ---- 已办 / 抄送我的 / 我发起的 ----------------------------------------------------------------------------------

async def test_done_copied_and_started_lists(stack: Stack, users: Users):
    s = stack
    case_id = (await s.submit())["case_id"]
    ent, nr, other = await users("zn_ent1"), await users("zn_nr"), await users("spt_nr")
    inbox = (await ent.http.get("/console/")).text
    assert 'data-tab="done"' in inbox and 'data-tab="copies"' in inbox and 'data-tab="started"' in inbox
    assert listed((await ent.http.get("/console/started")).text) == [case_id]
    assert listed((await ent.http.get("/console/done")).text) == [case_id]  # submitting is acting
    assert listed((await nr.http.get("/console/done")).text) == []
    assert listed((await nr.http.get("/console/started")).text) == []

    await s.accept(case_id)
    page = (await nr.http.get("/console/done")).text
    assert listed(page) == [case_id] and "受理" in page
    assert listed((await nr.http.get("/console/started")).text) == []  # accepting is not starting

    assert listed((await other.http.get("/console/copies")).text) == []
    assert (await other.http.get(f"/console/cases/{case_id}")).status_code == 403
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/copies", {"to": "spt_nr", "note": "请知悉"}))
    assert listed((await other.http.get("/console/copies")).text) == [case_id]  # a copy now reaches its reader
    assert (await other.http.get(f"/console/cases/{case_id}")).status_code == 200
    page = (await other.http.get("/console/notifications")).text  # and tells them so
    assert unread_badge(page) == 1 and "抄送沙坡头区自然资源局矿管股。请知悉" in page


# ---- notifications ----------------------------------------------------------------------------------------------

async def test_what_the_console_lists_is_what_the_notifier_sends(demo_db: Database):
    """`audiences_of(user)` is the reverse of the notifier's `_recipients(audience)`, for every demo user."""
    async with demo_db.session() as session:
        everyone = list((await session.exec(select(User))).all())
    notifier = NotificationActivities(demo_db, LogNotifier())
    audiences = {a for u in everyone for a in audiences_of(
        username=u.username, role=u.role.value, division_code=u.division_code, department_id=u.department_id,
        enterprise_id=u.enterprise_id)}
    for audience in audiences:
        reached = {u.username for u in await notifier._recipients(audience)}
        claimed = {u.username for u in everyone if audience in audiences_of(
            username=u.username, role=u.role.value, division_code=u.division_code, department_id=u.department_id,
            enterprise_id=u.enterprise_id)}
        assert reached == claimed, audience


async def _notify(db: Database, case_id: str, seq: int, audiences: list[str], detail: str) -> None:
    """Outbox rows as `sync_case` writes them: one per audience of one timeline entry."""
    now = utcnow()
    async with db.write() as session:
        for audience in audiences:
            session.add(Notification(event_key=f"{case_id}:{seq}:{audience}", case_id=case_id, action="urged",
                                     audience=audience, subject="【矿山审批】测试", body=f"{detail}\n案件：{case_id}",
                                     status=DeliveryStatus.SENT, created_at=now + timedelta(seconds=seq)))


def unread_badge(page: str) -> int | None:
    found = re.search(r'id="unread-count"[^>]*>(\d+)<', page)
    return int(found.group(1)) if found else None


async def test_notifications_are_counted_once_and_read_per_user(demo_db: Database, projection_users: Users):
    nr = (await (await projection_users("zn_nr")).http.get("/console/")).text
    assert unread_badge(nr) is None
    async with demo_db.session() as session:
        zn_nr = (await session.exec(select(User).where(User.username == "zn_nr"))).one()
    # one entry to the bureau by its role and by its department (one notification for zn_nr), one to it alone,
    # one to another county's bureau
    await _notify(demo_db, "KFG-20261204-AAAAAA", 1, ["role:county_nr:640521", f"department:{zn_nr.department_id}"],
                  "催办中宁县自然资源局：请尽快受理")
    await _notify(demo_db, "KFG-20261204-AAAAAA", 2, ["user:zn_nr"], "法定办理期限将于三日后届满")
    await _notify(demo_db, "KFG-20261204-BBBBBB", 1, ["role:county_nr:640502"], "催办沙坡头区自然资源局")

    web = await projection_users("zn_nr")
    page = (await web.http.get("/console/notifications")).text
    assert unread_badge(page) == 2 and 'id="unread-total">2<' in page
    ids = re.findall(r'<li class="unread" data-notification="(\d+)"', page)
    assert len(ids) == 2 and "沙坡头区" not in page
    assert page.index("法定办理期限") < page.index("请尽快受理")  # newest first

    opened = await web.post_form("/console/notifications", f"/console/notifications/{ids[0]}/open", {})
    assert opened.status_code == 303 and opened.headers["location"] == "/console/cases/KFG-20261204-AAAAAA"
    page = (await web.http.get("/console/notifications")).text
    assert unread_badge(page) == 1 and len(re.findall(r'<li class="read"', page)) == 1
    # another user of the same county's bureau has read nothing yet (read state is per user)
    await _reader(demo_db)
    colleague = await projection_users("zn_nr2")
    assert unread_badge((await colleague.http.get("/console/")).text) == 1

    r = await web.post_form("/console/notifications", "/console/notifications/read", {"all": "1"})
    assert r.status_code == 303
    page = (await web.http.get("/console/notifications")).text
    assert unread_badge(page) is None and 'id="unread-total">0<' in page
    assert "没有未读通知" in (await web.http.get("/console/notifications?unread=1")).text
    # someone else's notification cannot be read or opened through a forged id
    spt = await projection_users("spt_nr")
    before = unread_badge((await spt.http.get("/console/")).text)
    r = await spt.post_form("/console/notifications", f"/console/notifications/{ids[0]}/open", {})
    assert r.headers["location"] == "/console/notifications" and before == 1


async def _reader(db: Database) -> None:
    """A second officer of 中宁县自然资源局 (the same role, county and department as zn_nr)."""
    from api.security import hash_password

    async with db.write() as session:
        zn_nr = (await session.exec(select(User).where(User.username == "zn_nr"))).one()
        session.add(User(username="zn_nr2", display_name="中宁县自然资源局矿管股（二）", role=zn_nr.role,
                         division_code=zn_nr.division_code, department_id=zn_nr.department_id,
                         password_hash=hash_password(DEMO_PASSWORD)))


# ---- change password ----------------------------------------------------------------------------------------------

async def test_a_user_changes_their_password_under_the_admins_rule(demo_db: Database, projection_users: Users):
    """…and every other session of theirs ends at once (a stolen one too), while this browser stays logged in."""
    web = await projection_users("zn_nr")
    elsewhere = await projection_users("zn_nr")  # the same user in another browser, logged in before the change
    page = (await web.http.get("/console/account")).text
    assert "中宁县自然资源局矿管股" in page and 'type="password" name="current_password"' in page

    def change(current: str, new: str, confirm: str | None = None) -> dict[str, str]:
        return {"current_password": current, "new_password": new, "confirm_password": new if confirm is None
                else confirm}

    r = await web.post_form("/console/account", "/console/account/password", change("wrong-password", "n3w-secret!"))
    assert r.status_code == 422 and "当前密码不正确" in r.text
    assert (await web.http.get("/console/")).status_code == 200  # a typo does not end the session
    r = await web.post_form("/console/account", "/console/account/password", change(DEMO_PASSWORD, "short"))
    assert r.status_code == 422 and "新密码：长度不足" in r.text  # UserCreate.password: at least 8
    r = await web.post_form("/console/account", "/console/account/password",
                            change(DEMO_PASSWORD, "n3w-secret!", "n3w-secret?"))
    assert r.status_code == 422 and "两次输入的新密码不一致" in r.text
    assert "n3w-secret" not in r.text  # nothing typed is echoed into the page
    r = await web.post_form("/console/account", "/console/account/password", change(DEMO_PASSWORD, "n3w-secret!"))
    assert r.status_code == 303 and r.headers["location"] == "/console/account?done=password"
    page = await web.http.get("/console/account?done=password")
    assert page.status_code == 200 and "其他设备和浏览器上的登录已全部退出" in page.text
    ended = await elsewhere.http.get("/console/")
    assert ended.status_code == 303 and ended.headers["location"].startswith("/console/login")

    async with demo_db.session() as session:
        [entry] = (await session.exec(select(AuditEntry).where(AuditEntry.action == "password_changed"))).all()
    assert entry.actor == "zn_nr" and "修改本人密码" in entry.detail
    fresh = Browser(make_http(projection_users.app))
    assert (await fresh.login("zn_nr")).status_code == 401
    assert (await fresh.login("zn_nr", "n3w-secret!")).status_code == 303
    await fresh.http.aclose()


# ---- the case list as Excel ------------------------------------------------------------------------------------

def sheet_of(body: bytes) -> list[tuple]:
    book = load_workbook(io.BytesIO(body))
    return [tuple(row) for row in book["案件"].iter_rows(values_only=True)]


async def test_the_case_list_exports_to_excel_with_the_same_filters(stack: Stack, users: Users, monkeypatch):
    await fill_projection(stack.db, 400, seed=11)
    async with stack.db.write() as session:  # a name that would be a formula in a careless export
        record = (await session.exec(select(CaseRecord).where(CaseRecord.division_code == "640521",
                                                              CaseRecord.status == "active"))).first()
        assert record is not None
        record.mine_name = '=HYPERLINK("http://evil.example","点此")'
        session.add(record)
    web = await users("city_nr")
    filters = "?county=640521&status=active&kind=reopening"
    page = (await web.http.get(f"/console/cases{filters}")).text
    total = int(re.search(r"共 (\d+) 件", page).group(1))
    export = re.search(r'href="(/console/export/cases\.xlsx[^"]*)"', page).group(1)
    assert all(f in unescape(export) for f in ("kind=reopening", "status=active", "county=640521"))
    r = await web.http.get(unescape(export))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    rows = sheet_of(r.content)
    assert rows[0][:8] == ("案件编号", "事项", "矿山", "采矿许可证号", "企业", "县（区）", "阶段", "状态")
    async with stack.db.session() as session:
        expected = set((await session.exec(select(CaseRecord.case_id).where(
            CaseRecord.division_code == "640521", CaseRecord.status == "active",
            CaseRecord.kind == "reopening"))).all())
    assert len(rows) - 1 == total == len(expected) and {r[0] for r in rows[1:]} == expected
    assert {r[5] for r in rows[1:]} == {"中宁县"} and {r[7] for r in rows[1:]} == {"办理中"}
    assert {r[1] for r in rows[1:]} == {"开复工"}

    book = load_workbook(io.BytesIO(r.content))
    cells = [c for c in book["案件"]["C"] if c.value == record.mine_name]
    assert cells and cells[0].data_type == "s"  # kept as text, never a formula

    # an enterprise exports its own cases only, whatever it asks for
    ent = await users("zn_ent1")
    rows = sheet_of((await ent.http.get("/console/export/cases.xlsx?county=640502")).content)
    async with stack.db.session() as session:
        own = set((await session.exec(select(CaseRecord.case_id).where(
            CaseRecord.enterprise_name == "中宁县鑫源矿业有限公司"))).all())
    assert {r[0] for r in rows[1:]} == own

    # beyond the limit: narrow the filters, never a partial file passed off as the whole list
    monkeypatch.setattr("console.oa.EXPORT_LIMIT", 5)
    r = await web.http.get(unescape(export))
    assert r.status_code == 422 and f"符合条件的案件有 {total} 件，超过一次导出的上限 5 件" in r.text


# ---- the dashboard: every number leads to exactly its cases ---------------------------------------------------------

def figures(page: str) -> list[tuple[str, int]]:
    """(drill-down link, the number shown on it) for every linked number of the dashboard."""
    found = [(href, int(n)) for href, n in re.findall(
        r'<a class="kpi[^"]*" href="([^"]+)"><span class="value"[^>]*>(\d+)</span>', page)]
    found += [(href, int(n)) for href, n in re.findall(r'<a href="(/console/dashboard/cases\?[^"]+)">(\d+)</a>', page)]
    found += [(href, int(n)) for href, n in re.findall(
        r'<a href="(/console/dashboard/cases\?[^"]+)" data-holder-cases="(\d+)">', page)]
    return [(unescape(href), n) for href, n in found]


async def test_every_dashboard_number_is_the_count_of_the_cases_it_leads_to(stack: Stack, users: Users):
    await fill_projection(stack.db, 600, seed=5)
    for username in ("city_nr", "zn_nr"):
        web = await users(username)
        page = (await web.http.get("/console/dashboard")).text
        numbers = figures(page)
        kinds = {re.search(r"figure=([a-z_]+)", href).group(1) for href, _ in numbers}
        assert kinds >= {"open", "overdue", "completed", "closed_otherwise", "submitted_in", "completed_in",
                         "held_up"}, kinds
        for href, shown in numbers:
            drill = await web.http.get(href)
            assert drill.status_code == 200, href
            total = int(re.search(r'id="figure-total">(\d+)<', drill.text).group(1))
            assert total == shown, (username, href)
            assert len(listed(drill.text)) == min(shown, 20), href
    # a county official's drill-down never reaches another county's cases
    web = await users("zn_nr")
    drill = (await web.http.get("/console/dashboard/cases?kind=reopening&figure=open&county=640502")).text
    assert 'id="figure-total">0<' in drill
    assert (await (await users("zn_police")).http.get("/console/dashboard/cases?kind=reopening&figure=open")
            ).status_code == 403


# ---- bulk 催办 ------------------------------------------------------------------------------------------------

async def test_bulk_urge_urges_overdue_cases_through_their_workflows_and_says_why_not(timed, users_timed):
    s, env = timed
    late = (await s.submit())["case_id"]
    await s.accept(late)
    closed = (await s.submit(mine_name="中宁县鸣沙镇建筑用白云岩矿", username="zn_ent2"))["case_id"]
    await s.ok(await s.post("zn_ent2", f"/cases/{closed}/withdraw", {"reason": "暂不复工"}))
    foreign = (await s.submit(mine_name="沙坡头区兴仁镇石膏矿", username="spt_ent2"))["case_id"]

    await env.sleep(timedelta(days=20))  # the sign-offs have 10 working days
    await s.eventually(lambda: _overdue(s.db, late))

    web = await users_timed("zn_nr")
    page = (await web.http.get("/console/cases?overdue=1")).text
    assert f'name="case_ids" value="{late}"' in page and 'id="bulk-urge"' in page
    r = await web.post_form("/console/cases?overdue=1", "/console/reminders", {
        "case_ids": [late, closed, foreign, "KFG-20260101-NOSUCH"], "message": "已逾期，请尽快签署",
        "back": "/console/cases?overdue=1"})
    assert r.status_code == 200
    assert 'data-urged="1"' in r.text and 'data-refused="3"' in r.text
    refused = dict(re.findall(r'<li data-case="([^"]+)" data-code="([A-Z_]+)">', r.text))
    assert refused == {closed: "CASE_CLOSED", foreign: "OUT_OF_JURISDICTION",
                       "KFG-20260101-NOSUCH": "CASE_NOT_FOUND"}
    assert "该事项不在您的管辖范围内" in r.text and "中宁县公安局" in r.text

    case = await s.case(late)
    [urged] = [e for e in case["timeline"] if e["action"] == "urged"]
    assert urged["actor"] == "zn_nr" and urged["data"]["message"] == "已逾期，请尽快签署"
    assert "public_security" in urged["data"]["parties"]

    # those urged find it among their notifications
    police = await users_timed("zn_police")
    page = (await police.http.get("/console/notifications")).text
    assert "已逾期，请尽快签署" in page and (unread_badge(page) or 0) >= 1

    # a role that may not urge is offered nothing and refused
    ent = await users_timed("zn_ent1")
    assert 'id="bulk-urge"' not in (await ent.http.get("/console/cases")).text
    r = await ent.post_form("/console/cases", "/console/reminders", {"case_ids": late, "message": "x"})
    assert r.status_code == 403


async def _overdue(db: Database, case_id: str) -> bool:
    async with db.session() as session:
        found = (await session.exec(select(func.count()).select_from(CaseRecord).where(
            CaseRecord.case_id == case_id, col(CaseRecord.overdue).is_(True)))).one()
    return bool(found)


@pytest.fixture
async def users_timed(timed) -> AsyncIterator[Users]:
    found = Users(timed[0].app)
    yield found
    await found.close()
