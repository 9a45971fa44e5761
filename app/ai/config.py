"""Tuning of the responder and delivery jobs, read once from the environment.

Every variable is optional and listed in README.md; tests build an :class:`AiJobConfig`
directly with tiny back-offs and no typing delay."""

from __future__ import annotations

import os

import msgspec

from app.ai.llm import RetryPolicy


class AiJobConfig(msgspec.Struct, frozen=True, kw_only=True):
    # The model call: attempts in one job, back-off doubling from llm_backoff seconds.
    llm_attempts: int = 3
    llm_backoff: float = 1.0
    llm_max_backoff: float = 8.0
    llm_timeout: float = 45.0
    history_tokens: int = 3000  # ~4 characters a token
    knowledge_snippets: int = 4
    max_part_chars: int = 1000  # one WhatsApp message of a split answer
    # A handoff silences the AI until a human unblocks it (the API's maximum block).
    handoff_block_minutes: int = 1440
    # The responder sends its reply itself right after committing it (no queue hop);
    # the deliver_message jobs it also enqueues run this much later as the safety net
    # (a worker killed mid-way) and find the messages already SENT.
    deliver_inline: bool = True
    redelivery_delay: float = 15.0
    # Delivery: tries per message (transient failures), back-off doubling from here.
    delivery_tries: int = 6
    delivery_backoff: float = 2.0
    delivery_max_backoff: float = 300.0
    # "Typing…" before a text, proportional to its length, bounded.
    typing_ms_per_char: float = 35.0
    typing_min_ms: int = 800
    typing_max_ms: int = 4000
    # Token buckets: per chat (one customer) and per connection (one number).
    chat_rate: float = 1.0  # messages a second
    chat_burst: int = 3
    connection_rate: float = 20.0
    connection_burst: int = 20

    @property
    def ai_retry(self) -> RetryPolicy:
        return RetryPolicy(
            attempts=self.llm_attempts,
            base_delay=self.llm_backoff,
            max_delay=self.llm_max_backoff,
            timeout=self.llm_timeout,
            honour_retry_after=False,
        )


_ENV = {
    "llm_attempts": "BALCAO_AI_LLM_ATTEMPTS",
    "llm_backoff": "BALCAO_AI_LLM_BACKOFF",
    "llm_timeout": "BALCAO_AI_LLM_TIMEOUT",
    "history_tokens": "BALCAO_AI_HISTORY_TOKENS",
    "delivery_tries": "BALCAO_DELIVERY_TRIES",
    "delivery_backoff": "BALCAO_DELIVERY_BACKOFF",
    "typing_ms_per_char": "BALCAO_DELIVERY_TYPING_MS_PER_CHAR",
    "typing_max_ms": "BALCAO_DELIVERY_TYPING_MAX_MS",
    "chat_rate": "BALCAO_RATE_CHAT_PER_SECOND",
    "connection_rate": "BALCAO_RATE_CONNECTION_PER_SECOND",
}


def load_ai_config() -> AiJobConfig:
    raw = {field: os.environ[name] for field, name in _ENV.items() if os.environ.get(name)}
    return msgspec.convert(raw, AiJobConfig, strict=False)
