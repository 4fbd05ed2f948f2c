"""The pages that read only the projection, in Chromium, over a city's worth of cases: the dashboard, the list's
htmx filters and pagination, and an inbox with overdue items. Screenshots go to test-artifacts/."""

import re

import pytest

from tests.console.synthetic import fill_projection

# Without playwright the module skips (conftest names the reason when Chromium is missing).
expect = pytest.importorskip("playwright.async_api", reason="!!! BROWSER TESTS SKIPPED: no playwright").expect

pytestmark = pytest.mark.sqlite_only  # UI, not the database (the HTTP tests cover both databases)


async def test_dashboard_list_and_overdue_inbox_over_many_cases(browsing_projection, stack):
    b = browsing_projection
    totals = await fill_projection(stack.db, 2400, seed=11)

    city = await b.login("city_nr")
    await city.get_by_role("link", name="统计看板").click()
    await expect(city.locator("#kpi-open")).to_have_text(str(totals["open"]))
    await expect(city.locator("#open-by-stage tbody tr")).to_have_count(3)
    await expect(city.locator("#overdue-holders tbody tr").first).to_have_class("late")
    await expect(city.locator("svg.chart rect.bar")).to_have_count(24)  # 12 months × (submitted, completed)
    await b.screenshot(city, "console-dashboard")
    await city.get_by_role("link", name="采矿权出让").click()
    await expect(city.locator("#open-by-stage thead th")).to_contain_text(["县（区）", "产能校验"])
    await expect(city.locator("#kpi-open")).to_have_text("0")  # the synthetic cases are all reopenings
    await b.screenshot(city, "console-dashboard-grant")

    # the list: filters apply as they change (htmx swaps the results and keeps the URL shareable)
    await city.get_by_role("link", name="案件", exact=True).click()  # (the KPIs link to cases too)
    await expect(city.locator("#results")).to_contain_text("共 2400 件")
    await city.get_by_label("县（区）").select_option("640521")
    await expect(city.locator("#results > p")).not_to_contain_text("共 2400 件")
    await expect(city).to_have_url(re.compile(r"county=640521"))
    counties = await city.locator("table.cases tbody td:nth-child(4)").all_inner_texts()
    assert counties and set(counties) == {"中宁县"}
    await city.get_by_label("只看逾期").check()
    await expect(city).to_have_url(re.compile(r"overdue=1"))
    await expect(city.locator("table.cases tbody tr").first).to_have_class("overdue")
    await city.get_by_label("只看逾期").uncheck()
    await city.get_by_label("搜索").fill("白云岩")
    await expect(city).to_have_url(re.compile(r"q=%E7%99%BD"))
    mines = await city.locator("table.cases tbody td:nth-child(2)").all_inner_texts()
    assert mines and all("白云岩" in m for m in mines)
    pages = city.locator(".pager span")
    await expect(pages).to_contain_text("第 1 /")
    await city.get_by_role("link", name="下一页").click()
    await expect(pages).to_contain_text("第 2 /")
    await b.screenshot(city, "console-case-list")
    # choosing a procedure swaps in its own stages
    await expect(city.locator("#stage-filter")).to_contain_text("联合验收")
    await city.get_by_label("流程").select_option("transfer")
    await expect(city.locator("#stage-filter")).to_contain_text("变更登记")
    await expect(city.locator("#stage-filter")).not_to_contain_text("联合验收")
    await expect(city).to_have_url(re.compile(r"kind=transfer"))

    # a department's inbox: overdue first, in red, with days overdue
    police = await b.login("zn_police")
    first = police.locator("table.inbox tbody tr").first
    await expect(first).to_have_class("overdue")
    await expect(first.locator(".badge.fail")).to_contain_text(re.compile(r"逾期 \d+ 天"))
    await expect(police.locator(".heading")).to_contain_text("其中逾期")
    await b.screenshot(police, "console-inbox-overdue")
