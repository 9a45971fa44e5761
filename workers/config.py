"""Tuning of every job (merge, media, responder, delivery, outbound webhooks), read once
from the environment when the worker starts (README's configuration table lists every
variable; fields without one are for tests). Tests and the benchmarks build a
:class:`JobConfig` directly with tiny timings."""

from __future__ import annotations

import os
from datetime import datetime

import msgspec

from app.ai.llm import RetryPolicy
from app.knowledge.search import SNIPPETS_IN_PROMPT


class JobConfig(msgspec.Struct, kw_only=True, frozen=True):
    # Burst merge
    merge_max_wait: float = 30.0  # a turn fires at most this long after its first message
    merge_media_wait: float = 60.0  # how long a closed burst waits for its media
    # Replaces every session's/connection's concatTimeout (5-8 s in the API); for tests
    # and benchmarks that cannot spend seconds per burst.
    merge_concat_override: float | None = None
    # The instant the responder judges business hours at (None: the database's now());
    # for tests that freeze the clock on a Friday night or a holiday.
    hours_at: datetime | None = None
    # Media download
    media_max_bytes: int = 100 * 1024 * 1024
    media_download_timeout: float = 60.0
    # Self-hosted providers (WAHA, Evolution on the same network) serve media from
    # private addresses; off by default because media URLs come from webhooks.
    media_allow_private: bool = False
    media_max_tries: int = 4  # job runs for transient failures (download, model)
    media_retry_delay: float = 5.0  # first back-off between job runs, doubled each time
    # Media's calls to the model inside one job run
    media_llm_timeout: float = 60.0
    media_llm_attempts: int = 3
    media_llm_retry_delay: float = 1.0
    media_language: str = "pt"
    # The responder's model call: attempts in one job, back-off doubling from
    # ai_llm_backoff seconds.
    ai_llm_attempts: int = 3
    ai_llm_backoff: float = 1.0
    ai_llm_max_backoff: float = 8.0
    ai_llm_timeout: float = 45.0
    history_tokens: int = 3000  # ~4 characters a token
    knowledge_snippets: int = SNIPPETS_IN_PROMPT
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
    # Campaigns at full speed (every pacing brake off): dispatcher runs per campaign
    # (across workers), recipients claimed per transaction, sends in flight per run.
    campaign_slots: int = 2
    campaign_batch: int = 20
    campaign_in_flight: int = 10
    # Group mirrors: the stores' affiliate link APIs (production by default; tests and
    # staging point them at stand-ins).
    mirror_shopee_url: str = "https://open-api.affiliate.shopee.com.br/graphql"
    mirror_aliexpress_url: str = "https://api-sg.aliexpress.com/sync"
    # Outbound webhooks: attempts, back-off doubling from the base (capped at an hour),
    # and one POST's timeout.
    webhook_max_attempts: int = 8
    webhook_retry_base: float = 30.0
    webhook_timeout: float = 10.0

    @property
    def media_retry(self) -> RetryPolicy:
        return RetryPolicy(
            attempts=self.media_llm_attempts,
            base_delay=self.media_llm_retry_delay,
            max_delay=max(self.media_llm_retry_delay * 8, self.media_llm_retry_delay),
            timeout=self.media_llm_timeout,
        )

    @property
    def ai_retry(self) -> RetryPolicy:
        return RetryPolicy(
            attempts=self.ai_llm_attempts,
            base_delay=self.ai_llm_backoff,
            max_delay=self.ai_llm_max_backoff,
            timeout=self.ai_llm_timeout,
            honour_retry_after=False,
        )


_ENV = {
    "merge_max_wait": "BALCAO_MERGE_MAX_WAIT",
    "merge_media_wait": "BALCAO_MERGE_MEDIA_WAIT",
    "merge_concat_override": "BALCAO_MERGE_CONCAT_OVERRIDE",
    "media_max_bytes": "BALCAO_MEDIA_MAX_BYTES",
    "media_download_timeout": "BALCAO_MEDIA_DOWNLOAD_TIMEOUT",
    "media_allow_private": "BALCAO_MEDIA_ALLOW_PRIVATE",
    "media_max_tries": "BALCAO_MEDIA_MAX_TRIES",
    "media_retry_delay": "BALCAO_MEDIA_RETRY_DELAY",
    "media_llm_timeout": "BALCAO_MEDIA_LLM_TIMEOUT",
    "media_llm_attempts": "BALCAO_MEDIA_LLM_ATTEMPTS",
    "media_llm_retry_delay": "BALCAO_MEDIA_LLM_RETRY_DELAY",
    "media_language": "BALCAO_MEDIA_LANGUAGE",
    "ai_llm_attempts": "BALCAO_AI_LLM_ATTEMPTS",
    "ai_llm_backoff": "BALCAO_AI_LLM_BACKOFF",
    "ai_llm_timeout": "BALCAO_AI_LLM_TIMEOUT",
    "history_tokens": "BALCAO_AI_HISTORY_TOKENS",
    "delivery_tries": "BALCAO_DELIVERY_TRIES",
    "delivery_backoff": "BALCAO_DELIVERY_BACKOFF",
    "typing_ms_per_char": "BALCAO_DELIVERY_TYPING_MS_PER_CHAR",
    "typing_max_ms": "BALCAO_DELIVERY_TYPING_MAX_MS",
    "chat_rate": "BALCAO_RATE_CHAT_PER_SECOND",
    "connection_rate": "BALCAO_RATE_CONNECTION_PER_SECOND",
    "campaign_slots": "BALCAO_CAMPAIGN_SLOTS",
    "campaign_batch": "BALCAO_CAMPAIGN_BATCH",
    "campaign_in_flight": "BALCAO_CAMPAIGN_IN_FLIGHT",
    "mirror_shopee_url": "BALCAO_MIRROR_SHOPEE_URL",
    "mirror_aliexpress_url": "BALCAO_MIRROR_ALIEXPRESS_URL",
}


def load_job_config() -> JobConfig:
    """Call after app.config.load_settings(), which has already read ``.env``."""
    present = {field: os.environ[name] for field, name in _ENV.items() if os.environ.get(name)}
    # strict=False turns "30" into 30.0 and "true" into True, as app.config does.
    return msgspec.convert(present, JobConfig, strict=False)
