"""Dependencies as named types: who calls, with which session, on which engine."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

import timings
from api.security import decode_token
from domain.errors import DomainError, ErrorCode
from domain.roles import DepartmentKind, Role
from models.cases import Actor
from models.db import Database
from models.registry import Department, User
from settings import Settings
from storage.blobs import BlobStore

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
# The web console's session: the same signed token as the API's bearer token, in an HttpOnly cookie.
SESSION_COOKIE = "mineflow_session"


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Database:
    return request.app.state.db


def get_temporal(request: Request) -> Client:
    client: Client | None = request.app.state.temporal
    if client is None:
        raise DomainError(ErrorCode.TEMPORAL_UNAVAILABLE)
    return client


async def get_session(db: Annotated[Database, Depends(get_db)]) -> AsyncIterator[AsyncSession]:
    async with db.session() as session:
        yield session


def get_store(request: Request) -> BlobStore:
    return request.app.state.files


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StoreDep = Annotated[BlobStore, Depends(get_store)]
DatabaseDep = Annotated[Database, Depends(get_db)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    user: User
    department_kind: DepartmentKind | None

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def role(self) -> Role:
        return self.user.role

    def actor(self) -> Actor:
        u = self.user
        return Actor(username=u.username, display_name=u.display_name, role=u.role, division_code=u.division_code,
                     department_id=u.department_id, department_kind=self.department_kind, enterprise_id=u.enterprise_id)


async def principal_from_token(token: str | None, session: AsyncSession, settings: Settings) -> Principal:
    """The active user a signed token names (401 otherwise): one rule for bearer tokens and console cookies."""
    if not token:
        raise DomainError(ErrorCode.NOT_AUTHENTICATED)
    with timings.phase("auth"):
        claims = decode_token(token, settings)
        found = (await session.exec(  # one round trip: the user and their department's kind
            select(User, col(Department.kind)).outerjoin(Department, col(Department.id) == col(User.department_id))
            .where(User.username == str(claims["sub"]))
        )).first()
    if found is None or not found[0].is_active:
        raise DomainError(ErrorCode.TOKEN_INVALID, "账号不存在或已停用，请重新登录")
    if claims.get("ep", 0) != found[0].session_epoch:  # signed before the password changed (or the account stopped)
        raise DomainError(ErrorCode.TOKEN_INVALID, "密码已修改或账号曾被停用，此前的登录已失效，请重新登录")
    structlog.contextvars.bind_contextvars(user=found[0].username)  # on every log line of this request
    return Principal(user=found[0], department_kind=found[1])


async def get_principal(
    request: Request, token: Annotated[str | None, Depends(_bearer)], session: SessionDep, settings: SettingsDep,
) -> Principal:
    principal = await principal_from_token(token, session, settings)
    request.state.user = principal.username  # for the request's access-log line (api/observability.py)
    return principal


async def get_cookie_principal(request: Request, session: SessionDep, settings: SettingsDep) -> Principal:
    """The console's caller, from its session cookie (CSRF is checked by the console on every POST)."""
    principal = await principal_from_token(request.cookies.get(SESSION_COOKIE), session, settings)
    request.state.user = principal.username
    return principal


CurrentUser = Annotated[Principal, Depends(get_principal)]
CookieUser = Annotated[Principal, Depends(get_cookie_principal)]


def require(*roles: Role):  # type: ignore[no-untyped-def]
    """A dependency admitting only `roles` (403 FORBIDDEN_ROLE otherwise)."""

    async def guard(principal: CurrentUser) -> Principal:
        if principal.role not in roles:
            raise DomainError(ErrorCode.FORBIDDEN_ROLE, details={"allowed": [r.value for r in roles]})
        return principal

    return Depends(guard)


AdminUser = Annotated[Principal, require(Role.ADMIN)]
EnterpriseUser = Annotated[Principal, require(Role.ENTERPRISE)]
