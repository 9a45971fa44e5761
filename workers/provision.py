"""Provider provisioning and the periodic health check (providers.base.Provisioner).

``provision_connection(ctx, connection_id)`` — enqueued through the outbox when a
connection of a provisioning provider is created, its config changes, or its QR dialog
asks to pair again — makes the provider ready: WAHA's session created or started with
our webhook, Evolution's instance created with its webhook set, UAZapi's webhook set and
its instance connected, Meta's token and phone number id checked. A transient failure
(provider unreachable, 5xx) is shown as the status reason and retried with back-off; a
permanent one (key refused, unknown instance) turns the connection FAILED with a
reason that says what to fix. Never an exception out of the job for either.

``check_connections(ctx)`` — a cron every 5 s, ``unique`` (one worker runs each tick;
the per-connection due marks below are Redis ``SET NX`` keys, so even two runs at once
check a connection once) — asks each provisioned connection's provider for its state:
every 30 s normally, every 5 s while it waits for a scan, so the QR dialog's PNG
follows the provider's refreshes. It keeps ``status`` true when the provider stops
calling our webhook (a server down reads as DISCONNECTED with the reason — after two
failed checks in a row for a connected number, so one timeout does not flap it), stores the
QR while pairing and our number once connected, and re-provisions a connection whose
session or instance vanished from the provider (at most once a minute).

A status change publishes ``connection.status_changed`` (the same live notice the
WhatsApp-Web runner's changes give), so the page's dot and dialog update by themselves.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import sqlalchemy as sa
from arq import Retry
from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine

from app import events
from app.connections.services import webhook_url_for
from app.db.enums import ConnectionStatus
from app.outbox import OutboxRow, flush_outbox, outbox_row, write_outbox
from providers import find_provider, registered
from providers.base import Provisioner, ProvisionError, ProvisionState, provisioner_of
from workers.context import context, redis_of

log = logging.getLogger("balcao.provision")
JOB = "provision_connection"
CRON_EVERY_SECONDS = 5
CHECK_EVERY = 30.0  # seconds between health checks of a settled connection
PAIRING_EVERY = 5.0  # while it waits for a scan (QR_PENDING) or connects
REPROVISION_EVERY = 60.0  # a vanished session is provisioned again at most this often
MAX_TRIES = 8  # transient provisioning failures, with back-off 2 s doubling to 5 min
CALL_TIMEOUT = 60.0  # one provision or check, all of its HTTP calls together
PARALLEL = 8  # connections checked at once by one cron run
DUE_KEY = "balcao:health:due:{}"
REPROVISION_KEY = "balcao:health:reprovision:{}"
BLIP_KEY = "balcao:health:blip:{}"

_STATUS = {
    "connecting": ConnectionStatus.CONNECTING,
    "connected": ConnectionStatus.CONNECTED,
    "disconnected": ConnectionStatus.DISCONNECTED,
    "qr_pending": ConnectionStatus.QR_PENDING,
    "failed": ConnectionStatus.FAILED,
}
_PAIRING = frozenset({ConnectionStatus.QR_PENDING.value, ConnectionStatus.CONNECTING.value})

_LOAD = sa.text(
    """
    SELECT id, organization_id, provider, config, webhook_token, status
    FROM connection WHERE id = :id AND deleted_at IS NULL
    """
)
_WATCHED = sa.text(
    """
    SELECT id, status FROM connection
    WHERE deleted_at IS NULL AND provider = ANY(:kinds)
    ORDER BY id
    """
)
# Only what changed is written (a settled connection checked every 30 s writes
# nothing); the QR is kept only while pairing, our number once known.
_STORE = sa.text(
    """
    WITH old AS (
        SELECT id, status, status_reason, qr_code, phone_number FROM connection
        WHERE id = :id AND deleted_at IS NULL FOR UPDATE
    ), new AS (
        SELECT old.id,
               CAST(:status AS text) AS status,
               CAST(:reason AS text) AS status_reason,
               -- A QR read as missing mid-refresh keeps the one on screen.
               CASE WHEN CAST(:status AS text) = 'QR_PENDING'
                    THEN COALESCE(CAST(:qr AS text), old.qr_code) END AS qr_code,
               COALESCE(CAST(:phone AS text), old.phone_number) AS phone_number
        FROM old
    )
    UPDATE connection c SET
        status = new.status,
        status_reason = new.status_reason,
        qr_code = new.qr_code,
        phone_number = new.phone_number,
        updated_at = now()
    FROM old, new
    WHERE c.id = old.id
      AND (old.status, old.status_reason, old.qr_code, old.phone_number)
          IS DISTINCT FROM (new.status, new.status_reason, new.qr_code, new.phone_number)
    RETURNING old.status AS previous, c.status AS current, c.organization_id
    """
)
_STORE_REASON = sa.text(
    """
    UPDATE connection SET status_reason = CAST(:reason AS text), updated_at = now()
    WHERE id = :id AND deleted_at IS NULL
      AND status_reason IS DISTINCT FROM CAST(:reason AS text)
    """
)


def provisioner_kinds() -> list[str]:
    return [kind for kind, p in registered().items() if isinstance(p, Provisioner)]


def is_provisioned(kind: str) -> bool:
    return isinstance(find_provider(kind), Provisioner)


def provision_row(connection_id: uuid.UUID | str) -> OutboxRow:
    """The outbox row that provisions a connection after the caller's commit. Plain
    (no job id): provisioning is safe to repeat, and a config changed twice in a row
    must be provisioned with the last one."""
    return outbox_row(JOB, str(connection_id))


def retry_delay(job_try: int) -> float:
    return float(min(300.0, 2.0 * 2 ** max(job_try - 1, 0)))


async def provision_connection(ctx: dict[str, Any], connection_id: str) -> str:
    deps, redis = context(ctx), redis_of(ctx)
    async with deps.autocommit.connect() as conn:
        row = (await conn.execute(_LOAD, {"id": connection_id})).mappings().one_or_none()
    if row is None:
        return "gone"
    provider = provisioner_of(find_provider(row["provider"]))
    if provider is None:
        return "not provisioned"
    url = webhook_url_for(deps.settings.base_url, row["provider"], row["id"], row["webhook_token"])
    try:
        state = await asyncio.wait_for(
            provider.provision(row["config"], webhook_url=url, client=deps.http), CALL_TIMEOUT
        )
    except (ProvisionError, TimeoutError) as exc:
        job_try = int(ctx.get("job_try") or 1)
        error = _as_error(exc, row["provider"])
        if error.transient and job_try < MAX_TRIES:
            delay = retry_delay(job_try)
            reason = f"{error.detail} (retrying in {delay:.0f} s)"
            await _store_reason(deps.engine, connection_id, reason)
            log.info("provisioning retried", extra={"connection": connection_id, "in": delay})
            raise Retry(defer=delay) from exc
        await store_state(
            deps.engine, redis, connection_id, ProvisionState(state="failed", reason=error.detail)
        )
        return "failed"
    await store_state(deps.engine, redis, connection_id, state)
    await _mark_checked(redis, connection_id, state)
    return state.state


async def check_connections(ctx: dict[str, Any]) -> int:
    """One health-check round: every connection whose check is due. Returns how many
    were checked."""
    deps, redis = context(ctx), redis_of(ctx)
    kinds = provisioner_kinds()
    if not kinds:
        return 0
    async with deps.autocommit.connect() as conn:
        rows = (await conn.execute(_WATCHED, {"kinds": kinds})).all()
    due: list[str] = []
    for connection_id, status in rows:
        every = PAIRING_EVERY if status in _PAIRING else CHECK_EVERY
        # Slightly less than the interval, so the cron tick that comes at it finds it due.
        mark = DUE_KEY.format(connection_id)
        if await redis.set(mark, "1", nx=True, px=int(every * 1000) - 500):
            due.append(str(connection_id))
    gate = asyncio.Semaphore(PARALLEL)

    async def one(connection_id: str) -> None:
        async with gate:
            try:
                await check_connection(ctx, connection_id)
            except Exception:  # one provider's trouble must not stop the round
                log.exception("health check failed", extra={"connection": connection_id})

    await asyncio.gather(*(one(c) for c in due))
    return len(due)


async def check_connection(ctx: dict[str, Any], connection_id: str) -> ProvisionState | None:
    """Read one connection's state from its provider and store it."""
    deps, redis = context(ctx), redis_of(ctx)
    async with deps.autocommit.connect() as conn:
        row = (await conn.execute(_LOAD, {"id": connection_id})).mappings().one_or_none()
    provider = provisioner_of(find_provider(row["provider"])) if row is not None else None
    if row is None or provider is None:
        return None
    try:
        state = await asyncio.wait_for(
            provider.check(row["config"], client=deps.http), CALL_TIMEOUT
        )
    except (ProvisionError, TimeoutError) as exc:
        error = _as_error(exc, row["provider"])
        if error.transient and await _first_blip(redis, connection_id, row["status"]):
            # One timeout is not an outage: say so, keep the status, look again soon.
            await _store_reason(deps.engine, connection_id, f"{error.detail} (checking again)")
            await redis.set(DUE_KEY.format(connection_id), "1", px=int(PAIRING_EVERY * 1000) - 500)
            return None
        # Unreachable is not connected: messages cannot flow until it answers again.
        state = ProvisionState(
            state="disconnected" if error.transient else "failed", reason=error.detail
        )
    else:
        await redis.delete(BLIP_KEY.format(connection_id))
    await store_state(deps.engine, redis, connection_id, state)
    if state.missing and await redis.set(
        REPROVISION_KEY.format(connection_id), "1", nx=True, ex=int(REPROVISION_EVERY)
    ):
        async with deps.engine.begin() as conn:
            jobs = await write_outbox(conn, [provision_row(connection_id)])
        await flush_outbox(deps.engine, redis, jobs)
    return state


async def store_state(
    engine: AsyncEngine, redis: ArqRedis, connection_id: str, state: ProvisionState
) -> bool:
    """Write the state when it differs from the stored one; a status change publishes
    ``connection.status_changed`` in the same transaction (outbox). True when the
    status changed."""
    status = _STATUS[state.state]
    params = {
        "id": connection_id,
        "status": status.value,
        "reason": state.reason,
        "qr": state.qr_code if status == ConnectionStatus.QR_PENDING else None,
        "phone": state.phone if status == ConnectionStatus.CONNECTED else None,
    }
    async with engine.begin() as conn:
        changed = (await conn.execute(_STORE, params)).mappings().one_or_none()
        moved = changed is not None and changed["previous"] != changed["current"]
        jobs = []
        if moved:
            assert changed is not None
            row = events.event_row(
                changed["organization_id"], events.CONNECTION_STATUS_CHANGED, connection_id
            )
            jobs = await write_outbox(conn, [row])
    await flush_outbox(engine, redis, jobs)
    return moved


async def _store_reason(engine: AsyncEngine, connection_id: str, reason: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(_STORE_REASON, {"id": connection_id, "reason": reason})


async def _mark_checked(redis: ArqRedis, connection_id: str, state: ProvisionState) -> None:
    """Just provisioned: the next health check comes a full interval later."""
    every = PAIRING_EVERY if _STATUS[state.state].value in _PAIRING else CHECK_EVERY
    await redis.set(DUE_KEY.format(connection_id), "1", px=int(every * 1000) - 500)


async def _first_blip(redis: ArqRedis, connection_id: str, status: str) -> bool:
    """Whether this transient failure of a CONNECTED number is the first in a row (the
    next one, a pairing interval later, turns it DISCONNECTED)."""
    if status != ConnectionStatus.CONNECTED.value:
        return False
    return bool(await redis.set(BLIP_KEY.format(connection_id), "1", nx=True, ex=600))


def _as_error(exc: BaseException, kind: str) -> ProvisionError:
    if isinstance(exc, ProvisionError):
        return exc
    return ProvisionError(f"{kind}: no answer within {CALL_TIMEOUT:.0f} s", transient=True)
