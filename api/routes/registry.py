"""登记簿：行政区划、部门、企业、矿山、用户（读取按管辖范围；写入仅限管理员并记入审计链）.

Thin: every look-up and write is a keyword-only function of api/services/registry.py (reads) and
api/services/admin.py (the administrator's writes), which the console calls too."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import AdminUser, CurrentUser, DatabaseDep, SessionDep
from api.errors import ErrorBody
from api.services import admin as admin_service
from api.services import registry as registry_service
from domain.roles import DepartmentKind
from models.registry import (
    Department,
    DepartmentPublic,
    Division,
    DivisionPublic,
    Enterprise,
    EnterpriseCreate,
    EnterprisePublic,
    Mine,
    MineCreate,
    MinePublic,
    User,
    UserActivation,
    UserAdminView,
    UserCreate,
    UserPublic,
)

router = APIRouter(tags=["登记簿"])
ERRORS = {r: {"model": ErrorBody} for r in (401, 403, 404, 409, 422)}
Page = Annotated[int, Query(ge=1, le=10_000)]
DivisionQuery = Annotated[str | None, Query(pattern=r"^[0-9]{6}$", description="行政区划代码（6位数字）")]
PageSize = Annotated[int, Query(ge=1, le=500)]


@router.get("/divisions", summary="行政区划", response_model=list[DivisionPublic], responses=ERRORS)
async def list_divisions(_: CurrentUser, session: SessionDep) -> list[Division]:
    return await registry_service.divisions(session=session)


@router.get("/departments", summary="部门（按管辖范围）", response_model=list[DepartmentPublic], responses=ERRORS)
async def list_departments(principal: CurrentUser, session: SessionDep,
                           kind: DepartmentKind | None = None,
                           division_code: DivisionQuery = None) -> list[Department]:
    return await registry_service.departments(session=session, principal=principal, kind=kind,
                                              division_code=division_code)


@router.get("/enterprises", summary="企业（按管辖范围；企业用户只见本企业）", response_model=list[EnterprisePublic],
            responses=ERRORS)
async def list_enterprises(principal: CurrentUser, session: SessionDep, page: Page = 1,
                           page_size: PageSize = 100) -> list[Enterprise]:
    return await registry_service.enterprises_in_scope(session=session, principal=principal, page=page,
                                                       page_size=page_size)


@router.get("/mines", summary="矿山（按管辖范围；企业用户只见本企业矿山）", response_model=list[MinePublic],
            responses=ERRORS)
async def list_mines(principal: CurrentUser, session: SessionDep, page: Page = 1, page_size: PageSize = 100,
                     division_code: DivisionQuery = None) -> list[Mine]:
    return await registry_service.mines_in_scope(session=session, principal=principal, page=page,
                                                 page_size=page_size, division_code=division_code)


@router.get("/mines/{mine_id}", summary="矿山详情", response_model=MinePublic, responses=ERRORS)
async def get_mine(mine_id: int, principal: CurrentUser, session: SessionDep) -> Mine:
    return await registry_service.mine_in_scope(session=session, principal=principal, mine_id=mine_id)


@router.get("/users", summary="用户列表（管理员）", response_model=list[UserAdminView], responses=ERRORS)
async def list_users(_: AdminUser, session: SessionDep, page: Page = 1, page_size: PageSize = 200) -> list[User]:
    return await admin_service.users(session=session, page=page, page_size=page_size)


@router.post("/users", status_code=201, summary="新建用户（管理员）", response_model=UserPublic, responses=ERRORS)
async def create_user(body: UserCreate, admin: AdminUser, session: SessionDep, db: DatabaseDep) -> User:
    return await admin_service.create_user(session=session, db=db, admin=admin, body=body)


@router.post("/users/{username}/deactivate", summary="停用用户（管理员）：其令牌立即失效，不能再登录；记入审计链",
             response_model=UserAdminView, responses=ERRORS)
async def deactivate_user(username: Annotated[str, Path(max_length=40)], admin: AdminUser, db: DatabaseDep,
                          body: UserActivation | None = None) -> User:
    return await admin_service.set_active(db=db, admin=admin, username=username, active=False,
                                          reason=body.reason if body else None)


@router.post("/users/{username}/reactivate", summary="重新启用用户（管理员）；记入审计链",
             response_model=UserAdminView, responses=ERRORS)
async def reactivate_user(username: Annotated[str, Path(max_length=40)], admin: AdminUser, db: DatabaseDep,
                          body: UserActivation | None = None) -> User:
    return await admin_service.set_active(db=db, admin=admin, username=username, active=True,
                                          reason=body.reason if body else None)


@router.post("/enterprises", status_code=201, summary="新建企业（管理员）", response_model=EnterprisePublic,
             responses=ERRORS)
async def create_enterprise(body: EnterpriseCreate, admin: AdminUser, session: SessionDep,
                            db: DatabaseDep) -> Enterprise:
    return await admin_service.create_enterprise(session=session, db=db, admin=admin, body=body)


@router.post("/mines", status_code=201, summary="新建矿山（管理员）", response_model=MinePublic, responses=ERRORS)
async def create_mine(body: MineCreate, admin: AdminUser, session: SessionDep, db: DatabaseDep) -> Mine:
    return await admin_service.create_mine(session=session, db=db, admin=admin, body=body)
