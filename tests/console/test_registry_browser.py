"""The registry, 四个一批 and OA menus in Chromium: a right registered and corrected through its generated forms
(its outline drawn, its history growing), a classification run and closures started from it, and the OA menus
— 已办 / 抄送我的 / 我发起的, notifications, account, the Excel export and a dashboard number's cases."""

import io
import re

import pytest
from openpyxl import load_workbook

from tests.console.conftest import case_id_of
from tests.console.synthetic import fill_projection
from tests.support.stack import EXPIRED_MINE

expect = pytest.importorskip("playwright.async_api", reason="!!! BROWSER TESTS SKIPPED: no playwright").expect

pytestmark = [pytest.mark.sqlite_only]  # UI, not the database: once is enough

CORNERS = ["4210000,36502000", "4210600,36502000", "4210600,36502400", "4210300,36502700", "4210000,36502400"]


async def test_register_a_right_see_its_outline_then_correct_it(browsing_projection, stack):
    b = browsing_projection
    nr = await b.login("zn_nr")
    await nr.get_by_role("link", name="登记簿").click()
    await expect(nr.locator("h1")).to_have_text("登记簿")
    await nr.locator("nav.tabs").get_by_role("link", name="矿业权").click()
    await expect(nr.locator("#rights tbody tr")).to_have_count(4)
    await nr.get_by_role("link", name="登记矿业权").click()
    await expect(nr.locator("h1")).to_have_text("矿业权登记")

    holder = await stack.mine("中宁县鸣沙镇建筑用白云岩矿")
    await nr.get_by_label("许可证号").fill("C6405212026127130008888")
    await nr.get_by_label("矿山（勘查项目）名称").fill("中宁县测试石料矿")
    await nr.get_by_label("矿业权人").select_option(str(holder.enterprise_id))
    await nr.locator('input[name="mineral"]').fill("建筑石料用灰岩")
    await nr.locator('input[name="scale"][value="small"]').check()
    await nr.get_by_label("生产规模（万吨/年）").fill("10")
    await nr.get_by_label("有效期起").fill("2026-01-01")
    await nr.get_by_label("有效期止").fill("2031-12-31")
    await nr.get_by_label("矿区范围拐点坐标").fill("\n".join(CORNERS))
    await nr.get_by_role("button", name="登记", exact=True).click()

    await expect(nr.locator(".alert.success")).to_have_text("矿业权已登记。")
    await expect(nr.locator("#outline")).to_have_attribute("data-vertices", "5")
    await expect(nr.locator("#outline circle.corner")).to_have_count(5)
    await expect(nr.locator("#right-area")).to_contain_text("36 带")
    await expect(nr.locator('#history tr[data-change="created"]')).to_contain_text("中宁县自然资源局矿管股")

    await nr.get_by_role("link", name="更正登记事项").click()
    await expect(nr.get_by_label("生产规模（万吨/年）")).to_have_value("10")  # the registry as it stands
    await nr.get_by_label("生产规模（万吨/年）").fill("30")
    await nr.locator('input[name="scale"][value="medium"]').check()
    await nr.get_by_label("更正理由").fill("储量核实报告备案后调整规模")
    await nr.get_by_role("button", name="更正", exact=True).click()
    await expect(nr.locator(".alert.success")).to_have_text("登记事项已更正，变更记入历史。")
    scale = nr.locator('#history tr[data-change="scale"]')
    await expect(scale).to_contain_text("生产规模（万吨/年）：10 → 30")
    await expect(scale).to_contain_text("生产规模类型：小型 → 中型")
    await expect(nr.locator("#history tbody tr")).to_have_count(2)  # the range was not changed: no row for it
    await expect(nr.locator("#scale")).to_have_text("中型 · 30 万吨/年")
    # shots last: Playwright's screenshot styles the page, and htmx's next swap would carry them over (CSP)
    await b.screenshot(nr, "console-right", full_page=True)


async def test_run_a_classification_and_start_closures_from_it(browsing_projection):
    b = browsing_projection
    nr = await b.login("zn_nr")
    await nr.goto("/console/registry/mines")
    await nr.locator("nav.tabs").get_by_role("link", name="四个一批").click()
    await nr.get_by_role("button", name="运行分类").click()
    await expect(nr.locator("h1")).to_have_text("四个一批分类 · 中宁县")
    await expect(nr.locator("#run-mines tbody tr")).to_have_count(4)
    await nr.locator("#run-categories").get_by_role("link", name=re.compile("引导退出")).click()
    await expect(nr.locator("#run-mines tbody tr")).to_have_count(1)
    row = nr.locator("#run-mines tbody tr")
    await expect(row).to_contain_text(EXPIRED_MINE)
    await expect(row).to_contain_text("《平顺县非煤矿产资源整治提升方案》03（一）")

    start = nr.locator("#action-start-guided_exit")
    await start.get_by_label("关闭方案批复文号").fill("中宁政函〔2026〕9号")
    await start.get_by_role("button", name="对 1 座矿山启动关闭取缔").click()
    result = nr.locator("#batch-result")
    await expect(result).to_have_attribute("data-started", "1")
    await expect(result).to_contain_text(EXPIRED_MINE)
    await result.locator("a.mono").click()
    await expect(nr.locator("h1")).to_contain_text(EXPIRED_MINE)
    assert case_id_of(nr.url).startswith("GBQD-")
    await nr.go_back()
    await expect(nr.locator("h1")).to_have_text("四个一批分类 · 中宁县")  # the run's page, not the POST's address
    await b.screenshot(nr, "console-classification", full_page=True)


async def test_oa_menus_lists_notifications_account_export_and_drill_down(browsing_projection, stack):
    b = browsing_projection
    case_id = (await stack.submit())["case_id"]
    await fill_projection(stack.db, 300, seed=9)
    ent = await b.login("zn_ent1")
    await ent.locator("nav.oa-tabs").get_by_role("link", name="我发起的").click()
    await expect(ent.locator("h1")).to_have_text("我发起的")
    await expect(ent.locator(f'#worklist tr[data-case="{case_id}"]')).to_be_visible()
    await ent.locator("nav.oa-tabs").get_by_role("link", name="抄送我的").click()
    await expect(ent.locator("h1")).to_have_text("抄送我的")
    await ent.locator(".who .user").click()
    await expect(ent.locator("h1")).to_have_text("个人设置")
    await expect(ent.locator("#password")).to_contain_text("修改密码")
    await ent.locator("nav.menu").get_by_role("link", name="通知").click()
    await expect(ent.locator("h1")).to_have_text("通知")

    city = await b.login("city_nr")
    await city.get_by_role("link", name="案件", exact=True).click()
    await city.locator('select[name="county"]').select_option("640521")
    await expect(city.locator("#export")).to_have_attribute("href", re.compile("county=640521"))
    total = int(re.search(r"共 (\d+) 件", await city.locator("#results p.muted").first.inner_text()).group(1))
    async with city.expect_download() as download:
        await city.locator("#export").click()
    file = await (await download.value).path()
    rows = list(load_workbook(io.BytesIO(file.read_bytes()))["案件"].iter_rows(values_only=True))
    assert len(rows) - 1 == total and {r[5] for r in rows[1:]} == {"中宁县"}

    await city.get_by_role("link", name="统计看板").click()
    shown = await city.locator("#kpi-overdue").inner_text()
    await city.locator("a.kpi", has=city.locator("#kpi-overdue")).click()
    await expect(city.locator("h1")).to_have_text("开复工 · 逾期案件")
    await expect(city.locator("#figure-total")).to_have_text(shown)
