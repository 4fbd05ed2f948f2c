"""The console's 治理整顿 pages over HTTP: the campaign list, the supervision view, and a rectification's and a
closure's case pages (a rectification in the inbox leads to its page, with its plan and steps)."""

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
