"""Official document numbers (文号): one gap-free sequence per county, document type and year."""

from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.db import UTCDateTime


class DocumentSequence(SQLModel, table=True):
    __tablename__ = "document_sequences"
    division_code: str = Field(primary_key=True, max_length=6)
    doc_type: str = Field(primary_key=True, max_length=20)
    year: int = Field(primary_key=True)
    last_seq: int = 0


class IssuedDocument(SQLModel, table=True):
    """Keyed by (case, purpose): a retried activity finds its number here instead of drawing a new one."""

    __tablename__ = "issued_documents"
    __table_args__ = (UniqueConstraint("division_code", "doc_type", "year", "seq"),)
    case_id: str = Field(primary_key=True, max_length=40)
    purpose: str = Field(primary_key=True, max_length=30)
    division_code: str = Field(max_length=6)
    doc_type: str = Field(max_length=20)
    year: int
    seq: int
    doc_no: str = Field(max_length=60, unique=True)
    issued_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
