"""双挂钩一达标产能台账：余额与历史、登记（只增不改）、新增产能预审（seed 002 §04(二)4(2)）.

Thin: the look-ups and writes are api/services/ledger.py's, which the console's ledger page calls too."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, DatabaseDep, SessionDep
from api.errors import ErrorBody
from api.services import ledger as ledger_service
from domain.ledger import LedgerBalance
from models.ledger import CapacityCheck, LedgerEntryCreate, LedgerEntryPublic, LedgerView

router = APIRouter(tags=["双挂钩一达标产能台账"])
ERRORS = {r: {"model": ErrorBody} for r in (401, 403, 404, 409, 422)}


@router.get("/ledger", summary="产能台账：关闭退出、生态修复、新设扩能余额及全部历史记录", response_model=LedgerView,
            responses=ERRORS)
async def get_ledger(principal: CurrentUser, session: SessionDep,
                     city: Annotated[str, Query(pattern=r"^[0-9]{6}$", description="市级行政区划代码")]
                     ) -> LedgerView:
    return await ledger_service.view(session=session, principal=principal, code=city)


@router.post("/ledger/check", summary="新增产能预审：是否符合双挂钩一达标（只读，不占用产能）",
             description="返回 allowed 及各项数字（关闭、已修复、修复比例、上限、已使用、尚余、本次申请）；"
                         "不符合时 reasons 说明原因。",
             response_model=LedgerBalance, responses=ERRORS)
async def check_capacity(body: CapacityCheck, principal: CurrentUser, session: SessionDep) -> LedgerBalance:
    return await ledger_service.check(session=session, principal=principal, body=body)


@router.post("/ledger/entries", status_code=201, summary="登记产能台账记录（只增不改，按业务编号幂等）",
             description="closed 关闭退出产能（mine_id，默认取核定规模）；restored 退出矿山生态修复完成（mine_id）；"
                         "granted 新设/扩能产能（city_code、amount_wt、purpose，"
                         "不平衡时 409 CAPACITY_LEDGER_UNBALANCED）；correction 更正（corrects_entry_id、带符号调整量、"
                         "理由，仅市局）。同一 reference 重复提交返回原记录。",
             response_model=LedgerEntryPublic, responses=ERRORS)
async def create_entry(body: LedgerEntryCreate, principal: CurrentUser, session: SessionDep,
                       db: DatabaseDep) -> LedgerEntryPublic:
    return await ledger_service.record(session=session, db=db, principal=principal, body=body)
