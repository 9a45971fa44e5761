"""create_app(): the one place routes, plugins, middleware and handlers are wired."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from arq.connections import ArqRedis
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from redis.asyncio import ConnectionPool
from sqlalchemy.exc import DBAPIError

from app.ai.controllers import AiSettingsController
from app.auth.controllers import ApiKeyController, AuthController
from app.auth.guards import writers_only
from app.auth.principal import BearerAuthMiddleware
from app.bot.controllers import BotRuleController
from app.campaigns.controllers import CampaignController, HolidayController
from app.config import Settings, load_settings
from app.connections.catalog import ProviderController
from app.connections.controllers import ConnectionController
from app.contact_lists.controllers import ContactListController
from app.contacts.controllers import ContactController
from app.db.engine import create_ingest_pool, make_engine, make_sessionmaker
from app.dberrors import handle_database_error
from app.departments.controllers import DepartmentController
from app.deps import provide_app_state, provide_db, provide_principal
from app.errors import exception_handlers
from app.hours.controllers import BusinessHoursController
from app.inbox import inbox_handlers
from app.inbox.live import Broker
from app.ingest.group_commit import GroupCommit
from app.knowledge.controllers import KnowledgeController
from app.media import LocalMediaStorage
from app.media.controllers import MediaController
from app.messages.controllers import MessageController
from app.mirrors.controllers import MirrorController
from app.openapi import document_errors
from app.ops import health, ready, request_id_middleware
from app.organization.controllers import OrganizationController
from app.outbox import OutboxFlusher, run_relay
from app.quick_replies.controllers import QuickReplyController
from app.secret_key import ensure_secret_key
from app.sessions.controllers import SessionController
from app.setup.controllers import SetupController
from app.state import AppState, install
from app.subscriptions.controllers import WebhookSubscriptionController
from app.tabulations.controllers import TabulationController
from app.teamchat.controllers import TeamChatController
from app.turns.controllers import TurnController
from app.users.controllers import UserController
from app.webhooks.controllers import webhook_handlers
from app.webhooks.services import ConnectionCache

PUBLIC_PATHS = [
    "^/health$",
    "^/ready$",
    "^/metrics",
    "^/schema",
    "^/api/v1/webhooks/",
    "^/inbox/static/",
]


async def open_app_state(settings: Settings) -> AppState:
    if not settings.database_url or not settings.redis_url:
        raise RuntimeError("DATABASE_URL and REDIS_URL must be set (balcao run sets them).")
    engine = make_engine(settings.database_url)
    ingest_pool = await create_ingest_pool(settings.database_url)
    # Built without a ping: the api must start, and take webhooks, while Redis is down
    # (the outbox keeps the jobs until it is back).
    redis = ArqRedis(
        connection_pool=ConnectionPool.from_url(settings.redis_url, socket_connect_timeout=2)
    )
    return AppState(
        settings=settings,
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        redis=redis,
        ingest_pool=ingest_pool,
        connections=ConnectionCache(ingest_pool),
        group_commit=GroupCommit(ingest_pool),
        outbox=OutboxFlusher(engine, redis),
        inbox_broker=Broker(settings.redis_url),
        media_storage=LocalMediaStorage(settings.media_dir),
    )


def create_app(settings: Settings | None = None) -> Litestar:
    settings = ensure_secret_key(settings or load_settings())
    if not settings.database_url or not settings.redis_url:
        raise RuntimeError("DATABASE_URL and REDIS_URL must be set (balcao run sets them).")

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        state = await open_app_state(settings)
        install(app.state, state)
        state.inbox_broker.start()
        tasks = [
            asyncio.create_task(run_relay(state.engine, state.redis)),
            asyncio.create_task(state.outbox.run()),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await state.close()

    prometheus = PrometheusConfig(app_name="balcao", group_path=True, exclude=["/metrics"])
    return Litestar(
        route_handlers=[
            health,
            ready,
            PrometheusController,
            AuthController,
            ApiKeyController,
            ConnectionController,
            ProviderController,
            DepartmentController,
            UserController,
            AiSettingsController,
            KnowledgeController,
            *webhook_handlers(settings.webhook_max_bytes),
            TabulationController,
            ContactController,
            ContactListController,
            SessionController,
            MessageController,
            WebhookSubscriptionController,
            TurnController,
            QuickReplyController,
            CampaignController,
            MirrorController,
            BotRuleController,
            HolidayController,
            BusinessHoursController,
            MediaController,
            SetupController,
            OrganizationController,
            TeamChatController,
            *inbox_handlers(),
        ],
        lifespan=[lifespan],
        on_startup=[document_errors],
        dependencies={
            "db": Provide(provide_db),
            "principal": Provide(provide_principal, sync_to_thread=False),
            "app_state": Provide(provide_app_state, sync_to_thread=False),
        },
        guards=[writers_only],
        middleware=[
            request_id_middleware,
            prometheus.middleware,
            DefineMiddleware(
                BearerAuthMiddleware,
                exclude=PUBLIC_PATHS,
                exclude_from_auth_key="exclude_from_auth",
            ),
        ],
        exception_handlers={**exception_handlers, DBAPIError: handle_database_error},
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=2048, exclude=["^/api/v1/webhooks/", "^/health$"]
        ),
        openapi_config=OpenAPIConfig(
            title="Balcão API",
            version="1.0.0",
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http", scheme="bearer", description="API key or access token"
                    )
                }
            ),
            security=[{"bearer": []}],
        ),
        logging_config=None,  # app.logs configures logging once per process
        debug=False,
    )
