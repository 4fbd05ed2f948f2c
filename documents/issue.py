"""Issuing a document: once per (case, kind, occurrence), numbered, dated, rendered, stored and recorded.

The order makes retries harmless: an issued document is looked up first (returned as it is, never re-rendered);
the builder is asked before a number is drawn, so a case not yet there wastes no number; the number is drawn in
its own keyed transaction (a retry draws the same one); the PDF goes into the content-addressed store before the
record, and the record — file row, attachment to the case, document row and their audit entries — is written in
one transaction, so a document exists entirely or not at all.
"""

import asyncio
import gc
import json
import multiprocessing
import os
import secrets
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from functools import partial

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.exceptions import ApplicationError

from documents.builders import Issue, authority_division, build
from documents.kinds import SPECS, DocumentKind
from documents.render import render_pdf
from domain.calendar import local_date
from domain.errors import DomainError, ErrorCode
from domain.reopening import approval_document_number
from domain.roles import DepartmentKind
from models.audit import AuditEntry, AuditEvent, append_events, entry_hash
from models.cases import CaseViewBase
from models.db import Database, insert_ignoring_conflict, utcnow
from models.document_refs import CaseDocumentRef, IssueDocumentInput
from models.documents import DocumentSequence, IssuedDocument
from models.files import CaseDocument, CaseFile, StoredFile
from models.registry import Department, Division
from settings import Settings
from storage.blobs import BlobStore
from storage.records import SYSTEM, record_generated
from storage.sniff import FileType

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud or typed from paper
CODE_LENGTH = 16  # 80 bits: not guessable
DOCUMENT_ISSUED = "document_issued"
# A render process is replaced after this many documents: WeasyPrint's font and layout caches grow with each one.
RENDERS_PER_PROCESS = 200
RENDER_NICENESS = 10  # below the worker and the API: a document may wait, an official's action should not


_renderers: dict[int, ProcessPoolExecutor] = {}


def _renderer(processes: int) -> ProcessPoolExecutor:
    """The process's render pool. WeasyPrint is CPU-bound (≈ 0.3 s a document); in a thread it held the GIL the
    worker's workflow tasks need, so a burst of documents stalled every case's updates for seconds. In processes of
    their own, at a lower priority, documents only take the CPU the actions leave (`document_render_processes`).
    Spawned, not forked: the worker runs Temporal's core threads, which a fork would copy mid-state."""
    if (pool := _renderers.get(processes)) is None:
        pool = _renderers[processes] = ProcessPoolExecutor(
            processes, mp_context=multiprocessing.get_context("spawn"), initializer=_render_process_start,
            max_tasks_per_child=RENDERS_PER_PROCESS)
    return pool


def _render_process_start() -> None:
    # A supervisor's SIGTERM (or a terminal's ^C) reaches the whole process group: the worker drains its activities
    # first, and those may be waiting on a render, so the render process carries on; it ends with the worker
    # (`stop_renderers`, or the end of its pipe).
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    os.nice(RENDER_NICENESS)
    import documents.render  # noqa: F401  (WeasyPrint's imports once, before the first document waits on them)

    gc.freeze()  # the modules just imported live as long as the process: no collection needs to walk them


def _render_then_collect(job: Callable[[], bytes]) -> bytes:
    """Run `job` in a render process, then free its garbage. A WeasyPrint document leaves reference cycles (boxes,
    fonts, Pango objects) that Python's generational collector let pile up to ≈ 850 MB within 25 renders; a
    collection after each render keeps the process near 150 MB and, over a frozen heap, costs less CPU than the
    collector's own full passes did (measured: 0.27 → 0.26 s a render)."""
    try:
        return job()
    finally:
        gc.collect()


async def _render(processes: int, job: Callable[[], bytes]) -> bytes:
    try:
        return await asyncio.get_running_loop().run_in_executor(_renderer(processes), _render_then_collect, job)
    except BrokenProcessPool:  # a render process died (killed, out of memory): a fresh pool for the retry
        _renderers.pop(processes, None)
        raise ApplicationError("文书生成进程意外退出，将重试", type="RENDER_PROCESS_DIED") from None


def stop_renderers() -> None:
    """End the render processes (a worker stopping, once its activities have drained)."""
    for pool in list(_renderers.values()):
        pool.shutdown(wait=True, cancel_futures=True)
    _renderers.clear()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())[:CODE_LENGTH * 2]


def show_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def verify_url(settings: Settings, code: str) -> str:
    return f"{settings.verification_base_url}/verify/{show_code(code)}"


def document_event_key(case_id: str, kind: str, occurrence: int) -> str:
    return f"document:{case_id}:{kind}:{occurrence}"


async def issue_document(*, db: Database, store: BlobStore, settings: Settings,
                         request: IssueDocumentInput) -> CaseDocumentRef:
    view, kind, occurrence = request.view, request.kind, request.occurrence
    async with db.session() as session:
        existing = await _issued(session, view.case_id, kind, occurrence)
        if existing is not None:
            return await _ref(session, settings, existing)
        issue = await _issue_facts(session, view, request.at or utcnow())
    build(kind, view, issue)  # refuses (DOCUMENT_NOT_AVAILABLE) before a number is drawn
    doc_no = await _number(db, view, kind, occurrence, issue.issued_on.year)
    issue = Issue(doc_no=doc_no, issued_on=issue.issued_on, issuer=issue.issuer, government=issue.government,
                  city_bureau=issue.city_bureau)
    content = build(kind, view, issue)
    code = new_code()
    pdf = await _render(settings.document_render_processes,
                        partial(render_pdf, content, issue, code=show_code(code), url=verify_url(settings, code)))
    sha256 = await store.put_bytes(pdf, "application/pdf")
    at = utcnow()
    try:
        async with db.write() as session:
            existing = await _issued(session, view.case_id, kind, occurrence)
            if existing is None:
                existing = await _record(session, view, kind, occurrence, content.title, issue, code, sha256,
                                         len(pdf), at)
            ref = await _ref(session, settings, existing)
    except IntegrityError:  # a concurrent attempt recorded it first (PostgreSQL): theirs stands
        async with db.session() as session:
            existing = await _issued(session, view.case_id, kind, occurrence)
            assert existing is not None
            return await _ref(session, settings, existing)
    return ref


async def _issued(session: AsyncSession, case_id: str, kind: DocumentKind, occurrence: int) -> CaseDocument | None:
    return (await session.exec(select(CaseDocument).where(
        CaseDocument.case_id == case_id, CaseDocument.kind == kind.value,
        CaseDocument.occurrence == occurrence))).first()


async def _bureau(session: AsyncSession, division: Division) -> str:
    dept = (await session.exec(select(Department).where(
        Department.division_code == division.code, Department.kind == DepartmentKind.NATURAL_RESOURCES)
        .order_by(col(Department.id)))).first()
    return dept.name if dept else f"{division.name}自然资源局"


async def _issue_facts(session: AsyncSession, view: CaseViewBase, at: datetime) -> Issue:
    division = await session.get(Division, authority_division(view))
    city = await session.get(Division, view.city_code)
    if division is None or city is None:
        raise DomainError(ErrorCode.DIVISION_NOT_FOUND, details={"division_code": authority_division(view)})
    return Issue(doc_no="", issued_on=local_date(at), issuer=await _bureau(session, division),
                 government=f"{division.name}人民政府", city_bureau=await _bureau(session, city))


async def _number(db: Database, view: CaseViewBase, kind: DocumentKind, occurrence: int, year: int) -> str:
    """The workflow's own number where it drew one (批复, 准予转让), else the next of the bureau's sequence for this
    document type and year, drawn once per (case, document): a retry gets the same number."""
    spec = SPECS[kind]
    if spec.workflow_purpose and view.document_no:
        return view.document_no
    purpose = f"{kind.value}:{occurrence}"[:30]
    try:
        return await _draw(db, view, spec.doc_type, purpose, year)
    except IntegrityError:  # a concurrent attempt drew it first (PostgreSQL; its increment was rolled back)
        async with db.session() as session:
            issued = await session.get(IssuedDocument, (view.case_id, purpose))
            assert issued is not None
            return issued.doc_no


async def _draw(db: Database, view: CaseViewBase, doc_type: str, purpose: str, year: int) -> str:
    division_code = authority_division(view)
    async with db.write() as session:
        issued = await session.get(IssuedDocument, (view.case_id, purpose))
        if issued is not None:
            return issued.doc_no
        division = await session.get(Division, division_code)
        assert division is not None
        key = {"division_code": division_code, "doc_type": doc_type, "year": year}
        await session.exec(insert_ignoring_conflict(DocumentSequence, {**key, "last_seq": 0},  # type: ignore[call-overload]
                                                    db.engine.dialect.name))
        sequence = await session.get(DocumentSequence, tuple(key.values()), with_for_update=not db.is_sqlite,
                                     populate_existing=True)
        assert sequence is not None
        sequence.last_seq += 1
        doc_no = approval_document_number(division.short_name, doc_type, year, sequence.last_seq)
        session.add(sequence)
        session.add(IssuedDocument(case_id=view.case_id, purpose=purpose, division_code=division_code,
                                   doc_type=doc_type, year=year, seq=sequence.last_seq, doc_no=doc_no,
                                   issued_at=utcnow()))
        return doc_no


async def _record(session: AsyncSession, view: CaseViewBase, kind: DocumentKind, occurrence: int, title: str,
                  issue: Issue, code: str, sha256: str, size: int, at: datetime) -> CaseDocument:
    name = f"{issue.doc_no} {title}.pdf" if issue.doc_no else f"{title}.pdf"
    row = await record_generated(session=session, sha256=sha256, size=size, name=name, file_type=FileType.PDF,
                                 at=at, actor_name=issue.issuer)
    session.add(CaseFile(case_id=view.case_id, file_id=row.id, attached_by=SYSTEM, attached_at=at))
    doc = CaseDocument(case_id=view.case_id, kind=kind.value, occurrence=occurrence, file_id=row.id, sha256=sha256,
                       doc_no=issue.doc_no, title=title, issuer=issue.issuer,
                       issuer_division_code=authority_division(view), issued_on=issue.issued_on, issued_at=at,
                       verification_code=code)
    session.add(doc)
    await session.flush()
    await append_events(session, [AuditEvent(
        event_key=document_event_key(view.case_id, kind.value, occurrence), at=at, actor=SYSTEM,
        actor_name=issue.issuer, role=SYSTEM, action=DOCUMENT_ISSUED, case_id=view.case_id,
        detail=f"出具{SPECS[kind].name}《{title}》（{issue.doc_no}，SHA-256 {sha256}）",
        data=chain_data(doc))], is_sqlite=session.get_bind().dialect.name == "sqlite")
    return doc


def chain_data(doc: CaseDocument) -> dict[str, object]:
    """What the audit chain holds of a document: what the verification page shows, and checks."""
    return {"kind": doc.kind, "occurrence": doc.occurrence, "doc_no": doc.doc_no, "title": doc.title,
            "issuer": doc.issuer, "issued_on": doc.issued_on.isoformat(), "sha256": doc.sha256,
            "file_id": doc.file_id, "verification_code": doc.verification_code}


async def _ref(session: AsyncSession, settings: Settings, doc: CaseDocument) -> CaseDocumentRef:
    row = await session.get(StoredFile, doc.file_id)
    assert row is not None
    kind = DocumentKind(doc.kind)
    return CaseDocumentRef(case_id=doc.case_id, kind=kind, kind_name=SPECS[kind].name, occurrence=doc.occurrence,
                           doc_no=doc.doc_no, title=doc.title, issuer=doc.issuer, issued_on=doc.issued_on,
                           verification_code=show_code(doc.verification_code),
                           verify_url=verify_url(settings, doc.verification_code), file=row.ref())


async def case_documents(session: AsyncSession, settings: Settings, case_id: str) -> list[CaseDocumentRef]:
    docs = (await session.exec(select(CaseDocument).where(CaseDocument.case_id == case_id)
                               .order_by(col(CaseDocument.issued_at), col(CaseDocument.id)))).all()
    return [await _ref(session, settings, doc) for doc in docs]


async def chain_record(session: AsyncSession, doc: CaseDocument) -> dict[str, object] | None:
    """The document's entry in the audit chain, if that entry is intact — its own hash and its links to the
    entries before and after it check out (the whole chain is `verify`'s walk) — None otherwise."""
    entry = (await session.exec(select(AuditEntry).where(
        AuditEntry.event_key == document_event_key(doc.case_id, doc.kind, doc.occurrence)))).first()
    if entry is None or entry.hash != entry_hash(entry.prev_hash, entry):
        return None
    before = await session.get(AuditEntry, entry.id - 1) if entry.id > 1 else None
    after = await session.get(AuditEntry, entry.id + 1)
    if (before is not None and before.hash != entry.prev_hash) or (after is not None and after.prev_hash != entry.hash):
        return None
    data: dict[str, object] = json.loads(entry.data)
    return data
