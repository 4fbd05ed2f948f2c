"""The read model: one row per case and one per open task, written only by the `sync_case` activity.

Lists, inboxes and dashboards are SQL over these tables; `GET /cases/{id}` reads the workflow itself.
"""

from datetime import date, datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from models.db import UTCDateTime


class CaseRecord(SQLModel, table=True):
    __tablename__ = "case_records"
    __table_args__ = (
        # keyset pagination: newest first within a jurisdiction, and across all.
        Index("ix_case_records_division_submitted", "division_code", "submitted_at", "case_id"),
        Index("ix_case_records_city_submitted", "city_code", "submitted_at", "case_id"),
        Index("ix_case_records_enterprise_submitted", "enterprise_id", "submitted_at", "case_id"),
        Index("ix_case_records_submitted", "submitted_at", "case_id"),
        # the overdue filter (officials' first question), newest first, without walking every case
        Index("ix_case_records_overdue_submitted", "overdue", "submitted_at", "case_id"),
    )
    case_id: str = Field(primary_key=True, max_length=40)
    kind: str = Field(max_length=20, index=True)
    title: str = Field(max_length=200)
    mine_id: int | None = Field(default=None, index=True)
    mine_name: str | None = Field(default=None, max_length=100)
    licence_no: str | None = Field(default=None, max_length=40, index=True)
    enterprise_id: int | None = None
    enterprise_name: str | None = Field(default=None, max_length=100)
    # a second enterprise party who may read the case (a transfer's transferee)
    counterparty_enterprise_id: int | None = Field(default=None, index=True)
    division_code: str = Field(max_length=6)
    city_code: str = Field(max_length=6)
    stage: str = Field(max_length=30, index=True)
    status: str = Field(max_length=20, index=True)
    overdue: bool = Field(default=False, index=True)
    deadline: date | None = None
    next_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    round_no: int = 0
    document_no: str | None = Field(default=None, max_length=60)
    summary: str = Field(default="", max_length=200)
    version: int = 0
    submitted_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class CaseTask(SQLModel, table=True):
    """An inbox item: exists exactly while the workflow waits on that party or role."""

    __tablename__ = "case_tasks"
    __table_args__ = (
        Index("ix_case_tasks_role_division", "role", "division_code", "due_at"),
        Index("ix_case_tasks_department", "department_id", "due_at"),
        Index("ix_case_tasks_assignee", "assignee", "due_at"),
        Index("ix_case_tasks_enterprise", "enterprise_id", "due_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case_records.case_id", max_length=40, index=True)
    task: str = Field(max_length=40)
    party: str | None = Field(default=None, max_length=60)
    name: str = Field(max_length=100)
    role: str = Field(max_length=30)
    division_code: str = Field(max_length=6)
    department_id: int | None = None
    enterprise_id: int | None = None
    assignee: str | None = Field(default=None, max_length=40)
    due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    overdue: bool = False
    urged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    urge_message: str | None = Field(default=None, max_length=2000)


class CaseCopy(SQLModel, table=True):
    """抄送: an official given read access to a case outside their jurisdiction, listed under "copied to me"."""

    __tablename__ = "case_copies"
    case_id: str = Field(foreign_key="case_records.case_id", primary_key=True, max_length=40)
    username: str = Field(primary_key=True, max_length=40, index=True)


class IdempotencyRecord(SQLModel, table=True):
    """The first answer to a request carrying `Idempotency-Key`, per user."""

    __tablename__ = "idempotency_keys"
    username: str = Field(primary_key=True, max_length=40)
    key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    case_id: str = Field(max_length=40)
    request_body: str
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
