"""待办：what waits on the caller, oldest deadline first."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, SessionDep
from api.errors import ErrorBody
from api.schemas import TaskList, TaskOut
from api.services import inbox
from models.db import utcnow

router = APIRouter(tags=["待办"])


@router.get("/tasks", summary="我的待办（按期限先后，逾期标红）", response_model=TaskList,
            responses={401: {"model": ErrorBody}})
async def my_tasks(principal: CurrentUser, session: SessionDep,
                   page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                   page_size: Annotated[int, Query(ge=1, le=200)] = 50) -> TaskList:
    rows, total = await inbox.tasks(session=session, principal=principal, page=page, page_size=page_size)
    now = utcnow()
    return TaskList(items=[TaskOut.of(task, record, now) for task, record in rows], total=total)
