"""The administrator's registry writes — users, enterprises, mines — each checked against the registry and written
with its audit entry in one transaction; and the user list, for `api/routes/registry.py`."""

import uuid

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Principal
from api.security import hash_password
from domain.errors import DomainError, ErrorCode
from domain.roles import DepartmentKind
from models.audit import AuditEvent, append_events
from models.db import Database, utcnow
from models.registry import (
    Department,
    Division,
    DivisionLevel,
    Enterprise,
    EnterpriseCreate,
    Mine,
    MineCreate,
    User,
    UserCreate,
)


async def users(*, session: AsyncSession, page: int, page_size: int) -> list[User]:
    query = select(User).order_by(col(User.id)).offset((page - 1) * page_size).limit(page_size)
    return list((await session.exec(query)).all())


async def division(*, session: AsyncSession, code: str | None, county: bool = False) -> Division:
    found = await session.get(Division, code) if code else None
    if found is None:
        raise DomainError(ErrorCode.DIVISION_NOT_FOUND, details={"division_code": code})
    if county and found.level is not DivisionLevel.COUNTY:
        raise DomainError(ErrorCode.INVALID_DIVISION_CODE, "须为县（区）级行政区划", {"division_code": code})
    return found


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


async def create_user(*, session: AsyncSession, db: Database, admin: Principal, body: UserCreate) -> User:
    if (await session.exec(select(User).where(User.username == body.username))).first():
        raise DomainError(ErrorCode.ALREADY_EXISTS, "用户名已存在", {"username": body.username})
    division_code = body.division_code
    if body.department_id is not None:
        department = await session.get(Department, body.department_id)
        if department is None:
            raise DomainError(ErrorCode.DEPARTMENT_NOT_FOUND, details={"department_id": body.department_id})
        # an officer serves where their department is: derived, and a different division given is a mistake
        if division_code is not None and division_code != department.division_code:
            message = f"division_code 与部门所在行政区划（{department.division_code}）不一致"
            raise DomainError(ErrorCode.VALIDATION_FAILED, message, {"errors": [
                {"field": "body.division_code", "type": "division_mismatch", "message": message}]})
        division_code = department.division_code
    if division_code:
        await division(session=session, code=division_code)
    if body.enterprise_id is not None and await session.get(Enterprise, body.enterprise_id) is None:
        raise DomainError(ErrorCode.ENTERPRISE_NOT_FOUND, details={"enterprise_id": body.enterprise_id})
    user = User(**body.model_dump(exclude={"password", "division_code"}), division_code=division_code,
                password_hash=hash_password(body.password))
    await _save(db, admin, user, "user_created", f"新建用户 {body.username}（{body.role.value}）")
    return user


async def create_enterprise(*, session: AsyncSession, db: Database, admin: Principal,
                            body: EnterpriseCreate) -> Enterprise:
    await division(session=session, code=body.division_code)
    if (await session.exec(select(Enterprise).where(Enterprise.credit_code == body.credit_code))).first():
        raise DomainError(ErrorCode.ALREADY_EXISTS, "统一社会信用代码已登记", {"credit_code": body.credit_code})
    enterprise = Enterprise(**body.model_dump())
    await _save(db, admin, enterprise, "enterprise_created", f"新建企业 {body.name}")
    return enterprise


async def create_mine(*, session: AsyncSession, db: Database, admin: Principal, body: MineCreate) -> Mine:
    await division(session=session, code=body.division_code, county=True)
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


async def set_active(*, db: Database, admin: Principal, username: str, active: bool,
                     reason: str | None = None) -> User:
    """Deactivate or reactivate an account, audited. A deactivated user's tokens are refused from the next request
    (api/deps.py reads `is_active` on every one) and they cannot log in (api/login.py)."""
    if not active and username == admin.username:
        raise DomainError(ErrorCode.CANNOT_DEACTIVATE_SELF)  # the last administrator must not lock everyone out
    async with db.write() as session:
        user = (await session.exec(select(User).where(User.username == username))).first()
        if user is None:
            raise DomainError(ErrorCode.USER_NOT_FOUND, details={"username": username})
        if user.is_active != active:
            user.is_active = active
            if not active:  # its sessions stay ended if the account is started again
                user.session_epoch += 1
            session.add(user)
            action, verb = ("user_reactivated", "启用") if active else ("user_deactivated", "停用")
            await append_events(session, [AuditEvent(
                event_key=f"admin:{uuid.uuid4().hex}", at=utcnow(), actor=admin.username, role=admin.role.value,
                action=action, detail=f"{verb}用户 {username}" + (f"：{reason}" if reason else ""),
                data={"username": username, "is_active": active, "reason": reason},
            )], is_sqlite=db.is_sqlite)
        await session.flush()
        await session.refresh(user)
        return user
