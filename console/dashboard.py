"""统计看板: the figures (api/services/dashboard.py: SQL over the projection, one procedure at a time, scoped as the
case list is) and a server-rendered SVG chart of cases over time. Every number links to the cases behind it
(console/drill.py)."""

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Principal
from api.kinds import Kind
from api.services import dashboard as service
from api.services.dashboard import Holder

from .web import PREFIX, templates


@dataclass
class Bar:
    x: float
    y: float
    w: float
    h: float
    kind: str
    label: str
    month: str = ""  # YYYY-MM: the bar's cases are the month's (drill-down)


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
    overdue_holders: list[Holder]
    completed_this_month: int
    closed_otherwise_this_month: int
    chart: Chart
    totals_by_month: list[tuple[str, int, int]] = field(default_factory=list)


async def build_dashboard(session: AsyncSession, principal: Principal, now: datetime, is_sqlite: bool,
                          kind: Kind) -> Dashboard:
    f = await service.figures(session=session, principal=principal, now=now, is_sqlite=is_sqlite, kind=kind)
    return Dashboard(
        scope_name=f.scope_name, kind=kind, stages=f.stages, counties=f.counties, open_by=f.open_by,
        open_total=f.open_total, overdue_cases=f.overdue_cases, overdue_holders=f.holders,
        completed_this_month=f.completed_this_month, closed_otherwise_this_month=f.closed_otherwise_this_month,
        chart=month_chart(f.series), totals_by_month=f.series,
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
                            kind=kind, label=f"{month} {label} {value} 件", month=month))
        months.append((round(centre, 1), f"{int(month[5:])}月" if month[5:] != "01" else f"{month[2:4]}年1月"))
    ticks = [(round(bottom - (bottom - top) * k / 4, 1), top_value * k // 4) for k in range(5)]
    return Chart(width=width, height=height, bars=bars, ticks=ticks, months=months, plot_left=left,
                 plot_right=right, plot_bottom=bottom)


def drill_url(kind: str, figure: str, **params: str | None) -> str:
    """Where a dashboard number leads: the list of the cases behind it (console/drill.py)."""
    query = {"kind": kind, "figure": figure, **{k: v for k, v in params.items() if v}}
    return f"{PREFIX}/dashboard/cases?{urlencode(query)}"


templates.env.globals["drill_url"] = drill_url
