"""Working days by China's official calendar.

行政许可法 第八十二条: periods of administrative licensing are counted in working days, statutory holidays excluded.
The day an event happens is not counted; the period starts the next day (民法典 第二百零一条).

Sources, best first: an operator's override file (settings), the `chinese-calendar` library (official notices
2004–2026), the shipped table `data/holidays.json` (years the library lacks), and finally weekends only. A year
answered by a provisional table or by weekends only is reported as `provisional` and logged loudly, so a holiday
is never counted as a working day without anyone knowing.
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

CHINA_TZ = ZoneInfo("Asia/Shanghai")
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
                "calendar: %s has no published holiday arrangement; using the provisional table (%s) without 调休. "
                "Set MINEFLOW_HOLIDAY_FILE to the State Council notice once published.", year, table.source
            )
        else:
            log.warning(
                "calendar: no holiday data for %s; counting only weekends as rest days. "
                "Set MINEFLOW_HOLIDAY_FILE to the State Council notice for that year.", year
            )


def parse_tables(raw: dict[str, object], source: str) -> dict[int, YearTable]:
    tables: dict[int, YearTable] = {}
    for key, value in raw.items():
        if key.startswith("_") or not isinstance(value, dict):
            continue
        tables[int(key)] = YearTable(
            holidays=frozenset(date.fromisoformat(d) for d in value.get("holidays", [])),
            workdays=frozenset(date.fromisoformat(d) for d in value.get("workdays", [])),
            provisional=bool(value.get("provisional", False)),
            source=str(value.get("source", source)),
        )
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


def local_date(moment: datetime) -> date:
    return moment.astimezone(CHINA_TZ).date()


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=CHINA_TZ)


def at_local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=CHINA_TZ)
