"""The projection writer and the document-number issuer."""

from sqlalchemy import delete, insert, update
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity

import timings
from domain.notifications import audiences
from domain.reopening import approval_document_number
from models.audit import AuditEvent, append_events
from models.cases import DocumentNumberRequest, IssuedDocumentNumber, ProjectionRow, SyncCaseInput
from models.db import Database, insert_ignoring_conflict, upsert_if_newer, utcnow
from models.documents import DocumentSequence, IssuedDocument
from models.notifications import DeliveryStatus, Notification
from models.projection import CaseCopy, CaseRecord, CaseTask
from models.registry import Mine, MineStatus

# The tables themselves, not the ORM entities: statements on an entity go through the ORM's bulk layers (session
# synchronisation, evaluation of the WHERE against loaded objects), which cost more than the write.
CASES, TASKS, COPIES, MINES = (model.__table__ for model in (CaseRecord, CaseTask, CaseCopy, Mine))  # type: ignore[attr-defined]


class CaseActivities:
    def __init__(self, db: Database) -> None:
        self.db = db

    @activity.defn(name="sync_case")
    async def sync_case(self, payload: SyncCaseInput) -> None:
        """Write the case row, replace its open tasks and copies, and append its new timeline entries to the audit
        chain, in one transaction.

        Guarded by the case's version, so a retried or late write never rolls the projection back; timeline
        entries are keyed by (case, seq) in the audit chain, so a retry adds none twice.
        """
        row = payload.record
        dialect = self.db.engine.dialect.name
        # Core statements, not the ORM: this runs on every action's path, and the unit of work's bookkeeping cost
        # more CPU than the writes themselves.
        async with self.db.write() as session:
            with timings.phase("projection write"):
                values = {**row.model_dump(), "status": row.status.value}
                written = await session.exec(upsert_if_newer(  # type: ignore[call-overload]
                    CASES, tuple(values), key="case_id", version="version", dialect=dialect), params=values)
                if written.rowcount:
                    await session.exec(delete(TASKS).where(TASKS.c.case_id == row.case_id))  # type: ignore[call-overload]
                    if payload.tasks:
                        await session.exec(insert(TASKS), params=[  # type: ignore[call-overload]
                            {**task.model_dump(), "role": task.role.value, "case_id": row.case_id}
                            for task in payload.tasks])
                    await session.exec(delete(COPIES).where(COPIES.c.case_id == row.case_id))  # type: ignore[call-overload]
                    if payload.copies:
                        await session.exec(insert(COPIES), params=[  # type: ignore[call-overload]
                            {"case_id": row.case_id, "username": name} for name in payload.copies])
                    if payload.mine_status and row.mine_id is not None:
                        await session.exec(update(MINES).where(MINES.c.id == row.mine_id)  # type: ignore[call-overload]
                                           .values(status=MineStatus(payload.mine_status).value))
            with timings.phase("outbox"):
                await write_outbox(session, row, payload, self.db.engine.dialect.name)
            with timings.phase("audit append"):
                await append_events(session, [
                    AuditEvent(event_key=f"case:{row.case_id}:{entry.seq}", at=entry.at, actor=entry.actor,
                               actor_name=entry.actor_name, role=entry.role, action=entry.action,
                               case_id=row.case_id, seq=entry.seq, detail=entry.detail, data=entry.data)
                    for entry in payload.new_entries
                ], is_sqlite=self.db.is_sqlite)
            commit = timings.phase("commit")  # timed from here to the end of the transaction
        with commit:
            pass

    @activity.defn(name="issue_document_number")
    async def issue_document_number(self, request: DocumentNumberRequest) -> IssuedDocumentNumber:
        """Draw the next number of the county's sequence for the year, once per (case, purpose): a retry
        returns the number already drawn, and concurrent approvals never share or skip one."""
        async with self.db.write() as session:
            issued = await session.get(IssuedDocument, (request.case_id, request.purpose))
            if issued is not None:
                return IssuedDocumentNumber(doc_no=issued.doc_no, year=issued.year, seq=issued.seq)
            key = {"division_code": request.division_code, "doc_type": request.doc_type, "year": request.year}
            await session.exec(insert_ignoring_conflict(DocumentSequence, {**key, "last_seq": 0},  # type: ignore[call-overload]
                                                        self.db.engine.dialect.name))
            sequence = await session.get(DocumentSequence, tuple(key.values()), with_for_update=not self.db.is_sqlite,
                                         populate_existing=True)
            assert sequence is not None
            sequence.last_seq += 1
            doc_no = approval_document_number(request.county_short_name, request.doc_type, request.year,
                                              sequence.last_seq)
            session.add(sequence)
            session.add(IssuedDocument(case_id=request.case_id, purpose=request.purpose,
                                       division_code=request.division_code, doc_type=request.doc_type,
                                       year=request.year, seq=sequence.last_seq, doc_no=doc_no, issued_at=utcnow()))
            return IssuedDocumentNumber(doc_no=doc_no, year=request.year, seq=sequence.last_seq)


async def write_outbox(session: AsyncSession, row: ProjectionRow, payload: SyncCaseInput, dialect: str) -> None:
    """The notifications the new timeline entries call for (domain/notifications.py), keyed so a retried write
    adds none twice, in the same transaction as the entries themselves."""
    party_audience = {
        task.party: f"user:{task.assignee}" if task.assignee else
        f"department:{task.department_id}" if task.department_id is not None else f"user:{task.party.split(':', 1)[-1]}"
        for task in payload.tasks if task.party
    }
    now = utcnow()
    for entry in payload.new_entries:
        for audience in audiences(entry.action, entry.data, county=row.division_code, city=row.city_code,
                                  enterprise_id=row.enterprise_id, party_audience=party_audience):
            await session.exec(insert_ignoring_conflict(Notification.__table__, {  # type: ignore[call-overload,attr-defined]
                "event_key": f"{row.case_id}:{entry.seq}:{audience}", "case_id": row.case_id,
                "action": entry.action, "audience": audience, "subject": f"【矿山审批】{row.title}",
                "body": f"{entry.detail}\n案件：{row.case_id}（{row.title}）", "status": DeliveryStatus.PENDING.value,
                "attempts": 0, "created_at": now,
            }, dialect))
