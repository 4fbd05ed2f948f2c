"""The procedures the API serves, each a *kind* of case: its workflow, its view, its case-id prefix, the names of
its stages and tasks, and the actions it offers beyond those every case has.

Adding a procedure is one `Kind` here: reading (`GET /cases/{id}`), acting, lists, inboxes and the available
actions dispatch on the case's kind.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from domain import reopening
from domain.cases import STATUS_NAMES, Status
from domain.errors import DomainError, ErrorCode
from domain.roles import Role
from models.cases import CaseViewBase
from models.reopening import ReopeningView
from workflows.reopening import ReopeningWorkflow

if TYPE_CHECKING:
    from api.deps import Principal

ExtraActions = Callable[["Principal", Any, bool], list[str]]


@dataclass(frozen=True)
class Kind:
    code: str
    prefix: str
    name: str
    workflow: type
    view: type[CaseViewBase]
    stage_names: Mapping[str, str]
    task_names: Mapping[str, str]
    family: str = "reopening"  # the task queue family its workflows run on (worker.py FAMILIES)
    status_names: Mapping[str, str] = field(default_factory=lambda: {s.value: n for s, n in STATUS_NAMES.items()})
    # task (what the case waits on) -> the action that answers it, for this kind's own tasks
    task_actions: Mapping[str, str] = field(default_factory=dict)
    # the kind's own actions for this caller now, beyond answering its tasks: (principal, view, in jurisdiction)
    extra_actions: ExtraActions = lambda principal, view, in_jurisdiction: []


def _reopening_extras(principal: "Principal", case: ReopeningView, in_jurisdiction: bool) -> list[str]:
    role, stage = principal.role, case.stage
    own = principal.user.enterprise_id == case.enterprise_id
    if role is Role.ENTERPRISE and own and stage in reopening.WITHDRAWABLE:
        return ["withdraw"]
    if role is Role.COUNTY_NR and in_jurisdiction and stage is reopening.Stage.JOINT_ACCEPTANCE:
        return ["reassign", "add_party", "remove_party", "return"]
    if role is Role.COMMITTEE_SECRETARY and in_jurisdiction and stage is reopening.Stage.COMMITTEE_REVIEW:
        return ["return"]
    return []


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.code] = kind
    return kind


REOPENING = register(Kind(
    code="reopening", prefix="KFG", name="开复工", workflow=ReopeningWorkflow, view=ReopeningView,
    stage_names={s.value: n for s, n in reopening.STAGE_NAMES.items()},
    status_names={s.value: n for s, n in reopening.STATUS_NAMES.items()},
    task_names=reopening.TASK_NAMES,
    task_actions={"intake": "intake", "correction": "correction", "rectification": "rectification_done",
                  "committee_material": "committee_material", "approval": "approval",
                  "resumption": "resumption", "city_filing": "city_filing"},
    extra_actions=_reopening_extras,
))


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


def is_active(view: CaseViewBase) -> bool:
    return view.status is Status.ACTIVE
