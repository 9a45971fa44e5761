"""Media's calls to the model: speech-to-text and image description, through the one
LLM seam's retry loop (app.ai.llm), so every failure ends as an :class:`LLMFailure`
with a stable code instead of one of the SDK's many exception classes."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import openai
from openai.types.chat import ChatCompletionContentPartParam

from app.ai.llm import LLMFailure, RetryPolicy, with_retries


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
