"""Campaign copy drafted by the organization's LLM (``POST /api/v1/campaigns/ai-copy``).

Made inside the request, unlike the responder: the person is waiting for the drafts
and nothing is stored. Bounded by :data:`TOTAL_TIMEOUT` whatever the endpoint does;
every failure is a 502 with the LLM seam's code (app.ai.llm), never a 500. Drafts the
copy checker refuses (a stray brace) are dropped rather than shown as sendable.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from openai.types.chat import ChatCompletionMessageParam

import prompts
from app.ai.llm import LlmClients, LlmEndpoint, LLMFailure, RetryPolicy, with_retries
from app.campaigns import copy
from app.campaigns.schemas import AiCopyRequest
from app.errors import BadGateway

POLICY = RetryPolicy(attempts=2, base_delay=0.5, max_delay=2.0, timeout=30.0)
TOTAL_TIMEOUT = 45.0
MAX_DRAFT_CHARS = 4096
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def build_messages(data: AiCopyRequest, organization_name: str) -> list[ChatCompletionMessageParam]:
    system = prompts.render(
        "campaign_copy",
        organization_name=organization_name,
        variants=data.variants,
        tone=(data.tone or "").strip() or "cordial e direto",
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": data.brief}]


def parse_drafts(content: str, wanted: int) -> list[str]:
    """The usable drafts in the model's answer (JSON ``{"messages": [...]}``, also when
    wrapped in a code fence or prose)."""
    match = _JSON_OBJECT.search(content)
    if match is None:
        raise LLMFailure("llm_bad_answer", "the model did not answer JSON", transient=True)
    try:
        decoded: Any = json.loads(match.group(0))
    except json.JSONDecodeError:
        raise LLMFailure(
            "llm_bad_answer", "the model's JSON does not parse", transient=True
        ) from None
    items = decoded.get("messages") if isinstance(decoded, dict) else None
    if not isinstance(items, list):
        raise LLMFailure("llm_bad_answer", "no messages list in the answer", transient=True)
    drafts = [
        text.strip()
        for text in items
        if isinstance(text, str)
        and text.strip()
        and len(text) <= MAX_DRAFT_CHARS
        and "\x00" not in text
        and not copy.validate(text)
    ]
    if not drafts:
        raise LLMFailure("llm_bad_answer", "no usable draft in the answer", transient=True)
    return drafts[:wanted]


async def draft_copy(
    endpoint: LlmEndpoint, data: AiCopyRequest, organization_name: str
) -> list[str]:
    assert endpoint.chat_model is not None, "callers check endpoint.configured"
    model = endpoint.chat_model
    messages = build_messages(data, organization_name)
    # The api process keeps no LLM clients between requests (as the live test).
    async with LlmClients() as clients:
        client = clients.get(endpoint)

        async def once() -> list[str]:
            completion = await client.chat.completions.create(
                model=model,
                messages=messages,
                temperature=max(0.7, endpoint.temperature),
                timeout=POLICY.timeout,
            )
            if not completion.choices:
                raise LLMFailure("llm_bad_answer", "the model answered no choices", transient=True)
            return parse_drafts(completion.choices[0].message.content or "", data.variants)

        try:
            async with asyncio.timeout(TOTAL_TIMEOUT):
                return await with_retries(POLICY, once)
        except TimeoutError:
            raise BadGateway("The AI did not answer in time.", code="llm_timeout") from None
        except LLMFailure as exc:
            raise BadGateway(f"The AI failed: {exc.detail}", code=exc.code) from None
