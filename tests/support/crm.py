"""A CRM stand-in for outbound webhooks, and a real arq worker that drains the
outbound-webhook jobs: what the webhooks settings tests (HTTP and browser) share."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from arq.worker import Worker

from app.config import Settings
from app.db.engine import make_engine
from workers.config import JobConfig
from workers.context import CONTEXT_KEY, build_context
from workers.notify import deliver_webhook, publish_event
from workers.settings import worker_redis_settings


class CrmReceiver:
    """Answers ``status`` with a small JSON body (``{"crm": "down"|"ok"}``) and keeps
    what it was sent, with whether the signature matched ``secret``."""

    def __init__(self) -> None:
        self.status = 500
        self.secret = ""
        self.calls: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                digest = hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                receiver.calls.append(
                    {
                        "body": json.loads(body),
                        "signed": self.headers.get("X-Balcao-Signature") == f"sha256={digest}",
                    }
                )
                answer = json.dumps({"crm": "down" if receiver.status >= 300 else "ok"}).encode()
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/crm/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> CrmReceiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.shutdown()
        self.server.server_close()


async def drain_webhooks(settings: Settings, max_attempts: int = 1) -> None:
    """Run publish_event and deliver_webhook with a real arq worker (burst) until the
    queue is empty; with one attempt a failing delivery is FAILED at once."""
    assert settings.database_url and settings.redis_url
    config = JobConfig(
        webhook_retry_base=0.02, webhook_max_attempts=max_attempts, webhook_timeout=5.0
    )
    engine = make_engine(settings.database_url, pool_size=2)
    shared = build_context(settings, config, engine=engine)

    async def startup(ctx: dict[str, Any]) -> None:
        ctx[CONTEXT_KEY] = shared

    worker = Worker(
        functions=[publish_event, deliver_webhook],
        redis_settings=worker_redis_settings(settings.redis_url),
        burst=True,
        poll_delay=0.02,
        on_startup=startup,
        handle_signals=False,
        keep_result=0,
    )
    try:
        await worker.main()
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # arq closes redis the old way
            await worker.close()
        await shared.aclose()
        await engine.dispose()
