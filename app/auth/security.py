"""Passwords (argon2id), access/refresh tokens (HS256 JWT) and API keys."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.errors import Unauthorized

_hasher = PasswordHasher()
API_KEY_PREFIX = "bk_"
# A fixed hash to verify against when the user does not exist, so a login with an
# unknown email costs the same time as one with a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_api_key() -> tuple[str, str, str]:
    """Return (key shown once, prefix kept for display, digest stored)."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return key, key[:10], hash_api_key(key)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_token(
    secret: str,
    *,
    kind: str,
    user_id: uuid.UUID,
    organization_id: uuid.UUID,
    role: str,
    ttl: timedelta,
    jti: uuid.UUID | None = None,
) -> tuple[str, datetime]:
    now = datetime.now(UTC)
    expires = now + ttl
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "org": str(organization_id),
        "role": role,
        "typ": kind,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
    }
    if jti is not None:
        claims["jti"] = str(jti)
    return jwt.encode(claims, secret, algorithm="HS256"), expires


def decode_token(secret: str, token: str, *, kind: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["exp", "sub", "org", "typ"]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The token has expired.", code="token_expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("The token is invalid.", code="invalid_token") from exc
    if claims.get("typ") != kind:
        raise Unauthorized("The token is invalid.", code="invalid_token")
    return claims
