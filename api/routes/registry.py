"""登记簿：行政区划、部门、企业、矿山、用户（读取按管辖范围；写入仅限管理员并记入审计链）."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import AdminUser, CurrentUser, DatabaseDep, Principal, SessionDep
from api.errors import ErrorBody
from api.scope import division_filter, ensure_can_view
from api.security import hash_password
from domain.errors import DomainError, ErrorCode
from domain.roles import DepartmentKind, Role
from models.audit import AuditEvent, append_events
from models.db import Database, utcnow
from models.registry import (
    Department,
    DepartmentPublic,
    Division,
    DivisionLevel,
    DivisionPublic,
    Enterprise,
    EnterpriseCreate,
    EnterprisePublic,
    Mine,
    MineCreate,
    MinePublic,
    User,
    UserCreate,
    UserPublic,
)

router = APIRouter(tags=["登记簿"])
ERRORS = {r: {"model": ErrorBody} for r in (401, 403, 404, 409, 422)}
Page = Annotated[int, Query(ge=1, le=10_000)]
DivisionQuery = Annotated[str | None, Query(pattern=r"^[0-9]{6}$", description="行政区划代码（6位数字）")]
PageSize = Annotated[int, Query(ge=1, le=500)]


def _enterprise_scope(principal: Principal) -> Any:
    if principal.role is Role.ENTERPRISE:
        return col(Enterprise.id) == principal.user.enterprise_id
    return division_filter(principal, Enterprise.division_code)


@router.get("/divisions", summary="行政区划", response_model=list[DivisionPublic], responses=ERRORS)
async def list_divisions(_: CurrentUser, session: SessionDep) -> list[Division]:
    return list((await session.exec(select(Division).order_by(col(Division.code)))).all())


@router.get("/departments", summary="部门（按管辖范围）", response_model=list[DepartmentPublic], responses=ERRORS)
async def list_departments(principal: CurrentUser, session: SessionDep,
                           kind: DepartmentKind | None = None,
                           division_code: DivisionQuery = None) -> list[Department]:
    query = select(Department)
    if principal.role is not Role.ENTERPRISE:
        query = query.where(division_filter(principal, Department.division_code))
    if kind:
        query = query.where(col(Department.kind) == kind)
    if division_code:
        query = query.where(col(Department.division_code) == division_code)
    return list((await session.exec(query.order_by(col(Department.id)))).all())


@router.get("/enterprises", summary="企业（按管辖范围；企业用户只见本企业）", response_model=list[EnterprisePublic],
            responses=ERRORS)
async def list_enterprises(principal: CurrentUser, session: SessionDep, page: Page = 1,
                           page_size: PageSize = 100) -> list[Enterprise]:
    query = select(Enterprise).where(_enterprise_scope(principal)).order_by(col(Enterprise.id))
    return list((await session.exec(query.offset((page - 1) * page_size).limit(page_size))).all())


@router.get("/mines", summary="矿山（按管辖范围；企业用户只见本企业矿山）", response_model=list[MinePublic],
            responses=ERRORS)
async def list_mines(principal: CurrentUser, session: SessionDep, page: Page = 1, page_size: PageSize = 100,
                     division_code: DivisionQuery = None) -> list[Mine]:
    query = select(Mine)
    if principal.role is Role.ENTERPRISE:
        query = query.where(col(Mine.enterprise_id) == principal.user.enterprise_id)
    else:
        query = query.where(division_filter(principal, Mine.division_code))
    if division_code:
        query = query.where(col(Mine.division_code) == division_code)
    query = query.order_by(col(Mine.id)).offset((page - 1) * page_size).limit(page_size)
    return list((await session.exec(query)).all())


@router.get("/mines/{mine_id}", summary="矿山详情", response_model=MinePublic, responses=ERRORS)
async def get_mine(mine_id: int, principal: CurrentUser, session: SessionDep) -> Mine:
    mine = await session.get(Mine, mine_id) if 0 < mine_id < 2**31 else None
    if mine is None:
        raise DomainError(ErrorCode.MINE_NOT_FOUND)
    ensure_can_view(principal, mine.division_code, mine.enterprise_id)
    return mine


@router.get("/users", summary="用户列表（管理员）", response_model=list[UserPublic], responses=ERRORS)
async def list_users(_: AdminUser, session: SessionDep, page: Page = 1, page_size: PageSize = 200) -> list[User]:
    query = select(User).order_by(col(User.id)).offset((page - 1) * page_size).limit(page_size)
    return list((await session.exec(query)).all())


async def _division(session: AsyncSession, code: str | None, *, county: bool = False) -> Division:
    division = await session.get(Division, code) if code else None
    if division is None:
        raise DomainError(ErrorCode.DIVISION_NOT_FOUND, details={"division_code": code})
    if county and division.level is not DivisionLevel.COUNTY:
        raise DomainError(ErrorCode.INVALID_DIVISION_CODE, "须为县（区）级行政区划", {"division_code": code})
    return division


async def _save(db: Database, admin: Principal, row: SQLModel, action: str, detail: str) -> None:
    """Insert `row` and its audit entry in one transaction."""
    async with db.write() as session:
        session.add(row)
        await session.flush()
        public = row.model_dump(mode="json", exclude={"password_hash"})
        await append_events(session, [AuditEvent(
            event_key=f"admin:{uuid.uuid4().hex}", at=utcnow(), actor=admin.username, role=admin.role.value,
            action=action, detail=detail, data=public,
        )], is_sqlite=db.is_sqlite)
        await session.refresh(row)


@router.post("/users", status_code=201, summary="新建用户（管理员）", response_model=UserPublic, responses=ERRORS)
async def create_user(body: UserCreate, admin: AdminUser, session: SessionDep, db: DatabaseDep) -> User:
    if (await session.exec(select(User).where(User.username == body.username))).first():
        raise DomainError(ErrorCode.ALREADY_EXISTS, "用户名已存在", {"username": body.username})
    if body.division_code:
        await _division(session, body.division_code)
    if body.department_id is not None and await session.get(Department, body.department_id) is None:
        raise DomainError(ErrorCode.DEPARTMENT_NOT_FOUND, details={"department_id": body.department_id})
    if body.enterprise_id is not None and await session.get(Enterprise, body.enterprise_id) is None:
        raise DomainError(ErrorCode.ENTERPRISE_NOT_FOUND, details={"enterprise_id": body.enterprise_id})
    user = User(**body.model_dump(exclude={"password"}), password_hash=hash_password(body.password))
    await _save(db, admin, user, "user_created", f"新建用户 {body.username}（{body.role.value}）")
    return user


@router.post("/enterprises", status_code=201, summary="新建企业（管理员）", response_model=EnterprisePublic,
             responses=ERRORS)
async def create_enterprise(body: EnterpriseCreate, admin: AdminUser, session: SessionDep,
                            db: DatabaseDep) -> Enterprise:
    await _division(session, body.division_code)
    if (await session.exec(select(Enterprise).where(Enterprise.credit_code == body.credit_code))).first():
        raise DomainError(ErrorCode.ALREADY_EXISTS, "统一社会信用代码已登记", {"credit_code": body.credit_code})
    enterprise = Enterprise(**body.model_dump())
    await _save(db, admin, enterprise, "enterprise_created", f"新建企业 {body.name}")
    return enterprise


@router.post("/mines", status_code=201, summary="新建矿山（管理员）", response_model=MinePublic, responses=ERRORS)
async def create_mine(body: MineCreate, admin: AdminUser, session: SessionDep, db: DatabaseDep) -> Mine:
    await _division(session, body.division_code, county=True)
    if await session.get(Enterprise, body.enterprise_id) is None:
        raise DomainError(ErrorCode.ENTERPRISE_NOT_FOUND, details={"enterprise_id": body.enterprise_id})
    township = await session.get(Department, body.township_id)
    if township is None or township.kind is not DepartmentKind.TOWNSHIP or township.division_code != body.division_code:
        raise DomainError(ErrorCode.DEPARTMENT_NOT_FOUND, "township_id 须为该县（区）的乡镇",
                          {"township_id": body.township_id})
    if (await session.exec(select(Mine).where(Mine.licence_no == body.licence_no))).first():
        raise DomainError(ErrorCode.ALREADY_EXISTS, "采矿许可证号已登记", {"licence_no": body.licence_no})
    mine = Mine(**body.model_dump())
    await _save(db, admin, mine, "mine_created", f"新建矿山 {body.name}")
    return mine
