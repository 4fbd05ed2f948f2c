"""What the caller may do to a case now, derived from what the workflow waits on (its `pending` list) and the
case's kind (api/kinds.py).

A presentation aid for clients and the console; the workflow's validators remain the authority.
"""

from api.deps import Principal
from api.kinds import KINDS
from domain.cases import Status
from domain.divisions import covers
from domain.roles import Role
from models.cases import CaseViewBase, Pending

# tasks every kind with countersign rounds has -> the action that answers them
COMMON_TASK_ACTIONS: dict[str, str] = {"sign_off": "sign_off", "draft_opinion": "draft",
                                       "committee_decision": "committee_decision"}


def holds(principal: Principal, pending: Pending, case: CaseViewBase) -> bool:
    """Whether `pending` waits on the caller (the same rule as the inbox query in api/routes/tasks.py)."""
    user = principal.user
    if user.role is not pending.role:
        return False
    match user.role:
        case Role.ENTERPRISE:
            return user.enterprise_id == (pending.enterprise_id or case.enterprise_id)
        case Role.DEPARTMENT_OFFICER:
            return user.department_id == pending.department_id and pending.assignee in (None, user.username)
        case Role.EXPERT:
            return pending.assignee == user.username
        case _:
            return in_jurisdiction(principal, case)


def in_jurisdiction(principal: Principal, case: CaseViewBase) -> bool:
    code = principal.user.division_code
    return code is not None and covers(code, case.division_code)


def available_actions(principal: Principal, case: CaseViewBase) -> list[str]:
    if case.status is not Status.ACTIVE:
        return []
    kind, role, local = KINDS[case.kind], principal.role, in_jurisdiction(principal, case)
    answers = {**COMMON_TASK_ACTIONS, **kind.task_actions}
    actions = [answers[p.task] for p in case.pending if p.task in answers and holds(principal, p, case)]
    if "sign_off" in actions and role is Role.DEPARTMENT_OFFICER:
        actions += ["reassign", "delegate"]
    actions += kind.extra_actions(principal, case, local)
    if role is Role.COUNTY_NR and local:
        actions += ["urge", "copy"]
    if role is Role.SUPERVISOR and local and case.pending:
        actions.append("urge")
    return list(dict.fromkeys(actions))
