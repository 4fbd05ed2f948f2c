"""Stored files (uploads and generated documents), their attachment to cases, and the documents a case issued.

A row per upload, not per content: two enterprises uploading the same bytes get two rows (each sees only its
own), sharing one stored blob under the SHA-256.
"""

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.db import UTCDateTime
from models.file_refs import FileRef


class StoredFile(SQLModel, table=True):
    __tablename__ = "stored_files"
    id: str = Field(primary_key=True, max_length=32, description="uuid4 hex")
    sha256: str = Field(max_length=64, index=True)
    size: int = Field(sa_column=Column(BigInteger(), nullable=False))
    file_type: str = Field(max_length=10)
    content_type: str = Field(max_length=100)
    name: str = Field(max_length=200)
    source: str = Field(max_length=10, description="upload | document")
    uploaded_by: str = Field(max_length=40, index=True)
    uploaded_role: str = Field(max_length=30)
    enterprise_id: int | None = Field(default=None, description="the uploader's enterprise, if an enterprise user")
    uploaded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))

    def ref(self) -> FileRef:
        return FileRef(id=self.id, sha256=self.sha256, name=self.name, content_type=self.content_type,
                       size=self.size)


class CaseFile(SQLModel, table=True):
    """A file attached to a case: whoever may read the case may read the file."""

    __tablename__ = "case_files"
    case_id: str = Field(foreign_key="case_records.case_id", primary_key=True, max_length=40)
    file_id: str = Field(foreign_key="stored_files.id", primary_key=True, max_length=32, index=True)
    attached_by: str = Field(max_length=40)
    attached_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class CaseDocument(SQLModel, table=True):
    """An official document the case issued: generated once per (case, kind, occurrence), never changed."""

    __tablename__ = "case_documents"
    __table_args__ = (UniqueConstraint("case_id", "kind", "occurrence"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case_records.case_id", max_length=40, index=True)
    kind: str = Field(max_length=40)
    occurrence: int = Field(default=1, description="the n-th document of this kind in the case (a second 补正…)")
    file_id: str = Field(foreign_key="stored_files.id", max_length=32)
    sha256: str = Field(max_length=64)
    doc_no: str = Field(max_length=60)
    title: str = Field(max_length=200)
    issuer: str = Field(max_length=100, description="发文机关")
    issuer_division_code: str = Field(max_length=6)
    issued_on: date
    issued_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    verification_code: str = Field(max_length=32, unique=True)
