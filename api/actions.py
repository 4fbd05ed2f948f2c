"""What the caller may do to a case now, derived from what the workflow waits on (its `pending` list).

A presentation aid for clients and the console; the workflow's validators remain the authority.
"""

from api.deps import Principal
from domain.divisions import covers
from domain.reopening import WITHDRAWABLE, Status
from domain.roles import Role
from models.cases import CaseView, Pending

# inbox task → the action (update) that answers it
TASK_ACTIONS: dict[str, str] = {
    "intake": "intake",
    "correction": "correction",
    "sign_off": "sign_off",
    "rectification": "rectification_done",
    "committee_decision": "committee_decision",
    "committee_material": "committee_material",
    "approval": "approval",
    "resumption": "resumption",
    "city_filing": "city_filing",
}


def holds(principal: Principal, pending: Pending, case: CaseView) -> bool:
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
            return user.division_code is not None and covers(user.division_code, case.division_code)


def available_actions(principal: Principal, case: CaseView) -> list[str]:
    if case.status is not Status.ACTIVE:
        return []
    actions = [TASK_ACTIONS[p.task] for p in case.pending if p.task in TASK_ACTIONS and holds(principal, p, case)]
    if (principal.role is Role.ENTERPRISE and principal.user.enterprise_id == case.enterprise_id
            and case.stage in WITHDRAWABLE):
        actions.append("withdraw")
    return list(dict.fromkeys(actions))
