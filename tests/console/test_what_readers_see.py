"""What every role reads on the pages it uses every day — the 待办, the case list, 已办 / 我发起的 / 抄送, the start
forms and each case page — is written for people: documents cited by title, counties by name, dates in Chinese,
no "None", no login names, no API jargon. A crawl over one case of every procedure, as each demo role."""

import html
import re

from tests.console.test_action_forms_reachable import USERS, one_case_of_each_kind
from tests.console.test_console_pages import web  # noqa: F401  (the cookie-keeping browser fixture)
from tests.support.stack import Stack

LEAKS = {
    "a clause by its file name": re.compile(r"seed 0|§"),
    "a division code": re.compile(r"(?<![\w-])6\d{5}(?![\w-])"),
    "an empty value spelt out": re.compile(r"\bNone\b"),
    "an ISO date": re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)"),
    "a login name": re.compile(r"\b(?:zn_\w+|city_nr|zw_\w+)\b"),
    "the API's address": re.compile(r"/api/v1"),
}
DAILY_PAGES = ["/console/", "/console/cases", "/console/done", "/console/started", "/console/copies",
               "/console/notifications"]


def main_text(page: str) -> str:
    """The text a reader sees in <main> (scripts, styles and attribute values are not read)."""
    found = re.search(r"<main\b.*?</main>", page, flags=re.S)
    body = found.group(0) if found else page
    body = re.sub(r"<(script|style|template)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def leaks(text: str) -> list[str]:
    return [f"{what}: …{text[max(0, m.start() - 30):m.end() + 30].strip()}…"
            for what, pattern in LEAKS.items() for m in [pattern.search(text)] if m]


def test_the_check_sees_each_leak():
    """The crawl below can fail: each kind of leak is caught, and a clean Chinese text passes."""
    for sample in ["依据 seed 000 §二(二)", "中宁县（640521）", "企业：None", "期限 2026-12-18", "现由 zn_police 承办",
                   "POST /api/v1/files 返回的 id"]:
        assert leaks(sample), sample
    assert not leaks("依据《中卫市矿产资源开采治理整顿工作方案》二（二），中宁县，"
                     "期限 2026年12月18日，KFG-20261205-ABC234")


async def test_every_role_reads_its_daily_pages_in_plain_chinese(stack: Stack, web):  # noqa: F811
    case_ids = await one_case_of_each_kind(stack)
    # something in 已办 for the county NR: a correction asked for, with a dated note
    await stack.ok(await stack.post("zn_nr", f"/cases/{case_ids['reopening']}/intake", {
        "decision": "request_correction", "missing": ["safety_assessment"], "note": "请于 2026-12-18 前补齐"}))
    found: list[str] = []
    for username in USERS.values():
        web.http.cookies.clear()
        await web.login(username)
        home = (await web.http.get("/console/")).text
        menu = re.search(r"<nav\b.*?</nav>", home, flags=re.S)
        assert menu, "the console's menu"
        # every page the menu offers (start forms, registers, dashboards), and the tabs of the registers
        offered = set(re.findall(r'href="(/console/[a-z0-9/_.-]*)"', menu.group(0))) - {"/console/logout"}
        for register in [p for p in offered if p.startswith("/console/registry/")]:
            tabs = (await web.http.get(register)).text
            offered |= set(re.findall(r'href="(/console/(?:ledger|classifications|batch/[a-z_-]+/new)'
                                      r'|/console/registry/[a-z_-]+(?:/new)?)"', tabs))
        pages = DAILY_PAGES + sorted(offered) + [f"/console/cases/{c}" for c in case_ids.values()]
        for path in pages:
            r = await web.http.get(path)
            if r.status_code in (403, 404):  # not this role's page or case: the error page is checked elsewhere
                continue
            assert r.status_code == 200, f"{username} {path}: {r.status_code}"
            found += [f"{username} {path} — {leak}" for leak in leaks(main_text(r.text))]
    assert not found, "what a reader should never see:\n" + "\n".join(found)


async def test_the_reopening_form_cites_its_materials_by_document_title(stack: Stack, web):  # noqa: F811
    """Each required material's 依据 on the enterprise's start form, for each of its mines (open-pit and
    underground ones need different materials): the document's title, never `seed 000 §二(二)…` — nowhere in the
    page, attribute values included."""
    await web.login("zn_ent1")
    user = await stack.user("zn_ent1")
    async with stack.db.session() as session:
        from api.services import registry

        mines = await registry.mines_of(session=session, enterprise_id=user.enterprise_id)
    assert mines
    for path in ["/console/reopenings/new"] + [f"/console/reopenings/new?mine_id={m.id}" for m in mines]:
        r = await web.http.get(path)
        assert r.status_code == 200, path
        assert 'name="materials.' in r.text, path
        cited = re.search(r".{0,60}(seed 0|§).{0,60}", r.text)
        assert cited is None, f"{path}: …{cited.group(0)}…"
        assert "《中卫市矿产资源开采治理整顿工作方案》" in main_text(r.text), path
