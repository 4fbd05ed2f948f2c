"""案件：列表与抄送我的 (a case itself, and every action on it, is served by api/routes/procedures.py)."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, SessionDep
from api.errors import ErrorBody
from api.schemas import CaseList, CaseSummary
from api.services import cases
from domain.cases import Status

router = APIRouter(tags=["案件"])
ERRORS = {r: {"model": ErrorBody} for r in (401, 403, 404, 409, 422, 503)}


@router.get("/cases", summary="案件列表（按管辖范围，可筛选、搜索、分页）", response_model=CaseList, responses=ERRORS)
async def list_cases(
    principal: CurrentUser, session: SessionDep,
    kind: Annotated[str | None, Query(max_length=20, description="案件类型，如 reopening")] = None,
    stage: Annotated[str | None, Query(max_length=30, description="阶段代码（所选类型的阶段）")] = None,
    status: Annotated[Status | None, Query(description="状态")] = None,
    division_code: Annotated[str | None, Query(description="县（区）或市的行政区划代码")] = None,
    overdue: Annotated[bool | None, Query(description="只看逾期")] = None,
    q: Annotated[str | None, Query(max_length=50, description="按矿山、企业名称、许可证号或案件编号搜索")] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200, description="键集分页游标（来自上一页的 next_cursor）")] = None,
) -> CaseList:
    query = cases.CaseQuery(kind=kind, stage=stage, status=status, division_code=division_code, overdue=overdue, q=q,
                            page=page, page_size=page_size, cursor=cursor)
    rows, total, next_cursor = await cases.list_cases(session=session, principal=principal, query=query)
    return CaseList(items=[CaseSummary.of(r) for r in rows], total=total, page=page, page_size=page_size,
                    next_cursor=next_cursor)


@router.get("/copies", summary="抄送我的案件", response_model=CaseList, responses=ERRORS)
async def copied_to_me(principal: CurrentUser, session: SessionDep,
                       page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                       page_size: Annotated[int, Query(ge=1, le=100)] = 20) -> CaseList:
    rows, total = await cases.copied_to(session=session, username=principal.username, page=page,
                                        page_size=page_size)
    return CaseList(items=[CaseSummary.of(r) for r in rows], total=total, page=page, page_size=page_size)
