"""Typed calls to the activities a workflow needs, with the retry policy every side effect gets.

Activities are named, not imported, so workflow code never loads database modules into the sandbox.
"""

from datetime import datetime, timedelta

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


async def plan_deadline(start: datetime, working_days: int, remind_before: int = 0) -> DeadlinePlan:
    return await workflow.execute_activity(
        "plan_deadline", DeadlineRequest(start=start, working_days=working_days,
                                         remind_before_working_days=remind_before),
        result_type=DeadlinePlan, start_to_close_timeout=TIMEOUT, retry_policy=RETRY,
    )


async def count_working_days(start: datetime, end: datetime) -> int:
    return await workflow.execute_activity(
        "count_working_days", WorkingDaysRequest(start=start, end=end),
        result_type=int, start_to_close_timeout=TIMEOUT, retry_policy=RETRY,
    )


async def sync_case(payload: SyncCaseInput) -> None:
    await workflow.execute_activity(
        "sync_case", payload, start_to_close_timeout=TIMEOUT, retry_policy=RETRY,
    )


async def issue_document_number(request: DocumentNumberRequest) -> IssuedDocumentNumber:
    return await workflow.execute_activity(
        "issue_document_number", request,
        result_type=IssuedDocumentNumber, start_to_close_timeout=TIMEOUT, retry_policy=RETRY,
    )
