"""The console's registry pages over HTTP (no browser, no Temporal): mines, enterprises and mining rights scoped as
the API scopes them, a right registered and corrected through its generated forms with its outline and history,
the capacity ledger and its entry forms, and 四个一批 runs. Runs on both databases."""

import re
import uuid
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from api.app import create_app
from models.db import Database
from tests.support.stack import EXPIRED_MINE, OPEN_PIT_MINE, SHIKONG_MINE, make_http, settings_for_tests
from tests.support.web import Browser, csrf_of

ZN_ENT1_MINES = (SHIKONG_MINE, EXPIRED_MINE)  # 中宁县鑫源矿业有限公司


@pytest.fixture
async def app(demo_db: Database) -> FastAPI:
    return create_app(settings_for_tests(demo_db.url, f"test-{uuid.uuid4()}"), db=demo_db, temporal=None)


@pytest.fixture
async def as_user(app: FastAPI) -> AsyncIterator[object]:
    clients = []

    async def login(username: str) -> Browser:
        http = make_http(app)
        clients.append(http)
        web = Browser(http)
        assert (await web.login(username)).status_code == 303
        return web

    yield login
    for http in clients:
        await http.aclose()


async def ids(db: Database, sql: str) -> dict[str, int]:
    from sqlalchemy import text

    async with db.session() as session:
        return {name: i for name, i in (await session.exec(text(sql))).all()}  # type: ignore[call-overload]


def rows(page: str, attribute: str) -> list[str]:
    return re.findall(rf'<tr {attribute}="([^"]+)"', page)


async def test_an_enterprise_sees_only_its_own_mines_rights_and_enterprise(as_user, demo_db):
    mines = await ids(demo_db, "SELECT name, id FROM mines")
    rights = await ids(demo_db, "SELECT mine_name, id FROM mining_rights")
    enterprises = await ids(demo_db, "SELECT name, id FROM enterprises")
    web = await as_user("zn_ent1")
    home = (await web.http.get("/console/")).text
    assert 'href="/console/registry/rights"' in home and ">矿业权<" in home  # its menu entry

    page = (await web.http.get("/console/registry/mines")).text
    assert sorted(rows(page, "data-mine")) == sorted(str(mines[m]) for m in ZN_ENT1_MINES)
    page = (await web.http.get("/console/registry/rights")).text
    assert sorted(rows(page, "data-right")) == sorted(str(rights[m]) for m in ZN_ENT1_MINES)
    assert "登记矿业权" not in page
    page = (await web.http.get("/console/registry/enterprises")).text
    assert rows(page, "data-enterprise") == [str(enterprises["中宁县鑫源矿业有限公司"])]

    # another enterprise's: not found, or not theirs — never shown
    other = await web.http.get(f"/console/registry/rights/{rights[OPEN_PIT_MINE]}")
    assert other.status_code == 404 and "矿业权不存在" in other.text and OPEN_PIT_MINE not in other.text
    other = await web.http.get(f"/console/registry/mines/{mines[OPEN_PIT_MINE]}")
    assert other.status_code == 403 and OPEN_PIT_MINE not in other.text
    other = await web.http.get(f"/console/registry/enterprises/{enterprises['宁夏鸣沙建材集团有限公司']}")
    assert other.status_code == 404 and "企业不存在" in other.text
    own = (await web.http.get(f"/console/registry/rights/{rights[SHIKONG_MINE]}")).text
    assert 'id="outline"' in own and f'href="/console/transfers/new?right_id={rights[SHIKONG_MINE]}"' in own
    # officials' registers are not theirs
    for path in ("/console/ledger", "/console/classifications", "/console/registry/rights/new"):
        assert (await web.http.get(path)).status_code == 403, path


async def test_officials_see_their_jurisdiction(as_user, demo_db):
    mines = await ids(demo_db, "SELECT name, id FROM mines")
    rights = await ids(demo_db, "SELECT mine_name, id FROM mining_rights")
    zn = await ids(demo_db, "SELECT name, id FROM mines WHERE division_code = '640521'")
    web = await as_user("zn_nr")
    page = (await web.http.get("/console/registry/mines")).text
    assert sorted(rows(page, "data-mine")) == sorted(str(i) for i in zn.values())
    assert "（已过期）" in page  # 红梁子: its licence lapsed at the end of 2025
    spt_mine, spt_right = mines["沙坡头区兴仁镇石膏矿"], rights["沙坡头区兴仁镇石膏矿"]
    assert (await web.http.get(f"/console/registry/mines/{spt_mine}")).status_code == 403
    assert (await web.http.get(f"/console/registry/rights/{spt_right}")).status_code == 404
    page = (await web.http.get("/console/registry/rights")).text
    assert len(rows(page, "data-right")) == 4 and 'id="register-right"' in page

    # a department officer reads the county's registry but registers nothing
    web = await as_user("zn_police")
    page = (await web.http.get("/console/registry/rights")).text
    assert len(rows(page, "data-right")) == 4 and 'id="register-right"' not in page
    assert (await web.http.get("/console/registry/rights/new")).status_code == 403

    web = await as_user("city_nr")
    page = (await web.http.get("/console/registry/mines")).text
    assert len(rows(page, "data-mine")) == 12
    page = (await web.http.get("/console/registry/mines?county=640502")).text
    assert len(rows(page, "data-mine")) == 4 and "沙坡头区" in page and "中宁县石空镇" not in page


PENTAGON = "4200000,36501000\n4200400,36501000\n4200500,36501300\n4200200,36501500\n4199900,36501300"


async def test_a_right_is_registered_and_corrected_through_its_forms(as_user, demo_db):
    enterprises = await ids(demo_db, "SELECT name, id FROM enterprises")
    web = await as_user("zn_nr")
    form = {"kind": "mining", "licence_no": "C6405212026127130009999", "mine_name": "中宁县测试建筑用砂矿",
            "holder_enterprise_id": str(enterprises["宁夏鸣沙建材集团有限公司"]), "division_code": "640521",
            "mineral": "建筑用砂", "open_pit": "1", "scale": "small", "scale_wt": "10", "valid_from": "2026-01-01",
            "valid_to": "2031-12-31", "area": PENTAGON}

    # refused: what was typed stays in the form, with the API's words
    crossing = await web.post_form("/console/registry/rights/new", "/console/registry/rights", {
        **form, "area": "4200000,36501000\n4200500,36501500\n4200500,36501000\n4200000,36501500"})
    assert crossing.status_code == 422 and "自相交" in crossing.text
    assert 'value="C6405212026127130009999"' in crossing.text
    overlapping = await web.post_form("/console/registry/rights/new", "/console/registry/rights", {
        **form, "area": "4150100,36500100\n4150300,36500100\n4150300,36500300"})  # inside the first demo right
    assert overlapping.status_code == 409 and "矿区范围与已登记的矿业权重叠" in overlapping.text
    assert "4150300,36500300" in overlapping.text

    done = await web.post_form("/console/registry/rights/new", "/console/registry/rights", form)
    assert done.status_code == 303, done.text
    url = done.headers["location"].split("?")[0]
    page = (await web.http.get(url)).text
    assert 'data-vertices="5"' in page and "36 带" in page  # the zone read off the Y coordinates
    assert re.findall(r'<tr data-change="([a-z]+)"', page) == ["created"]
    assert "中宁县自然资源局矿管股" in page and "zn_nr" not in page.split('id="history"')[1]
    assert "宁夏鸣沙建材集团有限公司" in page

    # the correction form starts from the registry as it stands
    correction = (await web.http.get(f"{url}/correct")).text
    assert 'value="10"' in correction and "4200500.0,36501300.0" in correction
    changed = {"scale": "small", "scale_wt": "20", "valid_from": "2026-01-01", "valid_to": "2031-12-31",
               "area": "4200000,36501000\n4200400,36501000\n4200400,36501400\n4200000,36501400",
               "reason": "储量核实后调整"}
    r = await web.post_form(f"{url}/correct", f"{url}/corrections", changed)
    assert r.status_code == 303, r.text
    page = (await web.http.get(url)).text
    assert re.findall(r'<tr data-change="([a-z]+)"', page) == ["created", "scale", "area"]
    assert "生产规模（万吨/年）：10 → 20" in page and "矿区范围拐点坐标：5 个拐点 → 4 个拐点" in page
    assert 'data-vertices="4"' in page
    # sent again unchanged: nothing changed, nothing recorded
    r = await web.post_form(f"{url}/correct", f"{url}/corrections", {**changed, "reason": "复核"})
    assert r.status_code == 303
    page = (await web.http.get(url)).text
    assert re.findall(r'<tr data-change="([a-z]+)"', page) == ["created", "scale", "area"]
    r = await web.post_form(f"{url}/correct", f"{url}/corrections", {**changed, "reason": ""})
    assert r.status_code == 422 and "更正理由" in r.text

    # another county's bureau may not read it, the city's may correct it
    other = await as_user("spt_nr")
    assert (await other.http.get(f"{url}/correct")).status_code == 404
    city = await as_user("city_nr")
    assert 'id="correct-right"' in (await city.http.get(url)).text


async def test_the_ledger_shows_each_citys_balance_and_takes_entries(as_user, demo_db):
    mines = await ids(demo_db, "SELECT name, id FROM mines")
    web = await as_user("city_nr")
    page = (await web.http.get("/console/ledger")).text
    figures = dict(re.findall(r'id="([a-z-]+-(?:wt|pct))">([\d.]+)%?<', page))
    assert figures == {"closed-wt": "15", "restored-wt": "15", "restoration-pct": "100", "allowed-wt": "22.5",
                       "used-wt": "0", "available-wt": "22.5"}
    assert len(rows(page, "data-entry")) == 2 and 'data-action="ledger-correction"' in page
    check = await web.post_form("/console/ledger", "/console/ledger/check?city=640500",
                                {"city_code": "640500", "added_wt": "20", "purpose": "new"})
    assert 'data-allowed="yes"' in check.text and 'id="used-wt">0<' in check.text  # a check consumes nothing
    assert "《平顺县非煤矿产资源整治提升方案》" in page and "seed 002" not in page

    closed = await web.post_form("/console/ledger", "/console/ledger/entries/closed?city=640500", {
        "reference": "console-test-closed-1", "mine_id": str(mines[OPEN_PIT_MINE]), "note": "关闭取缔"})
    assert closed.status_code == 303 and "done=closed" in closed.headers["location"]
    page = (await web.http.get(closed.headers["location"])).text
    assert 'id="closed-wt">65<' in page and 'id="allowed-wt">97.5<' in page and "已登记：关闭退出产能" in page
    assert len(rows(page, "data-entry")) == 3

    # refused, in the API's words, with the form as it was typed
    granted = {"reference": "console-test-granted-1", "city_code": "640500", "amount_wt": "200", "purpose": "new"}
    r = await web.post_form("/console/ledger", "/console/ledger/entries/granted?city=640500", granted)
    assert r.status_code == 409 and "新增产能超过上限" in r.text and 'value="console-test-granted-1"' in r.text
    r = await web.post_form("/console/ledger", "/console/ledger/entries/granted?city=640500",
                            {**granted, "amount_wt": ""})
    assert r.status_code == 422 and "请填写产能（万吨/年）" in r.text
    # what-if: 65 closed now, but only the first 15 restored — no new capacity until every exit is restored
    check = await web.post_form("/console/ledger", "/console/ledger/check?city=640500",
                                {"city_code": "640500", "added_wt": "20", "purpose": "new"})
    assert check.status_code == 200 and 'data-allowed="no"' in check.text
    assert "退出矿山生态修复治理比例为 23.0769%，未达到 100%" in check.text

    county = await as_user("zn_nr")
    page = (await county.http.get("/console/ledger")).text
    assert 'data-city="640500"' in page and 'data-action="ledger-closed"' in page
    assert 'data-action="ledger-correction"' not in page  # corrections are the city bureau's
    r = await county.post_form("/console/ledger", "/console/ledger/entries/correction?city=640500", {
        "reference": "console-test-correction", "corrects_entry_id": "1", "amount_wt": "-1", "note": "更正"})
    assert r.status_code == 403 and "台账更正须由市自然资源局办理" in r.text


async def test_a_classification_run_shows_each_mines_class_its_clauses_and_what_is_missing(as_user):
    web = await as_user("zn_nr")
    page = (await web.http.get("/console/classifications")).text
    assert 'data-action="classify"' in page
    r = await web.post_form("/console/classifications", "/console/classifications",
                            {"division_code": "640521", "as_of": "2026-12-04"})
    assert r.status_code == 303
    run_url = r.headers["location"]
    page = (await web.http.get(run_url)).text
    assert re.findall(r'data-category="([a-z_]*)" data-decided', page).count("upgrade") == 3
    assert re.findall(r'data-category="([a-z_]*)" data-decided', page).count("guided_exit") == 1
    assert "小矿到期不续" in page and "《平顺县非煤矿产资源整治提升方案》03（一）" in page
    assert "seed" not in page and "§" not in page
    assert 'data-action="start-guided_exit"' in page and 'data-action="start-upgrade"' in page
    assert 'data-action="start-closure"' not in page  # no mine decided into 关闭取缔
    only = (await web.http.get(f"{run_url}?category=guided_exit")).text
    assert len(rows(only, "data-mine")) == 1 and EXPIRED_MINE in only

    # 海原县: three mines undecided, each with the facts still missing
    city = await as_user("city_nr")
    r = await city.post_form("/console/classifications", "/console/classifications", {"division_code": "640522"})
    page = (await city.http.get(r.headers["location"])).text
    assert page.count('data-decided="no"') == 3 and page.count('class="missing"') == 3
    assert "剩余服务年限（年，不含基建期）" in page and "尚不能确定" in page

    # another county's run is not shown; a department officer reads one, starts nothing
    other = await as_user("spt_nr")
    assert (await other.http.get(run_url)).status_code == 403
    officer = await as_user("zn_police")
    page = (await officer.http.get(run_url)).text
    assert "升级改造" in page and 'data-action="start-' not in page
    assert 'data-action="classify"' not in (await officer.http.get("/console/classifications")).text


async def test_a_mines_facts_are_recorded_from_its_page(as_user, demo_db):
    mines = await ids(demo_db, "SELECT name, id FROM mines")
    url = f"/console/registry/mines/{mines['海原县关桥乡建筑用砂矿']}"
    web = await as_user("hy_nr")
    page = (await web.http.get(url)).text
    assert 'id="facts-form"' in page and 'data-decided="no"' in page
    facts = {name: "false" for name in re.findall(r'<input type="radio" name="([a-z_]+)" value="false"', page)}
    r = await web.post_form(url, f"{url}/assessment", {**facts, "remaining_service_years": "abc", "note": "核查"})
    assert r.status_code == 422 and "剩余服务年限（年，不含基建期）：应为数字" in r.text
    assert 'value="false" checked' in r.text  # what was chosen stays chosen
    r = await web.post_form(url, f"{url}/assessment", {**facts, "production_scale_class": "small", "note": "核查"})
    assert r.status_code == 303
    page = (await web.http.get(r.headers["location"])).text
    assert 'data-decided="yes"' in page and "已登记四个一批分类事实" in page and "海原县自然资源局矿管股" in page
    # another county's bureau reads it (no: out of jurisdiction) and cannot record
    other = await as_user("zn_nr")
    assert (await other.http.get(url)).status_code == 403
    r = await other.http.post(f"{url}/assessment", data={"csrf_token": csrf_of((await other.http.get(
        "/console/registry/mines")).text), "note": "x"})
    assert r.status_code == 403


async def test_cases_are_started_from_a_run_and_in_batches(stack):
    """The one action from a 四个一批 run, and the batch-start page (both need the engine)."""
    http = make_http(stack.app)
    web = Browser(http)
    await web.login("zn_nr")
    r = await web.post_form("/console/classifications", "/console/classifications",
                            {"division_code": "640521", "as_of": "2026-12-04"})
    run_url = r.headers["location"]
    start = f"{run_url}/cases?category=guided_exit"
    r = await web.post_form(run_url, start, {"plan_ref": ""})
    assert r.status_code == 422 and "须填写关闭方案批复文号" in r.text
    r = await web.post_form(run_url, start, {"plan_ref": "中宁政函〔2026〕8号"})
    assert r.status_code == 200 and 'data-started="1"' in r.text and EXPIRED_MINE in r.text
    [case_id] = re.findall(r'href="/console/cases/(GBQD-[0-9A-Z-]+)"', r.text)
    r = await web.post_form(run_url, start, {"plan_ref": "中宁政函〔2026〕8号"})
    assert 'data-started="0" data-existing="1"' in r.text  # never started twice
    case = await web.http.get(f"/console/cases/{case_id}")
    assert case.status_code == 200 and "中宁政函〔2026〕8号" in case.text
    r = await web.post_form(run_url, f"{run_url}/cases?category=new_establishment", {})
    assert r.status_code == 422 and "合理新设须走出让程序" in r.text

    # the batch-start page of every procedure with a batch start, for county and city bureaus
    page = (await web.http.get("/console/campaigns")).text
    assert 'href="/console/batch/rectification/new"' in page and 'href="/console/batch/closure/new"' in page
    assert 'id="open-campaign"' not in page  # opening a campaign is the city bureau's
    mines = await ids(stack.db, "SELECT name, id FROM mines")
    form = await web.http.get("/console/batch/rectification/new")
    assert form.status_code == 200 and f'value="{mines[SHIKONG_MINE]}"' in form.text
    assert f'value="{mines["沙坡头区兴仁镇石膏矿"]}"' not in form.text  # its own county's mines only
    r = await web.post_form("/console/batch/rectification/new", "/console/batch/rectification",
                            {"mine_ids": [str(mines[SHIKONG_MINE]), str(mines["沙坡头区兴仁镇石膏矿"])]})
    assert r.status_code == 200 and 'data-started="1"' in r.text and 'data-refused="1"' in r.text
    assert "该事项不在您的管辖范围内" in r.text
    r = await web.post_form("/console/batch/rectification/new", "/console/batch/rectification",
                            {"mine_ids": str(mines[SHIKONG_MINE])})
    assert 'data-started="0" data-existing="1"' in r.text

    web.http.cookies.clear()
    await web.login("city_nr")
    assert 'id="open-campaign"' in (await web.http.get("/console/campaigns")).text
    web.http.cookies.clear()
    await web.login("zn_ent1")
    assert (await web.http.get("/console/batch/closure/new")).status_code == 403
    await http.aclose()
