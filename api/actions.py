"""What the caller may do to a case now, derived from what the workflow waits on (its `pending` list).

A presentation aid for clients and the console; the workflow's validators remain the authority.
"""

from api.deps import Principal
from domain.cases import Status
from domain.divisions import covers
from domain.reopening import WITHDRAWABLE, Stage
from domain.roles import Role
from models.cases import Pending
from models.reopening import ReopeningView

# inbox task → the action (update) that answers it
TASK_ACTIONS: dict[str, str] = {
    "intake": "intake",
    "correction": "correction",
    "sign_off": "sign_off",
    "draft_opinion": "draft",
    "rectification": "rectification_done",
    "committee_decision": "committee_decision",
    "committee_material": "committee_material",
    "approval": "approval",
    "resumption": "resumption",
    "city_filing": "city_filing",
}


def holds(principal: Principal, pending: Pending, case: ReopeningView) -> bool:
    """Whether `pending` waits on the caller (the same rule as the inbox query in api/routes/tasks.py)."""
    user = principal.user
    if user.role is not pending.role:
        return False
    match user.role:
        case Role.ENTERPRISE:
            return user.enterprise_id == case.enterprise_id
        case Role.DEPARTMENT_OFFICER:
            return user.department_id == pending.department_id and pending.assignee in (None, user.username)
        case Role.EXPERT:
            return pending.assignee == user.username
        case _:
            return in_jurisdiction(principal, case)


def in_jurisdiction(principal: Principal, case: ReopeningView) -> bool:
    code = principal.user.division_code
    return code is not None and covers(code, case.division_code)


def available_actions(principal: Principal, case: ReopeningView) -> list[str]:
    if case.status is not Status.ACTIVE:
        return []
    role = principal.role
    actions = [TASK_ACTIONS[p.task] for p in case.pending if p.task in TASK_ACTIONS and holds(principal, p, case)]
    if "sign_off" in actions and role is Role.DEPARTMENT_OFFICER:
        actions += ["reassign", "delegate"]
    if role is Role.ENTERPRISE and principal.user.enterprise_id == case.enterprise_id and case.stage in WITHDRAWABLE:
        actions.append("withdraw")
    if role is Role.COUNTY_NR and in_jurisdiction(principal, case):
        if case.stage is Stage.JOINT_ACCEPTANCE:
            actions += ["reassign", "add_party", "remove_party", "return"]
        actions += ["urge", "copy"]
    if role is Role.COMMITTEE_SECRETARY and case.stage is Stage.COMMITTEE_REVIEW and in_jurisdiction(principal, case):
        actions.append("return")
    if role is Role.SUPERVISOR and in_jurisdiction(principal, case) and case.pending:
        actions.append("urge")
    return list(dict.fromkeys(actions))
