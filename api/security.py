"""Passwords (argon2 via pwdlib) and access tokens (JWT, HS256)."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from pwdlib import PasswordHash

from domain.errors import DomainError, ErrorCode
from models.registry import User
from settings import Settings

_hasher = PasswordHash.recommended()
# Verified against when the user does not exist, so a login takes as long whether or not the name is known.
_DUMMY_HASH = _hasher.hash("mineflow-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # a malformed stored hash must not turn a login into a 500
        return False


def create_token(username: str, role: str, settings: Settings, epoch: int = 0) -> str:
    """A signed session for `username`, valid while their `User.session_epoch` is still `epoch`."""
    now = datetime.now(UTC)
    claims = {"sub": username, "role": role, "iat": now, "exp": now + timedelta(minutes=settings.jwt_ttl_minutes),
              "jti": uuid.uuid4().hex, "iss": "mineflow", "ep": epoch}
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def token_for(user: User, settings: Settings) -> str:
    """The session a login (or a password change) signs: in the user's current session epoch."""
    return create_token(user.username, user.role.value, settings, user.session_epoch)


def decode_token(token: str, settings: Settings) -> dict[str, Any]:
    try:
        return jwt.decode(token, settings.jwt_secret, algorithms=["HS256"], issuer="mineflow",
                          options={"require": ["sub", "exp", "iat"]})
    except jwt.ExpiredSignatureError as exc:
        raise DomainError(ErrorCode.TOKEN_EXPIRED) from exc
    except jwt.PyJWTError as exc:
        raise DomainError(ErrorCode.TOKEN_INVALID) from exc
