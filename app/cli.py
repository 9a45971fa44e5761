"""The `balcao` console script."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import msgspec

from app.config import Settings, load_settings
from app.supervise import Child, Supervisor

EMBEDDED_PG_PORT = int(os.environ.get("BALCAO_EMBEDDED_PG_PORT", "5433"))
EMBEDDED_REDIS_PORT = int(os.environ.get("BALCAO_EMBEDDED_REDIS_PORT", "6380"))


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@contextlib.contextmanager
def platform_urls(settings: Settings) -> Iterator[Settings]:
    """Settings with DATABASE_URL and REDIS_URL filled in: as configured, or pointing
    at the embedded servers (started here, or reused when already running)."""
    if settings.database_url and settings.redis_url:
        yield settings
        return
    from app.devstack import Postgres, Redis

    pg = Postgres(settings.data_dir / "postgres", EMBEDDED_PG_PORT)
    redis = Redis(settings.data_dir / "redis", EMBEDDED_REDIS_PORT)
    started_pg = started_redis = False
    if not settings.database_url:
        started_pg = not (pg.data / "postmaster.pid").exists()
        pg.start()
        pg.ensure_database()
    if not settings.redis_url:
        redis.start()
        started_redis = redis.process is not None
    try:
        yield msgspec.structs.replace(
            settings,
            database_url=settings.database_url or pg.url(),
            redis_url=settings.redis_url or redis.url,
        )
    finally:
        if started_redis:
            redis.stop()
        if started_pg:
            pg.stop()


def _child_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = settings.database_url or ""
    env["REDIS_URL"] = settings.redis_url or ""
    env["BALCAO_SECRET_KEY"] = settings.secret_key
    return env


def cmd_db_upgrade(settings: Settings) -> int:
    from app.db.migrate import upgrade

    with platform_urls(settings) as s:
        assert s.database_url
        upgrade(s.database_url)
    _say("database is up to date")
    return 0


def cmd_org_create(settings: Settings, name: str, email: str, password: str) -> int:
    from app.auth.schemas import OrganizationCreated
    from app.auth.services import record_organization
    from app.db.engine import make_engine, make_sessionmaker
    from app.errors import BalcaoError

    if len(password) < 8:
        _say("the admin password must have at least 8 characters")
        return 2

    async def create(url: str) -> OrganizationCreated:
        engine = make_engine(url, pool_size=1)
        try:
            async with make_sessionmaker(engine)() as db:
                created = await record_organization(db, name, email, password)
                await db.commit()
                return created
        finally:
            await engine.dispose()

    with platform_urls(settings) as s:
        assert s.database_url
        try:
            created = asyncio.run(create(s.database_url))
        except BalcaoError as exc:
            _say(f"error: {exc.detail}")
            return 1
    sys.stdout.write(msgspec.json.encode(created).decode() + "\n")
    return 0


def cmd_webhooks_replay(settings: Settings, dead_letter_id: str | None) -> int:
    import uuid

    from arq.connections import ArqRedis
    from redis.asyncio import ConnectionPool

    from app.db.engine import create_ingest_pool
    from app.webhooks.replay import replay_dead_letters

    only = uuid.UUID(dead_letter_id) if dead_letter_id else None

    async def replay(database_url: str, redis_url: str) -> str:
        pool = await create_ingest_pool(database_url, max_size=2)
        arq = ArqRedis(connection_pool=ConnectionPool.from_url(redis_url, socket_connect_timeout=2))
        try:
            report = await replay_dead_letters(pool, arq, only)
        finally:
            await arq.aclose(close_connection_pool=True)
            await pool.close()
        return msgspec.json.encode(report.__dict__).decode()

    with platform_urls(settings) as s:
        assert s.database_url and s.redis_url
        sys.stdout.write(asyncio.run(replay(s.database_url, s.redis_url)) + "\n")
    return 0


def cmd_contacts_import(
    settings: Settings, file: str, org_id: str, list_name: str, mapping: str | None
) -> int:
    import uuid
    from pathlib import Path

    from app.contact_lists.cli import import_file

    try:
        organization_id = uuid.UUID(org_id)
    except ValueError:
        _say(f"error: --org must be an organization id, not {org_id!r}")
        return 2
    with platform_urls(settings) as s:
        assert s.database_url
        status, text = asyncio.run(
            import_file(
                s.database_url, s.media_dir, Path(file), organization_id, list_name, mapping
            )
        )
    (sys.stdout if status != 2 else sys.stderr).write(text + "\n")
    return status


def cmd_api(settings: Settings) -> int:
    import gc

    import uvicorn

    from app.httpguard import GuardedHttpToolsProtocol
    from app.logs import configure_logging

    configure_logging(settings.log_level, settings.log_json)
    # A webhook allocates a few hundred objects and 32 in flight keep CPython's young
    # generation past its default threshold of 700 net allocations, so it collected
    # about 160 times a second, promoting in-flight requests until full collections
    # walked the whole app: ~10% of the api's CPU under wrk. At 50,000 it collects when
    # garbage has piled up (a few MB at most), a few times a minute.
    gc.set_threshold(50_000, 20, 100)
    uvicorn.run(
        "app.asgi:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        # Request heads that never finish (slowloris) or never end are cut off.
        http=GuardedHttpToolsProtocol,
        # Inbox pages hold event streams open for ever: on shutdown they get a few
        # seconds, not an endless wait.
        timeout_graceful_shutdown=5,
    )
    return 0


def cmd_worker(settings: Settings) -> int:
    import logging

    from arq import run_worker
    from redis.exceptions import RedisError

    from app.logs import configure_logging
    from workers.settings import WorkerSettings

    configure_logging(settings.log_level, settings.log_json)
    log = logging.getLogger("balcao.worker")
    failures = 0
    while True:
        started = time.monotonic()
        try:
            run_worker(WorkerSettings)  # type: ignore[arg-type]
            return 0
        except (RedisError, OSError) as exc:
            # The connection retries every command (workers.settings), but a drop in the
            # middle of arq's WATCH/MULTI (start_jobs) raises WatchError past them: start
            # the worker again in this process instead of exiting.
            failures = 1 if time.monotonic() - started > 60 else failures + 1
            delay = min(30.0, 0.5 * 2 ** (failures - 1))
            log.warning(
                "worker lost Redis; starting again", extra={"error": repr(exc), "in": delay}
            )
            time.sleep(delay)


def cmd_runner(settings: Settings) -> int:
    from app.logs import configure_logging
    from runner.process import run_runner

    configure_logging(settings.log_level, settings.log_json)
    with platform_urls(settings) as s:
        asyncio.run(run_runner(s))
    return 0


def _wait_ready(
    url: str, procs: list[subprocess.Popen[bytes]], timeout: float = 60, path: str = "/ready"
) -> bool:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            return False
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}{path}", timeout=1).status_code == 200:
                return True
        time.sleep(0.2)
    return False


def _start_demo(
    s: Settings, exe: list[str], env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], str]:
    """The look-alike (the demo's phone and customers) and the demo organization with
    a WHATSAPP_WEB connection pointed at it, made before the runner starts so the runner
    opens it at once."""
    from app.devstack import free_port
    from runner.demo import demo_instructions, ensure_demo

    # A free port each run (the demo connection's webUrl follows it): a fixed one may be
    # taken on a developer's machine.
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    serve = (
        f"from providers.whatsapp_web.lookalike import run_lookalike; run_lookalike(port={port})"
    )
    lookalike = subprocess.Popen([exe[0], "-c", serve], env=env)
    if not _wait_ready(url, [lookalike], path="/"):
        lookalike.kill()
        raise RuntimeError(f"the WhatsApp Web look-alike did not start on {url}")
    info = asyncio.run(ensure_demo(s, url))
    return lookalike, demo_instructions(info, s.base_url, url)


def startup_hint(s: Settings) -> str:
    """What to open after start-up: the first-run page on a fresh install (no
    organization yet), else the sign-in page."""
    from app.db.engine import make_engine, make_sessionmaker
    from app.setup.services import setup_needed

    async def needed(url: str) -> bool:
        engine = make_engine(url, pool_size=1)
        try:
            async with make_sessionmaker(engine)() as db:
                return await setup_needed(db)
        finally:
            await engine.dispose()

    assert s.database_url
    if asyncio.run(needed(s.database_url)):
        return (
            f"Open {s.base_url}/inbox/setup in your browser to create your organization and "
            "its administrator.\n(For scripts: balcao org create NAME --admin-email E "
            "--admin-password P)"
        )
    return f"Sign in at {s.base_url}/inbox"


def cmd_run(settings: Settings, demo: bool = False) -> int:
    """Everything in one command; Ctrl-C stops all it started."""
    from app.db.migrate import upgrade
    from app.secret_key import ensure_secret_key

    settings = ensure_secret_key(settings)
    stop = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    # SIGINT too: a shell starts background jobs with SIGINT ignored, and Python then
    # never raises KeyboardInterrupt, so `kill -INT` (or a supervisor's) did nothing.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with platform_urls(settings) as s:
        assert s.database_url
        upgrade(s.database_url)
        env = _child_env(s)
        exe = [sys.executable, "-m", "app.cli"]
        children = [Child(name, [*exe, name], env) for name in ("api", "worker", "runner")]
        supervisor = Supervisor(children, say=_say)
        lookalike: subprocess.Popen[bytes] | None = None
        notes = ""
        try:
            if demo:
                lookalike, notes = _start_demo(s, exe, env)
            supervisor.start()
            api = children[0].process
            assert api is not None
            if not _wait_ready(f"http://{s.host}:{s.port}", [api]):
                _say("the platform did not come up; see the logs above")
                return 1
            _say(f"\nBalcão is running at {s.base_url}  (API docs: {s.base_url}/schema)")
            _say(notes if demo else startup_hint(s))
            _say("Press Ctrl-C to stop.\n")
            # A child that exits is started again (app.supervise): a crashed worker or
            # runner must not take the whole platform down with it.
            while not stop:
                supervisor.poll()
                time.sleep(0.3)
        except KeyboardInterrupt:
            pass
        except RuntimeError as exc:
            _say(str(exc))
            return 1
        finally:
            _say("stopping…")
            supervisor.stop()
            if lookalike is not None and lookalike.poll() is None:
                lookalike.send_signal(signal.SIGINT)
                try:
                    lookalike.wait(15)
                except subprocess.TimeoutExpired:
                    lookalike.kill()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="balcao", description="Balcão WhatsApp helpdesk")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="the whole platform (embedded PostgreSQL/Redis if unset)")
    run.add_argument("--demo", action="store_true", help="also serve the WhatsApp Web look-alike")
    sub.add_parser("api", help="the HTTP API")
    sub.add_parser("worker", help="the arq worker")
    sub.add_parser("runner", help="the WhatsApp-Web runner")
    db = sub.add_parser("db", help="database tasks")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations")
    org = sub.add_parser("org", help="organizations")
    org_sub = org.add_subparsers(dest="org_command", required=True)
    create = org_sub.add_parser("create", help="create an organization with its admin")
    create.add_argument("name")
    create.add_argument("--admin-email", required=True)
    create.add_argument("--admin-password", required=True)
    hooks = sub.add_parser("webhooks", help="inbound webhooks")
    hooks_sub = hooks.add_subparsers(dest="webhooks_command", required=True)
    replay = hooks_sub.add_parser("replay", help="parse and store dead letters again")
    replay.add_argument("--id", dest="dead_letter_id", help="only this dead letter")
    contacts = sub.add_parser("contacts", help="contacts")
    contacts_sub = contacts.add_subparsers(dest="contacts_command", required=True)
    imp = contacts_sub.add_parser(
        "import", help="import a CSV/XLSX/XLS file into a contact list (created if new)"
    )
    imp.add_argument("file")
    imp.add_argument("--org", required=True, help="organization id")
    imp.add_argument("--list", required=True, dest="list_name", help="contact list name")
    imp.add_argument(
        "--mapping", help='JSON {"<column header>": "phoneNumber|name|email|externalId|...'
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = load_settings()
    match args.command:
        case "run":
            return cmd_run(settings, demo=args.demo)
        case "api":
            return cmd_api(settings)
        case "worker":
            return cmd_worker(settings)
        case "runner":
            return cmd_runner(settings)
        case "db":
            return cmd_db_upgrade(settings)
        case "org":
            return cmd_org_create(settings, args.name, args.admin_email, args.admin_password)
        case "webhooks":
            return cmd_webhooks_replay(settings, args.dead_letter_id)
        case "contacts":
            return cmd_contacts_import(settings, args.file, args.org, args.list_name, args.mapping)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
