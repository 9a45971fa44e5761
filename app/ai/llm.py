"""The one seam to the OpenAI-compatible model, for every caller: the AI responder, media
understanding (speech-to-text, vision) and the settings' live test.

- Which endpoint an organization talks to (:func:`endpoint_from_row`): its ``ai_settings``
  row wins; without one the platform defaults (``BALCAO_LLM_*``) apply; with neither the
  AI is "not configured" and the platform runs as a plain helpdesk. The platform key is
  only ever sent to the platform's own URL — and always sent there when the
  organization has no key of its own.
- The SDK clients (:class:`LlmClients`): one per (base URL, key), over one HTTP pool.
- One retry loop (:func:`with_retries`) and one reading of the SDK's errors
  (:func:`classify`): every failure ends as an :class:`LLMFailure` with a stable code.
"""

from __future__ import annotations

import asyncio
import enum
import random
import uuid
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, NamedTuple, TypeVar

import msgspec
import openai
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.ai.presets import PRESETS
from app.config import Settings

T = TypeVar("T")


class AiProvider(enum.StrEnum):
    OPENAI = "OPENAI"
    GROQ = "GROQ"
    OPENROUTER = "OPENROUTER"
    DEEPSEEK = "DEEPSEEK"
    MISTRAL = "MISTRAL"
    QWEN = "QWEN"
    OLLAMA = "OLLAMA"
    GEMINI = "GEMINI"
    CUSTOM = "CUSTOM"


class Vendor(NamedTuple):
    base_url: str  # the vendor's documented OpenAI-compatible API
    chat_model: str  # a cheap, capable chat model, used when chatModel is left empty


# From the picker's presets (app.ai.presets), so the two never disagree. CUSTOM has no
# entry: its baseUrl is required.
VENDORS: dict[AiProvider, Vendor] = {
    AiProvider(p.provider): Vendor(p.base_url, p.chat_models[0])
    for p in PRESETS
    if p.base_url and p.chat_models
}
# Local servers (Ollama, llama.cpp) take any key; the SDK refuses an empty one.
NO_KEY = "not-needed"


def default_base_url(provider: AiProvider) -> str | None:
    vendor = VENDORS.get(provider)
    return vendor.base_url if vendor else None


class LlmEndpoint(msgspec.Struct, frozen=True, kw_only=True):
    source: str  # "organization" | "environment"
    provider: AiProvider
    base_url: str | None
    api_key: str | None
    chat_model: str | None
    vision_model: str | None = None
    transcription_model: str | None = None
    temperature: float = 0.3

    @property
    def configured(self) -> bool:
        """Whether the responder can chat (media needs a URL and its own model only)."""
        return bool(self.base_url and self.chat_model)

    def __repr__(self) -> str:
        # The key never reaches a log line.
        return f"LlmEndpoint(source={self.source!r}, base_url={self.base_url!r})"


def _provider(value: str | None) -> AiProvider:
    try:
        return AiProvider(value or "CUSTOM")
    except ValueError:
        return AiProvider.CUSTOM


def environment_endpoint(settings: Settings) -> LlmEndpoint:
    return LlmEndpoint(
        source="environment",
        provider=AiProvider.CUSTOM,
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key,
        chat_model=settings.llm_model,
        vision_model=settings.llm_vision_model,
        transcription_model=settings.llm_transcription_model,
    )


def endpoint_from_row(row: Any | None, settings: Settings) -> LlmEndpoint:
    """``row`` has the ai_settings columns (an ORM row or a result row), or is None."""
    env = environment_endpoint(settings)
    if row is None:
        return env
    provider = _provider(row.provider)
    base_url = (row.base_url or default_base_url(provider) or "").rstrip("/") or None
    if base_url is None:
        return env  # a CUSTOM row without a URL configures nothing of its own
    # The platform's own server: what the row leaves out (the key, a model) is the
    # platform's. Anywhere else the platform's key would leak to a stranger.
    same_server = env.base_url is not None and base_url == env.base_url.rstrip("/")
    vendor = VENDORS.get(provider)
    return LlmEndpoint(
        source="organization",
        provider=provider,
        base_url=base_url,
        api_key=row.api_key or (env.api_key if same_server else None),
        chat_model=row.chat_model
        or (vendor.chat_model if vendor else None)
        or (env.chat_model if same_server else None),
        vision_model=row.vision_model or (env.vision_model if same_server else None),
        transcription_model=row.transcription_model
        or (env.transcription_model if same_server else None),
        temperature=row.temperature if row.temperature is not None else 0.3,
    )


_ROW = sa.text(
    "SELECT provider, base_url, api_key, chat_model, vision_model, transcription_model,"
    " temperature FROM ai_settings WHERE organization_id = :org"
)


async def load_endpoint(
    conn: AsyncConnection, organization_id: uuid.UUID, settings: Settings
) -> LlmEndpoint:
    row = (await conn.execute(_ROW, {"org": organization_id})).first()
    return endpoint_from_row(row, settings)


class LlmClients:
    """One SDK client per (base URL, key), over one shared HTTP connection pool, so a
    call never pays for a new client or a new TLS handshake. Retries are ours
    (:func:`with_retries`): the SDK's own are off."""

    def __init__(self) -> None:
        # The SDK's own client type (it ships its own httpx defaults).
        self._http = openai.DefaultAsyncHttpxClient()
        self._clients: dict[tuple[str, str], openai.AsyncOpenAI] = {}

    def get(self, endpoint: LlmEndpoint) -> openai.AsyncOpenAI:
        if not endpoint.base_url:
            raise ValueError("the endpoint has no base URL")
        key = (endpoint.base_url, endpoint.api_key or NO_KEY)
        client = self._clients.get(key)
        if client is None:
            client = openai.AsyncOpenAI(
                base_url=key[0], api_key=key[1], http_client=self._http, max_retries=0
            )
            self._clients[key] = client
        return client

    async def aclose(self) -> None:
        self._clients.clear()
        await self._http.aclose()

    async def __aenter__(self) -> LlmClients:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    attempts: int = 3
    base_delay: float = 1.0  # doubled each retry, with jitter, capped at max_delay
    max_delay: float = 8.0
    timeout: float = 60.0  # per request
    # Whether a 429's Retry-After may lengthen the wait (up to max_delay). Media
    # understanding honours it; the responder never has.
    honour_retry_after: bool = True


class LLMFailure(Exception):
    """``code``: llm_timeout, llm_unavailable, llm_rate_limited, llm_rejected, llm_error,
    or a caller's own (empty_result, malformed_tool_arguments…). ``transient`` says
    whether another attempt may succeed; ``attempts`` how many were made."""

    def __init__(self, code: str, detail: str, *, transient: bool) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.transient = transient
        self.attempts = 1


async def with_retries(policy: RetryPolicy, call: Callable[[], Awaitable[T]]) -> T:
    """``call`` until it returns, at most ``policy.attempts`` times. It may raise an
    :class:`LLMFailure` itself (an answer it cannot use) to be retried like the SDK's
    errors when transient."""
    for attempt in range(1, policy.attempts + 1):
        hint: openai.OpenAIError | None = None
        try:
            return await call()
        except openai.OpenAIError as exc:
            failure, hint = classify(exc), exc
            failure.__cause__ = exc
        except LLMFailure as exc:
            failure = exc
        failure.attempts = attempt
        if not failure.transient or attempt == policy.attempts:
            raise failure
        await asyncio.sleep(_delay(policy, attempt, hint))
    raise AssertionError("unreachable: the loop returns or raises")


def classify(exc: openai.OpenAIError) -> LLMFailure:
    """Timeouts, connection errors, 408, 409, 429 and 5xx are transient; any other
    answer is the endpoint refusing the request."""
    if isinstance(exc, openai.APITimeoutError):
        return LLMFailure("llm_timeout", "the model did not answer in time", transient=True)
    if isinstance(exc, openai.APIConnectionError):
        return LLMFailure("llm_unavailable", f"cannot reach the model: {exc}", transient=True)
    if isinstance(exc, openai.APIStatusError):
        detail = f"HTTP {exc.status_code}: {exc.message}"[:300]
        if exc.status_code == 429:
            return LLMFailure("llm_rate_limited", detail, transient=True)
        if exc.status_code >= 500 or exc.status_code in (408, 409):
            return LLMFailure("llm_unavailable", detail, transient=True)
        return LLMFailure("llm_rejected", detail, transient=False)
    return LLMFailure("llm_error", f"{type(exc).__name__}: {exc}"[:300], transient=False)


def _delay(policy: RetryPolicy, attempt: int, exc: openai.OpenAIError | None) -> float:
    backoff = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
    # Jitter spreads the retries of many workers hit by the same outage.
    delay: float = backoff * (0.5 + random.random() / 2)  # noqa: S311 - not security sensitive
    if policy.honour_retry_after and isinstance(exc, openai.APIStatusError):
        hinted = _retry_after(exc.response.headers.get("retry-after"))
        if hinted is not None:
            delay = max(delay, hinted)
    return min(delay, policy.max_delay)


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date; the exponential back-off is good enough then
