"""待办: what waits on a user. An inbox item exists exactly when a workflow waits on the user's party or role —
the rule `workflows.parts.engine.holds` states for one case, here as the query over the projection's tasks."""

from sqlalchemy import ColumnElement, and_, false, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Principal
from api.scope import division_filter
from domain.roles import Role
from models.projection import CaseRecord, CaseTask


def inbox_filter(principal: Principal) -> ColumnElement[bool]:
    """An inbox item belongs to the caller exactly when the workflow waits on the caller's party or role."""
    user = principal.user
    match user.role:
        case Role.ENTERPRISE:
            return and_(col(CaseTask.role) == Role.ENTERPRISE.value, col(CaseTask.enterprise_id) == user.enterprise_id)
        case Role.DEPARTMENT_OFFICER:
            return and_(col(CaseTask.role) == Role.DEPARTMENT_OFFICER.value,
                        col(CaseTask.department_id) == user.department_id,
                        or_(col(CaseTask.assignee).is_(None), col(CaseTask.assignee) == user.username))
        case Role.EXPERT:
            return and_(col(CaseTask.role) == Role.EXPERT.value, col(CaseTask.assignee) == user.username)
        case Role.COUNTY_NR | Role.COMMITTEE_SECRETARY | Role.CITY_NR:
            return and_(col(CaseTask.role) == user.role.value, division_filter(principal, CaseTask.division_code))
        case Role.SUPERVISOR:
            # 督查组: every overdue item in its jurisdiction, whoever holds it.
            return and_(col(CaseTask.overdue).is_(True), division_filter(principal, CaseTask.division_code))
    return false()


async def tasks(*, session: AsyncSession, principal: Principal, page: int, page_size: int
                ) -> tuple[list[tuple[CaseTask, CaseRecord]], int]:
    """The caller's open tasks with their cases, oldest deadline first: (rows, total)."""
    condition = inbox_filter(principal)
    total = (await session.exec(select(func.count()).select_from(CaseTask).where(condition))).one()
    rows = (await session.exec(
        select(CaseTask, CaseRecord).join(CaseRecord, col(CaseRecord.case_id) == col(CaseTask.case_id))
        .where(condition)
        .order_by(col(CaseTask.due_at).is_(None), col(CaseTask.due_at), col(CaseTask.case_id))
        .offset((page - 1) * page_size).limit(page_size)
    )).all()
    return [(task, record) for task, record in rows], total
