"""In Chromium: the enterprise answers a correction with the missing material's file (picked in that material's row,
uploaded with its progress, posted with the form, then listed under the material), then downloads its 批复 from its
case page. A screenshot of the page's documents goes to test-artifacts/."""

import hashlib
from pathlib import Path

import pytest

from tests.console.conftest import ARTIFACTS
from tests.support import samples
from tests.support.stack import SHIKONG_MINE, materials_for

# Without playwright the module skips (conftest names the reason when Chromium is missing).
expect = pytest.importorskip("playwright.async_api", reason="!!! BROWSER TESTS SKIPPED: no playwright").expect

pytestmark = [pytest.mark.sqlite_only]  # UI, not the database: once is enough


async def test_the_enterprise_uploads_a_material_and_downloads_its_approval(browsing_projection, stack, tmp_path):
    b, s = browsing_projection, stack
    mine = await s.mine(SHIKONG_MINE)
    materials = materials_for(mine.method)
    missing = materials[0]["kind"]
    case_id = (await s.submit(materials=materials[1:]))["case_id"]
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/intake", {"decision": "request_correction",
                                                                  "missing": [missing]}))

    ent = await b.login("zn_ent1")
    await ent.goto(f"/console/cases/{case_id}")
    form = ent.locator("#action-correction")
    row = form.locator(f'tr[data-material="{missing}"]')  # the missing material's own picker; no 文号 needed
    await row.locator("input[type=file]").set_input_files(
        files=[{"name": "安全设施设计.pdf", "mimeType": "application/pdf", "buffer": samples.pdf("design")}])
    await expect(row.locator(".uploads li[data-file]")).to_have_count(1)
    await expect(row.locator(".uploads")).to_contain_text("安全设施设计.pdf（已上传")
    await form.get_by_role("button", name="提交补正材料").click()
    await expect(ent.locator("#flash")).to_have_text("已办理：提交补正材料")
    await expect(ent.locator(f'#application li[data-material="{missing}"] li[data-file]')).to_contain_text(
        "安全设施设计.pdf")
    await expect(ent.locator("#documents")).to_contain_text("安全设施设计.pdf")
    await expect(ent.locator("#timeline")).to_contain_text("附件：《安全设施设计.pdf》")

    await s.accept(case_id)
    await s.sign_all(case_id)
    await s.ok(await s.decide(case_id))
    await s.approve(case_id)

    approval = await s.document(case_id, "reopening_approval", "zn_ent1")
    await ent.goto(f"/console/cases/{case_id}")
    row = ent.locator('#documents tr[data-kind="reopening_approval"]')
    await expect(row).to_contain_text(approval["doc_no"])
    ARTIFACTS.mkdir(exist_ok=True)
    await ent.locator("#documents").screenshot(path=str(ARTIFACTS / "console-case-documents.png"))
    async with ent.expect_download() as info:
        await row.get_by_role("link", name="下载").click()
    download = await info.value
    saved = Path(tmp_path) / "批复.pdf"
    await download.save_as(saved)
    assert download.suggested_filename == f"{approval['doc_no']} {approval['title']}.pdf"
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == approval["file"]["sha256"]
    assert b.errors == []
