"""The worker: runs the procedures' workflows and activities on one task queue.

`python worker.py` (or `mineflow worker`) with settings from the environment. SIGTERM/SIGINT stop it
gracefully: no new tasks are taken and activities in flight get time to finish (Temporal retries the rest).
"""

import asyncio
import signal
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import structlog
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

import engine
import logs
from activities.calendar import CalendarActivities
from activities.cases import CaseActivities
from domain.calendar import WorkCalendar
from models.db import Database
from settings import Settings, get_settings
from workflows.reopening import ReopeningWorkflow

WORKFLOWS: Sequence[type] = (ReopeningWorkflow,)

# The sandbox re-imports a workflow's modules for every run it holds, and a worker caches up to a thousand runs.
# Our shared workflow parts, rules and wire models are pure code without mutable module state, so every run may
# share one import of them; the sandbox still guards each workflow module itself.
RUNNER = SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(
    "workflows.parts", "domain", "models"))
log = structlog.get_logger("mineflow.worker")


def build_worker(client: Client, db: Database, task_queue: str, *, calendar: WorkCalendar | None = None,
                 overrides: Mapping[str, Callable[..., Any]] | None = None, **options: object) -> Worker:
    """The worker for every procedure. `overrides` replaces activities by name (tests fake one that way)."""
    cases, cal = CaseActivities(db), CalendarActivities(calendar)
    activities: dict[str, Callable[..., Any]] = {
        "sync_case": cases.sync_case, "issue_document_number": cases.issue_document_number,
        "plan_deadline": cal.plan_deadline, "count_working_days": cal.count_working_days,
        **(overrides or {}),
    }
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS),
        workflow_runner=RUNNER,
        activities=list(activities.values()),
        graceful_shutdown_timeout=timedelta(seconds=20),
        **options,  # type: ignore[arg-type]
    )


async def main(settings: Settings) -> None:
    logs.configure(settings.log_level, settings.log_json)
    db = Database.from_settings(settings)
    client = await engine.connect(settings)
    worker = build_worker(client, db, settings.task_queue, max_cached_workflows=settings.worker_max_cached_workflows)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker started", task_queue=settings.task_queue, temporal=settings.temporal_address)
    async with worker:
        await stop.wait()
        log.info("worker stopping")
    await db.dispose()
    log.info("worker stopped")


if __name__ == "__main__":
    asyncio.run(main(get_settings()))
