"""The statutory clock: working days used and left, stopped while the case waits on the applicant or experts.

Working-day arithmetic runs in activities (recorded in history), so replay never depends on the calendar data
installed at replay time.
"""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.cases import Clock

from workflows.parts import calls


async def start(clock: Clock, now: datetime, warning_days: int) -> None:
    if clock.running_since is not None:
        return
    clock.running_since = now
    plan = await calls.plan_deadline(now, max(clock.limit_days - clock.used_days, 0), warning_days,
                                     calendar_days=clock.calendar_days)
    clock.deadline, clock.provisional = plan.due, plan.provisional
    clock.warn_at = plan.remind_at
    clock.deadline_at = plan.due_at


async def stop(clock: Clock, now: datetime) -> None:
    if clock.running_since is None:
        return
    clock.used_days += await calls.count_working_days(clock.running_since, now, calendar_days=clock.calendar_days)
    clock.running_since = None
    clock.deadline = clock.warn_at = clock.deadline_at = None


async def extend(clock: Clock, days: int, now: datetime, warning_days: int) -> None:
    """Lengthen the limit by `days` (an approved extension, e.g. 行政许可法 第四十二条); a running clock is
    re-planned from now, so the new deadline and reminder apply at once."""
    running = clock.running_since is not None
    if running:
        await stop(clock, now)
    clock.limit_days += days
    clock.extended_days += days
    clock.warned = clock.exceeded = False
    if running:
        await start(clock, now, warning_days)


async def replan(clock: Clock, now: datetime, warning_days: int) -> None:
    """Plan a running clock again from now with the calendar as it is now (a year's arrangement was loaded): the
    days used so far are counted and the rest planned anew. A reminder already given stands unless the new one
    is still to come (the deadline moved later)."""
    if clock.running_since is None:
        return
    warned = clock.warned
    await stop(clock, now)
    await start(clock, now, warning_days)
    clock.warned = warned and (clock.warn_at is None or clock.warn_at <= now)


def days_left(clock: Clock) -> int:
    return max(clock.limit_days - clock.used_days, 0)
