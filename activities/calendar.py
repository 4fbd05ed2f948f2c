"""Working-day arithmetic as activities, so each result is recorded in history and replays identically."""

from datetime import timedelta

from temporalio import activity

from domain.calendar import WorkCalendar, at_local, default_calendar, local_date, start_of_day
from models.cases import DeadlinePlan, DeadlineRequest, WorkingDaysRequest

OFFICE_HOUR = 9  # reminders go out at the start of the office day, China time


class CalendarActivities:
    def __init__(self, calendar: WorkCalendar | None = None) -> None:
        self.calendar = calendar or default_calendar()

    @activity.defn(name="plan_deadline")
    async def plan_deadline(self, request: DeadlineRequest) -> DeadlinePlan:
        """The due date `working_days` after `start`, the moment it has passed, and the reminder time."""
        start_day = local_date(request.start)
        if request.calendar_days:  # natural days (e.g. 国务院令第242号 第十条: 40 日)
            due = start_day + timedelta(days=request.working_days)
        else:
            due = self.calendar.add_working_days(start_day, request.working_days)
        remind_at = None
        if request.remind_before_working_days > 0:
            remind_day = (due - timedelta(days=request.remind_before_working_days) if request.calendar_days
                          else self.calendar.add_working_days(due, -request.remind_before_working_days))
            if remind_day > start_day:
                remind_at = at_local(remind_day, OFFICE_HOUR)
        provisional = not request.calendar_days and any(self.calendar.is_provisional(start_day + timedelta(days=i))
                          for i in range((due - start_day).days + 1))
        return DeadlinePlan(due=due, due_at=start_of_day(due + timedelta(days=1)),
                            due_morning=at_local(due, OFFICE_HOUR), remind_at=remind_at,
                            provisional=provisional)

    @activity.defn(name="count_working_days")
    async def count_working_days(self, request: WorkingDaysRequest) -> int:
        start, end = local_date(request.start), local_date(request.end)
        if request.calendar_days:
            return (end - start).days
        return self.calendar.working_days_between(start, end)
