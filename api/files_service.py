"""Files: storing an upload, who may read a file, attaching files to a case, and checking every stored file
against the audit chain.

Who may read a file follows who may read the case (api/scope.py over the case projection, copies included): the
uploader (for an enterprise, any user of the same enterprise) reads a file not yet attached; once attached to a
case, whoever may read that case reads it. Anyone else gets 404 FILE_NOT_FOUND, so file ids cannot be probed.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from fastapi.responses import StreamingResponse
from pydantic import Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Principal
from api.scope import can_view
from domain.errors import DomainError, ErrorCode
from domain.roles import Role
from models.audit import AuditEvent, ChainReport, append_events, verify_chain
from models.db import Database, utcnow, write_beside
from models.file_refs import FileRef
from models.files import CaseFile, StoredFile
from models.projection import CaseCopy, CaseRecord
from storage.blobs import BlobStore
from storage.names import content_disposition, stored_name
from storage.records import file_event, is_sqlite, verify_files
from storage.sniff import CONTENT_TYPES, PREVIEWABLE, FileType, sniff
from storage.upload import read_upload, too_large

MULTIPART_OVERHEAD = 64 * 1024


class UploadedFile(FileRef):
    file_type: FileType = Field(description="按文件内容识别的类型")
    uploaded_at: datetime


class AttachedFile(UploadedFile):
    attached_by: str
    attached_at: datetime


class IntegrityReport(ChainReport):
    """The audit chain's report, and the stored files' against it."""

    files_checked: int = 0
    first_bad_file_id: str | None = None
    first_bad_file_name: str | None = None


def uploaded(row: StoredFile) -> UploadedFile:
    return UploadedFile(**row.ref().model_dump(), file_type=FileType(row.file_type), uploaded_at=row.uploaded_at)


# ---- storing -----------------------------------------------------------------------------------------------------

async def store_upload(*, db: Database, store: BlobStore, principal: Principal, body: AsyncIterator[bytes],
                       content_type: str | None, content_length: int | None, max_bytes: int) -> UploadedFile:
    """Stream a multipart upload into staging, check it (size, real type, name), keep its bytes under their hash
    and record it — row and audit entry in one transaction. Refused or cut off, it leaves nothing behind."""
    if content_length is not None and content_length > max_bytes + MULTIPART_OVERHEAD:
        raise too_large(max_bytes)  # refused before a byte is read
    with store.staging() as (path, handle):
        incoming = await read_upload(body, content_type, handle, max_bytes=max_bytes)
        await asyncio.to_thread(handle.flush)
        if incoming.size == 0:
            raise DomainError(ErrorCode.FILE_EMPTY)
        file_type = await asyncio.to_thread(sniff, path)
        name = stored_name(incoming.filename, file_type)
        await store.put(incoming.sha256, path, CONTENT_TYPES[file_type])
    user = principal.user
    row = StoredFile(id=uuid.uuid4().hex, sha256=incoming.sha256, size=incoming.size, file_type=file_type.value,
                     content_type=CONTENT_TYPES[file_type], name=name, source="upload", uploaded_by=user.username,
                     uploaded_role=user.role.value, enterprise_id=user.enterprise_id, uploaded_at=utcnow())
    async with db.write() as session:
        session.add(row)
        await append_events(session, [file_event(row, user.display_name, row.uploaded_at)], is_sqlite=db.is_sqlite)
    return uploaded(row)


# ---- reading -----------------------------------------------------------------------------------------------------

def _own_upload(principal: Principal, row: StoredFile) -> bool:
    user = principal.user
    if row.source != "upload":  # generated documents belong to their case only (a user named "system" gets none)
        return False
    if row.uploaded_by == user.username:
        return True
    return user.role is Role.ENTERPRISE and user.enterprise_id is not None and row.enterprise_id == user.enterprise_id


def _scope_allows(principal: Principal, division: str, enterprise: int | None, counterparty: int | None,
                  copied: str | None) -> bool:
    return copied is not None or can_view(principal, division, enterprise, counterparty)


async def case_readable(session: AsyncSession, principal: Principal, case_id: str) -> bool:
    """Whether the caller may read the case (its jurisdiction, its enterprises, or copied to them)."""
    found = (await session.exec(
        select(CaseRecord.division_code, CaseRecord.enterprise_id, CaseRecord.counterparty_enterprise_id,
               CaseCopy.username)
        .outerjoin(CaseCopy, (col(CaseCopy.case_id) == col(CaseRecord.case_id))
                   & (col(CaseCopy.username) == principal.username))
        .where(CaseRecord.case_id == case_id)
    )).first()
    return found is not None and _scope_allows(principal, *found)


async def ensure_case_readable(session: AsyncSession, principal: Principal, case_id: str) -> None:
    exists = await session.get(CaseRecord, case_id) if len(case_id) <= 40 else None
    if exists is None:
        raise DomainError(ErrorCode.CASE_NOT_FOUND)
    if not await case_readable(session, principal, case_id):
        code = ErrorCode.NOT_YOUR_CASE if principal.role is Role.ENTERPRISE else ErrorCode.OUT_OF_JURISDICTION
        raise DomainError(code)


async def may_read(session: AsyncSession, principal: Principal, row: StoredFile) -> bool:
    if principal.role is Role.ADMIN or _own_upload(principal, row):
        return True
    cases = (await session.exec(
        select(CaseRecord.division_code, CaseRecord.enterprise_id, CaseRecord.counterparty_enterprise_id,
               CaseCopy.username)
        .join(CaseFile, col(CaseFile.case_id) == col(CaseRecord.case_id))
        .outerjoin(CaseCopy, (col(CaseCopy.case_id) == col(CaseRecord.case_id))
                   & (col(CaseCopy.username) == principal.username))
        .where(CaseFile.file_id == row.id)
    )).all()
    return any(_scope_allows(principal, *found) for found in cases)


async def readable_file(*, session: AsyncSession, principal: Principal, file_id: str) -> StoredFile:
    """The file if the caller may read it; 404 FILE_NOT_FOUND otherwise (whether or not it exists)."""
    row = await session.get(StoredFile, file_id) if len(file_id) == 32 else None
    if row is None or not await may_read(session, principal, row):
        raise DomainError(ErrorCode.FILE_NOT_FOUND, details={"file_id": file_id[:40]})
    return row


# A download is never a page: sandboxed, nothing loaded. A preview is a PDF or an image whose type was read from
# its bytes at upload (and `nosniff` holds the browser to it): `sandbox` would stop Chrome's PDF viewer, so it is
# left out there; no script may run all the same, and the browser's own viewer page may style itself and show the
# image it was opened for.
DOWNLOAD_POLICY = "default-src 'none'; sandbox"
PREVIEW_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


async def download(*, store: BlobStore, row: StoredFile, inline: bool = False) -> StreamingResponse:
    """The file's bytes as a download (the API's and the console's): its stored type, a safe filename, never run
    as a page; `inline` previews a PDF or an image in the browser."""
    if not await store.exists(row.sha256):
        raise DomainError(ErrorCode.FILE_NOT_FOUND, "文件内容缺失，请联系管理员核查", {"file_id": row.id})
    preview = inline and FileType(row.file_type) in PREVIEWABLE
    return StreamingResponse(store.chunks(row.sha256), media_type=row.content_type, headers={
        "Content-Disposition": content_disposition(row.name, "inline" if preview else "attachment"),
        "Content-Length": str(row.size),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": PREVIEW_POLICY if preview else DOWNLOAD_POLICY,
        "Cache-Control": "private, no-cache",
        "ETag": f'"{row.sha256}"',
    })


async def file_refs(*, session: AsyncSession, principal: Principal, file_ids: Sequence[str]) -> list[FileRef]:
    """The references an action will carry, each checked readable by the caller; nothing is written. (For an
    action's route: check before the update, then `attach_files` once the workflow accepted it.)"""
    return [(await readable_file(session=session, principal=principal, file_id=fid)).ref()
            for fid in dict.fromkeys(file_ids)]


async def attach_files(*, session: AsyncSession, case_id: str, file_ids: Sequence[str],
                       principal: Principal) -> list[FileRef]:
    """Attach files the caller may read to a case the caller may read, in the caller's write transaction (from
    `Database.write()`); each new attachment's hash goes into the audit chain under the case. Attaching a file
    twice changes nothing. Returns the references in the order given, without repeats."""
    await ensure_case_readable(session, principal, case_id)
    refs = await file_refs(session=session, principal=principal, file_ids=file_ids)
    present = set((await session.exec(select(CaseFile.file_id).where(
        CaseFile.case_id == case_id, col(CaseFile.file_id).in_([r.id for r in refs])))).all())
    now, events = utcnow(), []
    for ref in refs:
        if ref.id in present:
            continue
        session.add(CaseFile(case_id=case_id, file_id=ref.id, attached_by=principal.username, attached_at=now))
        events.append(AuditEvent(
            event_key=f"file-attached:{case_id}:{ref.id}", at=now, actor=principal.username,
            actor_name=principal.user.display_name, role=principal.role.value, action="file_attached",
            case_id=case_id, detail=f"附加文件《{ref.name}》（SHA-256 {ref.sha256}）",
            data={"file_id": ref.id, "sha256": ref.sha256, "name": ref.name, "size": ref.size}))
    await session.flush()
    await append_events(session, events, is_sqlite=is_sqlite(session))
    return refs


async def attach_accepted(*, session: AsyncSession, case_id: str, file_ids: Sequence[str],
                          principal: Principal) -> list[FileRef]:
    """`attach_files` in a write transaction of its own, beside the request's read session: for the files an
    action carried, once the workflow has accepted it."""
    async with write_beside(session) as own:
        return await attach_files(session=own, case_id=case_id, file_ids=file_ids, principal=principal)


async def case_files(*, session: AsyncSession, principal: Principal, case_id: str) -> list[AttachedFile]:
    """The files attached to a case (materials, evidence and its generated documents), oldest first."""
    await ensure_case_readable(session, principal, case_id)
    rows = (await session.exec(
        select(StoredFile, CaseFile).join(CaseFile, col(CaseFile.file_id) == col(StoredFile.id))
        .where(CaseFile.case_id == case_id).order_by(col(CaseFile.attached_at), col(StoredFile.id))
    )).all()
    return [AttachedFile(**uploaded(row).model_dump(), attached_by=link.attached_by, attached_at=link.attached_at)
            for row, link in rows]


# ---- verification ------------------------------------------------------------------------------------------------

async def verify_all(session: AsyncSession, store: BlobStore) -> IntegrityReport:
    """`verify`: the audit chain, then every stored file against it."""
    chain = await verify_chain(session)
    files = await verify_files(session, store)
    return IntegrityReport(
        ok=chain.ok and files.ok, checked=chain.checked, first_broken_id=chain.first_broken_id,
        reason=chain.reason if not chain.ok else files.reason, files_checked=files.checked,
        first_bad_file_id=files.first_bad_file_id, first_bad_file_name=files.first_bad_file_name)
