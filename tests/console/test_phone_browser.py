"""The enterprise's pages on a phone (390 px wide): no page scrolls sideways, the menu collapses, the stage diagram
stacks. Each page is measured in Chromium: the document may not be wider than the window."""

import pytest

from tests.support.stack import OPEN_PIT_MINE

CEMENT_MINE = "中宁县余丁乡水泥用灰岩矿"  # zn_ent2

expect = pytest.importorskip("playwright.async_api", reason="!!! BROWSER TESTS SKIPPED: no playwright").expect

pytestmark = [pytest.mark.sqlite_only]  # UI, not the database: once is enough

PHONE = {"width": 390, "height": 844}


async def overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scroll)."""
    return int(await page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth"))


async def test_enterprise_pages_fit_a_phone(browsing_projection, stack):
    s = stack
    # the enterprise's cases: one asked for a correction, one to report rectification, one to report resumption
    correction = (await s.submit(CEMENT_MINE, "zn_ent2"))["case_id"]
    await s.ok(await s.post("zn_nr", f"/cases/{correction}/intake",
                            {"decision": "request_correction", "missing": ["safety_assessment"]}))
    rectify = (await s.submit(OPEN_PIT_MINE, "zn_ent2"))["case_id"]
    await s.accept(rectify)
    await s.sign_all(rectify, township="zn_mingsha", fail=("zn_police",))
    resume = await s.to_committee()
    await s.ok(await s.decide(resume))
    await s.approve(resume)

    b = browsing_projection
    pages = {"zn_ent1": [("待办", "/console/"), ("我的矿山", "/console/mines"),
                         ("申请开复工", "/console/reopenings/new"), ("我的申请", "/console/cases"),
                         ("矿业权", "/console/registry/rights"),
                         ("报告复工", f"/console/cases/{resume}")],
             "zn_ent2": [("补正", f"/console/cases/{correction}"), ("报告整改", f"/console/cases/{rectify}")]}
    wide = []
    for username, listed in pages.items():
        page = await b.login(username)
        await page.set_viewport_size(PHONE)
        for name, path in listed:
            await page.goto(path)
            await expect(page.locator("h1")).to_be_visible()
            if (extra := await overflow(page)) > 0:
                wide.append(f"{name} ({path}): {extra} px too wide")
                await b.screenshot(page, f"phone-{name}", full_page=True)
        # the menu collapses behind a button; the stage diagram runs down the page
        await page.goto(listed[-1][1])
        menu = page.locator("nav.menu")
        await expect(menu).to_be_hidden()
        await page.get_by_role("button", name="菜单").click()
        await expect(menu).to_be_visible()
        steps = page.locator("ol.flow-list li")
        first, last = await steps.first.bounding_box(), await steps.last.bounding_box()
        assert last["y"] > first["y"], "the stages stack downwards"
    assert not wide, "\n".join(wide)
