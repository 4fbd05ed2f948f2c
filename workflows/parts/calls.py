"""Typed calls to the activities a workflow needs, with the retry policy every side effect gets.

Activities are named, not imported, so workflow code never loads database modules into the sandbox.

They run as *local* activities: each is short (a working-day computation, or a few keyed database writes), so the
worker runs it inside the workflow task instead of scheduling it through the server. That saves a server round
trip per call, and an action is then answered within one workflow task. Results are still recorded in the history
(as markers), retries still apply, and the writes are still idempotent by key, so a worker dying mid-call loses
and doubles nothing: the workflow task is retried elsewhere and the call is made again. Cases started before
this change replay their recorded server-scheduled activities (the `local-activities` patch).
"""

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from models.cases import (
        DeadlinePlan,
        DeadlineRequest,
        DocumentNumberRequest,
        IssuedDocumentNumber,
        SyncCaseInput,
        WorkingDaysRequest,
    )

# Unlimited attempts with capped backoff: a database outage delays a case, it never fails it.
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                    maximum_interval=timedelta(seconds=60))
# Every activity is a few short database writes or a calendar look-up. The timeout is also how soon an attempt
# lost with a crashed worker is retried elsewhere, so it is kept short.
TIMEOUT = timedelta(seconds=10)
LOCAL = "local-activities"


async def _call(name: str, arg: Any, result_type: type | None = None) -> Any:
    if workflow.patched(LOCAL):
        return await workflow.execute_local_activity(name, arg, result_type=result_type,
                                                     start_to_close_timeout=TIMEOUT, retry_policy=RETRY)
    return await workflow.execute_activity(name, arg, result_type=result_type, start_to_close_timeout=TIMEOUT,
                                           retry_policy=RETRY)


async def plan_deadline(start: datetime, working_days: int, remind_before: int = 0, *,
                        calendar_days: bool = False) -> DeadlinePlan:
    request = DeadlineRequest(start=start, working_days=working_days, remind_before_working_days=remind_before,
                              calendar_days=calendar_days)
    return await _call("plan_deadline", request, DeadlinePlan)  # type: ignore[no-any-return]


async def count_working_days(start: datetime, end: datetime, *, calendar_days: bool = False) -> int:
    request = WorkingDaysRequest(start=start, end=end, calendar_days=calendar_days)
    return await _call("count_working_days", request, int)  # type: ignore[no-any-return]


async def sync_case(payload: SyncCaseInput) -> None:
    await _call("sync_case", payload)


async def issue_document_number(request: DocumentNumberRequest) -> IssuedDocumentNumber:
    return await _call("issue_document_number", request, IssuedDocumentNumber)  # type: ignore[no-any-return]
