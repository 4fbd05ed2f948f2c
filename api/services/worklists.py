"""A user's own case lists beside the 待办 (api/services/inbox.py) and the 抄送 (`cases.copied_to`): 已办 — the cases
they acted on — and 我发起的 — the cases they started, both read from the audit chain, where every timeline entry
is recorded with its actor (the first entry of a case is its start: the applicant's application, the bureau's
opening of a campaign, a batch start's)."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import AuditEntry
from models.projection import CaseRecord


class MyEntry(BaseModel):
    """What the user last did on a case."""

    action: str
    detail: str
    at: datetime


async def _cases_with(session: AsyncSession, mine: Any, page: int, page_size: int
                      ) -> tuple[list[tuple[CaseRecord, MyEntry]], int]:
    """The cases with entries matching `mine`, each with the latest of them, most recent first."""
    latest = (select(AuditEntry.case_id, func.max(AuditEntry.id).label("last_id"))
              .where(mine, col(AuditEntry.case_id).is_not(None), col(AuditEntry.seq).is_not(None))
              .group_by(col(AuditEntry.case_id)).subquery())
    total: int = (await session.exec(select(func.count()).select_from(latest).join(
        CaseRecord, col(CaseRecord.case_id) == latest.c.case_id))).one()
    rows = (await session.exec(
        select(CaseRecord, AuditEntry)
        .join(latest, latest.c.case_id == col(CaseRecord.case_id))
        .join(AuditEntry, col(AuditEntry.id) == latest.c.last_id)
        .order_by(latest.c.last_id.desc()).offset((page - 1) * page_size).limit(page_size))).all()
    return [(record, MyEntry(action=entry.action, detail=entry.detail, at=entry.at)) for record, entry in rows], total


async def acted_on(*, session: AsyncSession, username: str, page: int = 1, page_size: int = 20
                   ) -> tuple[list[tuple[CaseRecord, MyEntry]], int]:
    """已办: the cases `username` took an action on (their start included), latest action first."""
    return await _cases_with(session, col(AuditEntry.actor) == username, page, page_size)


async def started_by(*, session: AsyncSession, username: str, page: int = 1, page_size: int = 20
                     ) -> tuple[list[tuple[CaseRecord, MyEntry]], int]:
    """我发起的: the cases whose first timeline entry is `username`'s."""
    return await _cases_with(session, (col(AuditEntry.actor) == username) & (col(AuditEntry.seq) == 1),
                             page, page_size)
