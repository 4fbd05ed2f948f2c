"""The procedures the product serves, each a *kind* of case declared once (`api/procedures/<name>.py`):

    TRANSFER = register(Kind(code="transfer", prefix="ZR", name="采矿权转让", workflow=TransferWorkflow,
                             family="rights", start=Start(...), policy=transfer_policy, ...))

From that declaration and the workflow's action table (workflows/parts/actions.py) come the worker's task queues
and registrations (worker.py), the HTTP routes — the start, every action, the case read (api/routes/procedures.py)
— the response models (`Kind.out`), the console's forms and case page, the dashboard's tabs and the list's
filters. Nothing else names a procedure.
"""

import functools
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, get_type_hints

from fastapi import APIRouter
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Principal
from domain.cases import STATUS_NAMES, Status
from domain.errors import DomainError, ErrorCode
from domain.roles import Role
from models.cases import Actor, CaseViewBase, MineFacts
from models.db import Database
from settings import Settings
from workflows.parts.actions import Action


@dataclass(frozen=True)
class Starting:
    """What a start builder gets: the caller and the registry (reads only; the case's start is recorded by the
    service, with its idempotency key)."""

    session: AsyncSession
    db: Database
    settings: Settings
    principal: Principal


@dataclass(frozen=True)
class Acting:
    """What an action's prepare hook gets: the caller, the case, and the registry."""

    session: AsyncSession
    settings: Settings
    principal: Principal
    case_id: str
    division_code: str  # the case's county (or city, for a city's campaign)
    params: Mapping[str, Any]  # the route's path parameters

    @property
    def actor(self) -> Actor:
        return self.principal.actor()


# Make the workflow's start input from the caller's request: registry facts in, refusals (404/409/422) out.
BuildStart = Callable[[Starting, Any], Awaitable[BaseModel]]
# Make an action's workflow input from its request, with the registry facts the workflow cannot look up.
Prepare = Callable[[Acting, Any], Awaitable[BaseModel]]


@dataclass(frozen=True)
class Start:
    """How a case of the kind is started over HTTP (and from the console)."""

    path: str  # under /api/v1
    summary: str
    request: type[BaseModel]
    roles: frozenset[Role]
    build: BuildStart
    label: str = "发起"  # the console's button and page title


# Make one mine's start input in a batch: (starting, the batch request, the mine's facts, the case id to use).
BuildForMine = Callable[[Starting, Any, MineFacts, str], Awaitable[BaseModel]]


@dataclass(frozen=True)
class Batch:
    """How cases of the kind are started for many mines in one action (a campaign's rectifications, closures)."""

    path: str
    summary: str
    request: type[BaseModel]
    roles: frozenset[Role]
    build: BuildForMine
    label: str = "批量启动"


@dataclass(frozen=True)
class Page:
    """The kind's own part of the console's case page: a template included below the common parts (stage flow,
    clock, pending, actions, timeline), and what it needs."""

    template: str
    context: Callable[[Any], Mapping[str, Any]] = lambda case: {}


@dataclass(frozen=True, eq=False)  # one object per procedure: compared and hashed by identity
class Kind:
    code: str
    prefix: str  # of its case ids, e.g. KFG-20261204-ABC234
    name: str
    workflow: type  # its @workflow.defn class; its actions are its action table
    family: str  # the task queue family its workflows run on: `<task_queue>-<family>`
    task_names: Mapping[str, str] = field(default_factory=dict)
    status_names: Mapping[str, str] = field(default_factory=lambda: {s.value: n for s, n in STATUS_NAMES.items()})
    final_stages: frozenset[str] = frozenset({"completed"})  # the dashboard counts open cases over the others
    flow: Sequence[str] = ()  # the main line, in order (the console's stage diagram); default: every open stage
    # a side stage -> (the main-line stage it leaves, the timeline action that shows a case went round it)
    side_loops: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # column headings short enough for a 1366-pixel dashboard, where a stage's full name is long
    short_stage_names: Mapping[str, str] = field(default_factory=dict)
    start: Start | None = None
    batch: Batch | None = None
    policy: Callable[[Settings], BaseModel] | None = None  # the deadlines each new case carries, from settings
    activities: Callable[[Any], Iterable[Callable[..., Any]]] = lambda db: ()  # (Database) -> activity functions
    routes: Callable[[], APIRouter] | None = None  # what else the procedure serves (batch starts, supervision)
    page: Page | None = None
    description: str = ""

    @functools.cached_property
    def view(self) -> type[CaseViewBase]:
        view: type[CaseViewBase] = get_type_hints(self.workflow.run)["return"]  # type: ignore[attr-defined]
        return view

    @functools.cached_property
    def start_input(self) -> type[BaseModel]:
        hints = get_type_hints(self.workflow.run)  # type: ignore[attr-defined]
        start: type[BaseModel] = next(t for name, t in hints.items() if name != "return")
        return start

    @property
    def stage_names(self) -> dict[str, str]:
        return {str(stage): name for stage, name in self.workflow.STAGE_NAMES.items()}  # type: ignore[attr-defined]

    def actions(self) -> Mapping[str, Action]:
        actions: Mapping[str, Action] = self.workflow.actions()  # type: ignore[attr-defined]
        return actions

    def open_stages(self) -> list[str]:
        """The stages an open case can be in, in the procedure's order."""
        return [stage for stage in self.stage_names if stage not in self.final_stages]

    def main_line(self) -> list[str]:
        return list(self.flow) or list(self.stage_names)


KINDS: dict[str, Kind] = {}
PREPARES: dict[Callable[..., Any], Prepare] = {}


def register(kind: Kind) -> Kind:
    """Add a procedure (once: a module the workflow sandbox re-imports must not register its copy again)."""
    if kind.code in KINDS:
        return KINDS[kind.code]
    if any(k.prefix == kind.prefix for k in KINDS.values()):
        raise ValueError(f"case-id prefix {kind.prefix} is taken")
    KINDS[kind.code] = kind
    return kind


def prepares(handler: Callable[..., Any]) -> Callable[[Prepare], Prepare]:
    """Declare how an action's input is made from its request where the workflow needs registry facts (a named
    user, party or enterprise) or the API checks one first: `@prepares(ReopeningWorkflow.intake)`. Actions
    without one get their request's fields, the caller as `actor`, and the route's path parameters."""

    def register_prepare(fn: Prepare) -> Prepare:
        if handler in PREPARES:
            raise ValueError(f"{handler.__qualname__} is prepared twice")
        PREPARES[handler] = fn
        return fn

    return register_prepare


def activity_methods(*objects: object) -> list[Callable[..., Any]]:
    """The `@activity.defn` methods of activity objects (what a kind's workflows call, for the worker)."""
    return [method for obj in objects for name in dir(obj)
            if hasattr(method := getattr(obj, name), "__temporal_activity_definition")]


def kind_of_case(case_id: str) -> Kind:
    """The kind a case id belongs to, by its prefix (`KFG-…`); unknown ids are not found."""
    prefix = case_id.split("-", 1)[0]
    for kind in KINDS.values():
        if kind.prefix == prefix:
            return kind
    raise DomainError(ErrorCode.CASE_NOT_FOUND)


def stage_name(kind: str, stage: str) -> str:
    return KINDS[kind].stage_names.get(stage, stage) if kind in KINDS else stage


def status_name(kind: str, status: str) -> str:
    names = KINDS[kind].status_names if kind in KINDS else {s.value: n for s, n in STATUS_NAMES.items()}
    return names.get(status, status)


def task_name(kind: str, task: str) -> str:
    return KINDS[kind].task_names.get(task, task) if kind in KINDS else task


def action_of(kind: Kind, task: str) -> str | None:
    """The action that answers a pending task of this kind (the inbox links to its form)."""
    return next((a.name for a in kind.actions().values() if task in a.answers), None)


def is_active(view: CaseViewBase) -> bool:
    return view.status is Status.ACTIVE
