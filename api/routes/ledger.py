"""双挂钩一达标产能台账：余额与历史、登记（只增不改）、新增产能预审（seed 002 §04(二)4(2)）."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, DatabaseDep, Principal, SessionDep
from api.errors import ErrorBody
from domain.divisions import city_of, covers, division_code_problem, level
from domain.errors import DomainError, ErrorCode
from domain.ledger import EntryKind, LedgerBalance
from domain.roles import Role
from models.ledger import (
    CapacityCheck,
    LedgerEntry,
    LedgerEntryCreate,
    LedgerEntryPublic,
    LedgerView,
    ledger_balance,
    ledger_view,
    record_closed,
    record_correction,
    record_granted,
    record_restored,
)
from models.registry import Division, Mine

router = APIRouter(tags=["双挂钩一达标产能台账"])
ERRORS = {r: {"model": ErrorBody} for r in (401, 403, 404, 409, 422)}
WRITERS = (Role.COUNTY_NR, Role.CITY_NR, Role.ADMIN)


def _may_see_city(principal: Principal, city: str) -> bool:
    """Officials of the city, of its counties, or of its province."""
    user = principal.user
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.ENTERPRISE or user.division_code is None:
        return False
    return covers(user.division_code, city) or city_of(user.division_code) == city


async def _city(session: SessionDep, principal: Principal, code: str) -> str:
    if division_code_problem(code) or level(code) == "province":
        raise DomainError(ErrorCode.INVALID_DIVISION_CODE, "须为市级（或其所辖县区）行政区划代码", {"city": code})
    city = city_of(code)
    if await session.get(Division, city) is None:
        raise DomainError(ErrorCode.DIVISION_NOT_FOUND, details={"city": city})
    if principal.role is Role.ENTERPRISE:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, details={"allowed": "officials"})
    if not _may_see_city(principal, city):
        raise DomainError(ErrorCode.OUT_OF_JURISDICTION)
    return city


@router.get("/ledger", summary="产能台账：关闭退出、生态修复、新设扩能余额及全部历史记录", response_model=LedgerView,
            responses=ERRORS)
async def get_ledger(principal: CurrentUser, session: SessionDep,
                     city: Annotated[str, Query(pattern=r"^[0-9]{6}$", description="市级行政区划代码")]
                     ) -> LedgerView:
    return await ledger_view(session, await _city(session, principal, city))


@router.post("/ledger/check", summary="新增产能预审：是否符合双挂钩一达标（只读，不占用产能）",
             description="返回 allowed 及各项数字（关闭、已修复、修复比例、上限、已使用、尚余、本次申请）；"
                         "不符合时 reasons 说明原因。",
             response_model=LedgerBalance, responses=ERRORS)
async def check_capacity(body: CapacityCheck, principal: CurrentUser, session: SessionDep) -> LedgerBalance:
    city = await _city(session, principal, body.city_code)
    return await ledger_balance(session, city, body.added_wt)


@router.post("/ledger/entries", status_code=201, summary="登记产能台账记录（只增不改，按业务编号幂等）",
             description="closed 关闭退出产能（mine_id，默认取核定规模）；restored 退出矿山生态修复完成（mine_id）；"
                         "granted 新设/扩能产能（city_code、amount_wt、purpose，"
                         "不平衡时 409 CAPACITY_LEDGER_UNBALANCED）；correction 更正（corrects_entry_id、带符号调整量、"
                         "理由，仅市局）。同一 reference 重复提交返回原记录。",
             response_model=LedgerEntryPublic, responses=ERRORS)
async def create_entry(body: LedgerEntryCreate, principal: CurrentUser, session: SessionDep,
                       db: DatabaseDep) -> LedgerEntryPublic:
    if principal.role not in WRITERS:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, details={"allowed": [r.value for r in WRITERS]})
    user, actor, role = principal.user, principal.username, principal.role.value
    if body.kind in (EntryKind.CLOSED, EntryKind.RESTORED):
        assert body.mine_id is not None
        mine = await session.get(Mine, body.mine_id)
        if mine is None:
            raise DomainError(ErrorCode.MINE_NOT_FOUND, details={"mine_id": body.mine_id})
        if role != Role.ADMIN and not covers(user.division_code or "", mine.division_code):
            raise DomainError(ErrorCode.OUT_OF_JURISDICTION)
        async with db.write() as write:
            if body.kind is EntryKind.CLOSED:
                entry = await record_closed(write, mine_id=mine.id or 0, reference=body.reference, actor=actor,
                                            role=role, amount_wt=body.amount_wt, case_id=body.case_id,
                                            note=body.note)
            else:
                entry = await record_restored(write, mine_id=mine.id or 0, reference=body.reference, actor=actor,
                                              role=role, case_id=body.case_id, note=body.note)
    elif body.kind is EntryKind.GRANTED:
        assert body.city_code is not None and body.amount_wt is not None and body.purpose is not None
        city = await _city(session, principal, body.city_code)
        async with db.write() as write:
            entry = await record_granted(write, city_code=city, added_wt=body.amount_wt, purpose=body.purpose,
                                         reference=body.reference, actor=actor, role=role, mine_id=body.mine_id,
                                         case_id=body.case_id, note=body.note)
    else:
        assert body.corrects_entry_id is not None and body.amount_wt is not None
        if principal.role is Role.COUNTY_NR:
            raise DomainError(ErrorCode.FORBIDDEN_ROLE, "台账更正须由市自然资源局办理",
                              {"allowed": ["city_nr", "admin"]})
        target = await session.get(LedgerEntry, body.corrects_entry_id)
        if target is None:
            raise DomainError(ErrorCode.LEDGER_ENTRY_NOT_FOUND, details={"entry_id": body.corrects_entry_id})
        await _city(session, principal, target.city_code)
        async with db.write() as write:
            entry = await record_correction(write, corrects_entry_id=target.id or 0, amount_wt=body.amount_wt,
                                            reference=body.reference, actor=actor, role=role, note=body.note)
    return LedgerEntryPublic.of(entry)
