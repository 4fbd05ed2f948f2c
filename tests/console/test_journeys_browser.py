"""Every procedure carried through the console only, in Chromium, as each role it names: a transfer (the holder
starts it from its right's page), a grant (the county bureau proposes the block; its 招拍挂 periods run on a
time-skipping server), a rectification with two items (each 销号 by whom must close it) and a closure. Each page
shows only the forms the person may use; the API is never called by the test except to read the registry."""

import re
from datetime import timedelta

import pytest

from tests.campaign.support import open_campaign
from tests.console.conftest import case_id_of
from tests.rights.support import MINGSHA, enterprise_id, ledger_room, right_of_mine, skip_past, wait_stage
from tests.support.stack import SHIKONG_MINE

expect = pytest.importorskip("playwright.async_api", reason="!!! BROWSER TESTS SKIPPED: no playwright").expect

pytestmark = [pytest.mark.sqlite_only]  # UI, not the database: once is enough


async def act(page, action: str, button: str | None = None, **fields: str) -> None:
    """Fill an action's form (fields by name), submit it, and see it done."""
    form = page.locator(f"#action-{action}")
    await expect(form).to_be_visible()
    for label, value in fields.items():
        await form.locator(f'[name="{label}"]').fill(value)
    await form.locator('button[type="submit"]').last.click() if button is None else \
        await form.get_by_role("button", name=button).click()
    await expect(page.locator("#flash")).to_contain_text("已办理")


async def open_case(page, case_id: str) -> None:
    await page.goto(f"/console/cases/{case_id}")
    await expect(page.locator("h1")).to_be_visible()


async def shoot(b, username: str, case_id: str, kind: str) -> None:
    """The case page as `username` sees it, into test-artifacts/console-case-<kind>.png (docs/ keeps a copy). A
    page of its own, used for nothing else: a screenshot's styles would ride along into htmx's next swap (CSP)."""
    page = await b.login(username)
    await open_case(page, case_id)
    text = await page.locator("main").inner_text()
    # what a reader sees: documents by title, counties by name, no empty values spelt out, no login names
    assert "seed 0" not in text and "§" not in text, "cite documents by their titles"
    assert not re.search(r"\b64\d{4}\b", text), "county names, not codes"
    assert not re.search(r"\bNone\b", text) and "zn_" not in text and "city_nr" not in text
    await b.screenshot(page, f"console-case-{kind}", full_page=True)


async def test_transfer_from_the_right_page_to_the_new_holder(browsing_projection, stack):
    b = browsing_projection
    right = await right_of_mine(stack, SHIKONG_MINE)  # 石膏 30 万吨/年: the city issues it

    # ---- the holder: its right's page offers the transfer; one material left out -----------------------------
    ent = await b.login("zn_ent1")
    await ent.goto(f"/console/registry/rights/{right.id}")
    await ent.locator("main").get_by_role("link", name="申请采矿权转让").click()
    await expect(ent.locator("h1")).to_have_text("申请采矿权转让")
    await expect(ent.locator('select[name="right_id"]')).to_have_value(str(right.id))
    await ent.locator('select[name="transferee_enterprise_id"]').select_option(str(await enterprise_id(stack, MINGSHA)))
    await ent.locator('[name="reason"]').fill("企业资产出售，变更采矿权主体")
    await ent.locator('[name="price_wan_yuan"]').fill("1200")
    await ent.get_by_label("已缴纳采矿权使用费、价款、矿产资源补偿费和资源税").check()
    await ent.get_by_label("受让人符合采矿权申请人条件").check()
    inputs = ent.locator("#field-materials input:not([type=file]):not([type=hidden])")
    names = [await inputs.nth(i).get_attribute("name") for i in range(await inputs.count())]
    assert "materials.contract" in names and "materials.supervisor_consent" in names
    for n, name in enumerate(names):  # no contract: the bureau will ask for it; no 主管部门同意: not state-owned
        if name not in ("materials.contract", "materials.supervisor_consent"):
            await ent.locator(f'input[name="{name}"]').fill(f"转让档案-{n + 1:03d}")
    await ent.get_by_role("button", name="申请采矿权转让").click()
    await expect(ent.locator("#flash")).to_contain_text("申请采矿权转让")
    case_id = case_id_of(ent.url)
    assert case_id.startswith("ZR-")
    await expect(ent.locator("#case-stage")).to_have_text("受让人共同申请")
    await expect(ent.locator("#transfer .conditions li")).not_to_have_count(0)
    await expect(ent.locator("#transfer")).to_contain_text("第六条")

    # ---- the transferee confirms from its 待办 -----------------------------------------------------------------
    taker = await b.login("zn_ent2")
    await taker.locator(f'tr[data-case="{case_id}"]').get_by_role("link").click()
    await act(taker, "transferee_confirm", note="同意共同申请")
    await expect(taker.locator("#case-stage")).to_have_text("受理审查")

    # ---- county NR: one-time correction notice, the holder supplies it, then accepts ---------------------------
    nr = await b.login("zn_nr")
    await nr.locator(f'tr[data-case="{case_id}"]').get_by_role("link").click()
    review = nr.locator("#action-review")
    await review.get_by_label("材料不齐，一次性告知补正").check()
    # what is required and was not submitted is ticked already
    checked = review.locator('input[name="missing"]:checked')
    await expect(checked).to_have_count(1)  # the contract; not the 主管部门同意, which this holder need not carry
    await expect(checked).to_have_value("contract")
    await act(nr, "review")
    await expect(nr.locator("#case-stage")).to_have_text("补正")

    await ent.goto("/console/")
    await ent.locator(f'tr[data-case="{case_id}"]').get_by_role("link").click()
    correction = ent.locator("#action-correction")
    await correction.locator("#field-materials input:not([type=file]):not([type=hidden])").first.fill("转让档案-补正")
    await act(ent, "correction")
    await expect(ent.locator("#case-stage")).to_have_text("受理审查")

    await open_case(nr, case_id)
    await nr.locator("#action-review").get_by_label("材料齐全，受理并提请集体研究").check()
    await act(nr, "review")
    await expect(nr.locator("#case-stage")).to_have_text("县三重一大集体研究")

    # ---- the county's meeting, then the city's meeting and decision ---------------------------------------------
    committee = await b.login("zn_committee")
    await open_case(committee, case_id)
    form = committee.locator("#action-committee_decision")
    await form.get_by_label("会议编号").fill("中宁县政府常务会议〔2026〕20次")
    await form.get_by_label("出席成员").fill("甲、乙、丙、丁、戊")
    await form.get_by_label("应到会人数").fill("7")
    await form.get_by_label("会议纪要文号").fill("中宁纪要〔2026〕20号")
    await act(committee, "committee_decision")
    await expect(committee.locator("#case-stage")).to_have_text("市政府会议研究")

    city = await b.login("city_nr")
    await city.locator(f'tr[data-case="{case_id}"]').get_by_role("link").click()
    form = city.locator("#action-city_meeting")
    await form.get_by_label("会议编号").fill("中卫市政府常务会议〔2026〕8次")
    await form.get_by_label("会议纪要文号").fill("中卫纪要〔2026〕8号")
    await act(city, "city_meeting")
    await expect(city.locator("#case-stage")).to_have_text("转让审批决定")
    await shoot(b, "city_nr", case_id, "transfer")
    await city.locator("#action-decision").get_by_label("准予转让").check()
    await act(city, "decision")
    await expect(city.locator("#document-no")).to_contain_text("中卫自然资转")
    await act(city, "registration")
    await expect(city.locator("#case-status")).to_have_text("已办结")
    await expect(city.locator("#actions")).to_contain_text("当前没有需要您办理的事项")

    # the registry agrees: the right now belongs to the transferee, in its history with the case
    await city.goto(f"/console/registry/rights/{right.id}")
    await expect(city.locator("#holder")).to_have_text(MINGSHA)
    await expect(city.locator("#history")).to_contain_text(case_id)


async def start_batch(page, code: str, kind: str, mine: str, **fields: str) -> str:
    """The county bureau's batch start (治理整顿) for one mine; the case page it leads to."""
    await page.locator("nav.menu").get_by_role("link", name="治理整顿").click()
    await page.get_by_role("link", name=f"批量启动{kind}").first.click()
    await expect(page.locator("h1")).to_have_text(f"批量启动{kind}")
    form = page.locator(f"#action-batch-{code}")
    await form.locator("label.check", has_text=mine).locator("input").check()
    for label, value in fields.items():
        await form.locator(f'[name="{label}"]').fill(value)
    await form.get_by_role("button", name=f"批量启动{kind}").click()
    result = page.locator("#batch-result")
    await expect(result).to_have_attribute("data-started", "1")
    await result.locator("a.mono").click()
    await expect(page.locator("h1")).to_contain_text(mine)
    return case_id_of(page.url)


async def test_rectification_with_two_items_each_closed_by_its_department(browsing_projection):
    b = browsing_projection
    nr = await b.login("zn_nr")
    case_id = await start_batch(nr, "rectification", "矿山整治", SHIKONG_MINE)
    assert case_id.startswith("ZZ-")
    await expect(nr.locator("#case-stage")).to_have_text("查清现状")

    # ---- the bureau files the 一矿一策 plan: two items, of two departments ---------------------------------------
    plan = nr.locator("#action-plan")
    await plan.locator('[name="responsible_person"]').fill("张建国")
    await plan.locator('[name="measures"]').fill("停产整治，逐项销号")
    rows = [("safety", "suspension", "更新安全设施设计并排查整治安全隐患", "10"),
            ("development_restoration", "restoration", "按恢复治理方案完成边坡治理", "20")]
    for i, (check, link, text, days) in enumerate(rows):
        await plan.locator(f'select[name="items.{i}.check"]').select_option(check)
        await plan.locator(f'select[name="items.{i}.link"]').select_option(link)
        await plan.locator(f'[name="items.{i}.description"]').fill(text)
        await plan.locator(f'[name="items.{i}.working_days"]').fill(days)
    await act(nr, "plan")
    await expect(nr.locator("#case-stage")).to_have_text("停产整治")
    items = nr.locator("#plan tbody tr")
    await expect(items).to_have_count(2)
    await expect(items.nth(0)).to_contain_text("中宁县应急管理局")  # who must close it, by name
    await expect(items.nth(1)).to_contain_text("中宁县自然资源局")

    # ---- item 1: emergency management closes it from its 待办; another department may not --------------------
    ecology = await b.login("zn_ecology")
    await open_case(ecology, case_id)
    await expect(ecology.locator("#action-close_item")).to_have_count(0)
    emergency = await b.login("zn_emergency")
    await emergency.locator(f'tr[data-case="{case_id}"]').get_by_role("link").click()
    await act(emergency, "close_item", evidence="安全设施设计批复〔2026〕3号\n隐患排查台账")
    await expect(emergency.locator('#plan tr[data-item="1"]')).to_contain_text("已销号")
    await shoot(b, "zn_nr", case_id, "rectification")

    # ---- item 2: the bureau's own item (生态修复) -----------------------------------------------------------------
    await open_case(nr, case_id)
    await expect(nr.locator("#case-stage")).to_have_text("生态修复")
    await act(nr, "close_item", evidence="边坡治理验收记录")
    await expect(nr.locator("#case-stage")).to_have_text("县级验收")
    await nr.locator("#action-county_acceptance").get_by_label("通过", exact=True).check()
    await act(nr, "county_acceptance", opinion="整改到位")
    await expect(nr.locator("#case-stage")).to_have_text("自治区级验收")

    # ---- the city enters the region's acceptance: the case is closed off (销号) --------------------------------
    city = await b.login("city_nr")
    await open_case(city, case_id)
    await city.locator("#action-region_acceptance").get_by_label("通过", exact=True).check()
    await act(city, "region_acceptance", opinion="自治区验收合格", acceptance_ref="宁自然资验〔2026〕1号")
    await expect(city.locator("#case-status")).to_have_text("已销号")
    await expect(city.locator("#actions")).to_contain_text("当前没有需要您办理的事项")


CEMENT_MINE = "中宁县余丁乡水泥用灰岩矿"  # zn_ent2, township officer zn_yuding
CLOSURE_STEPS = [("power_cut", "zn_power"), ("explosives", "zn_police"), ("safety_permit", "zn_emergency"),
                 ("licence", "zn_nr"), ("clearance", "zn_yuding"), ("restoration", "zn_ent2"),
                 ("restoration_acceptance", "zn_nr")]


async def test_closure_each_step_by_its_department_then_publicity(browsing_timed, timed):
    b, (s, env) = browsing_timed, timed
    nr = await b.login("zn_nr")
    case_id = await start_batch(nr, "closure", "关闭取缔", CEMENT_MINE, plan_ref="中宁政函〔2026〕8号")
    assert case_id.startswith("GBQD-")
    await expect(nr.locator("#steps")).to_contain_text("国网中宁供电公司")

    for stage, username in CLOSURE_STEPS:
        page = await b.login(username)
        await expect(page.locator(f'tr[data-case="{case_id}"]')).to_be_visible()  # in its 待办
        await page.locator(f'tr[data-case="{case_id}"]').get_by_role("link").click()
        await act(page, "step_done", evidence=f"{stage} 佐证-001", note="已完成")
        await expect(page.locator(f'#steps [data-step="{stage}"]')).to_contain_text("已完成")
    await open_case(nr, case_id)
    await expect(nr.locator("#case-stage")).to_have_text("关闭结果公示")
    await shoot(b, "zn_nr", case_id, "closure")

    # the 公示 runs its working days on the server's clock; then the mine is closed
    await env.sleep(timedelta(days=12))
    await s.eventually(lambda: _completed(s, case_id))
    await open_case(nr, case_id)
    await expect(nr.locator("#case-status")).to_have_text("已办结")
    await expect(nr.locator("#timeline")).to_contain_text("矿山登记状态改为“关闭”")


async def _completed(s, case_id: str) -> bool:
    return bool((await s.case(case_id))["status"] == "completed")


BLOCK_CORNERS = ["4050000,36400000", "4050800,36400000", "4050800,36400800", "4050000,36400800"]  # 中卫市, zone 36


async def test_grant_from_the_county_proposal_through_the_periods_to_a_registered_right(browsing_timed, timed):
    b, (s, env) = browsing_timed, timed
    await ledger_room(s)  # the city closed a pit earlier: room in its capacity ledger (双挂钩一达标)

    # ---- county NR proposes the block from the menu ------------------------------------------------------------
    nr = await b.login("zn_nr")
    await nr.locator("nav.menu").get_by_role("link", name="提出出让区块").click()
    form = nr.locator("#start-form")
    for name, value in (("block_name", "中宁县鸣沙镇北山建筑用白云岩矿"), ("mineral", "建筑用白云岩"),
                        ("area", "\n".join(BLOCK_CORNERS)), ("production_wt", "60"), ("service_years", "8"),
                        ("valid_years", "10"), ("reason", "矿产资源总体规划开采规划区块，市场供给需要")):
        await form.locator(f'[name="{name}"]').fill(value)
    await form.locator('select[name="division_code"]').select_option("640521")
    for name in ("deposit_scale", "production_scale"):
        await form.locator(f'input[name="{name}"][value="medium"]').check()
    for name in ("land_use_cleared", "forest_grassland_cleared", "outside_red_line"):
        await form.locator(f'input[name="{name}"]').check()
    await form.locator('button[type="submit"]').click()
    await expect(nr.locator("#flash")).to_contain_text("已办理")
    case_id = case_id_of(nr.url)
    assert case_id.startswith("CR-")
    await expect(nr.locator("#case-stage")).to_have_text("县三重一大集体研究")

    committee = await b.login("zn_committee")
    await open_case(committee, case_id)
    form = committee.locator("#action-committee_decision")
    for name, value in (("meeting_no", "中宁县政府常务会议〔2026〕21次"), ("attendees", "甲、乙、丙、丁、戊"),
                        ("members_total", "7"), ("minutes_ref", "中宁纪要〔2026〕21号")):
        await form.locator(f'[name="{name}"]').fill(value)
    await act(committee, "committee_decision")
    await expect(committee.locator("#case-stage")).to_have_text("市政府会议研究")

    city = await b.login("city_nr")
    await city.locator(f'tr[data-case="{case_id}"]').get_by_role("link").click()
    await act(city, "city_meeting", meeting_no="中卫市政府常务会议〔2026〕9次", minutes_ref="中卫纪要〔2026〕9号")
    await expect(city.locator("#case-stage")).to_have_text("出让公告")
    # the 公告 runs: the bureau may only suspend the trading (中止交易) until the 竞价 is over
    await expect(city.locator("#action-suspend_trading")).to_have_count(1)
    await expect(city.locator("#action-grant_result")).to_have_count(0)

    # ---- the 招拍挂 periods run on the server's clock (20 + 10 working days) ---------------------------------------
    clock = (await s.case(case_id))["period_clock"]
    await skip_past(env, s, clock["announcement"]["ends_at"])
    clock = (await wait_stage(s, case_id, "bidding"))["period_clock"]
    await skip_past(env, s, clock["bidding"]["ends_at"])
    await s.eventually(lambda: _bidding_over(s, case_id))

    await open_case(city, case_id)
    form = city.locator("#action-grant_result")
    await form.locator('select[name="winner_enterprise_id"]').select_option(str(await enterprise_id(s, MINGSHA)))
    await act(city, "grant_result", price_wan_yuan="3600")
    await expect(city.locator("#case-stage")).to_have_text("结果公示")
    await shoot(b, "city_nr", case_id, "grant")

    clock = (await s.case(case_id))["period_clock"]
    await skip_past(env, s, clock["publicity"]["ends_at"])
    await wait_stage(s, case_id, "contract")
    await open_case(city, case_id)
    await act(city, "grant_contract", contract_no="中卫出让合同〔2027〕3号", fee_wan_yuan="3600")
    await expect(city.locator("#case-stage")).to_have_text("缴纳出让收益")
    await act(city, "fee_payment", receipt_ref="缴款书0001")
    await expect(city.locator("#case-stage")).to_have_text("采矿权登记")
    await act(city, "grant_registration", licence_no="C6405002027017130000001")
    await expect(city.locator("#case-status")).to_have_text("已办结")

    # the winner reads its new right in the registry
    winner = await b.login("zn_ent2")
    await winner.goto("/console/registry/rights")
    await expect(winner.locator("#rights")).to_contain_text("C6405002027017130000001")


async def _bidding_over(s, case_id: str) -> bool:
    return bool((await s.case(case_id))["period_clock"]["bidding"]["finished"])


async def test_campaign_lifted_and_concluded_by_the_city(browsing_projection, stack):
    campaign_id = (await open_campaign(stack))["case_id"]
    b = browsing_projection
    city = await b.login("city_nr")
    await city.locator("nav.menu").get_by_role("link", name="治理整顿", exact=True).click()
    await expect(city.locator("main")).to_contain_text(campaign_id)  # the city's campaigns list it
    await open_case(city, campaign_id)
    await shoot(b, "city_nr", campaign_id, "campaign")
    await expect(city.locator("#timeline")).to_contain_text("《中卫市矿产资源开采治理整顿工作方案》")
    await act(city, "lift_moratorium", reason="整治验收合格矿山已具备复工条件，解除“两个暂停”")
    await expect(city.locator("#action-lift_moratorium")).to_have_count(0)  # once
    await act(city, "conclude", summary="治理整顿工作已按方案完成")
    await expect(city.locator("#case-status")).to_have_text("已办结")
