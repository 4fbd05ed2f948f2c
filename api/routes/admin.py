"""管理：审计链与文件校验，节假日安排."""

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import AdminUser, DatabaseDep, SessionDep, StoreDep, TemporalDep
from api.errors import ErrorBody
from api.files_service import IntegrityReport, verify_all
from api.services import calendar as calendar_service
from api.services.calendar import ArrangementIn, ArrangementOut
from domain.calendar import MAX_YEAR, MIN_YEAR

router = APIRouter(tags=["管理"])


@router.get("/admin/audit/verify",
            summary="校验审计链（逐条核对哈希，指出第一条被篡改或缺失的记录），并重算每个已存文件的哈希与审计链比对",
            response_model=IntegrityReport, responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}})
async def verify_audit(_: AdminUser, session: SessionDep, store: StoreDep) -> IntegrityReport:
    return await verify_all(session, store)


@router.post("/admin/calendar/{year}", status_code=201,
             summary="载入某年国务院办公厅公布的节假日安排（放假日期与调休上班日）：记入审计链，新案件即用，"
                     "在办案件的未到期期限据此重新推算",
             response_model=ArrangementOut,
             responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def load_calendar_year(year: Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR)], body: ArrangementIn,
                             admin: AdminUser, db: DatabaseDep, temporal: TemporalDep) -> ArrangementOut:
    return await calendar_service.load_year(db=db, temporal=temporal, year=year, body=body, actor=admin.username,
                                            role=admin.role.value, actor_name=admin.user.display_name)


@router.get("/admin/calendar", summary="已载入的各年度节假日安排", response_model=list[ArrangementOut],
            responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}})
async def calendar_years(_: AdminUser, db: DatabaseDep) -> list[ArrangementOut]:
    return await calendar_service.loaded_years(db)
