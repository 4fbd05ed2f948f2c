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
    plan = await calls.plan_deadline(now, max(clock.limit_days - clock.used_days, 0), warning_days)
    clock.deadline, clock.provisional = plan.due, plan.provisional
    clock.warn_at = plan.remind_at
    clock.deadline_at = plan.due_at


async def stop(clock: Clock, now: datetime) -> None:
    if clock.running_since is None:
        return
    clock.used_days += await calls.count_working_days(clock.running_since, now)
    clock.running_since = None
    clock.deadline = clock.warn_at = clock.deadline_at = None
