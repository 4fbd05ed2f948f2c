"""登录与当前用户."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from sqlmodel import select

from api.deps import CurrentUser, DatabaseDep, SettingsDep
from api.errors import ErrorBody
from api.schemas import TokenOut
from api.security import create_token, verify_password
from domain.errors import DomainError, ErrorCode
from models.audit import AuditEvent, append_events
from models.db import Database, utcnow
from models.registry import User, UserPublic

router = APIRouter(tags=["认证"])


async def authenticate(db: Database, username: str, password: str, client: str, channel: str = "api") -> User | None:
    """Check a username and password and append the login (or failed login) to the audit chain.

    Shared by the API's token endpoint and the web console's login form. Returns the active user, or None.
    """
    username = username.strip().lower()[:40]
    async with db.session() as session:
        user = (await session.exec(select(User).where(User.username == username))).first()
    ok = verify_password(password, user.password_hash if user else None) and user is not None and user.is_active
    async with db.write() as session:
        await append_events(session, [AuditEvent(
            event_key=f"login:{uuid.uuid4().hex}", at=utcnow(), actor=username, role=user.role if user else "unknown",
            action="login" if ok else "login_failed", detail="登录成功" if ok else "登录失败：用户名或密码错误",
            data={"client": client, "channel": channel},
        )], is_sqlite=db.is_sqlite)
    return user if ok else None


@router.post("/auth/token", summary="登录（OAuth2 密码模式），获取访问令牌", response_model=TokenOut,
             responses={401: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DatabaseDep, settings: SettingsDep,
                request: Request) -> TokenOut:
    user = await authenticate(db, form.username, form.password, request.client.host if request.client else "unknown")
    if user is None:
        raise DomainError(ErrorCode.INVALID_CREDENTIALS)
    token = create_token(user.username, user.role.value, settings)
    return TokenOut(access_token=token, expires_in=settings.jwt_ttl_minutes * 60)


@router.get("/me", summary="当前登录用户", response_model=UserPublic, responses={401: {"model": ErrorBody}})
async def me(principal: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(principal.user, from_attributes=True)
