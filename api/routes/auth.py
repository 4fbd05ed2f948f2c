"""登录与当前用户."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import CurrentUser, DatabaseDep, SettingsDep
from api.errors import ErrorBody
from api.login import authenticate
from api.schemas import TokenOut
from api.security import token_for
from models.registry import UserPublic

router = APIRouter(tags=["认证"])


@router.post("/auth/token", summary="登录（OAuth2 密码模式），获取访问令牌", response_model=TokenOut,
             responses={401: {"model": ErrorBody}, 422: {"model": ErrorBody}, 429: {"model": ErrorBody}})
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DatabaseDep, settings: SettingsDep,
                request: Request) -> TokenOut:
    client = request.client.host if request.client else "unknown"
    user = await authenticate(db, settings, form.username, form.password, client)
    token = token_for(user, settings)
    return TokenOut(access_token=token, expires_in=settings.jwt_ttl_minutes * 60)


@router.get("/me", summary="当前登录用户", response_model=UserPublic, responses={401: {"model": ErrorBody}})
async def me(principal: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(principal.user, from_attributes=True)
