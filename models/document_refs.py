"""Generated documents over the wire: what a workflow asks the `issue_document` activity for, and what it gets
back. Pure pydantic, importable through the workflow sandbox."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, SerializeAsAny

from documents.kinds import DocumentKind
from models.cases import CaseViewBase, as_case_view
from models.file_refs import FileRef

# Any procedure's view, whole on the wire and read back as its own class (by `kind`, models.cases.VIEWS).
CaseView = Annotated[SerializeAsAny[CaseViewBase], BeforeValidator(as_case_view)]


class IssueDocumentInput(BaseModel):
    """Issue `kind` for the case as `view` shows it. Idempotent per (case, kind, occurrence): a retry, or a second
    call, returns the document issued the first time, unchanged."""

    kind: DocumentKind
    view: CaseView
    occurrence: int = Field(default=1, ge=1, le=100, description="the n-th document of this kind (a second 补正…)")
    at: datetime | None = Field(default=None, description="when the act was recorded (`workflow.now()`): the "
                                                          "document's date; the activity's own time if absent")


class CaseDocumentRef(BaseModel):
    case_id: str
    kind: DocumentKind
    kind_name: str
    occurrence: int
    doc_no: str = Field(description="文号")
    title: str
    issuer: str = Field(description="出具机关")
    issued_on: date
    verification_code: str = Field(description="核验码")
    verify_url: str
    file: FileRef
