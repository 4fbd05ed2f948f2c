"""One reopening carried through every role in Chromium, from the enterprise's submission to the city's filing,
asserting what each page shows; screenshots of the inbox, the case page and the dashboard go to test-artifacts/."""

import pytest

from tests.console.conftest import case_id_of
from tests.support.stack import EXPIRED_MINE, SHIKONG_MINE, ZN_DEPARTMENTS, ZN_EXPERTS, china_today

# Without playwright the module skips (conftest names the reason when Chromium is missing).
expect = pytest.importorskip("playwright.async_api", reason="!!! BROWSER TESTS SKIPPED: no playwright").expect

pytestmark = [pytest.mark.devserver, pytest.mark.sqlite_only]  # UI, not the database: once is enough


async def test_reopening_through_every_role_in_the_browser(browsing, dev_stack):
    b, year = browsing, china_today().year

    # ---- the enterprise: my mines, a refused application (lapsed licence), then the real one -----------------
    ent = await b.login("zn_ent1")
    await expect(ent.locator("h1")).to_have_text("待办")
    await expect(ent.locator(".empty")).to_contain_text("没有等待您办理的事项")
    await ent.get_by_role("link", name="我的矿山").click()
    await expect(ent.locator("table.mines")).to_contain_text(SHIKONG_MINE)
    await expect(ent.locator("table.mines")).to_contain_text("已过期")

    expired = await dev_stack.mine(EXPIRED_MINE)
    await ent.goto(f"/console/reopenings/new?mine_id={expired.id}")
    await ent.get_by_label("申请理由").fill("停产整顿完成，申请复工")
    await ent.get_by_role("button", name="申请开复工").click()
    await expect(ent.locator("#refusal")).to_contain_text("已于 2025-12-31 到期，不能申请开复工")
    await expect(ent.locator("#refusal")).to_have_attribute("data-code", "LICENCE_EXPIRED")

    mine = await dev_stack.mine(SHIKONG_MINE)
    await ent.locator('select[name="mine_id"]').select_option(str(mine.id))  # htmx reloads the materials
    # wait for the new mine's list: the expired mine's has as many rows, and filling those would be lost in the swap
    await expect(ent.locator("#field-materials")).to_have_attribute("data-mine_id", str(mine.id))
    inputs = ent.locator("#field-materials input:not([type=file]):not([type=hidden])")
    await expect(inputs).to_have_count(8)  # underground: no 林地草原 paperwork
    await expect(ent.locator("#field-materials")).to_contain_text("安全设施设计")
    for i in range(8):
        await inputs.nth(i).fill(f"档案-2026-{i + 1:03d}")
    await ent.get_by_role("button", name="申请开复工").click()
    await expect(ent.locator("#flash")).to_have_text("已办理：申请开复工")
    case_id = case_id_of(ent.url)
    await expect(ent.locator("#case-stage")).to_have_text("受理")
    await expect(ent.locator('g.step[data-stage="intake"]')).to_have_attribute("data-state", "current")
    await expect(ent.locator("#actions .action")).to_have_count(1)  # the enterprise may only withdraw now
    await expect(ent.locator("#action-withdraw")).to_be_visible()

    # ---- county NR: the inbox, then 受理 naming the expert panel ---------------------------------------------
    nr = await b.login("zn_nr")
    row = nr.locator(f'tr[data-case="{case_id}"]')
    await expect(row).to_contain_text("受理审查")
    await expect(row).to_contain_text(SHIKONG_MINE)
    await expect(row).to_contain_text("个工作日")
    await b.screenshot(nr, "console-inbox")
    await row.get_by_role("link").click()
    await expect(nr.locator("#actions .action")).to_have_count(3)  # 受理, and the bureau's 催办 and 抄送
    intake = nr.locator("#action-intake")
    for expert in ZN_EXPERTS:
        await intake.locator(f'input[name="experts"][value="{expert}"]').check()
    await intake.get_by_role("button", name="受理或要求补正").click()
    await expect(nr.locator("#flash")).to_have_text("已办理：受理或要求补正")
    await expect(nr.locator("#case-stage")).to_have_text("联合验收")
    await expect(nr.locator("#acceptance tbody tr")).to_have_count(8)
    await expect(nr.locator("#acceptance .badge.pending")).to_have_count(9)  # 8 parties + the round's header
    # NR waits on the parties, and may move the round (加签、减签、转办、退回) or urge a party
    await expect(nr.locator("#action-sign_off")).to_have_count(0)
    await expect(nr.locator("#action-add_party")).to_be_visible()
    urge = nr.locator("#action-urge")
    await urge.get_by_label("中宁县石空镇人民政府").check()
    await urge.get_by_label("催办内容").fill("请于本周内签署")
    await urge.get_by_role("button", name="催办").click()
    await expect(nr.locator("#flash")).to_have_text("已办理：催办")

    # ---- the police: a refused sign-off (fail without reasons) shows its Chinese message, then a pass ----------
    police = await b.login("zn_police")
    await expect(police.locator(f'tr[data-case="{case_id}"]')).to_contain_text("签署联合验收意见")
    await police.goto(f"/console/cases/{case_id}")
    form = police.locator("#action-sign_off")
    await form.get_by_label("不通过").check()
    await form.get_by_role("button", name="签署").click()
    refusal = police.locator("#action-sign_off .alert.error")
    await expect(refusal).to_have_text("不通过时必须写明意见或问题清单")
    await expect(refusal).to_have_attribute("data-code", "VALIDATION_FAILED")
    await form.get_by_label("通过", exact=True).check()
    await form.get_by_label("验收意见").fill("火工品管理符合要求")
    await form.get_by_role("button", name="签署").click()
    await expect(police.locator("#flash")).to_have_text("已办理：签署会签意见")
    await expect(police.locator('#acceptance tr[data-party="public_security"]')).to_contain_text("火工品管理符合要求")
    await expect(police.locator("#actions")).to_contain_text("当前没有需要您办理的事项")

    # ---- the other departments, the township and the experts ---------------------------------------------------
    township = await b.login("zn_shikong")  # the urge is in the township's inbox
    await expect(township.locator(f'tr[data-case="{case_id}"] .urge')).to_have_text("催办：请于本周内签署")
    others = [u for u in (*ZN_DEPARTMENTS, "zn_shikong", *ZN_EXPERTS) if u != "zn_police"]
    for n, username in enumerate(others):
        page = await b.login(username)
        await page.goto(f"/console/cases/{case_id}")
        form = page.locator("#action-sign_off")
        if n == 3:  # half the parties have signed: the case page as the next party sees it, form and all
            await expect(page.locator("#acceptance .badge.pass")).to_have_count(4)
            await b.screenshot(page, "console-case", full_page=True)
        await form.get_by_label("验收意见").fill("符合验收标准")
        await form.get_by_role("button", name="签署").click()
        await expect(page.locator("#flash")).to_have_text("已办理：签署会签意见")
    await nr.goto(f"/console/cases/{case_id}")
    await expect(nr.locator("#case-stage")).to_have_text("三重一大集体研究")
    await expect(nr.locator("#acceptance thead")).to_contain_text("通过")
    await expect(nr.locator("#deadlines")).to_contain_text("剩余 20 个工作日")  # the statutory clock runs again

    # ---- the committee secretary: no quorum is refused, a quorate meeting approves ----------------------------
    committee = await b.login("zn_committee")
    await committee.goto(f"/console/cases/{case_id}")
    form = committee.locator("#action-committee_decision")
    await form.get_by_label("会议编号").fill("中宁县政府常务会议〔2026〕12次")
    await form.get_by_label("出席成员").fill("甲、乙、丙")
    await form.get_by_label("应到会人数").fill("7")
    await form.get_by_label("会议纪要文号").fill("中宁纪要〔2026〕12号")
    await form.get_by_role("button", name="录入三重一大会议决定").click()
    await expect(committee.locator("#action-committee_decision .alert.error")).to_have_attribute(
        "data-code", "QUORUM_NOT_MET")
    await expect(committee.locator("#refusal")).to_contain_text("未能办理")
    form = committee.locator("#action-committee_decision")
    await expect(form.get_by_label("会议编号")).to_have_value("中宁县政府常务会议〔2026〕12次")  # input kept
    await form.get_by_label("出席成员").fill("甲、乙、丙、丁、戊")
    await form.get_by_role("button", name="录入三重一大会议决定").click()
    await expect(committee.locator("#case-stage")).to_have_text("批复")

    # ---- county NR issues the 批复; the document number is the server's ----------------------------------------
    await nr.goto(f"/console/cases/{case_id}")
    await nr.locator("#action-approval").get_by_role("button", name="下发开复工批复").click()
    await expect(nr.locator("#document-no")).to_have_text(f"中宁自然资复〔{year}〕1号")
    await expect(nr.locator("#case-stage")).to_have_text("复工")

    # ---- the enterprise reports resumption ---------------------------------------------------------------------
    await ent.goto("/console/")
    await ent.locator(f'tr[data-case="{case_id}"]').get_by_role("link").click()
    await ent.locator("#action-resumption").get_by_role("button", name="报告复工").click()
    await expect(ent.locator("#case-stage")).to_have_text("市局备案")

    # ---- the city: the dashboard covers every county; filing completes the case -----------------------------
    city = await b.login("city_nr")
    await city.get_by_role("link", name="统计看板").click()
    await expect(city.locator("#kpi-open")).to_have_text("1")
    await expect(city.locator("#open-by-stage tbody tr")).to_have_count(3)  # 沙坡头区, 中宁县, 海原县
    await expect(city.locator('#open-by-stage tr[data-county="640521"]')).to_contain_text("中宁县")
    await b.screenshot(city, "console-dashboard-walkthrough")
    await city.get_by_role("link", name="待办").click()
    await city.locator(f'tr[data-case="{case_id}"]').get_by_role("link").click()
    await city.locator("#action-city_filing").get_by_role("button", name="确认备案").click()
    await expect(city.locator("#case-status")).to_have_text("已办结")
    await expect(city.locator("g.step")).to_have_count(7)
    await expect(city.locator('g.step[data-state="done"]')).to_have_count(7)
    await expect(city.locator("#timeline li").first).to_contain_text("市自然资源局确认备案")
    await expect(city.locator("#actions")).to_contain_text("当前没有需要您办理的事项")

    # the list (projection) agrees, filtered by status, as does the dashboard
    await city.goto("/console/cases?status=completed")
    await expect(city.locator("table.cases tbody tr")).to_have_count(1)
    await expect(city.locator("table.cases")).to_contain_text(case_id)
    await city.goto("/console/dashboard")
    await expect(city.locator("#kpi-completed")).to_have_text("1")
    await expect(city.locator("#kpi-open")).to_have_text("0")

    # log out: the session is gone
    await city.get_by_role("button", name="退出").click()
    await expect(city.locator(".alert.info")).to_have_text("已退出登录")
    await city.goto("/console/")
    await expect(city.locator("h1")).to_have_text("登录")
