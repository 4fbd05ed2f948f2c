"""统计看板: SQL aggregates over the projection for one procedure at a time (its stages are its own), scoped as the
case list is (a county sees its own, the city every county), and a server-rendered SVG chart of cases over time."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Principal
from api.kinds import Kind
from api.scope import case_filter, division_filter
from domain.calendar import CHINA_TZ, local_date
from domain.cases import Status
from domain.roles import ROLE_NAMES, Role
from models.projection import CaseRecord, CaseTask
from models.registry import Division, DivisionLevel

MONTHS = 12


@dataclass
class Bar:
    x: float
    y: float
    w: float
    h: float
    kind: str
    label: str


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, int]]  # (y, value)
    months: list[tuple[float, str]]  # (x centre, label)
    plot_left: int
    plot_right: int
    plot_bottom: int


@dataclass
class Dashboard:
    scope_name: str
    kind: Kind
    stages: list[tuple[str, str]]
    counties: list[tuple[str, str]]
    open_by: dict[tuple[str, str], int]
    open_total: int
    overdue_cases: int
    overdue_holders: list[dict[str, Any]]
    completed_this_month: int
    closed_otherwise_this_month: int
    chart: Chart
    totals_by_month: list[tuple[str, int, int]] = field(default_factory=list)


def month_starts(today: date, count: int = MONTHS) -> list[date]:
    year, month = today.year, today.month
    out = []
    for _ in range(count):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def _month_of(column: Any, is_sqlite: bool) -> Any:
    """'YYYY-MM' of a UTC timestamp column, in China time."""
    if is_sqlite:
        return func.strftime("%Y-%m", column, "+8 hours")
    return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM")


def _china_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=CHINA_TZ).astimezone(UTC)


async def build_dashboard(session: AsyncSession, principal: Principal, now: datetime, is_sqlite: bool,
                          kind: Kind) -> Dashboard:
    scope = and_(case_filter(principal), col(CaseRecord.kind) == kind.code)
    today = local_date(now)

    open_rows = (await session.exec(
        select(CaseRecord.division_code, CaseRecord.stage, func.count())
        .where(scope, col(CaseRecord.status) == Status.ACTIVE.value)
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

    overdue_cases = (await session.exec(
        select(func.count()).select_from(CaseRecord)
        .where(scope, col(CaseRecord.status) == Status.ACTIVE.value, col(CaseRecord.overdue).is_(True))
    )).one()

    # Who holds things up: open inbox items past their deadline, by holder (department, expert, bureau, enterprise).
    late = or_(col(CaseTask.overdue).is_(True), and_(col(CaseTask.due_at).is_not(None), col(CaseTask.due_at) <= now))
    holder_rows = (await session.exec(
        select(CaseTask.division_code, CaseTask.name, CaseTask.role, func.count(), func.min(CaseTask.due_at))
        .join(CaseRecord, col(CaseRecord.case_id) == col(CaseTask.case_id))
        .where(division_filter(principal, CaseTask.division_code), col(CaseRecord.kind) == kind.code, late)
        .group_by(col(CaseTask.division_code), col(CaseTask.name), col(CaseTask.role))
        .order_by(func.count().desc(), func.min(CaseTask.due_at))
        .limit(10)
    )).all()
    names = {d.code: d.name for d in counties}
    holders = []
    for division, name, role, count, oldest in holder_rows:
        days = (today - local_date(oldest)).days + 1 if oldest is not None and oldest <= now else None
        holders.append({"division": names.get(division, division), "name": name, "count": count,
                        "role": ROLE_NAMES.get(Role(role), role) if role in Role.__members__.values() else role,
                        "oldest_days": days})

    month_start = _china_midnight(today.replace(day=1))
    closed_rows = (await session.exec(
        select(CaseRecord.status, func.count())
        .where(scope, col(CaseRecord.closed_at) >= month_start, col(CaseRecord.status) != Status.ACTIVE.value)
        .group_by(col(CaseRecord.status))
    )).all()
    closed = dict(closed_rows)

    months = month_starts(today)
    since = _china_midnight(months[0])
    submitted_month = _month_of(CaseRecord.submitted_at, is_sqlite)
    closed_month = _month_of(CaseRecord.closed_at, is_sqlite)
    submitted = dict((await session.exec(
        select(submitted_month, func.count()).where(scope, col(CaseRecord.submitted_at) >= since)
        .group_by(submitted_month)
    )).all())
    completed = dict((await session.exec(
        select(closed_month, func.count())
        .where(scope, col(CaseRecord.status) == Status.COMPLETED.value, col(CaseRecord.closed_at) >= since)
        .group_by(closed_month)
    )).all())
    series = [(f"{m:%Y-%m}", int(submitted.get(f"{m:%Y-%m}", 0)), int(completed.get(f"{m:%Y-%m}", 0)))
              for m in months]

    user = principal.user
    scope_name = "全部辖区"
    if user.division_code:
        division = await session.get(Division, user.division_code)
        scope_name = division.name if division else user.division_code
    return Dashboard(
        scope_name=scope_name, kind=kind,
        stages=[(s, kind.short_stage_names.get(s, kind.stage_names[s])) for s in kind.open_stages()],
        counties=[(d.code, d.name) for d in counties],
        open_by=open_by, open_total=sum(open_by.values()), overdue_cases=overdue_cases, overdue_holders=holders,
        completed_this_month=closed.get(Status.COMPLETED.value, 0),
        closed_otherwise_this_month=sum(n for s, n in closed.items() if s != Status.COMPLETED.value),
        chart=month_chart(series), totals_by_month=series,
    )


def _nice_max(value: int) -> int:
    for step in (4, 8, 12, 20, 40, 60, 100, 200, 400, 600, 1000, 2000, 4000, 10000):
        if value <= step:
            return step
    return value


def month_chart(series: list[tuple[str, int, int]], width: int = 620, height: int = 230) -> Chart:
    """Grouped bars per month: applications submitted and cases completed."""
    left, right, top, bottom = 44, width - 12, 16, height - 34
    top_value = _nice_max(max([1, *(s for _, s, _ in series), *(c for _, _, c in series)]))
    slot = (right - left) / max(len(series), 1)
    bar_w = min(16.0, slot / 2 - 3)
    bars, months = [], []
    for i, (month, sub, done) in enumerate(series):
        centre = left + slot * i + slot / 2
        for offset, value, kind, label in ((-bar_w - 1, sub, "submitted", "新申请"), (1, done, "completed", "办结")):
            h = (bottom - top) * value / top_value
            bars.append(Bar(x=round(centre + offset, 1), y=round(bottom - h, 1), w=round(bar_w, 1), h=round(h, 1),
                            kind=kind, label=f"{month} {label} {value} 件"))
        months.append((round(centre, 1), f"{int(month[5:])}月" if month[5:] != "01" else f"{month[2:4]}年1月"))
    ticks = [(round(bottom - (bottom - top) * k / 4, 1), top_value * k // 4) for k in range(5)]
    return Chart(width=width, height=height, bars=bars, ticks=ticks, months=months, plot_left=left,
                 plot_right=right, plot_bottom=bottom)
