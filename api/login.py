"""Authentication by password: throttled, audited, and equally slow whether or not the user exists.

Throttling state lives in the database, so it holds across API replicas: after `login_max_failures` failures in
a row for a username (or `login_max_failures_per_ip` from one address) logins are refused with 429 for
`login_lock_minutes`, even with the right password. A success clears the username's count.
"""

import uuid
from datetime import datetime, timedelta

from sqlmodel import select

from api.security import verify_password
from domain.errors import DomainError, ErrorCode
from models.audit import AuditEvent, append_events
from models.db import Database, utcnow
from models.registry import LoginThrottle, User
from settings import Settings


async def authenticate(db: Database, settings: Settings, username: str, password: str, client: str,
                       channel: str = "api") -> User:
    """The active user with this password; refuses with INVALID_CREDENTIALS or TOO_MANY_ATTEMPTS.
    `channel` (api / console) is kept with the audit entry."""
    username = username.strip().lower()[:40]
    now = utcnow()
    keys = {f"user:{username}": settings.login_max_failures, f"ip:{client}": settings.login_max_failures_per_ip}
    async with db.session() as session:
        user = (await session.exec(select(User).where(User.username == username))).first()
        throttles = {t.key: t for t in (await session.exec(
            select(LoginThrottle).where(LoginThrottle.key.in_(list(keys))))).all()}  # type: ignore[attr-defined]
    locked_until = max((t.locked_until for t in throttles.values() if t.locked_until and t.locked_until > now),
                       default=None)
    if locked_until is not None:
        await _audit(db, username, user, "login_throttled", "登录失败次数过多，暂时锁定", client, channel)
        retry = max(int((locked_until - now).total_seconds()), 1)
        raise DomainError(ErrorCode.TOO_MANY_ATTEMPTS, details={"retry_after_seconds": retry})

    ok = verify_password(password, user.password_hash if user else None) and user is not None and user.is_active
    async with db.write() as session:
        for key, limit in keys.items():
            throttle = await session.get(LoginThrottle, key) or LoginThrottle(key=key)
            if ok and key.startswith("user:"):
                throttle.failures, throttle.locked_until = 0, None
            elif not ok:
                throttle.failures += 1
                if throttle.failures >= limit:
                    throttle.failures, throttle.locked_until = 0, now + timedelta(minutes=settings.login_lock_minutes)
            session.add(throttle)
        await append_events(session, [_event(username, user, "login" if ok else "login_failed",
                                             "登录成功" if ok else "登录失败：用户名或密码错误", client, channel, now)],
                            is_sqlite=db.is_sqlite)
    if not ok or user is None:
        raise DomainError(ErrorCode.INVALID_CREDENTIALS)
    return user


def _event(username: str, user: User | None, action: str, detail: str, client: str, channel: str,
           now: datetime) -> AuditEvent:
    return AuditEvent(event_key=f"login:{uuid.uuid4().hex}", at=now, actor=username,
                      role=user.role.value if user else "unknown", action=action, detail=detail,
                      data={"client": client, "channel": channel})


async def _audit(db: Database, username: str, user: User | None, action: str, detail: str, client: str,
                 channel: str) -> None:
    async with db.write() as session:
        await append_events(session, [_event(username, user, action, detail, client, channel, utcnow())],
                            is_sqlite=db.is_sqlite)
