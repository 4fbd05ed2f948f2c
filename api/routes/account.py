"""个人事项：修改本人密码、我的通知、已办与我发起的案件、批量催办（与控制台同一服务层）."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from api.deps import CurrentUser, DatabaseDep, SessionDep, SettingsDep, TemporalDep
from api.errors import ErrorBody
from api.schemas import CaseList, CaseSummary
from api.services import account, notifications, reminders, worklists
from models.cases import Wire

router = APIRouter(tags=["个人事项"])
ERRORS = {r: {"model": ErrorBody} for r in (401, 403, 422, 429)}
Page = Annotated[int, Query(ge=1, le=10_000)]
PageSize = Annotated[int, Query(ge=1, le=100)]


@router.post("/me/password", status_code=204, response_class=Response, responses=ERRORS,
             summary="修改本人密码（规则与管理员新建用户相同；须核对当前密码，连续输错按登录失败计；记入审计链）。"
                     "修改后，本人此前签发的全部令牌（含本次所用）即时失效，须重新登录")
async def change_password(body: account.PasswordChange, principal: CurrentUser, db: DatabaseDep,
                          settings: SettingsDep, request: Request) -> Response:
    await account.change_password(db=db, settings=settings, principal=principal, body=body,
                                  client=request.client.host if request.client else "unknown", channel="api")
    return Response(status_code=204)


@router.get("/notifications", response_model=notifications.NotificationList, responses=ERRORS,
            summary="我的通知（提醒、催办、逾期上报），最新的在前，含未读数")
async def my_notifications(principal: CurrentUser, session: SessionDep,
                           unread: Annotated[bool, Query(description="只看未读")] = False,
                           page: Page = 1, page_size: PageSize = 50) -> notifications.NotificationList:
    return await notifications.listing(session=session, user=principal.user, unread_only=unread, page=page,
                                       page_size=page_size)


class MarkRead(Wire):
    ids: list[Annotated[int, Field(ge=1, lt=2**31)]] | None = Field(
        default=None, max_length=500, description="要标为已读的通知；不给出则全部标为已读")


class Marked(BaseModel):
    marked: int = Field(description="本次由未读标为已读的条数")


@router.post("/notifications/read", response_model=Marked, responses=ERRORS, summary="通知标为已读")
async def read_notifications(body: MarkRead, principal: CurrentUser, db: DatabaseDep) -> Marked:
    return Marked(marked=await notifications.mark_read(db=db, user=principal.user, ids=body.ids))


@router.get("/done", response_model=CaseList, responses=ERRORS, summary="已办：我办理过的案件（按我最近一次办理排列）")
async def done(principal: CurrentUser, session: SessionDep, page: Page = 1, page_size: PageSize = 20) -> CaseList:
    pairs, total = await worklists.acted_on(session=session, username=principal.username, page=page,
                                            page_size=page_size)
    return CaseList(items=[CaseSummary.of(r) for r, _ in pairs], total=total, page=page, page_size=page_size)


@router.get("/started", response_model=CaseList, responses=ERRORS, summary="我发起的案件")
async def started(principal: CurrentUser, session: SessionDep, page: Page = 1, page_size: PageSize = 20) -> CaseList:
    pairs, total = await worklists.started_by(session=session, username=principal.username, page=page,
                                              page_size=page_size)
    return CaseList(items=[CaseSummary.of(r) for r, _ in pairs], total=total, page=page, page_size=page_size)


@router.post("/reminders/batch", response_model=reminders.BulkUrgeResult, responses=ERRORS,
             summary="批量催办：逐件经各案件的催办操作（催办其逾期的待办方），列出已催办的和未能催办的及原因")
async def urge_in_bulk(body: reminders.BulkUrgeRequest, principal: CurrentUser, session: SessionDep,
                       temporal: TemporalDep, settings: SettingsDep) -> reminders.BulkUrgeResult:
    return await reminders.urge_many(session=session, temporal=temporal, settings=settings, principal=principal,
                                     body=body)
