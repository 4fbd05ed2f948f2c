"""Each document kind issued for a real case and read back from its PDF (number, parties, dates, clauses); issued
once per case and kind; listed and downloadable by whoever may read the case; checked by the public verification
page, which refuses an altered file or record."""

import hashlib
import io
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlmodel import select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.documents import DocumentActivities
from documents.builders import cn_date
from documents.issue import issue_document
from documents.kinds import DocumentKind
from domain.calendar import local_date
from domain.errors import DomainError
from domain.reopening import MATERIAL_NAMES, MaterialKind
from models.document_refs import CaseDocumentRef, IssueDocumentInput
from models.files import CaseDocument, CaseFile
from tests.campaign.support import accept, close_all_items, start_rectifications, submit_plan
from tests.files.test_upload import upload
from tests.rights.support import (
    MINGSHA,
    XINYUAN,
    confirm,
    county_right,
    review,
    submit_transfer,
    through_meetings,
    to_decision,
    to_publicity,
)
from tests.support import samples
from tests.support.stack import SHIKONG_MINE, Stack, china_today

ZN = "中宁县自然资源局"
ZN_ENT1 = XINYUAN


async def issued(s: Stack, case_id: str, kind: DocumentKind, occurrence: int = 1,
                 username: str = "zn_nr") -> CaseDocumentRef:
    """The document the case's workflow issued at the act (in the background, just after the act was written), as
    GET /cases/{id}/documents lists it; its issuing is on the case's timeline."""
    found: list[CaseDocumentRef] = []

    async def listed() -> bool:
        docs = await s.ok(await s.get(username, f"/cases/{case_id}/documents"))
        found[:] = [CaseDocumentRef.model_validate(d) for d in docs
                    if d["kind"] == kind.value and d["occurrence"] == occurrence]
        return bool(found)
    await s.eventually(listed)
    timeline = (await s.case(case_id, username))["timeline"]
    assert any(e["action"] == "document_issued" and found[0].doc_no in e["detail"] for e in timeline)
    return found[0]


async def issue(s: Stack, case_id: str, kind: DocumentKind, occurrence: int = 1) -> CaseDocumentRef:
    """Ask the issuer directly (what a retry of the workflow's activity does)."""
    request = IssueDocumentInput.model_validate({"kind": kind, "view": await s.case(case_id),
                                                 "occurrence": occurrence})
    return await issue_document(db=s.db, store=s.app.state.files, settings=s.settings, request=request)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


async def pdf_text(s: Stack, ref: CaseDocumentRef) -> str:
    data = await s.app.state.files.read(ref.file.sha256)
    if keep := os.environ.get("MINEFLOW_KEEP_DOCUMENTS"):  # a folder to keep the PDFs in, for a look
        (Path(keep) / f"{ref.kind.value}-{ref.case_id}.pdf").write_bytes(data)
    assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == ref.file.sha256
    return squash("".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def has(text: str, *phrases: str) -> None:
    for phrase in phrases:
        assert squash(phrase) in text, f"{phrase!r} not in the document: {text[:3000]}"


def number(prefix: str, n: int = 1) -> str:
    return f"{prefix}〔{china_today().year}〕{n}号"


def today() -> str:
    return cn_date(china_today())


async def test_reopening_documents_from_correction_to_approval(stack):
    s = stack
    case_id = (await s.submit(materials=[{"kind": "mining_licence", "ref": "证-1"}]))["case_id"]
    missing = ["safety_facility_design", "safety_assessment", "soil_water_conservation"]
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/intake", {"decision": "request_correction",
                                                                  "missing": missing}))
    with pytest.raises(DomainError) as early:  # not accepted yet: no number is drawn, nothing stored
        await issue(s, case_id, DocumentKind.ACCEPTANCE_NOTICE)
    assert early.value.code == "DOCUMENT_NOT_AVAILABLE"

    notice = await issued(s, case_id, DocumentKind.CORRECTION_NOTICE)
    assert (notice.doc_no, notice.issuer, notice.kind_name) == (number("中宁自然资补"), ZN, "一次性告知补正通知书")
    text = await pdf_text(s, notice)
    has(text, ZN, notice.doc_no, "一次性告知补正通知书", f"{ZN_ENT1}：", SHIKONG_MINE, case_id, "共3项",
        *(MATERIAL_NAMES[MaterialKind(m)] for m in missing),
        "《中卫市矿产资源开采治理整顿工作方案》二（二）一", "《中卫市矿产资源开采治理整顿工作方案》二（二）四",
        "《中华人民共和国行政许可法》第三十二条", today(), notice.verification_code)
    assert "seed" not in text  # the seeds are cited by their titles

    report = await s.ok(await upload(s, "zn_ent1", samples.pdf("report"), "安全评价报告.pdf"), 201)
    await s.ok(await s.post("zn_ent1", f"/cases/{case_id}/corrections", {"materials": [
        {"kind": m, "ref": f"补-{m}"} for m in missing if m != "safety_assessment"] + [
        {"kind": "safety_assessment", "files": [report["id"]]}] + [
        {"kind": k.value, "ref": f"档-{k.value}"} for k in (MaterialKind.SAFETY_PRODUCTION_PERMIT,
                                                            MaterialKind.DEVELOPMENT_PLAN,
                                                            MaterialKind.RESTORATION_PLAN,
                                                            MaterialKind.ENVIRONMENTAL_ASSESSMENT)]}))
    await s.accept(case_id)
    accepted = await issued(s, case_id, DocumentKind.ACCEPTANCE_NOTICE)
    has(await pdf_text(s, accepted), number("中宁自然资受"), "受理通知书", f"{ZN_ENT1}：", "决定予以受理",
        "补-safety_facility_design", f"{MATERIAL_NAMES[MaterialKind.SAFETY_ASSESSMENT]}电子文件 1 份", today())

    await s.sign_all(case_id, fail=("zn_water",))
    await s.ok(await s.post("zn_ent1", f"/cases/{case_id}/rectification-done", {"note": "排水设施已整改"}))
    await s.sign_all(case_id)
    summary = await issued(s, case_id, DocumentKind.JOINT_ACCEPTANCE_SUMMARY)
    has(await pdf_text(s, summary), number("中宁自然资验"), f"{SHIKONG_MINE}开复工联合验收意见汇总表", "第1轮", "第2轮",
        "中宁县水务局", "中宁县应急管理局", "石空镇", "专家", "不通过", "验收不合格", "验收合格", "存在安全隐患")

    await s.ok(await s.decide(case_id))
    case = await s.approve(case_id)
    approval = await issued(s, case_id, DocumentKind.REOPENING_APPROVAL)
    assert approval.doc_no == case["document_no"] == number("中宁自然资复")  # the number the case shows
    text = await pdf_text(s, approval)
    has(text, ZN, approval.doc_no, f"关于同意{SHIKONG_MINE}开复工的批复", f"{ZN_ENT1}：", case["licence_no"],
        "中宁县政府常务会议〔2026〕12次", "中宁纪要〔2026〕12号", "验收合格", "此复", "抄送：中卫市自然资源局",
        today(), approval.verification_code, approval.verify_url)

    # issued once: a retry returns the same document, byte for byte
    again = await issue(s, case_id, DocumentKind.REOPENING_APPROVAL)
    assert again == approval
    async with s.db.session() as session:
        docs = (await session.exec(select(CaseDocument).where(CaseDocument.case_id == case_id))).all()
        linked = (await session.exec(select(CaseFile).where(CaseFile.case_id == case_id))).all()
    assert sorted(d.kind for d in docs) == sorted(["correction_notice", "acceptance_notice",
                                                   "joint_acceptance_summary", "reopening_approval"])
    assert sorted(f.file_id for f in linked) == sorted([d.file_id for d in docs] + [report["id"]])  # and the report
    with pytest.raises(DomainError) as wrong:
        await issue(s, case_id, DocumentKind.REOPENING_REFUSAL)
    assert wrong.value.code == "DOCUMENT_NOT_AVAILABLE"

    # the enterprise gets its 批复 from its own case; another enterprise does not
    listed = await s.ok(await s.get("zn_ent1", f"/cases/{case_id}/documents"))
    assert [d["kind"] for d in listed] == ["correction_notice", "acceptance_notice", "joint_acceptance_summary",
                                           "reopening_approval"]
    pdf = await s.http.get(f"/api/v1/files/{listed[-1]['file']['id']}", headers=s.auth("zn_ent1"))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == approval.file.sha256
    await s.refused(await s.get("zn_ent2", f"/cases/{case_id}/documents"), 403, "NOT_YOUR_CASE")
    denied = await s.http.get(f"/api/v1/files/{approval.file.id}", headers=s.auth("zn_ent2"))
    assert denied.status_code == 404

    # the public verification page: no login
    page = await s.http.get(f"/verify/{approval.verification_code}")
    assert page.status_code == 200 and "no-store" in page.headers["cache-control"]
    has(squash(page.text), approval.doc_no, ZN, today(), approval.file.sha256, "存证记录完整")
    genuine = await s.http.get(f"/verify/{approval.verification_code}", params={"sha256": approval.file.sha256})
    assert genuine.status_code == 200 and "核验通过" in genuine.text
    forged = pdf.content.replace(SHIKONG_MINE.encode("utf-16-be")[:4], b"\x00\x00\x00\x00") + b"\n% forged\n"
    altered = await s.http.get(f"/verify/{approval.verification_code}",
                               params={"sha256": hashlib.sha256(forged).hexdigest()})
    assert altered.status_code == 409 and "不一致" in altered.text
    posted = await s.http.post(f"/verify/{approval.verification_code}", files={"file": ("批复.pdf", forged)})
    assert posted.status_code == 409 and "不一致" in posted.text
    posted = await s.http.post(f"/verify/{approval.verification_code}", files={"file": ("批复.pdf", pdf.content)})
    assert posted.status_code == 200 and "核验通过" in posted.text
    unknown = await s.http.get("/verify/AAAA-BBBB-CCCC-DDDD")
    assert unknown.status_code == 404 and "未找到" in unknown.text

    # the record altered behind the system's back (the row's hash no longer the chain's): refused
    async with s.db.write() as session:
        row = (await session.exec(select(CaseDocument).where(CaseDocument.kind == "reopening_approval"))).one()
        row.sha256 = hashlib.sha256(forged).hexdigest()
        session.add(row)
    tampered = await s.http.get(f"/verify/{approval.verification_code}")
    assert tampered.status_code == 409 and "审计链不符" in tampered.text


async def test_not_to_reopen_decision(stack):
    s = stack
    case_id = await s.to_committee()
    await s.ok(await s.decide(case_id, "reject"))
    case = await s.case(case_id)
    refusal = await issued(s, case_id, DocumentKind.REOPENING_REFUSAL)
    has(await pdf_text(s, refusal), number("中宁自然资不许"), "不予开复工决定书", f"{ZN_ENT1}：",
        case["outcome_reason"], f"{SHIKONG_MINE}不予开复工", "对验收不合格的矿山坚决不予开复工",
        "六十日内向中宁县人民政府申请行政复议", "六个月内依法向人民法院提起行政诉讼", today())


async def test_transfer_documents_approved_and_refused(stack):
    s = stack
    right = await county_right(s)
    case_id = await to_decision(s, right["id"])
    accepted = await issued(s, case_id, DocumentKind.ACCEPTANCE_NOTICE)
    has(await pdf_text(s, accepted), number("中宁自然资受"), f"{XINYUAN}、{MINGSHA}：", right["licence_no"])
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/transfer-decision", {"decision": "approve"}))
    approval = await issued(s, case_id, DocumentKind.TRANSFER_APPROVAL)
    assert approval.doc_no == case["document_no"] == number("中宁自然资转")
    has(await pdf_text(s, approval), ZN, "准予转让决定书", f"{XINYUAN}、{MINGSHA}：", right["licence_no"],
        f"准予{XINYUAN}将", f"转让给{MINGSHA}", "1,200.00万元", "第六条、第七条",
        cn_date(date.fromisoformat(case["registration_due"])), "办理变更登记", today())

    other = await county_right(s, licence_no="C6405212024017130999002", x=4_010_000.0)
    refused_id = (await submit_transfer(s, other["id"]))["case_id"]
    await confirm(s, refused_id)
    await s.ok(await s.post("zn_nr", f"/cases/{refused_id}/transfer-review",
                            {"decision": "request_correction", "missing": ["contract"]}))
    notice = await issued(s, refused_id, DocumentKind.CORRECTION_NOTICE)
    has(await pdf_text(s, notice), number("中宁自然资补"), "转让人与受让人签订的转让合同", "国务院令第242号第八条",
        other["licence_no"])
    await s.ok(await s.post("zn_ent1", f"/cases/{refused_id}/transfer-corrections",
                            {"materials": [{"kind": "contract", "ref": "合同-2"}]}))
    await review(s, refused_id)
    await s.ok(await s.decide(refused_id))
    await s.ok(await s.post("zn_nr", f"/cases/{refused_id}/transfer-decision",
                            {"decision": "refuse", "reasons": ["转让价款明显低于评估价值"]}))
    refusal = await issued(s, refused_id, DocumentKind.TRANSFER_REFUSAL)
    has(await pdf_text(s, refusal), number("中宁自然资不许"), "不予转让决定书", f"{XINYUAN}、{MINGSHA}：",
        "转让价款明显低于评估价值", "决定：不准转让", "申请行政复议", today())


async def test_grant_confirmation_and_publicity(timed):
    s, env = timed
    case_id = await through_meetings(s)
    case = await to_publicity(env, s, case_id)
    confirmation = await issued(s, case_id, DocumentKind.GRANT_CONFIRMATION)
    # dated (and numbered in the year of) the day the result was recorded, in the case's skipped time
    recorded_on = local_date(datetime.fromisoformat(case["result"]["recorded_at"]))
    assert confirmation.issued_on == recorded_on
    # a city-level grant: the city's bureau issues, from its own sequence
    assert confirmation.issuer == "中卫市自然资源局"
    has(await pdf_text(s, confirmation), f"中卫自然资出〔{recorded_on.year}〕1号", "采矿权出让成交确认书",
        f"{MINGSHA}：", case["block"]["block_name"], "挂牌", "3,600.00万元", "60万吨/年", "特此确认",
        cn_date(recorded_on))
    publicity = await issued(s, case_id, DocumentKind.GRANT_PUBLICITY, username="zn_ent2")  # the winner reads it
    period = case["period_clock"]["publicity"]
    has(await pdf_text(s, publicity), f"中卫自然资公〔{recorded_on.year}〕1号", "采矿权出让结果公示", MINGSHA,
        f"公示期为{period['limit_working_days']}个工作日", "中卫市自然资源局提出",
        f"至{cn_date(date.fromisoformat(period['ends']))}止")


async def test_rectification_notice_clearance_and_closure_acceptance(stack):
    s = stack
    mine = await s.mine(SHIKONG_MINE)
    case_id = (await start_rectifications(s, [mine.id], None))["started"][0]["case_id"]
    with pytest.raises(DomainError):
        await issue(s, case_id, DocumentKind.RECTIFICATION_NOTICE)
    case = await submit_plan(s, case_id)
    notice = await issued(s, case_id, DocumentKind.RECTIFICATION_NOTICE)
    text = await pdf_text(s, notice)
    has(text, number("中宁自然资整"), "整改通知书", today(), f"{ZN_ENT1}：", "张建国（矿长）", "停产整治，逐项销号",
        *(i["description"] for i in case["items"]), "中宁县应急管理局", "停产整治",
        *(cn_date(date.fromisoformat(i["due"])) for i in case["items"]))
    case = await close_all_items(s, case)
    case = await accept(s, case_id)
    clearance = await issued(s, case_id, DocumentKind.RECTIFICATION_CLEARANCE)
    has(await pdf_text(s, clearance), number("中宁自然资销"), today(), f"{SHIKONG_MINE}整改销号单", "佐证-1", "佐证-3",
        "县级验收", "自治区级验收", "宁自然资验〔2026〕1号", "整改到位")

    cement = await s.mine("中宁县余丁乡水泥用灰岩矿")
    closure = await s.ok(await s.post("zn_nr", "/closures/batch",
                                      {"mine_ids": [cement.id], "plan_ref": "中宁政函〔2026〕8号"}))
    closure_id = closure["started"][0]["case_id"]
    for stage, username in (("power_cut", "zn_power"), ("explosives", "zn_police"),
                            ("safety_permit", "zn_emergency"), ("licence", "zn_nr"), ("clearance", "zn_yuding"),
                            ("restoration", "zn_ent2"), ("restoration_acceptance", "zn_nr")):
        await s.ok(await s.post(username, f"/cases/{closure_id}/closure-steps/{stage}",
                                {"evidence": [f"{stage}-佐证"], "note": "已完成"}))
    table = await issued(s, closure_id, DocumentKind.CLOSURE_ACCEPTANCE)
    has(await pdf_text(s, table), number("中宁自然资关"), today(), "中宁县余丁乡水泥用灰岩矿关闭取缔验收表",
        "中宁政函〔2026〕8号", "断电", "国网中宁供电公司", "停止供应并收缴火工品", "注销采矿许可证", "power_cut-佐证",
        "三不留", "矿产资源开采登记管理办法（国务院令241号）第十六条")


async def test_the_activity_issues_once_and_refuses_without_retrying(stack):
    s = stack
    case_id = await s.to_committee()
    await issued(s, case_id, DocumentKind.JOINT_ACCEPTANCE_SUMMARY)  # the workflow's, with the acceptance notice
    activities = DocumentActivities(s.db, s.settings, s.app.state.files)
    view: dict[str, Any] = await s.case(case_id)
    # dated by the moment the workflow recorded the act: New Year's Eve 20:00 UTC is already 2027 in China
    at = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)
    request = IssueDocumentInput.model_validate({"kind": "joint_acceptance_summary", "view": view, "at": at,
                                                 "occurrence": 2})
    env = ActivityEnvironment()
    first = await env.run(activities.issue_document, request)
    assert await env.run(activities.issue_document, request) == first
    assert (first.doc_no, first.issued_on) == ("中宁自然资验〔2027〕1号", date(2027, 1, 1))
    has(await pdf_text(s, first), "中宁自然资验〔2027〕1号", "2027年1月1日")
    with pytest.raises(ApplicationError) as refused:
        await env.run(activities.issue_document, IssueDocumentInput.model_validate(
            {"kind": "reopening_approval", "view": view}))
    assert refused.value.type == "DOCUMENT_NOT_AVAILABLE" and refused.value.non_retryable
    report = await s.ok(await s.get("admin", "/admin/audit/verify"))
    assert report["ok"] and report["files_checked"] == 3  # the acceptance notice, both summaries


async def test_the_public_verify_upload_takes_only_a_documents_size(stack):
    """`POST /verify/<code>` is anonymous: it reads at most MINEFLOW_VERIFY_MAX_BYTES (10 MB — an issued document
    is a few hundred KB), not the 50 MB a signed-in user may upload; more is refused with 413 and a Chinese page,
    whether the size is declared up front or the upload simply runs past the cap."""
    s = stack
    assert s.settings.verify_max_bytes == 10 * 1024 * 1024 < s.settings.file_max_bytes
    unknown = "/verify/AAAA-BBBB-CCCC-DDDD"
    big = b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024)
    declared = await s.http.post(unknown, files={"file": ("批复.pdf", big)})
    assert declared.status_code == 413 and "超过大小上限（10 MB）" in declared.text

    boundary = "mineflowverify"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n").encode()

    async def streamed() -> Any:  # no Content-Length: counted as it arrives
        yield head
        for _ in range(11):
            yield b"0" * (1024 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()
    cut_off = await s.http.post(unknown, content=streamed(),
                                headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert cut_off.status_code == 413 and "超过大小上限" in cut_off.text

    small = await s.http.post(unknown, files={"file": ("批复.pdf", b"%PDF-1.7\n" + b"0" * 1024)})
    assert small.status_code == 404 and "未找到" in small.text  # read and hashed; no such document
