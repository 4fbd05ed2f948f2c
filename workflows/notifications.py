"""NotificationDispatcherWorkflow — delivers the outbox (models/notifications.py).

One per deployment (a fixed workflow id; every worker starts it and joins the running one), so no notification
is delivered by two dispatchers at once. Each delivery is an activity retried with backoff; when the attempts run
out the row is marked failed with its last error, to be seen and resent by an operator — never lost.
"""

import asyncio
from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

DISPATCHER_ID = "mineflow-notification-dispatcher"


class DispatcherConfig(BaseModel):
    poll_seconds: float = 5.0
    max_attempts: int = 6
    first_retry_seconds: float = 2.0
    batch: int = 50
    # Polls before the history is cut short with continue-as-new (each poll adds a few events).
    polls_per_run: int = 500


@workflow.defn
class NotificationDispatcherWorkflow:
    @workflow.run
    async def run(self, config: DispatcherConfig) -> None:
        for _ in range(config.polls_per_run):
            pending: list[int] = await workflow.execute_activity(
                "pending_notifications", config.batch, result_type=list[int],
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=60)))
            if pending:
                await asyncio.gather(*(self._deliver(n, config) for n in pending))
            else:
                await workflow.sleep(timedelta(seconds=config.poll_seconds))
        workflow.continue_as_new(config)

    async def _deliver(self, notification_id: int, config: DispatcherConfig) -> None:
        try:
            await workflow.execute_activity(
                "deliver_notification", notification_id, start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(initial_interval=timedelta(seconds=config.first_retry_seconds),
                                         backoff_coefficient=2.0, maximum_attempts=config.max_attempts,
                                         non_retryable_error_types=["NO_ADDRESS"]))
        except ActivityError:
            await workflow.execute_activity(
                "mark_notification_failed", notification_id, start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=60)))
