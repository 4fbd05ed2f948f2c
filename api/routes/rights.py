"""矿业权登记簿：录入、查询、更正与变更历史（转让与出让案件见 api/procedures/transfer.py、grant.py）."""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from pydantic import BaseModel

from api.deps import CurrentUser, DatabaseDep, SessionDep, SettingsDep
from api.errors import ErrorBody
from api.services import rights as rights_service
from domain.rights import RightStatus
from models.rights import (
    MiningRightCreate,
    MiningRightHistoryPublic,
    MiningRightPublic,
    MiningRightUpdate,
)

router = APIRouter(tags=["矿业权"])
ERRORS = {r: {"model": ErrorBody} for r in (401, 403, 404, 409, 422, 503)}
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                              description="幂等键：同一键的重复请求返回首次结果")]
RightId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class MiningRightList(BaseModel):
    items: list[MiningRightPublic]
    total: int
    page: int
    page_size: int


# ---- the registry ----------------------------------------------------------------------------------------------

@router.post("/mining-rights", status_code=201, summary="矿业权登记簿录入（拐点坐标校验、重叠检查、确定登记管理权限）",
             response_model=MiningRightPublic, responses=ERRORS)
async def register_right(body: MiningRightCreate, principal: CurrentUser, db: DatabaseDep,
                         settings: SettingsDep) -> MiningRightPublic:
    return await rights_service.register_right(db=db, principal=principal, body=body, settings=settings)


@router.get("/mining-rights", summary="矿业权列表（按管辖范围；企业只见本企业的矿业权）",
            response_model=MiningRightList, responses=ERRORS)
async def list_rights(principal: CurrentUser, session: SessionDep,
                      division_code: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
                      status: RightStatus | None = None,
                      holder_enterprise_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                      page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                      page_size: Annotated[int, Query(ge=1, le=100)] = 20) -> MiningRightList:
    items, total = await rights_service.list_rights(session, principal, division_code=division_code, status=status,
                                                    holder_enterprise_id=holder_enterprise_id, page=page,
                                                    page_size=page_size)
    return MiningRightList(items=items, total=total, page=page, page_size=page_size)


@router.get("/mining-rights/{right_id}", summary="矿业权详情", response_model=MiningRightPublic, responses=ERRORS)
async def get_right(right_id: RightId, principal: CurrentUser, session: SessionDep) -> MiningRightPublic:
    return await rights_service.public(session, await rights_service.read_right(session, principal, right_id))


@router.post("/mining-rights/{right_id}/corrections",
             summary="矿业权登记事项更正（规模、范围、有效期、权属争议），记入变更历史",
             response_model=MiningRightPublic, responses=ERRORS)
async def correct_right(right_id: RightId, body: MiningRightUpdate, principal: CurrentUser,
                        db: DatabaseDep) -> MiningRightPublic:
    return await rights_service.update_right(db=db, principal=principal, right_id=right_id, body=body)


@router.get("/mining-rights/{right_id}/history", summary="矿业权变更历史（矿业权人、规模、范围、有效期的每次变更）",
            response_model=list[MiningRightHistoryPublic], responses=ERRORS)
async def get_history(right_id: RightId, principal: CurrentUser, session: SessionDep) -> list[MiningRightHistoryPublic]:
    return await rights_service.right_history(session, principal, right_id)
