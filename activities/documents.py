"""The document issuer as a Temporal activity: the workflows call `issue_document` once the act a document
records has happened (受理, 补正, 批复 …). Idempotent per (case, kind, occurrence), so Temporal's retries and a
replayed workflow's repeated call return the document issued the first time."""

from temporalio import activity
from temporalio.exceptions import ApplicationError

from documents.issue import issue_document
from domain.errors import DomainError
from models.db import Database
from models.document_refs import CaseDocumentRef, IssueDocumentInput
from settings import Settings
from storage.blobs import BlobStore, make_store


class DocumentActivities:
    def __init__(self, db: Database, settings: Settings, store: BlobStore | None = None) -> None:
        self.db, self.settings = db, settings
        self.store = store or make_store(settings)

    @activity.defn(name="issue_document")
    async def issue_document(self, request: IssueDocumentInput) -> CaseDocumentRef:
        try:
            return await issue_document(db=self.db, store=self.store, settings=self.settings, request=request)
        except DomainError as exc:
            # A case not yet at the document's point (or an unknown division) will not change by retrying; an
            # unavailable file store will.
            raise ApplicationError(exc.message, exc.details, type=exc.code.value,
                                   non_retryable=exc.status < 500) from exc
