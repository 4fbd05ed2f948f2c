"""The worker: runs the procedures' workflows and activities, one task queue per procedure family — both derived
from the registered procedures (api/procedures/, each a `Kind` naming its workflow, family and activities).

`mineflow worker [--family F …]` (or `python worker.py`) with settings from the environment. Each family listens on
`<MINEFLOW_TASK_QUEUE>-<family>`, so the families can be scaled apart (more worker processes for one family);
a process serves every family unless told otherwise. SIGTERM/SIGINT stop it gracefully: no new tasks are taken
and what is in flight gets time to finish (Temporal retries the rest elsewhere).
"""

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any, NoReturn

import structlog
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

import api.procedures  # noqa: F401  (registers every procedure)
import engine
import logs
import timings
from activities.calendar import CalendarActivities
from activities.cases import CaseActivities
from activities.documents import DocumentActivities
from activities.notify import LogNotifier, NotificationActivities, Notifier, notifier_from
from api.kinds import KINDS, activity_methods
from documents.issue import stop_renderers
from domain.calendar import WorkCalendar
from models.db import Database
from models.queues import DOCUMENTS_FAMILY, SYSTEM_FAMILY, queue_name
from settings import Settings, get_settings
from workflows.notifications import DISPATCHER_ID, DispatcherConfig, NotificationDispatcherWorkflow


def family_workflows() -> dict[str, list[type]]:
    """Each procedure family's workflows (its own task queue), from the registered kinds; then the system's."""
    found: dict[str, list[type]] = {}
    for kind in KINDS.values():
        found.setdefault(kind.family, []).append(kind.workflow)
    return {**found, SYSTEM_FAMILY: [NotificationDispatcherWorkflow]}


def workflows() -> list[type]:
    return [workflow for family in family_workflows().values() for workflow in family]


def all_families() -> list[str]:
    """Every task queue's family a worker may serve: the procedures', the system's, and the documents'."""
    return [*family_workflows(), DOCUMENTS_FAMILY]


# A documents worker takes on two documents per render process: one rendering, the next reading its case and
# drawing its number meanwhile. The rest wait in Temporal's queue, where no timeout runs, instead of in the worker.
DOCUMENTS_PER_RENDER_PROCESS = 2


class _ActivityLogContext(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        with structlog.contextvars.bound_contextvars(case_id=info.workflow_id, workflow_id=info.workflow_id,
                                                     activity=info.activity_type), \
                timings.action(info.activity_type), timings.phase("activity"):
            return await super().execute_activity(input)


class LogContext(Interceptor):
    """Every log line an activity writes names its case (the workflow id) and the activity."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ActivityLogContext(next)

# The sandbox re-imports a workflow's modules for every run it holds, and a worker caches up to a thousand runs.
# Our shared workflow parts, rules and wire models are pure code without mutable module state, so every run may
# share one import of them; the sandbox still guards each workflow module itself.
RUNNER = SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(
    "workflows.parts", "domain", "models"))
log = structlog.get_logger("mineflow.worker")


class Workers:
    """Several Temporal workers (one per family) run and stopped together."""

    def __init__(self, workers: list[Worker]) -> None:
        self.workers = workers
        self._stack = AsyncExitStack()

    async def __aenter__(self) -> "Workers":
        for worker in self.workers:
            await self._stack.enter_async_context(worker)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()


def activities(db: Database, calendar: WorkCalendar | None, notifier: Notifier,
               settings: Settings) -> dict[str, Callable[..., Any]]:
    """Every activity by name: those every case uses (projection, document numbers, calendar, notifications, the
    documents it issues — stored where `settings` say), then each procedure's own (`Kind.activities`)."""
    found: dict[str, Callable[..., Any]] = {}
    shared = (CaseActivities(db), CalendarActivities(calendar, db), NotificationActivities(db, notifier),
              DocumentActivities(db, settings))
    for fn in activity_methods(*shared) + [fn for kind in KINDS.values() for fn in kind.activities(db)]:
        found.setdefault(fn.__temporal_activity_definition.name, fn)  # type: ignore[attr-defined]
    return found


def build_worker(client: Client, db: Database, task_queue: str, *, families: Sequence[str] | None = None,
                 calendar: WorkCalendar | None = None, notifier: Notifier | None = None,
                 overrides: Mapping[str, Callable[..., Any]] | None = None, settings: Settings | None = None,
                 **options: object) -> Workers:
    """Workers for `families` (all by default), on `<task_queue>-<family>`. `overrides` replaces activities by
    name (tests fake one that way); `settings` (the environment's by default) say where documents are stored and
    how many tasks each worker takes on at once (`worker_workflow_slots`, `worker_activity_slots`).

    The documents family runs only the document issuer, on a queue of its own, so renders can be given cores or
    hosts of their own; the procedure families' workers still register it for cases whose history predates that
    queue (they issued their documents on the family's queue)."""
    by_family = family_workflows()
    settings = settings or get_settings()
    registered = {**activities(db, calendar, notifier or LogNotifier(), settings), **(overrides or {})}
    slots = {"max_concurrent_workflow_tasks": settings.worker_workflow_slots,
             "max_concurrent_activities": settings.worker_activity_slots}

    def worker_for(family: str) -> Worker:
        common: dict[str, Any] = {"graceful_shutdown_timeout": timedelta(seconds=20), "interceptors": [LogContext()]}
        if family == DOCUMENTS_FAMILY:
            return Worker(client, task_queue=queue_name(task_queue, family), activities=[registered["issue_document"]],
                          max_concurrent_activities=DOCUMENTS_PER_RENDER_PROCESS * settings.document_render_processes,
                          **common)
        return Worker(
            client,
            task_queue=queue_name(task_queue, family),
            workflows=by_family[family],
            workflow_runner=RUNNER,
            activities=list(registered.values()),  # local activities run in the workflow's own worker
            **common,
            **{**slots, **options},  # type: ignore[arg-type]
        )

    return Workers([worker_for(family) for family in families or all_families()])


async def start_dispatcher(client: Client, settings: Settings) -> None:
    """Start the deployment's one notification dispatcher, or join it if another worker already has."""
    config = DispatcherConfig(poll_seconds=settings.notification_poll_seconds,
                              max_attempts=settings.notification_max_attempts)
    await client.start_workflow(NotificationDispatcherWorkflow.run, config, id=DISPATCHER_ID,
                                task_queue=queue_name(settings.task_queue, SYSTEM_FAMILY),
                                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)


async def main(settings: Settings, families: Sequence[str] | None = None) -> None:
    logs.configure(settings.log_level, settings.log_json)
    timings.configure(settings, "worker")
    db = Database.from_settings(settings)
    metrics = settings.worker_metrics_address
    runtime = engine.runtime_with_metrics(metrics) if metrics else None
    client = await engine.connect(settings, runtime)
    families = list(families or all_families())
    worker = build_worker(client, db, settings.task_queue, families=families, notifier=notifier_from(settings),
                          settings=settings,
                          max_cached_workflows=settings.worker_max_cached_workflows)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker started", families=families, task_queues=[queue_name(settings.task_queue, f) for f in families],
             temporal=settings.temporal_address, metrics=settings.worker_metrics_address)
    async with worker:
        if SYSTEM_FAMILY in families:
            await start_dispatcher(client, settings)
        await stop.wait()
        log.info("worker stopping")
    await asyncio.to_thread(stop_renderers)
    await db.dispose()
    log.info("worker stopped")


def run(settings: Settings, families: Sequence[str] | None = None) -> NoReturn:
    """Serve until SIGTERM/SIGINT, then end the process with status 0 once everything has stopped.

    The end skips interpreter teardown: the SDK's Rust threads may still call into Python while it finalizes, which
    aborts the process (SIGABRT, "PyGILState_Release … finalizing"; temporalio/sdk-python#300) and would make a
    clean stop look like a crash to the supervisor. By then every worker has drained and the database is closed."""
    asyncio.run(main(settings, families))
    timings.flush()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    run(get_settings())
