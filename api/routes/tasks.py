"""待办：what waits on the caller, oldest deadline first."""

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import ColumnElement, and_, false, func, or_
from sqlmodel import col, select

from api.deps import CurrentUser, Principal, SessionDep
from api.errors import ErrorBody
from api.schemas import TaskList, TaskOut
from api.scope import division_filter
from domain.roles import Role
from models.db import utcnow
from models.projection import CaseRecord, CaseTask

router = APIRouter(tags=["待办"])


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


@router.get("/tasks", summary="我的待办（按期限先后，逾期标红）", response_model=TaskList,
            responses={401: {"model": ErrorBody}})
async def my_tasks(principal: CurrentUser, session: SessionDep,
                   page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                   page_size: Annotated[int, Query(ge=1, le=200)] = 50) -> TaskList:
    condition = inbox_filter(principal)
    total = (await session.exec(select(func.count()).select_from(CaseTask).where(condition))).one()
    rows = (await session.exec(
        select(CaseTask, CaseRecord).join(CaseRecord, col(CaseRecord.case_id) == col(CaseTask.case_id))
        .where(condition)
        .order_by(col(CaseTask.due_at).is_(None), col(CaseTask.due_at), col(CaseTask.case_id))
        .offset((page - 1) * page_size).limit(page_size)
    )).all()
    now = utcnow()
    return TaskList(items=[TaskOut.of(task, record, now) for task, record in rows], total=total)
