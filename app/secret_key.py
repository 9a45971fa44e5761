"""The signing key for access tokens: BALCAO_SECRET_KEY, or one generated on first
run and kept in the data folder (readable by its owner only), so tokens survive a
restart of a development setup without anyone having to invent a key."""

from __future__ import annotations

import os
import secrets

import msgspec

from app.config import Settings


def ensure_secret_key(settings: Settings) -> Settings:
    if settings.secret_key:
        return settings
    path = settings.data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return msgspec.structs.replace(settings, secret_key=path.read_text().strip())
