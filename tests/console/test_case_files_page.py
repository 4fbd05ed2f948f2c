"""The case page lists the documents the case issued and the files it carries, each downloadable from the console
by whoever may read the case — the enterprise gets its 批复 there; another enterprise gets nothing."""

import hashlib
from collections.abc import AsyncIterator

import pytest

from domain.citations import cite
from domain.reopening import required_materials
from tests.files.test_upload import upload
from tests.support import samples
from tests.support.stack import SHIKONG_MINE, Stack, make_http, materials_for
from tests.support.web import Browser, csrf_of


@pytest.fixture
async def web(stack: Stack) -> AsyncIterator[Browser]:
    async with make_http(stack.app) as http:
        yield Browser(http)


async def test_the_enterprise_finds_its_approval_and_materials_on_its_case_page(web: Browser, stack: Stack):
    s = stack
    mine = await s.mine(SHIKONG_MINE)
    scan = await s.ok(await upload(s, "zn_ent1", samples.pdf("scan"), "安全设施设计扫描件.pdf"), 201)
    case_id = (await s.ok(await s.post("zn_ent1", "/reopenings", {
        "mine_id": mine.id, "reason": "停产整顿完成，申请复工", "materials": materials_for(mine.method),
        "files": [scan["id"]]}), 201))["case_id"]
    await s.accept(case_id)
    await s.sign_all(case_id)
    await s.ok(await s.decide(case_id))
    case = await s.approve(case_id)

    approval = await s.document(case_id, "reopening_approval", "zn_ent1")

    await web.login("zn_ent1")
    page = (await web.http.get(f"/console/cases/{case_id}")).text
    assert 'id="documents"' in page and "文书与附件" in page
    assert 'data-kind="reopening_approval"' in page and case["document_no"] in page and "开复工批复" in page
    assert f'href="/console/files/{approval["file"]["id"]}"' in page
    assert "安全设施设计扫描件.pdf" in page and f'data-file="{scan["id"]}"' in page
    pdf = await web.http.get(f"/console/files/{approval['file']['id']}")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment;")
    assert hashlib.sha256(pdf.content).hexdigest() == approval["file"]["sha256"]
    preview = await web.http.get(f"/console/files/{scan['id']}", params={"inline": "1"})
    assert preview.status_code == 200 and preview.headers["content-disposition"].startswith("inline;")

    web.http.cookies.clear()
    await web.login("zn_ent2")
    denied = await web.http.get(f"/console/files/{approval['file']['id']}")
    assert denied.status_code == 404 and "application/pdf" not in denied.headers.get("content-type", "")


async def test_an_action_form_uploads_its_files_and_posts_their_ids(web: Browser, stack: Stack):
    s = stack
    mine = await s.mine(SHIKONG_MINE)
    materials = materials_for(mine.method)
    case_id = (await s.submit(materials=materials[1:]))["case_id"]
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/intake",
                            {"decision": "request_correction", "missing": [materials[0]["kind"]]}))
    url = f"/console/cases/{case_id}"
    await web.login("zn_ent1")
    page = (await web.http.get(url)).text
    form = page[page.index('id="action-correction"'):]
    assert 'type="file" multiple data-upload="/console/files" data-name="files"' in form

    # the picker's upload (console.js): the session's CSRF token in a header, one file, JSON back
    token = csrf_of(page)
    refused = await web.http.post("/console/files", files={"file": ("设计.pdf", samples.pdf(), "application/pdf")})
    assert refused.status_code == 403
    wrong = await web.http.post("/console/files", files={"file": ("设计.pdf", b"<html>hi</html>", "application/pdf")},
                                headers={"X-CSRF-Token": token})
    assert wrong.status_code == 415 and wrong.json()["error"]["code"] == "FILE_TYPE_NOT_ALLOWED"
    stored = await web.http.post("/console/files", headers={"X-CSRF-Token": token},
                                 files={"file": ("安全设施设计.pdf", samples.pdf("design"), "application/pdf")})
    assert stored.status_code == 201
    file_id = stored.json()["id"]

    done = await web.http.post(f"{url}/actions/correction", data={
        "csrf_token": token, f"materials.{materials[0]['kind']}": "设计-2026", "files": file_id})
    assert done.status_code == 303
    page = (await web.http.get(f"{url}?done=correction")).text
    assert f'data-file="{file_id}"' in page and "附件：《安全设施设计.pdf》" in page


async def test_a_material_row_takes_its_own_files_and_the_case_lists_them_under_it(web: Browser, stack: Stack):
    """Each material row of the application form has its own file picker; the files chosen there stay under that
    material on the case page, beside its clause, while the 文书与附件 card still lists every file."""
    s = stack
    mine = await s.mine(SHIKONG_MINE)
    kinds = [m["kind"] for m in materials_for(mine.method)]
    form = f"/console/reopenings/new?mine_id={mine.id}"
    await web.login("zn_ent1")
    page = (await web.http.get(form)).text
    for kind in kinds:
        row = page[page.index(f'<tr data-material="{kind}">'):]
        assert f'data-upload="/console/files" data-name="materials.{kind}.files"' in row[:row.index("</tr>")]
    token = csrf_of(page)
    stored = [(await web.http.post("/console/files", headers={"X-CSRF-Token": token}, files={
        "file": (name, samples.pdf(name), "application/pdf")})).json() for name in ("安全评价报告.pdf", "附图.pdf")]
    data: dict[str, object] = {f"materials.{k}": f"档-{i}" for i, k in enumerate(kinds[1:])}
    data.update({"mine_id": str(mine.id), "reason": "停产整顿完成，申请复工", "idempotency_key": "m-files-1",
                 f"materials.{kinds[0]}.files": [f["id"] for f in stored]})  # no 文号: the files are the material
    done = await web.post_form(form, "/console/reopenings", data)
    assert done.status_code == 303, done.text
    case_id = done.headers["location"].split("/")[-1].split("?")[0]

    page = (await web.http.get(f"/console/cases/{case_id}")).text
    row = page[page.index(f'<li data-material="{kinds[0]}">'):]
    row = row[:row.index("</ul>")]
    assert all(f'data-file="{f["id"]}"' in row for f in stored) and "安全评价报告.pdf" in row
    assert cite(required_materials(mine.method)[0].clause) in row  # its clause, as the form showed it
    other = page[page.index(f'<li data-material="{kinds[1]}">'):]
    assert "档-0" in other[:other.index("</li>")] and "data-file" not in other[:other.index("</li>")]
    card = page[page.index('id="documents"'):]
    assert all(f'data-file="{f["id"]}"' in card for f in stored)
