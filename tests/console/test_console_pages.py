"""The console over HTTP (no browser): sessions and CSRF, security headers, role-aware pages, refusals shown in
Chinese, the inbox's overdue marks, and the list and dashboard at thousands of cases. Runs on both databases."""

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import col, select

from domain.calendar import local_date
from models.audit import AuditEntry
from models.db import utcnow
from models.demo import DEMO_PASSWORD
from models.projection import CaseRecord, CaseTask
from tests.console.synthetic import fill_projection
from tests.support.sql import count_statements
from tests.support.stack import Stack, make_http
from tests.support.web import Browser


@pytest.fixture
async def web(stack: Stack) -> AsyncIterator[Browser]:
    async with make_http(stack.app) as http:
        yield Browser(http)


async def test_login_sets_a_protected_session_and_logout_ends_it(web: Browser, stack: Stack):
    r = await web.http.get("/console/cases?stage=intake")
    assert r.status_code == 303 and r.headers["location"] == "/console/login?next=%2Fconsole%2Fcases%3Fstage%3Dintake"

    r = await web.login("zn_nr", "wrong-password")
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    r = await web.http.post("/console/login", data={"username": "zn_nr", "password": DEMO_PASSWORD})
    assert r.status_code == 403 and "登录页面已过期" in r.text  # no login CSRF token: refused

    r = await web.login("zn_nr", next_url="/console/cases?stage=intake")
    assert r.status_code == 303 and r.headers["location"] == "/console/cases?stage=intake"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("mineflow_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=28800" in cookie
    page = await web.http.get("/console/")
    assert page.status_code == 200 and "中宁县自然资源局" in page.text and "统计看板" in page.text

    async with stack.db.session() as session:
        logins = (await session.exec(select(AuditEntry).where(col(AuditEntry.action).in_(["login", "login_failed"]))
                                     .order_by(col(AuditEntry.id)))).all()
    assert [(e.actor, e.action, json.loads(e.data)["channel"]) for e in logins] == [
        ("zn_nr", "login_failed", "console"), ("zn_nr", "login", "console")]

    # logout needs the session's CSRF token: a forged POST changes nothing
    r = await web.http.post("/console/logout", data={"csrf_token": "forged"})
    assert r.status_code == 403 and "CSRF" in r.text
    assert (await web.http.get("/console/")).status_code == 200
    r = await web.post_form("/console/", "/console/logout", {})
    assert r.status_code == 303 and r.headers["location"] == "/console/login?reason=logout"
    assert (await web.http.get("/console/")).status_code == 303


async def test_next_never_leaves_the_console(web: Browser):
    for target in ("//evil.example/", "https://evil.example/", "/api/v1/me", "/console\\..\\x"):
        web.http.cookies.clear()
        r = await web.login("zn_nr", next_url=target)
        assert r.headers["location"] == "/console/", target


async def test_console_responses_carry_strict_security_headers(web: Browser, stack: Stack):
    root = await web.http.get("/")
    assert root.status_code == 307 and root.headers["location"] == "/console/"
    for path in ("/console/login", "/console/static/console.css", "/console/static/htmx-2.0.11.min.js"):
        r = await web.http.get(path)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert csp.startswith("default-src 'self'; script-src 'self'; style-src 'self'"), csp
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
    assert (await web.http.get("/console/login")).headers["cache-control"] == "no-store"
    # every asset a page names is served by the app itself (no CDN)
    page = (await web.http.get("/console/login")).text
    assets = re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="([^"]+)"', page)
    assert assets and all(a.startswith("/console/") for a in assets), assets
    for asset in assets:
        assert (await web.http.get(asset)).status_code == 200, asset
    # the API keeps its own answers
    assert "content-security-policy" not in (await web.http.get("/healthz")).headers


async def test_case_page_offers_exactly_the_callers_actions_and_shows_refusals(web: Browser, stack: Stack):
    case_id = (await stack.submit())["case_id"]
    url = f"/console/cases/{case_id}"

    await web.login("zn_police")
    page = (await web.http.get(url)).text
    assert 'data-action="intake"' not in page and "当前没有需要您办理的事项" in page
    assert 'class="step step-current" data-stage="intake"' in page
    # a form the page did not offer is still refused by the workflow, in Chinese
    r = await web.post_form(url, f"{url}/actions/intake", {"decision": "accept", "experts": "zn_expert1"})
    assert r.status_code == 403 and "只有县自然资源局可以受理或要求补正" in r.text
    # for htmx the refusal is a 200 page (htmx swaps only 2xx); the real status travels in a header
    r = await web.post_form(url, f"{url}/actions/intake", {"decision": "accept"}, htmx=True)
    assert r.status_code == 200 and r.headers["x-mineflow-status"] == "403" and "未能办理" in r.text

    web.http.cookies.clear()
    await web.login("zn_nr")
    page = (await web.http.get(url)).text
    assert re.findall(r'class="action[^"]*" id="action-(\w+)"', page) == ["intake", "urge", "copy"]
    r = await web.post_form(url, f"{url}/actions/intake", {"decision": "accept", "experts": "zn_expert1"})
    assert r.status_code == 422 and "专家组须由至少 3 名不同的专家组成" in r.text
    assert 'value="zn_expert1" checked' in r.text  # what was entered is kept
    r = await web.post_form(url, f"{url}/actions/intake", {"decision": "request_correction"})
    assert r.status_code == 422 and "要求补正时必须一次性列明全部需补正的材料" in r.text
    r = await web.post_form(url, f"{url}/actions/intake",
                            {"decision": "request_correction", "missing": "safety_assessment", "note": "安评过期"})
    assert r.status_code == 303 and r.headers["location"] == f"{url}?done=intake"

    web.http.cookies.clear()
    await web.login("zn_ent1")
    page = (await web.http.get(url)).text
    assert re.findall(r'class="action[^"]*" id="action-(\w+)"', page) == ["correction", "withdraw"]
    assert 'data-stage="correction" data-state="active"' in page
    r = await web.post_form(url, f"{url}/actions/correction", {"materials.safety_assessment": "安评-2026-新"})
    assert r.status_code == 303
    assert (await stack.case(case_id))["stage"] == "intake"
    page = (await web.http.get(f"{url}?done=correction")).text
    assert "已办理：提交补正材料" in page and "安评-2026-新" in page
    assert 'data-stage="correction" data-state="visited"' in page


async def test_unknown_or_foreign_cases_and_pages_answer_in_chinese(web: Browser, stack: Stack):
    case_id = (await stack.submit())["case_id"]
    await web.login("spt_nr")  # 沙坡头区: not this case's county
    r = await web.http.get(f"/console/cases/{case_id}")
    assert r.status_code == 403 and "该事项不在您的管辖范围内" in r.text
    r = await web.http.get("/console/cases/KFG-20260101-NOSUCH")
    assert r.status_code == 404 and "案件不存在" in r.text
    r = await web.http.get("/console/mines")
    assert r.status_code == 403 and "此页面仅供矿山企业使用" in r.text
    web.http.cookies.clear()
    await web.login("spt_police")
    r = await web.http.get("/console/dashboard")
    assert r.status_code == 403 and "统计看板仅供县、市主管部门使用" in r.text


async def test_enterprise_starts_a_reopening_and_sees_refusals(web: Browser, stack: Stack):
    await web.login("zn_ent1")
    mines = (await web.http.get("/console/mines")).text
    assert "中宁县石空镇双龙山石膏矿" in mines and "已过期" in mines and "宁夏鸣沙" not in mines
    mine = await stack.mine("中宁县石空镇双龙山石膏矿")
    form = f"/console/reopenings/new?mine_id={mine.id}"
    page = (await web.http.get(form)).text
    assert page.count(' name="materials.') == 8 and page.count('data-name="materials.') == 8  # a 文号 and files each
    data = {"mine_id": str(mine.id), "reason": "停产整顿完成，申请复工", "materials.mining_licence": "证-1",
            "idempotency_key": "k-1"}
    r = await web.post_form(form, "/console/reopenings", data)
    assert r.status_code == 303
    case_id = r.headers["location"].split("/")[-1].split("?")[0]
    # the same form sent twice (a double click) starts one case
    r = await web.post_form(form, "/console/reopenings", data)
    assert r.headers["location"].split("/")[-1].split("?")[0] == case_id
    r = await web.post_form(form, "/console/reopenings", {**data, "idempotency_key": "k-2"})
    assert r.status_code == 409 and "该矿山已有正在办理的开复工申请" in r.text
    r = await web.post_form(form, "/console/reopenings", {**data, "reason": "", "idempotency_key": "k-3"})
    assert r.status_code == 422 and "理由：长度不足" in r.text


async def test_inbox_lists_oldest_deadline_first_with_overdue_marked_red(web: Browser, stack: Stack):
    await fill_projection(stack.db, 1500, seed=3)
    await web.login("zn_police")
    page = (await web.http.get("/console/")).text
    rows = re.findall(r'<tr class="(overdue)?" data-case="([^"]+)">', page)
    assert rows, "the police have sign-offs waiting"
    late = [case for mark, case in rows if mark]
    assert late and rows[: len(late)] == [("overdue", c) for c in late]  # overdue first: oldest deadline first
    days = [int(d) for d in re.findall(r"逾期 (\d+) 天", page)]
    assert days == sorted(days, reverse=True) and min(days) >= 3
    assert f"其中逾期 {len(late)} 项" in page


MAX_STATEMENTS_PER_PAGE = 20  # today 6 for a list, 12 for the dashboard; a query per row shown would pass 20


async def test_list_and_dashboard_stay_fast_at_thousands_of_cases(web: Browser, stack: Stack):
    totals = await fill_projection(stack.db, 3000)
    await web.login("city_nr")
    # Speed itself is the bench's business (a shared CI machine stalls now and then); what keeps these pages fast
    # at any size is that each answers in a fixed number of queries, never one per case shown or counted.
    statements: dict[str, int] = {}
    for name, url in (("list", "/console/cases"), ("list page 40", "/console/cases?page=40"),
                      ("search", "/console/cases?q=石膏矿&status=active&county=640521"),
                      ("overdue", "/console/cases?overdue=1&stage=joint_acceptance"),
                      ("dashboard", "/console/dashboard")):
        with count_statements(stack.db) as counted:
            r = await web.http.get(url)
        statements[name] = counted.total
        assert r.status_code == 200, (url, r.text[:500])
        if name == "list":
            assert "共 3000 件" in r.text and "第 1 / 150 页" in r.text
            assert len(re.findall(r"<tr class=\"(?:overdue)?\">", r.text)) == 20
        if name == "dashboard":
            assert f'<span class="value" id="kpi-open">{totals["open"]}</span>' in r.text
    print("SQL statements per console page at 3000 cases:", statements)
    assert max(statements.values()) <= MAX_STATEMENTS_PER_PAGE, statements

    async with stack.db.session() as session:
        done_this_month = len([r for r in (await session.exec(select(CaseRecord).where(
            CaseRecord.status == "completed", col(CaseRecord.division_code) == "640521"))).all()
            if local_date(r.closed_at) >= local_date(utcnow()).replace(day=1)])
    # a county official sees its own county only
    web.http.cookies.clear()
    await web.login("zn_nr")
    page = (await web.http.get("/console/dashboard")).text
    assert f'<span class="value" id="kpi-open">{totals["zn_open"]}</span>' in page
    assert f'<span class="value" id="kpi-completed">{done_this_month}</span>' in page
    assert re.findall(r'data-county="(\d+)"', page) == ["640521"]
    listed = (await web.http.get("/console/cases")).text
    assert set(re.findall(r"<td>(沙坡头区|中宁县|海原县)</td>", listed)) <= {"中宁县"}


async def _add_cases(stack: Stack, kind: str, prefix: str, rows: list[tuple[str, str, str, bool]]) -> None:
    """Projection rows of one procedure: (division, stage, status, overdue); an overdue open case has a late task."""
    mine = await stack.mine("中宁县石空镇双龙山石膏矿")
    now = utcnow()
    async with stack.db.write() as session:
        for i, (division, stage, status, overdue) in enumerate(rows):
            case_id = f"{prefix}-20261101-T{i:04d}"
            session.add(CaseRecord(
                case_id=case_id, kind=kind, title=f"{mine.name} {kind}", mine_id=mine.id or 0, mine_name=mine.name,
                licence_no=mine.licence_no, enterprise_id=mine.enterprise_id, enterprise_name="宁夏测试企业",
                division_code=division, city_code="640500", stage=stage, status=status, overdue=overdue,
                round_no=1, summary="", version=1, submitted_at=now - timedelta(days=3), updated_at=now,
                closed_at=None if status == "active" else now))
            if overdue:
                await session.flush()
                session.add(CaseTask(case_id=case_id, task="decision", party="county_nr", name=f"{kind}审批科",
                                     role="county_nr", division_code=division, due_at=now - timedelta(days=2),
                                     overdue=True))


async def test_dashboard_and_list_show_one_procedure_with_its_own_stages(web: Browser, stack: Stack):
    await _add_cases(stack, "reopening", "KFG", [("640521", "joint_acceptance", "active", False),
                                                  ("640522", "intake", "active", True)])
    await _add_cases(stack, "transfer", "ZR", [("640521", "suspended", "active", True),
                                               ("640521", "registration", "active", False),
                                               ("640502", "review", "active", False),
                                               ("640521", "refused", "rejected", False)])
    await _add_cases(stack, "campaign", "ZLZD", [("640500", "rectifying", "active", False)])
    await web.login("city_nr")

    def kpi(page: str, name: str) -> int:
        found = re.search(rf'id="kpi-{name}">(\d+)<', page)
        assert found, name
        return int(found.group(1))

    # the default is 开复工: the other procedures' cases are not counted in its figures
    page = (await web.http.get("/console/dashboard")).text
    assert "中卫市 · 开复工" in page
    assert (kpi(page, "open"), kpi(page, "overdue")) == (2, 1)
    assert "联合验收" in page and "期限中止" not in page
    assert "transfer审批科" not in page and "reopening审批科" in page

    page = (await web.http.get("/console/dashboard?kind=transfer")).text
    assert '<a href="/console/dashboard?kind=transfer" aria-current="page">采矿权转让</a>' in page
    assert (kpi(page, "open"), kpi(page, "overdue")) == (3, 1)
    headings = re.findall(r"<th>([^<]+)</th>", page.split('id="open-by-stage"')[1].split("</thead>")[0])
    assert headings == ["县（区）", "共同申请", "受理审查", "补正", "三重一大", "市政府会议", "审批决定", "变更登记",
                        "市局备案", "期限中止", "合计"]
    zn = re.search(r'<tr data-county="640521">(.*?)</tr>', page, re.S)
    assert zn and re.findall(r"<td[^>]*>(?:<strong>)?(?:<a [^>]*>)?(\d+)", zn.group(1))[-1] == "2"
    assert "transfer审批科" in page and "reopening审批科" not in page

    # a city's own campaign is counted under the city, as a row of its own
    page = (await web.http.get("/console/dashboard?kind=campaign")).text
    assert kpi(page, "open") == 1 and 'data-county="640500"' in page

    # an unknown procedure falls back to 开复工 rather than failing
    page = (await web.http.get("/console/dashboard?kind=nonsense")).text
    assert kpi(page, "open") == 2

    # the list offers the chosen procedure's stages, and drops a stage that procedure does not have
    listed = (await web.http.get("/console/cases?kind=transfer")).text
    stage_filter = listed.split('id="stage-filter"')[1].split("</label>")[0]
    assert "变更登记" in stage_filter and "联合验收" not in stage_filter
    assert "共 4 件" in listed
    listed = (await web.http.get("/console/cases?kind=transfer&stage=suspended")).text
    assert "共 1 件" in listed
    listed = (await web.http.get("/console/cases?kind=transfer&stage=joint_acceptance")).text
    assert "共 4 件" in listed
    listed = (await web.http.get("/console/cases?stage=joint_acceptance")).text
    assert "共 1 件" in listed and "联合验收" in listed.split('id="stage-filter"')[1]
