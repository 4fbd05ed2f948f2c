"""Working-day arithmetic as activities, so each result is recorded in history and replays identically.

The calendar is the process's (library, shipped table, operator file) with the official arrangements an
administrator loaded into the database on top, read at each call: a year loaded a moment ago counts for the next
deadline planned, in new cases and — once they are told (the `calendar_loaded` signal) — in running ones."""

from datetime import timedelta

from temporalio import activity

from domain.calendar import WorkCalendar, YearTable, at_local, default_calendar, local_date, start_of_day
from models.calendar_years import official_tables
from models.cases import DeadlinePlan, DeadlineRequest, WorkingDaysRequest
from models.db import Database

OFFICE_HOUR = 9  # reminders go out at the start of the office day, China time


class CalendarActivities:
    def __init__(self, calendar: WorkCalendar | None = None, db: Database | None = None) -> None:
        self.base = self.calendar = calendar or default_calendar()
        self.db = db
        self._loaded: dict[int, YearTable] = {}

    async def _refresh(self) -> WorkCalendar:
        """The calendar with the loaded years as the database holds them now (rebuilt only when they changed)."""
        if self.db is not None:
            async with self.db.session() as session:
                loaded = await official_tables(session)
            if loaded != self._loaded:
                self._loaded, self.calendar = loaded, self.base.with_tables(loaded)
        return self.calendar

    @activity.defn(name="plan_deadline")
    async def plan_deadline(self, request: DeadlineRequest) -> DeadlinePlan:
        """The due date `working_days` after `start`, the moment it has passed, and the reminder time."""
        calendar = await self._refresh()
        start_day = local_date(request.start)
        if request.calendar_days:  # natural days (e.g. 国务院令第242号 第十条: 40 日), ending on a working day
            due = calendar.add_natural_days(start_day, request.working_days)
            depends_from = start_day + timedelta(days=request.working_days)  # only the day it ends on uses the calendar
        else:
            due = calendar.add_working_days(start_day, request.working_days)
            depends_from = start_day
        remind_at = None
        if request.remind_before_working_days > 0:
            remind_day = (due - timedelta(days=request.remind_before_working_days) if request.calendar_days
                          else calendar.add_working_days(due, -request.remind_before_working_days))
            if remind_day > start_day:
                remind_at = at_local(remind_day, OFFICE_HOUR)
        provisional = any(calendar.is_provisional(depends_from + timedelta(days=i))
                          for i in range((due - depends_from).days + 1))
        return DeadlinePlan(due=due, due_at=start_of_day(due + timedelta(days=1)),
                            due_morning=at_local(due, OFFICE_HOUR), remind_at=remind_at,
                            provisional=provisional)

    @activity.defn(name="count_working_days")
    async def count_working_days(self, request: WorkingDaysRequest) -> int:
        start, end = local_date(request.start), local_date(request.end)
        if request.calendar_days:
            return (end - start).days
        return (await self._refresh()).working_days_between(start, end)
