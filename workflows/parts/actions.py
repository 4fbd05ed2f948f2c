"""The action table: everything a person can do to a case is one declaration on its workflow class.

    @action("受理或要求补正", roles={Role.COUNTY_NR}, stages={Stage.INTAKE}, single=True, answers={"intake"},
            request=IntakeRequest, route=post("/cases/{case_id}/intake", "县自然资源局受理或一次性告知补正"))
    def intake(self, inp: IntakeInput, queued: Queued) -> Refusal:
        '''The rule that refuses it, beyond role, jurisdiction and stage (None: accepted).'''

The decorated function is the action's *check*; the decorator turns it into the workflow's update handler (same
name, so clients call `handle.execute_update(ReopeningWorkflow.intake, …)`) with a validator that runs the engine's
common checks (case open, role, applicant or jurisdiction, stage, `guard`) and then the check. An action is either
taken by the procedure at its step (`await self._next(self.intake)`) or, when it declares how it applies
(`@withdraw.applies`), applied whenever it arrives.

From the same declarations come the API's routes (`route`, `request`), what the caller may do now
(`CaseEngine.offered_actions`), the inbox's task → action links (`answers`) and the console's forms (`request`'s
fields with their titles and descriptions).
"""

import dataclasses
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, cast

from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.roles import Role
    from models.cases import Actor, CaseViewBase

Refusal = ApplicationError | None
Queued = list[Any]  # the accepted actions not yet applied (engine.Ticket)
Check = Callable[[Any, Any, Any], Refusal]  # (workflow, input, queued) -> why not, or None
Guard = Callable[[Any, Actor], Refusal]  # (workflow, actor) -> why this person may not, whatever they send
Apply = Callable[[Any, Any], Awaitable[None]]  # (workflow, input): a side action's effect
# Which stages an action is taken in: a fixed set, or the set a workflow class names (e.g. its countersign stage).
Stages = Iterable[str] | Callable[[type], Iterable[str]] | None


@dataclass(frozen=True)
class Route:
    """Where the HTTP API takes the action: `path` under /api/v1 with `{case_id}` naming the case; `params` types
    the path's other parameters (filled into the input's fields of the same name)."""

    path: str
    summary: str
    method: Literal["POST", "DELETE"] = "POST"
    params: Mapping[str, Any] = field(default_factory=dict)


def post(path: str, summary: str, **params: Any) -> Route:
    return Route(path, summary, "POST", params)


def delete(path: str, summary: str, **params: Any) -> Route:
    return Route(path, summary, "DELETE", params)


@dataclass(frozen=True)
class Action:
    name: str  # the update's name: recorded histories and clients use it, so it never changes
    label: str
    roles: frozenset[Role]
    stages: frozenset[str] | None  # None: any stage while the case is open
    input: type[BaseModel]  # what the workflow receives: the request's fields, who acts, registry facts
    request: type[BaseModel]  # what the caller sends (HTTP body, console form)
    route: Route
    check: Check
    guard: Guard | None = None
    apply: Apply | None = None
    single: bool = False  # a second one may not queue behind the first (the main line's steps)
    answers: frozenset[str] = frozenset()  # the pending tasks it answers (inbox and offered actions)
    danger: bool = False  # the console asks twice (withdraw, return, remove a party)
    handler: Callable[..., Awaitable[Any]] | None = None  # the update handler (typed client calls)

    @property
    def side(self) -> bool:
        return self.apply is not None


class ActionHandler(Protocol):
    """What `@action` makes of a check: the workflow's update handler, carrying its declaration."""

    action: Action
    __name__: str

    def __call__(self, workflow_: Any, inp: Any) -> Awaitable[CaseViewBase]: ...

    def applies(self, fn: Apply) -> Apply: ...


def action(label: str, *, roles: Iterable[Role], request: type[BaseModel], route: Route, stages: Stages = None,
           guard: Guard | None = None, single: bool = False, answers: Iterable[str] = (), danger: bool = False,
           name: str | None = None) -> Callable[[Check], ActionHandler]:
    """Declare an action; the decorated function is its check (see the module's docstring)."""

    def declare(check: Check) -> ActionHandler:
        update_name = name or check.__name__
        params = list(inspect.signature(check).parameters.values())
        input_model = params[1].annotation if len(params) == 3 else None
        if not (isinstance(input_model, type) and issubclass(input_model, BaseModel)):
            raise TypeError(f"{check.__qualname__}: a check takes (self, inp: <an input model>, queued)")

        async def handler(self: Any, inp: Any) -> CaseViewBase:
            return await self._submit(update_name, inp)

        def validator(self: Any, inp: Any) -> None:
            self._validate(update_name, inp)

        for fn in (handler, validator):
            fn.__annotations__ = {"inp": input_model, "return": CaseViewBase if fn is handler else None}
            fn.__qualname__ = check.__qualname__
            fn.__module__ = check.__module__
        handler.__name__ = check.__name__
        handler.__doc__ = check.__doc__ or label
        stage_rule = stages if stages is None or callable(stages) else frozenset(stages)
        declared = Action(name=update_name, label=label, roles=frozenset(roles), stages=stage_rule,  # type: ignore[arg-type]
                          input=input_model, request=request, route=route, check=check, guard=guard, single=single,
                          answers=frozenset(answers), danger=danger)
        update = workflow.update(name=update_name)(handler)
        update.validator(validator)
        update.action = dataclasses.replace(declared, handler=update)  # type: ignore[attr-defined]

        def applies(fn: Apply) -> Apply:
            update.action = dataclasses.replace(update.action, apply=fn)  # type: ignore[attr-defined]
            return fn

        update.applies = applies  # type: ignore[attr-defined]
        return cast(ActionHandler, update)

    return declare


def declared(member: Any) -> Action | None:
    action_ = getattr(member, "action", None)
    return action_ if isinstance(action_, Action) else None


def actions_of(workflow_class: type) -> Mapping[str, Action]:
    """A workflow class's action table, in the order a reader meets it: the class's own actions as declared, then
    those it inherits. Stages a class names (a countersign stage) are resolved for it."""
    # Kept on the class itself: the sandbox re-imports a workflow's module for every run it holds, and a cache
    # keyed by class here would keep each of those classes alive.
    table: dict[str, Action] | None = vars(workflow_class).get("__action_table__")
    if table is None:
        table = {}
        for klass in workflow_class.__mro__:
            for member in vars(klass).values():
                if (found := declared(member)) is not None and found.name not in table:
                    if callable(found.stages):
                        found = dataclasses.replace(found, stages=frozenset(found.stages(workflow_class)))
                    table[found.name] = found
        setattr(workflow_class, "__action_table__", table)  # noqa: B010
    return table
