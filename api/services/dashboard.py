"""统计看板's figures, and the cases behind each: SQL over the projection for one procedure at a time, scoped as the
case list is (a county its own, the city every county). Each figure is one set of conditions (`figure_conditions`)
— counted for the dashboard, listed for its drill-down — so a number and the cases it leads to never disagree."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Principal
from api.kinds import Kind
from api.scope import case_filter, division_filter
from domain.calendar import CHINA_TZ, local_date
from domain.cases import Status
from domain.errors import DomainError, ErrorCode
from domain.roles import ROLE_NAMES, Role
from models.projection import CaseRecord, CaseTask
from models.registry import Division, DivisionLevel

MONTHS = 12


class Figure(StrEnum):
    OPEN = "open"  # 在办 (optionally of one county, one stage)
    OVERDUE = "overdue"  # 逾期在办
    COMPLETED = "completed"  # 本月办结
    CLOSED_OTHERWISE = "closed_otherwise"  # 本月未获批准 / 撤回 / 终止
    SUBMITTED_IN = "submitted_in"  # a month's new applications (the chart)
    COMPLETED_IN = "completed_in"  # a month's completions (the chart)
    HELD_UP = "held_up"  # cases with a late task held by one holder


FIGURE_NAMES = {
    Figure.OPEN: "在办案件", Figure.OVERDUE: "逾期案件", Figure.COMPLETED: "本月办结",
    Figure.CLOSED_OTHERWISE: "本月未获批准、撤回或终止", Figure.SUBMITTED_IN: "新申请", Figure.COMPLETED_IN: "办结",
    Figure.HELD_UP: "逾期待办涉及的案件",
}


class FigureQuery(BaseModel):
    """Which number of the dashboard (the drill-down's query string)."""

    kind: str
    figure: Figure
    county: str | None = Field(default=None, pattern=r"^\d{6}$")
    stage: str | None = Field(default=None, max_length=30)
    month: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    holder_division: str | None = Field(default=None, pattern=r"^\d{6}$")
    holder_name: str | None = Field(default=None, max_length=100)
    holder_role: str | None = Field(default=None, max_length=30)


def china_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=CHINA_TZ).astimezone(UTC)


def month_starts(today: date, count: int = MONTHS) -> list[date]:
    year, month = today.year, today.month
    out = []
    for _ in range(count):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def month_range(month: str) -> tuple[datetime, datetime]:
    """[first moment, first moment of the next) of a 'YYYY-MM' month, China time, as UTC."""
    year, number = int(month[:4]), int(month[5:7])
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return china_midnight(first), china_midnight(following)


def _late(now: datetime) -> Any:
    return or_(col(CaseTask.overdue).is_(True), and_(col(CaseTask.due_at).is_not(None), col(CaseTask.due_at) <= now))


def figure_conditions(principal: Principal, query: FigureQuery, now: datetime) -> list[Any]:
    """The WHERE over `case_records` of one figure: the caller's scope, the procedure, and the figure's own."""
    base: list[Any] = [case_filter(principal), col(CaseRecord.kind) == query.kind]
    month_start = china_midnight(local_date(now).replace(day=1))
    match query.figure:
        case Figure.OPEN:
            base.append(col(CaseRecord.status) == Status.ACTIVE.value)
            if query.county:
                base.append(col(CaseRecord.division_code) == query.county)
            if query.stage:
                base.append(col(CaseRecord.stage) == query.stage)
        case Figure.OVERDUE:
            base += [col(CaseRecord.status) == Status.ACTIVE.value, col(CaseRecord.overdue).is_(True)]
        case Figure.COMPLETED:
            base += [col(CaseRecord.status) == Status.COMPLETED.value, col(CaseRecord.closed_at) >= month_start]
        case Figure.CLOSED_OTHERWISE:
            base += [col(CaseRecord.status).not_in([Status.ACTIVE.value, Status.COMPLETED.value]),
                     col(CaseRecord.closed_at) >= month_start]
        case Figure.SUBMITTED_IN | Figure.COMPLETED_IN:
            if not query.month:
                raise DomainError(ErrorCode.VALIDATION_FAILED, "请指明月份", {"field": "month"})
            start, end = month_range(query.month)
            if query.figure is Figure.SUBMITTED_IN:
                base += [col(CaseRecord.submitted_at) >= start, col(CaseRecord.submitted_at) < end]
            else:
                base += [col(CaseRecord.status) == Status.COMPLETED.value, col(CaseRecord.closed_at) >= start,
                         col(CaseRecord.closed_at) < end]
        case Figure.HELD_UP:
            if not (query.holder_division and query.holder_name and query.holder_role):
                raise DomainError(ErrorCode.VALIDATION_FAILED, "请指明责任单位", {"field": "holder"})
            base.append(col(CaseRecord.case_id).in_(select(CaseTask.case_id).where(
                _late(now), division_filter(principal, CaseTask.division_code),
                CaseTask.division_code == query.holder_division, CaseTask.name == query.holder_name,
                CaseTask.role == query.holder_role)))
    return base


async def figure_cases(*, session: AsyncSession, principal: Principal, query: FigureQuery, now: datetime,
                       page: int = 1, page_size: int = 20) -> tuple[list[CaseRecord], int]:
    """The cases behind one figure, newest first: (a page of them, how many)."""
    conditions = figure_conditions(principal, query, now)
    total: int = (await session.exec(select(func.count()).select_from(CaseRecord).where(*conditions))).one()
    rows = (await session.exec(select(CaseRecord).where(*conditions)
                               .order_by(col(CaseRecord.submitted_at).desc(), col(CaseRecord.case_id).desc())
                               .offset((page - 1) * page_size).limit(page_size))).all()
    return list(rows), total


# ---- the dashboard's numbers ---------------------------------------------------------------------------------------

@dataclass
class Holder:
    """Who holds things up: a department, expert, bureau or enterprise with tasks past their deadline."""

    division: str
    division_name: str
    name: str
    role: str
    role_name: str
    items: int  # late tasks
    cases: int  # the cases they are in
    oldest_days: int | None


@dataclass
class Figures:
    scope_name: str
    stages: list[tuple[str, str]]
    counties: list[tuple[str, str]]
    open_by: dict[tuple[str, str], int]
    open_total: int
    overdue_cases: int
    holders: list[Holder]
    completed_this_month: int
    closed_otherwise_this_month: int
    series: list[tuple[str, int, int]] = field(default_factory=list)  # (YYYY-MM, submitted, completed)


def _month_of(column: Any, is_sqlite: bool) -> Any:
    """'YYYY-MM' of a UTC timestamp column, in China time."""
    if is_sqlite:
        return func.strftime("%Y-%m", column, "+8 hours")
    return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM")


async def _count(session: AsyncSession, principal: Principal, query: FigureQuery, now: datetime) -> int:
    conditions = figure_conditions(principal, query, now)
    found: int = (await session.exec(select(func.count()).select_from(CaseRecord).where(*conditions))).one()
    return found


async def figures(*, session: AsyncSession, principal: Principal, now: datetime, is_sqlite: bool,
                  kind: Kind) -> Figures:
    today = local_date(now)
    of = kind.code
    open_ = figure_conditions(principal, FigureQuery(kind=of, figure=Figure.OPEN), now)
    open_rows = (await session.exec(
        select(CaseRecord.division_code, CaseRecord.stage, func.count()).where(*open_)
        .group_by(col(CaseRecord.division_code), col(CaseRecord.stage))
    )).all()
    open_by = {(division, stage): n for division, stage, n in open_rows}
    # The counties in scope, and any other division holding cases of this kind (a city's own campaign).
    holding = {division for division, _ in open_by}
    counties = (await session.exec(
        select(Division).where(division_filter(principal, Division.code),
                               or_(col(Division.level) == DivisionLevel.COUNTY, col(Division.code).in_(holding)))
        .order_by(col(Division.code))
    )).all()
    names = {d.code: d.name for d in counties}

    holder_rows = (await session.exec(
        select(CaseTask.division_code, CaseTask.name, CaseTask.role, func.count(),
               func.count(func.distinct(CaseTask.case_id)), func.min(CaseTask.due_at))
        .join(CaseRecord, col(CaseRecord.case_id) == col(CaseTask.case_id))
        .where(case_filter(principal), division_filter(principal, CaseTask.division_code),
               col(CaseRecord.kind) == of, _late(now))
        .group_by(col(CaseTask.division_code), col(CaseTask.name), col(CaseTask.role))
        .order_by(func.count().desc(), func.min(CaseTask.due_at))
        .limit(10)
    )).all()
    holders = []
    for division, name, role, items, in_cases, oldest in holder_rows:
        days = (today - local_date(oldest)).days + 1 if oldest is not None and oldest <= now else None
        role_name = ROLE_NAMES.get(Role(role), role) if role in Role.__members__.values() else role
        holders.append(Holder(division=division, division_name=names.get(division, division), name=name, role=role,
                              role_name=role_name, items=items, cases=in_cases, oldest_days=days))

    months = month_starts(today)
    since = china_midnight(months[0])
    scope = [case_filter(principal), col(CaseRecord.kind) == of]
    submitted_month = _month_of(CaseRecord.submitted_at, is_sqlite)
    closed_month = _month_of(CaseRecord.closed_at, is_sqlite)
    submitted = dict((await session.exec(
        select(submitted_month, func.count()).where(*scope, col(CaseRecord.submitted_at) >= since)
        .group_by(submitted_month)
    )).all())
    completed = dict((await session.exec(
        select(closed_month, func.count())
        .where(*scope, col(CaseRecord.status) == Status.COMPLETED.value, col(CaseRecord.closed_at) >= since)
        .group_by(closed_month)
    )).all())
    series = [(f"{m:%Y-%m}", int(submitted.get(f"{m:%Y-%m}", 0)), int(completed.get(f"{m:%Y-%m}", 0)))
              for m in months]

    user = principal.user
    scope_name = "全部辖区"
    if user.division_code:
        division = await session.get(Division, user.division_code)
        scope_name = division.name if division else user.division_code
    return Figures(
        scope_name=scope_name,
        stages=[(s, kind.short_stage_names.get(s, kind.stage_names[s])) for s in kind.open_stages()],
        counties=[(d.code, d.name) for d in counties], open_by=open_by, open_total=sum(open_by.values()),
        overdue_cases=await _count(session, principal, FigureQuery(kind=of, figure=Figure.OVERDUE), now),
        holders=holders,
        completed_this_month=await _count(session, principal, FigureQuery(kind=of, figure=Figure.COMPLETED), now),
        closed_otherwise_this_month=await _count(session, principal,
                                                 FigureQuery(kind=of, figure=Figure.CLOSED_OTHERWISE), now),
        series=series,
    )
