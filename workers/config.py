"""Tuning of the merge and media jobs, read once from the environment when the worker
starts (README's configuration table lists every variable). Tests and the benchmark
build a :class:`JobConfig` directly with tiny timings."""

from __future__ import annotations

import os

import msgspec

from app.ai.llm import RetryPolicy


class JobConfig(msgspec.Struct, kw_only=True, frozen=True):
    # Burst merge
    merge_max_wait: float = 30.0  # a turn fires at most this long after its first message
    merge_media_wait: float = 60.0  # how long a closed burst waits for its media
    # Replaces every session's/connection's concatTimeout (5-8 s in the API); for tests
    # and benchmarks that cannot spend seconds per burst.
    merge_concat_override: float | None = None
    # Media download
    media_max_bytes: int = 100 * 1024 * 1024
    media_download_timeout: float = 60.0
    # Self-hosted providers (WAHA, Evolution on the same network) serve media from
    # private addresses; off by default because media URLs come from webhooks.
    media_allow_private: bool = False
    media_max_tries: int = 4  # job runs for transient failures (download, model)
    media_retry_delay: float = 5.0  # first back-off between job runs, doubled each time
    # Calls to the model inside one job run
    llm_timeout: float = 60.0
    llm_attempts: int = 3
    llm_retry_delay: float = 1.0
    language: str = "pt"

    @property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            attempts=self.llm_attempts,
            base_delay=self.llm_retry_delay,
            max_delay=max(self.llm_retry_delay * 8, self.llm_retry_delay),
            timeout=self.llm_timeout,
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
    "llm_timeout": "BALCAO_MEDIA_LLM_TIMEOUT",
    "llm_attempts": "BALCAO_MEDIA_LLM_ATTEMPTS",
    "llm_retry_delay": "BALCAO_MEDIA_LLM_RETRY_DELAY",
    "language": "BALCAO_MEDIA_LANGUAGE",
}


def load_job_config() -> JobConfig:
    """Call after app.config.load_settings(), which has already read ``.env``."""
    raw = {field: os.environ.get(name) for field, name in _ENV.items()}
    present = {k: v for k, v in raw.items() if v not in (None, "")}
    # strict=False turns "30" into 30.0 and "true" into True, as app.config does.
    return msgspec.convert(present, JobConfig, strict=False)
