"""Typed settings, read once from the environment (and a ``.env`` file beside the
working directory). Every variable is listed in README.md and ``.env.example``."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec
from dotenv import load_dotenv


def default_data_dir() -> str:
    # PostgreSQL runs as an unprivileged user that cannot enter /root, so root's
    # embedded data lives under /var/lib; other users keep it in their home.
    if os.geteuid() == 0:
        return "/var/lib/balcao"
    return str(Path.home() / ".local" / "share" / "balcao")


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    database_url: str | None = None
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = ""
    data_path: str = msgspec.field(default_factory=default_data_dir)
    media_path: str | None = None
    public_url: str | None = None
    log_level: str = "INFO"
    log_json: bool = True
    access_token_minutes: int = 60
    refresh_token_days: int = 30
    webhook_max_bytes: int = 32 * 1024 * 1024
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str | None = None
    llm_vision_model: str | None = None
    llm_transcription_model: str | None = None
    whatsapp_web_url: str = "https://web.whatsapp.com"
    chromium_path: str | None = None
    profiles_path: str | None = None
    whatsapp_web_headless: bool = True
    # The inbox shows times and groups the dashboard's days in this zone.
    timezone: str = "America/Sao_Paulo"
    inbox_session_hours: int = 12

    @property
    def data_dir(self) -> Path:
        return Path(self.data_path)

    @property
    def media_dir(self) -> Path:
        return Path(self.media_path) if self.media_path else self.data_dir / "media"

    @property
    def profiles_dir(self) -> Path:
        """The WhatsApp-Web runner's browser profiles, one folder per connection."""
        return Path(self.profiles_path) if self.profiles_path else self.data_dir / "profiles"

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else None


def load_settings(env_file: str | os.PathLike[str] | None = ".env") -> Settings:
    if env_file is not None and Path(env_file).is_file():
        load_dotenv(env_file, override=False)
    raw: dict[str, object] = {
        "database_url": _env("DATABASE_URL"),
        "redis_url": _env("REDIS_URL"),
        "host": _env("BALCAO_HOST"),
        "port": _env("BALCAO_PORT"),
        "secret_key": _env("BALCAO_SECRET_KEY"),
        "data_path": _env("BALCAO_DATA_DIR"),
        "media_path": _env("BALCAO_MEDIA_DIR"),
        "public_url": _env("BALCAO_PUBLIC_URL"),
        "log_level": _env("BALCAO_LOG_LEVEL"),
        "log_json": _env("BALCAO_LOG_JSON"),
        "access_token_minutes": _env("BALCAO_ACCESS_TOKEN_MINUTES"),
        "refresh_token_days": _env("BALCAO_REFRESH_TOKEN_DAYS"),
        "webhook_max_bytes": _env("BALCAO_WEBHOOK_MAX_BYTES"),
        "llm_base_url": _env("BALCAO_LLM_BASE_URL"),
        "llm_api_key": _env("BALCAO_LLM_API_KEY"),
        "llm_model": _env("BALCAO_LLM_MODEL"),
        "llm_vision_model": _env("BALCAO_LLM_VISION_MODEL"),
        "llm_transcription_model": _env("BALCAO_LLM_TRANSCRIPTION_MODEL"),
        "whatsapp_web_url": _env("BALCAO_WHATSAPP_WEB_URL"),
        "chromium_path": _env("CHROMIUM_PATH"),
        "profiles_path": _env("BALCAO_PROFILES_DIR"),
        "whatsapp_web_headless": _env("BALCAO_WHATSAPP_WEB_HEADLESS"),
        "timezone": _env("BALCAO_TIMEZONE"),
        "inbox_session_hours": _env("BALCAO_INBOX_SESSION_HOURS"),
    }
    present = {k: v for k, v in raw.items() if v is not None}
    # strict=False lets msgspec turn "8000" into 8000 and "false" into False.
    return msgspec.convert(present, Settings, strict=False)
