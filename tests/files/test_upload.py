"""Uploads and downloads through the API: every accepted type on both stores, the refusal table, names made
harmless, who may read a file, a cut-off upload, and `verify` naming a swapped stored file."""

import json
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from api.deps import Principal
from api.files_service import attach_files
from domain.errors import DomainError
from models.audit import AuditEntry
from models.files import CaseFile, StoredFile
from models.registry import User
from storage.blobs import BlobStore, LocalStore, S3Store
from tests.files.conftest import swap
from tests.support import samples
from tests.support.stack import Stack

ACCEPTED = [("pdf", samples.pdf, "安全评价报告.pdf", "application/pdf"),
            ("jpeg", samples.jpeg, "现场照片.JPG", "image/jpeg"),
            ("png", samples.png, "边坡.png", "image/png"),
            ("ofd", samples.ofd, "批复扫描件.ofd", "application/ofd"),
            ("doc", samples.doc, "开发利用方案.doc", "application/msword"),
            ("docx", samples.docx, "恢复治理方案.docx",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ("xlsx", samples.xlsx, "产能台账.xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]


async def upload(s: Stack, username: str | None, data: bytes, name: str,
                 client_type: str = "application/pdf") -> httpx.Response:
    headers = s.auth(username) if username else {}
    return await s.http.post("/api/v1/files", files={"file": (name, data, client_type)}, headers=headers)


async def download(s: Stack, username: str | None, file_id: str, **params: Any) -> httpx.Response:
    return await s.http.get(f"/api/v1/files/{file_id}", headers=s.auth(username) if username else {}, params=params)


def disposition_name(response: httpx.Response) -> str:
    header = response.headers["content-disposition"]
    assert header.startswith("attachment;"), header
    return unquote(header.split("filename*=UTF-8''", 1)[1])


async def rows(s: Stack) -> int:
    async with s.db.session() as session:
        return (await session.exec(select(func.count()).select_from(StoredFile))).one()


def leftovers(store: BlobStore) -> list[str]:
    """Whatever the store holds on disk besides finished blobs: staged parts of uploads."""
    return [p.name for p in store.staging_dir.glob("*")] if store.staging_dir.exists() else []


async def principal(s: Stack, username: str) -> Principal:
    async with s.db.session() as session:
        user = (await session.exec(select(User).where(User.username == username))).one()
    return Principal(user=user, department_kind=None)


async def attach(s: Stack, username: str, case_id: str, *file_ids: str) -> list[str]:
    async with s.db.write() as session:
        refs = await attach_files(session=session, case_id=case_id, file_ids=list(file_ids),
                                  principal=await principal(s, username))
    return [r.id for r in refs]


async def test_every_accepted_type_is_stored_under_its_hash_and_downloads_as_uploaded(files_stack):
    s = files_stack
    for file_type, make, name, content_type in ACCEPTED:
        data = make()
        body = await s.ok(await upload(s, "zn_ent1", data, name, "text/html"), 201)  # the client's type is ignored
        assert (body["file_type"], body["content_type"], body["size"], body["name"]) == (
            file_type, content_type, len(data), name)
        import hashlib
        assert body["sha256"] == hashlib.sha256(data).hexdigest()
        got = await download(s, "zn_ent1", body["id"])
        assert got.status_code == 200 and got.content == data
        assert got.headers["content-type"] == content_type
        assert got.headers["x-content-type-options"] == "nosniff"
        assert disposition_name(got) == name
    # the same bytes uploaded twice: two files, one stored blob
    again = await s.ok(await upload(s, "zn_ent2", samples.pdf(), "另一份.pdf"), 201)
    assert again["sha256"] == hashlib.sha256(samples.pdf()).hexdigest()
    assert await s.app.state.files.exists(again["sha256"])
    assert await rows(s) == len(ACCEPTED) + 1


REFUSALS = [
    ("html renamed .pdf", samples.html_page, "批复.pdf", 415, "FILE_TYPE_NOT_ALLOWED"),
    ("executable renamed .pdf", samples.elf_binary, "报告.pdf", 415, "FILE_TYPE_NOT_ALLOWED"),
    ("docx renamed .pdf", samples.docx, "方案.pdf", 415, "FILE_TYPE_MISMATCH"),
    ("truncated pdf", lambda: samples.pdf()[:-8], "报告.pdf", 415, "FILE_TYPE_NOT_ALLOWED"),
    ("empty", lambda: b"", "空.pdf", 422, "FILE_EMPTY"),
    ("zip bomb", samples.zip_bomb, "方案.docx", 422, "FILE_ARCHIVE_UNSAFE"),
    ("oversized", lambda: samples.pdf("x" * 5000), "大文件.pdf", 413, "FILE_TOO_LARGE"),
]


@pytest.mark.parametrize(("case", "make", "name", "status", "code"), REFUSALS, ids=[r[0] for r in REFUSALS])
async def test_refused_uploads_leave_nothing_behind(local_stack, case, make, name, status, code):
    s = local_stack
    if code == "FILE_TOO_LARGE":
        s.settings.file_max_bytes = 4096
    error = await s.refused(await upload(s, "zn_ent1", make(), name), status, code)
    if code == "FILE_TOO_LARGE":
        assert error["details"]["max_bytes"] == 4096 and "4 KB" in error["message"]
    store: LocalStore = s.app.state.files
    assert await rows(s) == 0 and leftovers(store) == []
    assert [p for p in store.root.rglob("*") if p.is_file()] == []


async def test_path_traversal_and_control_characters_are_neutralised_chinese_kept(local_stack):
    s = local_stack
    for raw, kept in (("../../etc/中卫 报告.pdf", "中卫 报告.pdf"), ("..\\..\\windows\\批复.pdf", "批复.pdf"),
                      ("\u202etxt.exe\u202c.pdf", "txt.exe.pdf"), ("..", "附件.pdf"), ("说明.html", "说明.html.pdf"),
                      ('a<b>:c|?*.pdf', "a_b__c___.pdf")):
        body = await s.ok(await upload(s, "zn_ent1", samples.pdf(), raw), 201)
        assert body["name"] == kept, raw
        assert disposition_name(await download(s, "zn_ent1", body["id"])) == kept
    store: LocalStore = s.app.state.files
    assert all(p.resolve().is_relative_to(store.root.resolve()) for p in store.root.rglob("*"))


async def test_unauthenticated_and_malformed_uploads_are_refused(stack):
    s = stack
    await s.refused(await upload(s, None, samples.pdf(), "a.pdf"), 401, "NOT_AUTHENTICATED")
    body = await s.ok(await upload(s, "zn_ent1", samples.pdf(), "a.pdf"), 201)
    await s.refused(await download(s, None, body["id"]), 401, "NOT_AUTHENTICATED")
    await s.refused(await s.post("zn_ent1", "/files", {"file": "x"}), 400, "FILE_UPLOAD_MALFORMED")
    no_file = await s.http.post("/api/v1/files", data={"note": "没有文件"}, files={"other": ("a.pdf", b"x")},
                                headers=s.auth("zn_ent1"))
    await s.refused(no_file, 400, "FILE_UPLOAD_MALFORMED")
    await s.refused(await download(s, "zn_ent1", "0" * 32), 404, "FILE_NOT_FOUND")
    await s.refused(await download(s, "zn_ent1", "..\\..\\etc\\passwd"), 404, "FILE_NOT_FOUND")


async def test_an_upload_cut_off_half_way_leaves_nothing(local_stack):
    """The client goes away mid-body: the staged part is removed, no row, no blob."""
    s = local_stack
    data = samples.pdf("y" * 200_000)
    boundary = "mineflowboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    half = body[: len(body) // 2]
    sent, messages = False, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": half, "more_body": True}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    token = s.auth("zn_ent1")["Authorization"].encode()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/v1/files", "raw_path": b"/api/v1/files", "query_string": b"", "root_path": "",
             "server": ("mineflow.test", 80), "client": ("127.0.0.1", 5000),
             "headers": [(b"host", b"mineflow.test"), (b"authorization", token),
                         (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
                         (b"content-length", str(len(body)).encode())]}
    await s.app(scope, receive, send)
    store: LocalStore = s.app.state.files
    assert await rows(s) == 0 and leftovers(store) == []
    assert not any(p.is_file() for p in store.root.rglob("*"))


async def test_previews_show_in_the_browser_and_downloads_stay_sandboxed(local_stack):
    """A PDF or an image asked for inline is shown by the browser: no CSP `sandbox`, which stops Chrome's PDF viewer
    (the type read from the bytes at upload, `nosniff`, no script). Every download, and every other type even asked
    for inline, is an attachment under `sandbox`."""
    s = local_stack
    previewable = [(samples.pdf, "安全评价报告.pdf"), (samples.jpeg, "现场照片.jpg"), (samples.png, "边坡.png")]
    for make, name in previewable:
        stored = await s.ok(await upload(s, "zn_ent1", make(), name), 201)
        shown = await download(s, "zn_ent1", stored["id"], inline="true")
        assert shown.status_code == 200 and shown.headers["content-disposition"].startswith("inline;"), name
        policy = shown.headers["content-security-policy"]
        assert "sandbox" not in policy and "default-src 'none'" in policy and "script-src" not in policy, policy
        assert shown.headers["x-content-type-options"] == "nosniff"
        saved = await download(s, "zn_ent1", stored["id"])
        assert saved.headers["content-disposition"].startswith("attachment;")
        assert "sandbox" in saved.headers["content-security-policy"]
        assert saved.headers["x-content-type-options"] == "nosniff"
    docx = await s.ok(await upload(s, "zn_ent1", samples.docx(), "恢复治理方案.docx"), 201)
    refused = await download(s, "zn_ent1", docx["id"], inline="true")  # not previewable: downloaded, sandboxed
    assert refused.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in refused.headers["content-security-policy"]

async def test_who_may_read_a_file_follows_who_may_read_the_case(stack):
    s = stack
    mine = await s.ok(await upload(s, "zn_ent1", samples.pdf("own"), "安全评价报告.pdf"), 201)
    # unattached: the uploader's enterprise only
    assert (await download(s, "zn_ent1", mine["id"])).status_code == 200
    for other in ("zn_ent2", "hy_ent1", "zn_nr"):
        await s.refused(await download(s, other, mine["id"]), 404, "FILE_NOT_FOUND")

    own_case = (await s.submit())["case_id"]
    assert await attach(s, "zn_ent1", own_case, mine["id"], mine["id"]) == [mine["id"]]
    assert await attach(s, "zn_ent1", own_case, mine["id"]) == [mine["id"]]  # twice: nothing new
    # attached: whoever may read the case — its county, its city — and never another enterprise
    for reader in ("zn_ent1", "zn_nr", "city_nr", "admin"):
        assert (await download(s, reader, mine["id"])).status_code == 200, reader
    for outsider in ("zn_ent2", "hy_ent1", "hy_nr"):
        await s.refused(await download(s, outsider, mine["id"]), 404, "FILE_NOT_FOUND")
    listed = await s.ok(await s.get("zn_nr", f"/cases/{own_case}/files"))
    assert [(f["id"], f["sha256"], f["attached_by"]) for f in listed] == [(mine["id"], mine["sha256"], "zn_ent1")]
    await s.refused(await s.get("zn_ent2", f"/cases/{own_case}/files"), 403, "NOT_YOUR_CASE")

    # copied (抄送) to an official of another county: now they read it too
    await s.ok(await s.post("zn_nr", f"/cases/{own_case}/copies", {"to": "hy_nr", "note": "请阅"}))

    async def copied() -> bool:
        return (await download(s, "hy_nr", mine["id"])).status_code == 200
    await s.eventually(copied)

    # another enterprise cannot attach this file to its own case, nor its own file to this case
    theirs = await s.ok(await upload(s, "zn_ent2", samples.pdf("theirs"), "他人的.pdf"), 201)
    from tests.support.stack import OPEN_PIT_MINE
    their_case = (await s.submit(OPEN_PIT_MINE, "zn_ent2"))["case_id"]
    with pytest.raises(DomainError) as refused:
        await attach(s, "zn_ent2", their_case, mine["id"])
    assert refused.value.code == "FILE_NOT_FOUND"
    with pytest.raises(DomainError) as refused:
        await attach(s, "zn_ent2", own_case, theirs["id"])
    assert refused.value.code == "NOT_YOUR_CASE"
    async with s.db.session() as session:
        links = (await session.exec(select(CaseFile.case_id, CaseFile.file_id))).all()
        attached = (await session.exec(select(AuditEntry).where(AuditEntry.action == "file_attached"))).all()
    assert links == [(own_case, mine["id"])]
    assert [(e.case_id, json.loads(e.data)["sha256"]) for e in attached] == [(own_case, mine["sha256"])]


async def test_verify_names_a_swapped_stored_file(files_stack):
    s = files_stack
    first = await s.ok(await upload(s, "zn_ent1", samples.pdf("first"), "第一份.pdf"), 201)
    second = await s.ok(await upload(s, "zn_ent1", samples.png(), "现场照片.png"), 201)
    report = await s.ok(await s.get("admin", "/admin/audit/verify"))
    assert report["ok"] and report["files_checked"] == 2 and report["first_bad_file_id"] is None

    store = s.app.state.files
    assert isinstance(store, LocalStore | S3Store)
    swap(store, second["sha256"], samples.png() + b"tampered")
    report = await s.ok(await s.get("admin", "/admin/audit/verify"))
    assert not report["ok"] and report["first_broken_id"] is None  # the chain itself is intact
    assert (report["first_bad_file_id"], report["first_bad_file_name"]) == (second["id"], "现场照片.png")
    assert "已被替换" in report["reason"] and report["files_checked"] == 1
    assert first["id"] != report["first_bad_file_id"]
