"""Errors and sessions in Chromium: an unknown console address and a wrong method are pages in the console's style
with a way back (never the API's JSON); a form's address opened again leads to its case; a session that runs out
while a form is being filled keeps what was typed, and a warning comes before it runs out."""

import pytest

from api.deps import SESSION_COOKIE
from api.security import create_token
from models.demo import DEMO_PASSWORD

expect = pytest.importorskip("playwright.async_api", reason="!!! BROWSER TESTS SKIPPED: no playwright").expect

pytestmark = [pytest.mark.sqlite_only]  # UI, not the database: once is enough


async def test_unknown_addresses_and_wrong_methods_are_console_pages(browsing_projection, stack):
    b = browsing_projection
    case_id = (await stack.submit())["case_id"]
    page = await b.login("zn_ent1")
    for path in ("/console/no-such-page", "/console/registry/nothing/here"):
        answer = await page.goto(path)
        assert answer.status == 404 and "text/html" in answer.headers["content-type"]
        await expect(page.locator("h1")).to_have_text("无法完成请求")
        await expect(page.locator(".alert.error")).to_have_attribute("data-code", "NOT_FOUND")
        await page.get_by_role("link", name="返回待办").click()
        await expect(page.locator("h1")).to_have_text("待办")
    # Chromium logs the 404 documents it was sent to on purpose; nothing else may be logged
    b.errors[:] = [e for e in b.errors if "status of 404" not in e]

    # a form's own address, opened again (Back, refresh, a bookmark): the case it belongs to
    await page.goto(f"/console/cases/{case_id}/actions/withdraw")
    await expect(page).to_have_url(f"{b.base_url}/console/cases/{case_id}")
    await expect(page.locator("#case-stage")).to_have_text("受理")
    # any other wrong method: a console page, not JSON
    answer = await page.request.delete(f"{b.base_url}/console/cases")
    assert answer.status == 405 and "text/html" in answer.headers["content-type"]
    assert "请返回上一页重新办理" in await answer.text()
    # the API keeps its JSON
    answer = await page.request.get(f"{b.base_url}/api/v1/no-such-thing")
    assert answer.status == 404 and (await answer.json())["error"]["code"] == "NOT_FOUND"


async def test_an_expired_session_keeps_what_was_typed(browsing_projection, stack):
    b = browsing_projection
    page = await b.login("zn_ent1")
    await page.goto("/console/reopenings/new")
    await page.get_by_label("申请理由").fill("停产整顿完成，申请复工（过期前填写）")

    # the session runs out while the form is open: the token in the cookie is past its time
    expired = create_token("zn_ent1", "enterprise", stack.settings.model_copy(update={"jwt_ttl_minutes": -1}))
    await page.context.add_cookies([{"name": SESSION_COOKIE, "value": expired, "url": b.base_url}])
    await page.get_by_role("button", name="申请开复工").click()
    await expect(page.locator("h1")).to_have_text("登录")
    await expect(page.locator(".alert.info")).to_have_text("登录已过期，请重新登录")

    await page.get_by_label("用户名").fill("zn_ent1")
    await page.get_by_label("密码").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page).to_have_url(f"{b.base_url}/console/reopenings/new")  # back to the form
    await expect(page.get_by_label("申请理由")).to_have_value("停产整顿完成，申请复工（过期前填写）")
    await expect(page.locator(".draft-restored")).to_contain_text("已恢复您上次在此填写但未提交的内容")


async def test_a_warning_before_the_session_runs_out(browsing_projection, stack):
    b = browsing_projection
    page = await b.login("zn_nr")
    soon = create_token("zn_nr", "county_nr", stack.settings.model_copy(update={"jwt_ttl_minutes": 5}))
    await page.context.add_cookies([{"name": SESSION_COOKIE, "value": soon, "url": b.base_url}])
    await page.goto("/console/cases")
    await expect(page.locator("#session-warning")).to_contain_text("登录将于")
    await expect(page.locator("#session-warning")).to_contain_text("过期")
