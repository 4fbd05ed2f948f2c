"""Working days by China's official calendar.

行政许可法 第八十二条: periods of administrative licensing are counted in working days, statutory holidays excluded.
The day an event happens is not counted; the period starts the next day (民法典 第二百零一条).

Sources, best first: a year's official arrangement an administrator loaded (`official` tables, kept in the
database: `mineflow calendar load`, `POST /api/v1/admin/calendar/{year}`), an operator's override file (settings),
the `chinese-calendar` library (official notices 2004–2026), the shipped table `data/holidays.json` (years the
library lacks: the statutory days with their 补假), and finally weekends only. A year answered by a provisional
table or by weekends only is reported as `provisional` and logged loudly, so a holiday is never counted as a
working day without anyone knowing.

Natural-day periods (“30日”) end on the next working day when their last day is a rest day (民法典 第二百零三条):
`add_natural_days` is the one place that rule lives.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar

from domain.errors import DomainError, ErrorCode

CHINA_TZ = ZoneInfo("Asia/Shanghai")
MIN_YEAR, MAX_YEAR = 2000, 2100  # a year an administrator may load
log = logging.getLogger("mineflow.calendar")


@dataclass(frozen=True)
class YearTable:
    holidays: frozenset[date]
    workdays: frozenset[date]
    provisional: bool
    source: str


@dataclass
class WorkCalendar:
    tables: dict[int, YearTable] = field(default_factory=dict)
    _warned: set[int] = field(default_factory=set)
    _known: dict[date, bool] = field(default_factory=dict)  # a day's answer never changes within a process

    def is_working_day(self, day: date) -> bool:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._is_working_day(day)
        return known

    def _is_working_day(self, day: date) -> bool:
        table = self.tables.get(day.year)
        if table is not None and not table.provisional:
            return self._by_table(table, day)
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            pass
        self._warn_once(day.year, table)
        if table is not None:
            return self._by_table(table, day)
        return day.weekday() < 5

    def is_provisional(self, day: date) -> bool:
        """True when `day`'s year has no published arrangement here (shipped provisional table or weekends only)."""
        table = self.tables.get(day.year)
        if table is not None:
            return table.provisional
        try:
            chinese_calendar.is_workday(day)
        except NotImplementedError:
            return True
        return False

    def with_tables(self, extra: dict[int, YearTable]) -> "WorkCalendar":
        """This calendar with `extra` years on top (the official arrangements loaded into the database)."""
        return self if not extra else WorkCalendar({**self.tables, **extra})

    def add_natural_days(self, start: date, days: int) -> date:
        """The last day of a period of `days` natural days after `start` (start not counted, 民法典 第二百零一条);
        when that day is a statutory holiday or a rest day, the period ends on the next working day
        (民法典 第二百零三条：期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日)."""
        day = start + timedelta(days=days)
        while days > 0 and not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (start itself not counted); `days` may be negative."""
        step = 1 if days >= 0 else -1
        remaining, day = abs(days), start
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end (negative when end is before start)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(self.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))

    @staticmethod
    def _by_table(table: YearTable, day: date) -> bool:
        if day in table.workdays:
            return True
        if day in table.holidays:
            return False
        return day.weekday() < 5

    def _warn_once(self, year: int, table: YearTable | None) -> None:
        if year in self._warned:
            return
        self._warned.add(year)
        if table is not None:
            log.warning(
                "calendar: %s has no published holiday arrangement; using the provisional table (%s): "
                "statutory days and their 补假, no 调休. "
                "Load the State Council notice once published (mineflow calendar load).", year, table.source
            )
        else:
            log.warning(
                "calendar: no holiday data for %s; counting only weekends as rest days. "
                "Load the State Council notice for that year (mineflow calendar load).", year
            )


def with_makeup_days(statutory: frozenset[date]) -> frozenset[date]:
    """The statutory days plus their 补假: a day of a holiday all citizens have off that falls on a Saturday or
    Sunday is made up on the next working day(s) after it (《全国年节及纪念日放假办法》第六条). Used for a year whose
    State Council notice is not published: without it deadlines across 春节, 劳动节 and 国庆 come out early."""
    rest = set(statutory)
    for day in sorted(statutory):
        if day.weekday() < 5:
            continue
        makeup = day + timedelta(days=1)
        while makeup.weekday() >= 5 or makeup in rest:
            makeup += timedelta(days=1)
        rest.add(makeup)
    return frozenset(rest)


def year_table(holidays: list[date] | frozenset[date], workdays: list[date] | frozenset[date], *,
               provisional: bool, source: str) -> YearTable:
    """A year's table; a provisional one lists the statutory days only, and gets their 补假 here."""
    rest = frozenset(holidays)
    return YearTable(holidays=with_makeup_days(rest) if provisional else rest, workdays=frozenset(workdays),
                     provisional=provisional, source=source)


def check_arrangement(year: int, holidays: list[date], workdays: list[date]) -> None:
    """Refuse an official arrangement that cannot be a year's 国务院办公厅关于部分节假日安排的通知: every day inside
    `year`, at least one rest day, no day both a rest day and a 调休 working day, and 调休 working days on weekends
    (a weekday is a working day anyway)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(ErrorCode.DATE_INVALID, f"年度须在 {MIN_YEAR}–{MAX_YEAR} 之间", {"field": "year"})
    if not holidays:
        raise DomainError(ErrorCode.DATE_INVALID, f"{year}年的放假安排至少应列出一天放假日期", {"field": "holidays"})
    for name, label, days in (("holidays", "放假日期", holidays), ("workdays", "调休上班日期", workdays)):
        if stray := sorted({d for d in days if d.year != year}):
            raise DomainError(ErrorCode.DATE_INVALID, f"{label}须在{year}年内：{'、'.join(map(str, stray))}",
                              {"field": name, "dates": [str(d) for d in stray]})
    if both := sorted(set(holidays) & set(workdays)):
        raise DomainError(ErrorCode.DATE_INVALID, f"同一天不能既放假又上班：{'、'.join(map(str, both))}",
                          {"field": "workdays", "dates": [str(d) for d in both]})
    if weekdays := sorted({d for d in workdays if d.weekday() < 5}):
        raise DomainError(ErrorCode.DATE_INVALID,
                          f"调休上班日应为周六或周日，以下日期本是工作日：{'、'.join(map(str, weekdays))}",
                          {"field": "workdays", "dates": [str(d) for d in weekdays]})


def parse_tables(raw: dict[str, object], source: str) -> dict[int, YearTable]:
    tables: dict[int, YearTable] = {}
    for key, value in raw.items():
        if key.startswith("_") or not isinstance(value, dict):
            continue
        tables[int(key)] = year_table([date.fromisoformat(d) for d in value.get("holidays", [])],
                                      [date.fromisoformat(d) for d in value.get("workdays", [])],
                                      provisional=bool(value.get("provisional", False)),
                                      source=str(value.get("source", source)))
    return tables


def load_calendar(override_file: Path | None = None) -> WorkCalendar:
    shipped = json.loads(resources.files("domain").joinpath("data/holidays.json").read_text(encoding="utf-8"))
    tables = parse_tables(shipped, "domain/data/holidays.json")
    if override_file is not None:
        tables.update(parse_tables(json.loads(override_file.read_text(encoding="utf-8")), str(override_file)))
    return WorkCalendar(tables)


@cache
def default_calendar() -> WorkCalendar:
    """The process-wide calendar, honouring `MINEFLOW_HOLIDAY_FILE` when set."""
    from settings import get_settings  # local import: the domain stays importable without settings

    return load_calendar(get_settings().holiday_file)


# The dates a user may name as a day of these procedures (a classification's 基准日 and the like): the registry and
# the campaigns it serves start after 2000, and nothing is planned more than a few years ahead. Anything outside is a
# typing error (0001-01-01), and would overflow the date arithmetic behind it.
EARLIEST_DAY = date(2000, 1, 1)
YEARS_AHEAD = 5


def day_out_of_range(day: date, today: date) -> str | None:
    """Why `day` is no plausible day for a procedure, in Chinese, or None."""
    latest = date(today.year + YEARS_AHEAD, 12, 31)
    if not EARLIEST_DAY <= day <= latest:
        return f"日期须在 {EARLIEST_DAY.isoformat()} 至 {latest.isoformat()} 之间"
    return None


def local_date(moment: datetime) -> date:
    return moment.astimezone(CHINA_TZ).date()


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=CHINA_TZ)


def at_local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=CHINA_TZ)
