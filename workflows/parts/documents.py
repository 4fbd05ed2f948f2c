"""The documents a case issues as its acts happen (受理通知书 at 受理, 批复 at the decision …). A procedure says only
*which* document at *which* moment — `self._issue(DocumentKind.ACCEPTANCE_NOTICE)` beside the act — and this part
issues it through the `issue_document` activity (documents/issue.py).

The timeline says when each was issued (`document_issued`, with its 文号 and SHA-256), beside the issuer's own
audit entry that the verification page checks.

When: the document is asked for at the act and issued right after the act is written (the projection sync that
answers the actor), from the case as it then stands. So the actor never waits on a PDF, and the document shows
exactly what the act did (the round just opened, the 公示 period just started).

How it fails: the activity runs in the background on the documents' own task queue (`<prefix>-documents`: every
worker serves it unless told `--family`, and it can be given hosts of its own; rendering takes longer than a local
activity should), retried without limit like every side effect — a file store or database outage delays the
document, never the case, and the act stays recorded whatever happens to its document. The case's workflow ends
only once its last documents are issued (its status in lists is already final). A document the issuer refuses
(DOCUMENT_NOT_AVAILABLE — a case not at the document's point, a fault in the procedure, not an outage) is not
retried: the timeline records `document_failed` with the reason, and the case goes on without it.

Cases recorded before documents existed replay without these commands (the `documents` patch); such a case, once
it has passed a document's point unpatched, issues none for the rest of its run.
"""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from documents.kinds import SPECS, DocumentKind
    from models.cases import CaseViewBase
    from models.document_refs import CaseDocumentRef, IssueDocumentInput
    from models.queues import DOCUMENTS_FAMILY, sibling_queue

from workflows.parts.calls import RETRY

PATCH = "documents"
QUEUE_PATCH = "documents-queue"  # documents issued on their own task queue (before: on the case's)
# Rendering a document (WeasyPrint) takes about a second; a worker lost mid-attempt is retried after this.
TIMEOUT = timedelta(seconds=30)


class DocumentIssuing:
    """Mixed into CaseEngine: `_issue` asks for a document; `_sync` starts what was asked; `_finish` waits for it."""

    _case: CaseViewBase

    def _init_documents(self) -> None:
        self._documents_due: list[tuple[DocumentKind, int]] = []
        self._documents_asked: dict[DocumentKind, int] = {}  # how many of each kind this case asked for
        self._documents_running: list[asyncio.Task[None]] = []

    def _issue(self, kind: DocumentKind) -> None:
        """Issue `kind` once this act is written; a second one of a kind (a second 补正) is its next occurrence."""
        if not workflow.patched(PATCH):
            return
        occurrence = self._documents_asked.get(kind, 0) + 1
        self._documents_asked[kind] = occurrence
        self._documents_due.append((kind, occurrence))

    def _start_documents(self) -> None:
        """Start issuing what was asked, from the case as it stands now (just written)."""
        due, self._documents_due = self._documents_due, []
        if not due:
            return
        view = self._case.model_copy(update={"timeline": [], "pending": [], "available_actions": []})
        queue = sibling_queue(workflow.info().task_queue, DOCUMENTS_FAMILY) if workflow.patched(QUEUE_PATCH) else None
        for kind, occurrence in due:
            request = IssueDocumentInput(kind=kind, view=view, occurrence=occurrence, at=workflow.now())
            self._documents_running.append(asyncio.create_task(self._issue_one(request, queue)))

    async def _issue_one(self, request: IssueDocumentInput, queue: str | None) -> None:
        try:
            ref = await workflow.execute_activity("issue_document", request, result_type=CaseDocumentRef,
                                                  task_queue=queue, start_to_close_timeout=TIMEOUT,
                                                  retry_policy=RETRY)
            self._record_issued_document(ref)
        except ActivityError as exc:  # refused for good (never an outage: those are retried)
            cause = exc.cause
            reason = cause.message if isinstance(cause, ApplicationError) else str(exc)
            code = cause.type if isinstance(cause, ApplicationError) else None
            self._record_refused_document(request, f"未能出具{SPECS[request.kind].name}：{reason}", code)

    async def _documents_settled(self) -> None:
        """Wait for every document started (each records its timeline entry, to be written by the next sync)."""
        while self._documents_running:
            running, self._documents_running = self._documents_running, []
            await asyncio.gather(*running)

    def _record_issued_document(self, ref: CaseDocumentRef) -> None:
        raise NotImplementedError  # CaseEngine's: on the timeline, as the system

    def _record_refused_document(self, request: IssueDocumentInput, detail: str, code: str | None) -> None:
        raise NotImplementedError  # CaseEngine's: on the timeline, as the system
