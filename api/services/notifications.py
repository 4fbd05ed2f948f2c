"""A user's notifications: what the outbox (models/notifications.py) sent to any audience the user belongs to, with
the user's own read state. One timeline entry may reach a user through two audiences (their department and their
role, say): it is listed, counted and read once — as its first row (the lowest id of the rows written for it)."""

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.notifications import audiences_of
from models.db import Database, insert_ignoring_conflict, utcnow
from models.notifications import Notification, NotificationRead
from models.registry import User


class NotificationOut(BaseModel):
    id: int
    case_id: str | None
    action: str
    subject: str
    body: str
    created_at: datetime
    read: bool


class NotificationList(BaseModel):
    items: list[NotificationOut]
    total: int
    unread: int = Field(description="未读通知数")
    page: int
    page_size: int


def _audiences(user: User) -> list[str]:
    return audiences_of(username=user.username, role=user.role.value, division_code=user.division_code,
                        department_id=user.department_id, enterprise_id=user.enterprise_id)


def _firsts(user: User) -> object:
    """The id of each notification the user received: the first row of each timeline entry sent to them."""
    return (select(func.min(Notification.id).label("id"))
            .where(col(Notification.audience).in_(_audiences(user)))
            .group_by(col(Notification.case_id), col(Notification.action), col(Notification.created_at),
                      col(Notification.body))
            .subquery())


def _read_by(username: str) -> object:
    return select(NotificationRead.notification_id).where(NotificationRead.username == username)


async def unread_count(*, session: AsyncSession, user: User) -> int:
    firsts = _firsts(user)
    count: int = (await session.exec(select(func.count()).select_from(firsts).where(
        firsts.c.id.not_in(_read_by(user.username))))).one()  # type: ignore[attr-defined]
    return count


async def listing(*, session: AsyncSession, user: User, unread_only: bool = False, page: int = 1,
                  page_size: int = 50) -> NotificationList:
    """The user's notifications, newest first."""
    firsts = _firsts(user)
    read = _read_by(user.username)
    condition = col(Notification.id).in_(select(firsts.c.id))  # type: ignore[attr-defined]
    if unread_only:
        condition = condition & col(Notification.id).not_in(read)  # type: ignore[assignment]
    total = (await session.exec(select(func.count()).select_from(Notification).where(condition))).one()
    rows = (await session.exec(
        select(Notification, col(Notification.id).in_(read))
        .where(condition).order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .offset((page - 1) * page_size).limit(page_size))).all()
    items = [NotificationOut(id=n.id or 0, case_id=n.case_id, action=n.action, subject=n.subject, body=n.body,
                             created_at=n.created_at, read=bool(is_read)) for n, is_read in rows]
    return NotificationList(items=items, total=total, unread=await unread_count(session=session, user=user),
                            page=page, page_size=page_size)


async def mark_read(*, db: Database, user: User, ids: Sequence[int] | None = None) -> int:
    """Mark the user's notifications read (those of `ids` that are theirs; all when `ids` is None): how many were
    unread. Marking twice changes nothing."""
    async with db.write() as session:
        firsts = _firsts(user)
        statement = select(firsts.c.id).where(firsts.c.id.not_in(_read_by(user.username)))  # type: ignore[attr-defined]
        if ids is not None:
            statement = statement.where(firsts.c.id.in_(list(ids)))  # type: ignore[attr-defined]
        unread = list((await session.exec(statement)).all())
        now = utcnow()
        dialect = db.engine.dialect.name
        for notification_id in unread:
            await session.exec(insert_ignoring_conflict(NotificationRead, {  # type: ignore[call-overload]
                "notification_id": notification_id, "username": user.username, "read_at": now}, dialect))
        return len(unread)


async def case_of(*, session: AsyncSession, user: User, notification_id: int) -> str | None:
    """The case a notification of the user's is about (None: not theirs, or about no case)."""
    firsts = _firsts(user)
    found: str | None = (await session.exec(select(Notification.case_id).where(
        Notification.id == notification_id, col(Notification.id).in_(select(firsts.c.id))))).first()  # type: ignore[attr-defined]
    return found
