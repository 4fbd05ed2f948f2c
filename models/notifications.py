"""The notification outbox: reminders, escalations and urges to deliver, written in the same transaction as the
timeline entries that cause them (so none is lost or sent for an entry that was rolled back), delivered by the
NotificationDispatcherWorkflow's activities, and finally marked sent or failed — never dropped."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from models.db import UTCDateTime, str_enum


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Notification(SQLModel, table=True):
    __tablename__ = "notifications"
    id: int | None = Field(default=None, primary_key=True)
    event_key: str = Field(max_length=200, unique=True, description="(case, timeline seq, audience): written once")
    case_id: str | None = Field(default=None, max_length=40, index=True)
    action: str = Field(max_length=60)
    audience: str = Field(max_length=120, index=True,
                          description="department:<id> | user:<name> | role:<role>:<division> | enterprise:<id>")
    subject: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: DeliveryStatus = Field(default=DeliveryStatus.PENDING, index=True, sa_type=str_enum(DeliveryStatus))
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class NotificationRead(SQLModel, table=True):
    """Who has read which notification (the console's unread count). One row per reader: a notification to a
    department or a role reaches several people, each reading it in their own time."""

    __tablename__ = "notification_reads"
    notification_id: int = Field(sa_column=Column(Integer, ForeignKey("notifications.id", ondelete="CASCADE"),
                                                  primary_key=True))
    username: str = Field(primary_key=True, max_length=40, index=True)
    read_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
