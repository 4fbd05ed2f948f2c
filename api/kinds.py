"""The procedures the API serves, each a *kind* of case: its workflow, its view, its case-id prefix, the names of
its stages and tasks, and the actions it offers beyond those every case has.

Adding a procedure is one `Kind` here: reading (`GET /cases/{id}`), acting, lists, inboxes and the available
actions dispatch on the case's kind.
"""

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from temporalio import workflow

from domain import campaign, reopening
from domain.cases import STATUS_NAMES, Status
from domain.errors import DomainError, ErrorCode
from domain.roles import Role
from models.campaign import CampaignView, ClosureView, RectificationView
from models.cases import CaseViewBase
from models.reopening import ReopeningView
from workflows.campaign import CampaignWorkflow
from workflows.closure import ClosureWorkflow
from workflows.rectification import RectificationWorkflow
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
    family: str  # the task queue family its workflows run on (worker.py FAMILIES)
    status_names: Mapping[str, str] = field(default_factory=lambda: {s.value: n for s, n in STATUS_NAMES.items()})
    # task (what the case waits on) -> the action that answers it, for this kind's own tasks
    task_actions: Mapping[str, str] = field(default_factory=dict)
    # the kind's own actions for this caller now, beyond answering its tasks: (principal, view, in jurisdiction)
    extra_actions: ExtraActions = lambda principal, view, in_jurisdiction: []
    # the stages a case ends in (the dashboard counts open cases over the others)
    final_stages: frozenset[str] = frozenset({"completed"})

    def open_stages(self) -> list[str]:
        """The stages an open case can be in, in the procedure's order."""
        return [stage for stage in self.stage_names if stage not in self.final_stages]

    def updates(self) -> frozenset[str]:
        """The names of the updates (actions) its workflow takes."""
        return _update_names(self.workflow)


@functools.cache
def _update_names(workflow_class: type) -> frozenset[str]:
    return frozenset(workflow._Definition.must_from_class(workflow_class).updates)


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
    code="reopening", prefix="KFG", name="开复工", workflow=ReopeningWorkflow, view=ReopeningView, family="reopening",
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


# ---- 治理整顿 campaign, rectification and closure (issue 8) ------------------------------------------------------

def _campaign_extras(principal: "Principal", case: Any, in_jurisdiction: bool) -> list[str]:
    if principal.role is Role.CITY_NR and in_jurisdiction and getattr(case, "moratorium_active", False):
        return ["lift_moratorium"]
    return []


def _rectification_extras(principal: "Principal", case: Any, in_jurisdiction: bool) -> list[str]:
    if not in_jurisdiction:
        return []
    actions = []
    if principal.role in (Role.SUPERVISOR, Role.COUNTY_NR):
        actions.append("finding")
    return actions


CAMPAIGN = register(Kind(
    code="campaign", prefix="ZLZD", name="治理整顿", workflow=CampaignWorkflow, view=CampaignView, family="campaign",
    stage_names={s.value: n for s, n in campaign.CAMPAIGN_STAGE_NAMES.items()},
    task_names={"conclude": "结束治理整顿"}, task_actions={"conclude": "conclude"}, extra_actions=_campaign_extras,
))
RECTIFICATION = register(Kind(
    code="rectification", prefix="ZZ", name="矿山整治", workflow=RectificationWorkflow, view=RectificationView,
    family="campaign", stage_names={s.value: n for s, n in campaign.RECT_STAGE_NAMES.items()},
    status_names={s.value: n for s, n in campaign.RECT_STATUS_NAMES.items()}, task_names=campaign.TASK_NAMES,
    task_actions={"plan": "plan", "close_item": "close_item", "county_acceptance": "county_acceptance",
                  "region_acceptance": "region_acceptance", "commission_restoration": "third_party"},
    extra_actions=_rectification_extras, final_stages=frozenset({campaign.RectStage.CLOSED.value}),
))
CLOSURE = register(Kind(
    code="closure", prefix="GBQD", name="关闭取缔", workflow=ClosureWorkflow, view=ClosureView, family="campaign",
    stage_names={s.value: n for s, n in campaign.CLOSURE_STAGE_NAMES.items()},
    task_names=campaign.CLOSURE_TASK_NAMES, task_actions={"closure_step": "step_done", "restoration": "step_done"},
))


import api.rights_kinds  # noqa: E402, F401  (registers the mining-right kinds: transfer, grant)
