"""Loading a year's official holiday arrangement (国务院办公厅关于部分节假日安排的通知): checked (domain/calendar.py),
stored with its audit entry in one transaction, then told to every open case (the `calendar_loaded` signal) so
their pending deadlines are planned again. Shared by `POST /api/v1/admin/calendar/{year}` and
`mineflow calendar load`."""

import asyncio
import json
import uuid
from datetime import date, datetime

import structlog
from pydantic import BaseModel, Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from domain.calendar import WorkCalendar, YearTable, check_arrangement, default_calendar
from domain.cases import Status
from models.audit import AuditEvent, append_events
from models.calendar_years import CalendarYear, official_tables
from models.cases import CalendarNotice, ShortText
from models.db import Database, utcnow
from models.projection import CaseRecord
from workflows.parts.engine import CALENDAR_LOADED

log = structlog.get_logger("mineflow.calendar")
SIGNAL_CONCURRENCY = 20


_merged: tuple[dict[int, YearTable], WorkCalendar] | None = None


async def current_calendar(session: AsyncSession) -> WorkCalendar:
    """The process's calendar with the loaded years on top, as the database holds them now — what the API and
    console count “剩余 N 个工作日” with, agreeing with the workers' deadlines. Rebuilt only when the years change."""
    global _merged
    loaded = await official_tables(session)
    if _merged is None or _merged[0] != loaded:
        _merged = (loaded, default_calendar().with_tables(loaded))
    return _merged[1]


class ArrangementIn(BaseModel):
    holidays: list[date] = Field(min_length=1, max_length=366, description="放假日期（含调休放假的工作日）")
    workdays: list[date] = Field(default=[], max_length=366, description="调休上班的周六、周日")
    source: ShortText = Field(description="通知文号或标题，如 国办发明电〔2026〕7号")


class ArrangementOut(BaseModel):
    year: int
    holidays: list[date]
    workdays: list[date]
    source: str
    loaded_by: str
    loaded_at: datetime
    cases_told: int = Field(default=0, description="已通知重新推算期限的在办案件数")


def _out(row: CalendarYear, told: int = 0) -> ArrangementOut:
    holidays, workdays = row.dates()
    return ArrangementOut(year=row.year, holidays=holidays, workdays=workdays, source=row.source,
                          loaded_by=row.loaded_by, loaded_at=row.loaded_at, cases_told=told)


async def loaded_years(db: Database) -> list[ArrangementOut]:
    async with db.session() as session:
        return [_out(row) for row in (await session.exec(select(CalendarYear).order_by(col(CalendarYear.year)))).all()]


async def load_year(*, db: Database, temporal: Client, year: int, body: ArrangementIn, actor: str, role: str,
                    actor_name: str = "") -> ArrangementOut:
    """Store `year`'s arrangement (replacing one loaded before) with its audit entry, then tell the open cases."""
    holidays, workdays = sorted(set(body.holidays)), sorted(set(body.workdays))
    check_arrangement(year, holidays, workdays)
    now = utcnow()
    async with db.write() as session:
        row = await session.get(CalendarYear, year)
        replaced = row is not None
        if row is None:
            row = CalendarYear(year=year, holidays="", workdays="", source="", loaded_by="", loaded_at=now)
        row.holidays = json.dumps([d.isoformat() for d in holidays])
        row.workdays = json.dumps([d.isoformat() for d in workdays])
        row.source, row.loaded_by, row.loaded_at = body.source, actor, now
        session.add(row)
        await session.flush()
        await append_events(session, [AuditEvent(
            event_key=f"calendar:{year}:{uuid.uuid4().hex}", at=now, actor=actor, actor_name=actor_name, role=role,
            action="calendar_loaded",
            detail=f"{'更新' if replaced else '载入'}{year}年节假日安排（{body.source}）："
                   f"放假{len(holidays)}天，调休上班{len(workdays)}天",
            data={"year": year, "holidays": [str(d) for d in holidays], "workdays": [str(d) for d in workdays],
                  "source": body.source, "replaced": replaced},
        )], is_sqlite=db.is_sqlite)
        out = _out(row)
    notice = CalendarNotice(year=year, holidays=holidays, workdays=workdays, source=body.source, loaded_by=actor)
    out.cases_told = await tell_open_cases(db, temporal, notice)
    return out


async def tell_open_cases(db: Database, temporal: Client, notice: CalendarNotice) -> int:
    """Signal every open case to re-plan its deadlines; a case that closed meanwhile is skipped."""
    async with db.session() as session:
        open_cases = list((await session.exec(select(CaseRecord.case_id).where(
            CaseRecord.status == Status.ACTIVE.value))).all())
    gate = asyncio.Semaphore(SIGNAL_CONCURRENCY)

    async def tell(case_id: str) -> bool:
        async with gate:
            try:
                await temporal.get_workflow_handle(case_id).signal(CALENDAR_LOADED, notice)
            except RPCError as exc:
                if exc.status is not RPCStatusCode.NOT_FOUND:
                    raise
                return False
            return True

    told = sum(await asyncio.gather(*(tell(case_id) for case_id in open_cases)))
    log.info("calendar.loaded", year=notice.year, cases_told=told, open_cases=len(open_cases))
    return told
