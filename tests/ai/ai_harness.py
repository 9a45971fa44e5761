"""The AI tests' world: an organization with a NATIVE connection pointed at a send-API
stand-in, the OpenAI stand-in as its LLM (set through the API), inbound messages through
the real webhook path, turns inserted as the burst merge would, and real arq workers in
burst mode running respond_turn / deliver_message."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
import warnings
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import msgspec
from arq import Worker, func
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import default_queue_name
from sqlalchemy.ext.asyncio import AsyncEngine
from standins.openai_server import OpenAIStandin
from standins.provider_apis import NativeStandIn
from support.orgs import Org
from support.webhooks import Client, Db, Hook, make_connection

from app.config import Settings
from workers.ai_cron import emit_ai_unblocked
from workers.config import JobConfig
from workers.context import CONTEXT_KEY, WorkerContext, build_context
from workers.deliver import deliver_message
from workers.respond import respond_turn
from workers.settings import FUNCTIONS, worker_redis_settings

PHONE = "5511987654321"
FAST = JobConfig(
    ai_llm_attempts=3,
    ai_llm_backoff=0.01,
    ai_llm_max_backoff=0.02,
    ai_llm_timeout=5.0,
    delivery_tries=3,
    delivery_backoff=0.05,
    delivery_max_backoff=0.1,
    typing_ms_per_char=0,
    redelivery_delay=0.3,
    chat_rate=1000,
    chat_burst=100,
    connection_rate=1000,
    connection_burst=100,
)
# The whole platform's jobs: bursts close 0.3 s after their last message.
PLATFORM_FAST = msgspec.structs.replace(
    FAST, merge_concat_override=0.3, merge_max_wait=5.0, merge_media_wait=5.0
)
_ids = itertools.count(1)


@dataclass
class World:
    client: Client
    org: Org
    settings: Settings
    engine: AsyncEngine
    native: NativeStandIn
    llm: OpenAIStandin
    hook: Hook
    db: Db
    config: JobConfig = FAST
    events: list[tuple[str, str]] = field(default_factory=list)

    def context(self) -> WorkerContext:
        return build_context(self.settings, self.config, engine=self.engine)

    async def configure_llm(self, **extra: Any) -> None:
        body = {
            "provider": "CUSTOM",
            "baseUrl": self.llm.base_url,
            "chatModel": "standin-chat",
            "apiKey": "sk-test",
            **extra,
        }
        response = await self.client.put("/api/v1/ai/settings", json=body, headers=self.org.headers)
        assert response.status_code == 200, response.text

    async def connection(self, provider: str = "native", **extra: Any) -> Hook:
        config = self.native.config if provider == "native" else {}
        return await make_connection(self.client, self.org, provider, config, **extra)

    async def inbound(
        self,
        text: str,
        *,
        phone: str = PHONE,
        from_me: bool = False,
        hook: Hook | None = None,
        message_id: str | None = None,
    ) -> str:
        message_id = message_id or f"in-{next(_ids)}-{time.monotonic_ns()}"
        event = {
            "event": "message",
            "messageId": message_id,
            "from": phone,
            "name": "Maria Souza",
            "timestamp": int(time.time()),
            "fromMe": from_me,
            "type": "text",
            "text": text,
        }
        await self.post_event(event, hook)
        return message_id

    async def post_event(self, event: dict[str, Any], hook: Hook | None = None) -> None:
        hook = hook or self.hook
        body = json.dumps(event).encode()
        signature = hmac.new(self.native.secret.encode(), body, hashlib.sha256).hexdigest()
        response = await self.client.post(
            hook.url,
            content=body,
            headers={
                "content-type": "application/json",
                "x-balcao-signature": f"sha256={signature}",
            },
        )
        assert response.status_code == 200, response.text

    async def turn(self, *provider_ids: str, hook: Hook | None = None) -> str:
        """A READY turn over these messages, as the burst merge records one."""
        hook = hook or self.hook
        return str(
            await self.db.val(
                """INSERT INTO turn (organization_id, session_id, status, message_ids, merged_text,
                       first_message_at, last_message_at, deadline_at, fired_at, burst_key,
                       lateness_ms)
                   SELECT organization_id, session_id, 'READY', array_agg(id ORDER BY created_at),
                          string_agg(content->>'text', E'\n' ORDER BY created_at),
                          min(created_at), max(created_at), now(), now(), gen_random_uuid()::text, 0
                   FROM message WHERE connection_id = $1 AND provider_message_id = ANY($2)
                   GROUP BY organization_id, session_id RETURNING id""",
                _uuid(hook.id),
                list(provider_ids),
            )
        )

    async def say(self, *texts: str, hook: Hook | None = None) -> str:
        """Customer messages and the turn that merges them."""
        ids = [await self.inbound(text, hook=hook) for text in texts]
        return await self.turn(*ids, hook=hook)

    async def run(self, *jobs: tuple[str, Any], cron: bool = False) -> None:
        pool = await self.pool()
        try:
            for name, *args in jobs:
                await pool.enqueue_job(name, *args)
        finally:
            await _close(pool)
        await self.work(cron=cron)

    async def respond(self, turn_id: str) -> None:
        await self.run(("respond_turn", turn_id))

    async def pool(self) -> ArqRedis:
        assert self.settings.redis_url
        return await create_pool(RedisSettings.from_dsn(self.settings.redis_url))

    async def work(self, *, cron: bool = False) -> None:
        shared = self.context()
        recorded = self.events

        async def publish_event(
            ctx: dict[str, Any], org: str, event: str, entity: str, session: str | None = None
        ) -> None:
            recorded.append((event, entity))

        functions = [
            func(respond_turn, name="respond_turn", max_tries=3),
            func(deliver_message, name="deliver_message", max_tries=60),
            func(publish_event, name="publish_event"),
            *([func(emit_ai_unblocked, name="emit_ai_unblocked")] if cron else []),
        ]
        await run_burst_worker(self.settings, functions, shared)

    async def turn_row(self, turn_id: str) -> Any:
        rows = await self.db.fetch(
            "SELECT t.status, t.knowledge, a.reason, a.detail, a.attempts, a.tool_calls"
            " FROM turn t LEFT JOIN ai_turn a ON a.turn_id = t.id WHERE t.id = $1",
            _uuid(turn_id),
        )
        return rows[0]

    async def session(self, hook: Hook | None = None) -> Any:
        rows = await self.db.fetch(
            "SELECT * FROM session WHERE connection_id = $1 ORDER BY created_at DESC LIMIT 1",
            _uuid((hook or self.hook).id),
        )
        return rows[0]

    async def outbound(self, hook: Hook | None = None) -> list[Any]:
        return await self.db.fetch(
            "SELECT * FROM message WHERE session_id IN (SELECT id FROM session"
            " WHERE connection_id = $1) AND direction = 'OUT' AND author IN ('AI', 'SYSTEM')"
            " ORDER BY created_at",
            _uuid((hook or self.hook).id),
        )

    def sent_texts(self, standin: NativeStandIn | None = None) -> list[str]:
        standin = standin or self.native
        return [r.json["text"] for r in standin.requests if r.status == 200]

    def chat_requests(self) -> list[Any]:
        return self.llm.requests("chat")


async def run_platform_worker(
    settings: Settings, config: JobConfig = PLATFORM_FAST, *, only: Collection[str] | None = None
) -> None:
    """One burst-mode worker with every registered job (or ``only`` those: the others'
    jobs are consumed unrun) and the context the worker builds."""
    functions = [f for f in FUNCTIONS if only is None or _job_name(f) in only]
    await run_burst_worker(settings, functions, build_context(settings, config))


async def run_burst_worker(
    settings: Settings,
    functions: list[Any],
    shared: WorkerContext,
    *,
    queue: str = default_queue_name,
    max_jobs: int = 20,
) -> None:
    """A real arq worker in burst mode (until its queue is empty) with ``shared`` as the
    context every job reads; the context is closed afterwards."""
    assert settings.redis_url
    worker = Worker(
        functions=functions,
        queue_name=queue,
        redis_settings=worker_redis_settings(settings.redis_url),
        burst=True,
        poll_delay=0.02,
        handle_signals=False,
        ctx={CONTEXT_KEY: shared},
        max_jobs=max_jobs,
        log_results=False,
    )
    try:
        await worker.async_run()
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            await worker.close()
        await shared.aclose()


def _uuid(value: str) -> Any:
    import uuid

    return uuid.UUID(value)


async def _close(pool: ArqRedis) -> None:
    await pool.aclose()


def decoded(value: Any) -> Any:
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


async def settle() -> None:
    await asyncio.sleep(0)


def _job_name(function: Any) -> str:
    return str(getattr(function, "name", None) or function.__name__)
