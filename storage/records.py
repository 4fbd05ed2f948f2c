"""Stored files in the database: their rows' audit entries (which bind each file's SHA-256 into the chain), the
record of a generated file, and `verify_files`, which re-hashes every stored blob against the chain."""

import json
import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import exists, literal
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import AuditEntry, AuditEvent, append_events
from models.files import StoredFile
from storage.blobs import BlobStore
from storage.sniff import CONTENT_TYPES, FileType

SYSTEM = "system"  # the uploader of generated documents
FILE_STORED = "file_stored"


class FileReport(BaseModel):
    ok: bool
    checked: int
    first_bad_file_id: str | None = None
    first_bad_file_name: str | None = None
    reason: str | None = None


def is_sqlite(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def file_event(row: StoredFile, actor_name: str, at: datetime) -> AuditEvent:
    """The audit entry that binds a stored file's hash into the chain (what `verify` checks the bytes against)."""
    return AuditEvent(
        event_key=f"file:{row.id}", at=at, actor=row.uploaded_by, actor_name=actor_name, role=row.uploaded_role,
        action=FILE_STORED, detail=f"存储文件《{row.name}》（SHA-256 {row.sha256}）",
        data={"file_id": row.id, "sha256": row.sha256, "size": row.size, "content_type": row.content_type,
              "name": row.name, "source": row.source},
    )


async def record_generated(*, session: AsyncSession, sha256: str, size: int, name: str, file_type: FileType,
                           at: datetime, actor_name: str) -> StoredFile:
    """A file the system made (a generated document) and already put in the store, recorded in the caller's
    write transaction with its audit entry."""
    row = StoredFile(id=uuid.uuid4().hex, sha256=sha256, size=size, file_type=file_type.value,
                     content_type=CONTENT_TYPES[file_type], name=name, source="document", uploaded_by=SYSTEM,
                     uploaded_role=SYSTEM, uploaded_at=at)
    session.add(row)
    await append_events(session, [file_event(row, actor_name, at)], is_sqlite=is_sqlite(session))
    return row


async def verify_files(session: AsyncSession, store: BlobStore, batch: int = 500) -> FileReport:
    """Re-hash every stored file, in the order the chain recorded them, against the hash the chain holds for it;
    name the first that does not match (bytes swapped or damaged, blob missing, row altered), then any file row
    the chain never recorded."""
    checked, after = 0, 0
    digests: dict[str, str | None] = {}  # one read per blob, however many rows share it
    while True:
        entries = (await session.exec(select(AuditEntry).where(
            AuditEntry.action == FILE_STORED, col(AuditEntry.id) > after).order_by(col(AuditEntry.id)).limit(batch)
        )).all()
        if not entries:
            break
        recorded = [json.loads(e.data) for e in entries]
        rows = {r.id: r for r in (await session.exec(select(StoredFile).where(
            col(StoredFile.id).in_([d.get("file_id") for d in recorded])))).all()}
        for data in recorded:
            row = rows.get(data.get("file_id", ""))
            if row is None:
                return FileReport(ok=False, checked=checked, first_bad_file_id=data.get("file_id"),
                                  first_bad_file_name=data.get("name"),
                                  reason=f"文件《{data.get('name')}》（{data.get('file_id')}）的记录已被删除")
            if row.sha256 != data.get("sha256"):
                return _bad(checked, row, f"文件《{row.name}》（{row.id}）的记录与审计链不符（哈希被改动）")
            if row.sha256 not in digests:
                digests[row.sha256] = await store.digest(row.sha256)
            if digests[row.sha256] is None:
                return _bad(checked, row, f"文件《{row.name}》（{row.id}）在文件存储中缺失")
            if digests[row.sha256] != row.sha256:
                return _bad(checked, row, f"文件《{row.name}》（{row.id}）的存储内容已被替换或损坏（SHA-256 不符）")
            checked += 1
        after = entries[-1].id
    stray = (await session.exec(select(StoredFile).where(~exists().where(
        col(AuditEntry.event_key) == literal("file:") + col(StoredFile.id))).limit(1))).first()
    if stray is not None:
        return _bad(checked, stray, f"文件《{stray.name}》（{stray.id}）的哈希未记入审计链")
    return FileReport(ok=True, checked=checked)


def _bad(checked: int, row: StoredFile, reason: str) -> FileReport:
    return FileReport(ok=False, checked=checked, first_bad_file_id=row.id, first_bad_file_name=row.name,
                      reason=reason)


