"""Calls to the OpenAI-compatible endpoint with our own retry loop, so the back-off is
explicit and testable, and every failure ends as an :class:`LLMFailure` with a stable code
instead of one of the SDK's many exception classes."""

from __future__ import annotations

import asyncio
import base64
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import msgspec
import openai
from openai.types.chat import ChatCompletionContentPartParam

T = TypeVar("T")
_RETRY_STATUSES = frozenset({408, 409, 429})


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    attempts: int = 3
    base_delay: float = 1.0  # doubled each retry, with jitter, capped at max_delay
    max_delay: float = 8.0
    timeout: float = 60.0  # per request


class LLMFailure(Exception):
    """``code``: llm_timeout, llm_unavailable, llm_rate_limited, llm_rejected, llm_error,
    empty_result. ``transient`` says whether a later job run may succeed."""

    def __init__(self, code: str, detail: str, *, transient: bool) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.transient = transient


async def transcribe(
    llm: openai.AsyncOpenAI, wav: bytes, *, model: str, language: str, policy: RetryPolicy
) -> str:
    client = llm.with_options(max_retries=0, timeout=policy.timeout)
    result = await with_retries(
        policy,
        lambda: client.audio.transcriptions.create(
            model=model, file=("audio.wav", wav, "audio/wav"), language=language
        ),
    )
    # Some compatible servers answer an empty JSON object instead of {"text": ""}.
    text = getattr(result, "text", None)
    if not isinstance(text, str) or not text.strip():
        raise LLMFailure("empty_result", "the transcription is empty", transient=False)
    return text.strip()


async def describe_images(
    llm: openai.AsyncOpenAI,
    images: Sequence[tuple[bytes, str]],
    *,
    prompt: str,
    model: str,
    policy: RetryPolicy,
) -> str:
    """One chat completion with ``prompt`` and every (bytes, mimetype) image inline."""
    parts: list[ChatCompletionContentPartParam] = [{"type": "text", "text": prompt}]
    for data, mimetype in images:
        url = f"data:{mimetype};base64,{base64.b64encode(data).decode('ascii')}"
        parts.append({"type": "image_url", "image_url": {"url": url, "detail": "high"}})
    client = llm.with_options(max_retries=0, timeout=policy.timeout)
    completion = await with_retries(
        policy,
        lambda: client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": parts}]
        ),
    )
    content = completion.choices[0].message.content if completion.choices else None
    if not content or not content.strip():
        raise LLMFailure("empty_result", "the model answered nothing", transient=False)
    return content.strip()


async def with_retries(policy: RetryPolicy, call: Callable[[], Awaitable[T]]) -> T:
    for attempt in range(1, policy.attempts + 1):
        try:
            return await call()
        except openai.OpenAIError as exc:
            failure = _classify(exc)
            if not failure.transient or attempt == policy.attempts:
                raise failure from exc
            await asyncio.sleep(_delay(policy, attempt, exc))
    raise AssertionError("unreachable: the loop returns or raises")


def _classify(exc: openai.OpenAIError) -> LLMFailure:
    if isinstance(exc, openai.APITimeoutError):
        return LLMFailure("llm_timeout", "the model did not answer in time", transient=True)
    if isinstance(exc, openai.APIConnectionError):
        return LLMFailure("llm_unavailable", f"cannot reach the model: {exc}", transient=True)
    if isinstance(exc, openai.APIStatusError):
        detail = f"HTTP {exc.status_code}: {exc.message}"[:300]
        if exc.status_code == 429:
            return LLMFailure("llm_rate_limited", detail, transient=True)
        if exc.status_code >= 500 or exc.status_code in _RETRY_STATUSES:
            return LLMFailure("llm_unavailable", detail, transient=True)
        return LLMFailure("llm_rejected", detail, transient=False)
    return LLMFailure("llm_error", f"{type(exc).__name__}: {exc}"[:300], transient=False)


def _delay(policy: RetryPolicy, attempt: int, exc: Exception) -> float:
    backoff = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
    # Jitter spreads the retries of many workers hit by the same outage.
    delay: float = backoff * (0.5 + random.random() / 2)  # noqa: S311 - not security sensitive
    if isinstance(exc, openai.APIStatusError):
        hinted = _retry_after(exc.response.headers.get("retry-after"))
        if hinted is not None:
            delay = max(delay, hinted)
    return min(delay, policy.max_delay)


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date; the exponential back-off is good enough then
