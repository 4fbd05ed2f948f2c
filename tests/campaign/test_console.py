"""The console's 治理整顿 pages over HTTP: the campaign list, the supervision view, and a rectification's and a
closure's case pages (a rectification in the inbox leads to its page, with its plan and steps)."""

import re

from tests.campaign.support import open_campaign, start_rectifications, submit_plan
from tests.support.stack import EXPIRED_MINE, SHIKONG_MINE, make_http
from tests.support.web import Browser


async def as_user(stack, username):
    web = Browser(make_http(stack.app))
    await web.login(username)
    return web


async def test_supervision_and_case_pages(stack):
    s = stack
    campaign = await open_campaign(s)
    mine = await s.mine(SHIKONG_MINE)
    [started] = (await start_rectifications(s, [mine.id], campaign["case_id"]))["started"]
    await submit_plan(s, started["case_id"])
    closed = await s.mine(EXPIRED_MINE)
    closure = await s.ok(await s.post("zn_nr", "/closures/batch", {
        "mine_ids": [closed.id], "plan_ref": "中宁政函〔2026〕8号", "campaign_id": campaign["case_id"]}))

    web = await as_user(s, "zn_supervisor")
    home = await web.http.get("/console/")
    assert 'href="/console/campaigns"' in home.text  # the supervisor's menu leads to the campaigns
    listing = await web.http.get("/console/campaigns")
    assert listing.status_code == 200 and campaign["case_id"] in listing.text and "实行中" in listing.text
    page = await web.http.get(f"/console/campaigns/{campaign['case_id']}")
    assert page.status_code == 200
    assert "“两个暂停”实行中" in page.text and "第二督查组" in page.text and "停产整治" in page.text
    assert 'id="county-640521"' in page.text and 'id="county-640502"' not in page.text  # its own county only

    web = await as_user(s, "zn_emergency")
    inbox = await web.http.get("/console/")
    assert started["case_id"] in inbox.text
    case_page = await web.http.get(f"/console/cases/{started['case_id']}")
    assert case_page.status_code == 200 and "一矿一方案" in case_page.text and "张建国" in case_page.text
    assert 'id="case-stage">停产整治</span>' in case_page.text  # the status box, at the plan's next 环节
    closure_page = await web.http.get(f"/console/cases/{closure['started'][0]['case_id']}")
    assert closure_page.status_code == 200 and "断电" in closure_page.text and "国网中宁供电公司" in closure_page.text

    web = await as_user(s, "zn_ent1")
    assert 'href="/console/campaigns"' not in (await web.http.get("/console/")).text  # not an enterprise's page
    assert (await web.http.get("/console/campaigns")).status_code == 403


async def test_the_city_opens_a_campaign_from_the_console_form(stack):
    """The 治理整顿 start form, filled as the city's officer would: one 督查组 per county, members by department;
    a date no calendar holds is refused on the form with the field named, and nothing is opened."""
    web = await as_user(stack, "city_nr")
    form = await web.http.get("/console/campaigns/new")
    assert form.status_code == 200
    rows = re.findall(r'name="groups\.(\d+)\.county_code"', form.text)
    choices = re.findall(r'<option value="(6\d{5})">', form.text.split('name="groups.1.county_code"')[0])
    assert len(rows) == len(choices) == 3  # a row for each of the city's counties, and the counties to choose
    counties = list(zip(rows, choices, strict=True))
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form.text)[1]
    data = {"title": "中卫市矿产资源开采治理整顿", "results_due": "2027-05-31", "acceptance_due": "2027-06-30",
            "moratorium": "1", "idempotency_key": key}
    for n, code in counties:
        data |= {f"groups.{n}.county_code": code, f"groups.{n}.name": f"第{int(n) + 1}督查组",
                 f"groups.{n}.leader": "王组长",
                 f"groups.{n}.members.0.name": "李四", f"groups.{n}.members.0.department": "natural_resources",
                 f"groups.{n}.members.1.name": "赵六", f"groups.{n}.members.1.department": "emergency_management",
                 f"groups.{n}.members.2.name": "孙七", f"groups.{n}.members.2.department": "ecology_environment"}

    refused = await web.post_form("/console/campaigns/new", "/console/campaigns",
                                  {**data, "acceptance_due": "9999-12-31", "idempotency_key": "refused-1"})
    assert refused.status_code in (200, 422) and "自治区级验收销号期限" in refused.text
    assert not (await stack.ok(await stack.get("city_nr", "/cases?kind=campaign")))["items"]

    opened = await web.post_form("/console/campaigns/new", "/console/campaigns", data)
    assert opened.status_code == 303 and opened.headers["location"].startswith("/console/cases/ZLZD-")
    case_id = opened.headers["location"].removeprefix("/console/cases/").split("?")[0]
    case = await stack.ok(await stack.get("city_nr", f"/cases/{case_id}"))
    assert sorted(g["county_code"] for g in case["groups"]) == sorted(code for _n, code in counties)
    assert case["moratorium_active"] and [m["department"] for m in case["groups"][0]["members"]] == [
        "natural_resources", "emergency_management", "ecology_environment"]
