"""开复工申请."""

from typing import Annotated

from fastapi import APIRouter, Header, Query

from api import case_service
from api.actions import available_actions
from api.deps import CurrentUser, DatabaseDep, EnterpriseUser, SessionDep, SettingsDep, TemporalDep
from api.errors import ErrorBody
from api.schemas import CaseOut, MaterialRequirement, RequiredMaterials, case_out
from api.scope import ensure_can_view
from domain.calendar import default_calendar
from domain.errors import DomainError, ErrorCode
from domain.reopening import required_materials
from models.db import utcnow
from models.registry import Mine
from models.reopening import ReopeningCreate

router = APIRouter(tags=["开复工"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                              description="幂等键：同一键的重复请求返回首次结果")]
ERRORS = {r: {"model": ErrorBody} for r in (401, 403, 404, 409, 422, 503)}


@router.post("/reopenings", status_code=201, summary="企业提交开复工申请", response_model=CaseOut, responses=ERRORS)
async def submit_reopening(body: ReopeningCreate, principal: EnterpriseUser, session: SessionDep, db: DatabaseDep,
                           temporal: TemporalDep, settings: SettingsDep,
                           idempotency_key: IdempotencyKey = None) -> CaseOut:
    view = await case_service.start_reopening(session=session, db=db, temporal=temporal, settings=settings,
                                              principal=principal, body=body, idempotency_key=idempotency_key)
    return case_out(view, default_calendar(), utcnow(), available_actions(principal, view))


@router.get("/reopenings/required-materials", summary="查询矿山申请开复工须提交的材料",
            response_model=RequiredMaterials, responses=ERRORS)
async def get_required_materials(principal: CurrentUser, session: SessionDep,
                                 mine_id: Annotated[int, Query(ge=1, le=2**31 - 1)]) -> RequiredMaterials:
    mine = await session.get(Mine, mine_id)
    if mine is None:
        raise DomainError(ErrorCode.MINE_NOT_FOUND, details={"mine_id": mine_id})
    ensure_can_view(principal, mine.division_code, mine.enterprise_id)
    return RequiredMaterials(mine_id=mine_id, method=mine.method.value, items=[
        MaterialRequirement(kind=rule.kind.value, name=rule.name, clause=rule.clause)
        for rule in required_materials(mine.method)
    ])
