"""The caller's own account: changing their password — held to the same rule as a password an administrator sets
(`UserCreate.password`), checked against the current one through the login's throttle (so guessing it from a
stolen session locks the account as failed logins do), and audited."""

import uuid
from typing import Annotated

from pydantic import Field, model_validator

from api.deps import Principal
from api.login import authenticate
from api.security import hash_password
from domain.errors import DomainError, ErrorCode
from models.audit import AuditEvent, append_events
from models.cases import Wire
from models.db import Database, utcnow
from models.registry import User, UserCreate
from settings import Settings

# The administrator's rule for a new user's password, taken from its field (not copied): one rule for both.
NewPassword = Annotated[str, *UserCreate.model_fields["password"].metadata]


class PasswordChange(Wire):
    current_password: str = Field(min_length=1, max_length=128, title="当前密码")
    new_password: NewPassword = Field(title="新密码", description="至少 8 位")
    confirm_password: str = Field(max_length=128, title="再次输入新密码")

    @model_validator(mode="after")
    def _confirmed(self) -> "PasswordChange":
        if self.new_password != self.confirm_password:
            raise ValueError("两次输入的新密码不一致")
        if self.new_password == self.current_password:
            raise ValueError("新密码不能与当前密码相同")
        return self


async def change_password(*, db: Database, settings: Settings, principal: Principal, body: PasswordChange,
                          client: str, channel: str) -> User:
    """Change the caller's password and end every session signed before (a stolen one included); returns the
    user in the new session epoch, for a caller that re-signs the session it changed the password from."""
    try:
        await authenticate(db, settings, principal.username, body.current_password, client,
                           channel=f"{channel}:password_change")
    except DomainError as refused:
        if refused.code is ErrorCode.INVALID_CREDENTIALS:  # the session stands: only the typed password is wrong
            raise DomainError(ErrorCode.VALIDATION_FAILED, "当前密码不正确",
                              {"field": "current_password"}) from refused
        raise
    async with db.write() as session:
        user = await session.get(User, principal.user.id)
        assert user is not None
        user.password_hash = hash_password(body.new_password)
        user.session_epoch += 1
        session.add(user)
        await append_events(session, [AuditEvent(
            event_key=f"password:{uuid.uuid4().hex}", at=utcnow(), actor=principal.username,
            role=principal.role.value, action="password_changed", detail=f"用户 {principal.username} 修改本人密码",
            data={"channel": channel, "client": client})], is_sqlite=db.is_sqlite)
        return user
