"""The responder's reads and its one write: everything a turn's outcome changes is
committed in ONE transaction keyed by the turn (the ``ai_turn`` row, primary key =
turn id, plus the turn row locked and moved out of READY), so a retried or duplicated
job can never store a second reply."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app import events
from app.bot.engine import RETRY_LIMIT_REASON
from app.db.models.history import ActorType, AutoTrigger
from app.outbox import OutboxJob, OutboxRow, outbox_row, write_outbox
from app.sessions.actor import actor, set_actor
from app.tabulations.auto import apply_auto_tabulations
from workers.bot_store import (
    INSERT_PARTS,
    BotText,
    apply_bot,
    bot_still_wanted,
    message_parts,
)

_encode = msgspec.json.Encoder().encode

_TURN = sa.text(
    """
    SELECT t.id, t.organization_id, t.session_id, t.status, t.message_ids, t.merged_text,
           t.last_message_at, s.status AS session_status, s.ai_blocked_until, s.contact_id,
           s.connection_id, c.name AS contact_name, c.bypass_bots, k.ai_enabled,
           k.allow_groups, k.business_hours, k.out_of_hours_message, k.handoff_keywords,
           k.system_prompt, o.name AS organization_name, now() AS now,
           dh.document AS department_hours, dh.out_of_hours_message AS department_hours_message,
           oh.document AS organization_hours, oh.out_of_hours_message AS organization_hours_message,
           o.timezone AS organization_timezone,
           o.opt_out_message, c.opted_out_at AS contact_opted_out_at,
           EXISTS (SELECT 1 FROM campaign_recipient g
                   JOIN campaign gc ON gc.id = g.campaign_id AND gc.status = 'RUNNING'
                   WHERE g.contact_id = c.id AND g.sent_at IS NOT NULL
                     AND g.gate_message_id IS NOT NULL
                     AND g.message_id IS NULL
                     AND g.status IN ('SENT', 'DELIVERED', 'READ')) AS campaign_gate,
           EXISTS (SELECT 1 FROM contact_identity ci WHERE ci.contact_id = c.id
                   AND ci.connection_id = k.id AND ci.kind = 'group') AS is_group,
           a.provider, a.base_url, a.api_key, a.chat_model, a.vision_model,
           a.transcription_model, a.temperature, a.organization_id AS ai_row,
           ARRAY(SELECT tb.name FROM contact_tabulation ct
                 JOIN tabulation tb ON tb.id = ct.tabulation_id
                 WHERE ct.contact_id = c.id ORDER BY tb.name) AS contact_tabulations,
           ARRAY(SELECT name FROM tabulation WHERE organization_id = t.organization_id
                   AND (department_id IS NULL OR department_id = s.assigned_department_id)
                 ORDER BY name) AS tabulations,
           ARRAY(SELECT name FROM department WHERE organization_id = t.organization_id
                 ORDER BY name) AS departments
    FROM turn t
    JOIN session s ON s.id = t.session_id
    JOIN contact c ON c.id = s.contact_id
    JOIN connection k ON k.id = s.connection_id
    JOIN organization o ON o.id = t.organization_id
    LEFT JOIN ai_settings a ON a.organization_id = t.organization_id
    LEFT JOIN business_hours dh ON dh.department_id = s.assigned_department_id
    LEFT JOIN business_hours oh ON oh.organization_id = t.organization_id
                               AND oh.department_id IS NULL
    WHERE t.id = :turn_id
    """
)
# Newest first; the caller keeps what fits the token budget. Messages of the turn
# itself are left out (merged_text carries them) and so is anything newer.
_HISTORY = sa.text(
    """
    SELECT author, content->>'text' AS text, transcription
    FROM message
    WHERE session_id = :session_id AND deleted_at IS NULL AND created_at <= :until
      AND NOT (id = ANY(CAST(:turn_ids AS uuid[])))
    ORDER BY created_at DESC, id DESC
    LIMIT 200
    """
)
_UNDELIVERED = sa.text(
    """
    SELECT m.id FROM ai_turn a JOIN message m ON m.id = ANY(a.message_ids)
    WHERE a.turn_id = :turn_id AND m.status = 'PENDING' ORDER BY m.created_at
    """
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnRow:
    """The turn with its session, contact, connection, AI settings and the tabulation and
    department names its prompt and tools offer, as loaded in one query (``_TURN``)."""

    id: uuid.UUID
    organization_id: uuid.UUID
    session_id: uuid.UUID
    status: str  # the turn's
    message_ids: list[uuid.UUID]
    merged_text: str | None
    last_message_at: datetime
    session_status: str
    ai_blocked_until: datetime | None
    contact_id: uuid.UUID
    connection_id: uuid.UUID
    contact_name: str | None
    bypass_bots: bool
    ai_enabled: bool
    allow_groups: bool
    business_hours: dict[str, Any] | None
    out_of_hours_message: str | None
    handoff_keywords: list[Any] | None
    system_prompt: str | None
    organization_name: str
    now: datetime
    # The session's department's and the organization's hours (app/hours/effective.py
    # picks the connection's, then these).
    department_hours: dict[str, Any] | None
    department_hours_message: str | None
    organization_hours: dict[str, Any] | None
    organization_hours_message: str | None
    organization_timezone: str
    opt_out_message: str | None
    contact_opted_out_at: datetime | None
    # A running campaign asked this contact its reply-gate question and waits for the
    # answer: this turn is that answer (the campaign message follows, not the AI).
    campaign_gate: bool
    is_group: bool
    # The organization's ai_settings row (all None without one: ``ai_row`` says which),
    # under the names app.ai.llm.endpoint_from_row reads.
    provider: str | None
    base_url: str | None
    api_key: str | None
    chat_model: str | None
    vision_model: str | None
    transcription_model: str | None
    temperature: float | None
    ai_row: uuid.UUID | None
    contact_tabulations: list[str]
    tabulations: list[str]
    departments: list[str]


@dataclass(frozen=True, slots=True)
class LockedSession:
    """The turn's status and its session's, read under ``_LOCK``."""

    turn_status: str
    status: str
    blocked: bool | None
    assigned_department_id: uuid.UUID | None
    assigned_agent_id: uuid.UUID | None


@dataclass
class Outcome:
    """What a turn ends in. ``ai_texts`` go out first (author AI), then ``notice`` (SYSTEM)."""

    status: str  # ANSWERED | SKIPPED | FAILED
    reason: str | None = None
    detail: str | None = None
    ai_texts: list[str] = field(default_factory=list)
    notice: str | None = None  # SYSTEM text to the customer
    notice_kind: str | None = None  # out_of_hours | handoff | failure
    handoff_department: str | None = None
    handoff_reason: str | None = None
    handoff: bool = False
    block_minutes: int = 1440  # how long a handoff silences the AI
    tabulations: list[str] = field(default_factory=list)
    close_reason: str | None = None
    knowledge: dict[str, Any] | None = None
    model: str | None = None
    attempts: int = 0
    tool_calls: list[str] = field(default_factory=list)
    # A model's answer is dropped at commit time if the customer wrote again meanwhile
    # or a human took over; notices and skips are not.
    check_fresh: bool = False
    # No AI will answer this conversation (none configured, off for the connection, a
    # contact without bots, a group, out of hours): it waits for a human, in the queue.
    for_humans: bool = False
    # The turn is only an opt-out word: the contact leaves the campaigns (the notice is
    # the confirmation, sent only when this opts them out).
    opt_out: bool = False
    # The keyword bot's part (workers.bot_store.BotEffects): its texts go out as SYSTEM
    # after any AI text, its actions and state are applied in the same transaction.
    bot: Any = None


async def load_turn(conn: AsyncConnection, turn_id: uuid.UUID) -> TurnRow | None:
    row = (await conn.execute(_TURN, {"turn_id": turn_id})).first()
    return None if row is None else TurnRow(**row._mapping)


async def load_history(conn: AsyncConnection, turn: TurnRow) -> list[tuple[str, str]]:
    """(author, text) newest first."""
    rows = await conn.execute(
        _HISTORY,
        {
            "session_id": turn.session_id,
            "until": turn.last_message_at,
            "turn_ids": turn.message_ids,
        },
    )
    out: list[tuple[str, str]] = []
    for r in rows:
        text = r.text or ""
        if r.transcription and r.transcription not in text:
            text = f"{text}\n[transcrição] {r.transcription}".strip()
        if text:
            out.append((r.author, text))
    return out


async def undelivered(engine: AsyncEngine, turn_id: uuid.UUID) -> list[uuid.UUID]:
    async with engine.connect() as conn:
        return list((await conn.execute(_UNDELIVERED, {"turn_id": turn_id})).scalars())


# The turn, then its session (FOR UPDATE OF locks in this order), in one round trip.
_LOCK = sa.text(
    """
    SELECT t.status AS turn_status, s.status, s.ai_blocked_until > now() AS blocked,
           s.assigned_department_id, s.assigned_agent_id
    FROM turn t JOIN session s ON s.id = t.session_id
    WHERE t.id = :id
    FOR UPDATE OF t, s
    """
)
_DECIDED = sa.text(
    """
    WITH decided AS (
      UPDATE turn SET status = :status, knowledge = CAST(:knowledge AS jsonb)
      WHERE id = :turn_id
    )
    INSERT INTO ai_turn (turn_id, organization_id, session_id, outcome, reason, detail, notice,
                         model, attempts, message_ids, tool_calls)
    VALUES (:turn_id, :org, :session_id, :outcome, :reason, :detail, :notice, :model, :attempts,
            CAST(:message_ids AS uuid[]), CAST(:tools AS varchar[]))
    """
)


async def record_outcome(
    engine: AsyncEngine, turn: TurnRow, outcome: Outcome, *, deliver_defer: float | None = None
) -> tuple[list[OutboxJob], list[uuid.UUID]] | None:
    """Commit ``outcome``: the outbox jobs to flush and the reply's message ids in order;
    None when the turn had already left READY (another run won)."""
    async with engine.begin() as conn:
        locked = (await conn.execute(_LOCK, {"id": turn.id})).first()
        if locked is None or locked.turn_status != "READY":
            return None
        session = LockedSession(**locked._mapping)
        if outcome.bot is not None:
            bot_still_wanted(
                outcome, session.status, bool(session.blocked), session.assigned_agent_id
            )
        outcome = await _still_wanted(conn, turn, outcome, session)
        rows: list[OutboxRow] = await _campaign_reply(conn, turn, outcome)
        message_ids = await _insert_messages(conn, turn, outcome)
        for message_id in message_ids:
            rows.append(outbox_row("deliver_message", str(message_id), defer=deliver_defer))
            rows.append(
                events.event_row(
                    turn.organization_id,
                    events.MESSAGE_CREATED,
                    message_id,
                    session_id=turn.session_id,
                )
            )
        rows += await _apply_session_changes(conn, turn, outcome, session)
        for trigger in auto_triggers(outcome):
            await apply_auto_tabulations(conn, turn.session_id, trigger)
        if outcome.bot is not None:
            rows += await apply_bot(
                conn,
                turn.organization_id,
                turn.session_id,
                outcome.bot,
                department_before=session.assigned_department_id,
                status_before=session.status,
            )
        await conn.execute(_DECIDED, _decided_params(turn, outcome, message_ids))
        jobs = await write_outbox(conn, rows)
    return jobs, message_ids


_OPT_OUT = sa.text(
    """
    WITH c AS (
      UPDATE contact SET opted_out_at = now(), opt_out_source = 'KEYWORD',
             opt_out_reason = :word, updated_at = now()
      WHERE id = :cid AND opted_out_at IS NULL
      RETURNING id
    ), r AS (
      UPDATE campaign_recipient SET status = 'OPTED_OUT', reason = 'opted_out',
             updated_at = now()
      WHERE contact_id = (SELECT id FROM c) AND status = 'PENDING'
        AND campaign_id IN (SELECT id FROM campaign WHERE organization_id = :org
                            AND status IN ('DRAFT', 'SCHEDULED', 'RUNNING', 'PAUSED'))
    )
    SELECT id FROM c
    """
)
# Any customer turn is a reply to the campaign messages the contact got in the last
# week (by the recipients' contact + sent_at index).
_REPLIED = sa.text(
    """
    UPDATE campaign_recipient SET status = 'REPLIED', replied_at = now(), updated_at = now()
    WHERE contact_id = :cid AND sent_at > now() - interval '7 days'
      AND message_id IS NOT NULL AND status IN ('SENT', 'DELIVERED', 'READ')
    """
)
# The answer to a reply-gate question: the recipient is due again, for the campaign
# message itself; its dispatcher is woken.
_GATE_PASSED = sa.text(
    """
    UPDATE campaign_recipient r SET status = 'PENDING', next_attempt_at = now(),
           replied_at = now(), updated_at = now()
    FROM campaign c
    WHERE r.contact_id = :cid AND r.sent_at IS NOT NULL AND c.id = r.campaign_id
      AND c.status = 'RUNNING' AND r.gate_message_id IS NOT NULL AND r.message_id IS NULL
      AND r.status IN ('SENT', 'DELIVERED', 'READ')
    RETURNING r.campaign_id
    """
)


async def _campaign_reply(
    conn: AsyncConnection, turn: TurnRow, outcome: Outcome
) -> list[OutboxRow]:
    """What the customer's turn means to the campaigns that reached them."""
    from app.campaigns.dispatch import dispatch_row  # workers.campaigns imports delivery

    rows: list[OutboxRow] = []
    params = {"cid": turn.contact_id}
    if outcome.opt_out:
        changed = await conn.scalar(
            _OPT_OUT,
            {**params, "org": turn.organization_id, "word": (turn.merged_text or "").strip()[:200]},
        )
        if changed is None:
            outcome.notice = None  # already out: the confirmation went the first time
        else:
            rows.append(
                events.event_row(turn.organization_id, events.CONTACT_UPDATED, turn.contact_id)
            )
        return rows
    if turn.campaign_gate:
        campaigns = set((await conn.scalars(_GATE_PASSED, params)).all())
        rows += [dispatch_row(c) for c in campaigns]
    if (await conn.execute(_REPLIED, params)).rowcount:
        await apply_auto_tabulations(conn, turn.session_id, AutoTrigger.CAMPAIGN_REPLY)
    return rows


def by_bot(outcome: Outcome) -> bool:
    """The keyword bot decided the turn (a rule, a menu, its timeout or its loop guard);
    after HAND_TO_AI the outcome is the AI's, with the rule's effects riding along."""
    return outcome.bot is not None and (outcome.reason or "").startswith("bot_")


def auto_triggers(outcome: Outcome) -> list[AutoTrigger]:
    """The outcomes of the turn automatic tabulations are tied to (app/tabulations/auto.py).
    A bot's handoff when a menu's retries ran out is both BOT_HANDOFF and BOT_RETRY_LIMIT."""
    bot = by_bot(outcome)
    found = {
        AutoTrigger.AI_HANDOFF: outcome.handoff and not bot,
        AutoTrigger.AI_CLOSED: outcome.close_reason is not None and not bot,
        AutoTrigger.BOT_HANDOFF: outcome.handoff and bot,
        AutoTrigger.BOT_RETRY_LIMIT: bot and outcome.handoff_reason == RETRY_LIMIT_REASON,
        AutoTrigger.BOT_CLOSED: outcome.close_reason is not None and bot,
        AutoTrigger.OUT_OF_HOURS: outcome.reason == "out_of_hours",
        AutoTrigger.OPTED_OUT: outcome.opt_out,
    }
    return [trigger for trigger, happened in found.items() if happened]


def _actor_of(turn: TurnRow, outcome: Outcome) -> str:
    if not by_bot(outcome):
        return actor(ActorType.AI, turn.id)
    assert outcome.bot is not None
    rule = outcome.bot.rule_id  # None: the loop guard paused the bot
    return actor(ActorType.BOT_RULE, rule) if rule is not None else actor(ActorType.SYSTEM)


async def _still_wanted(
    conn: AsyncConnection, turn: TurnRow, outcome: Outcome, session: LockedSession
) -> Outcome:
    """``outcome`` as it still applies now that the turn and session are locked."""
    if outcome.check_fresh:
        stale = await _stale_reason(conn, turn, session)
        if stale is not None:
            return Outcome(
                status="SKIPPED",
                reason=stale,
                knowledge=outcome.knowledge,
                model=outcome.model,
                attempts=outcome.attempts,
            )
    elif session.status == "CLOSED" or session.blocked:
        # A human took over while we decided: no automatic notice or handoff on top.
        outcome.notice = None
        outcome.handoff = False
    if outcome.notice_kind == "out_of_hours" and await _noticed(conn, turn, "out_of_hours"):
        outcome.notice = None  # once per session
    return outcome


def _decided_params(
    turn: TurnRow, outcome: Outcome, message_ids: list[uuid.UUID]
) -> dict[str, Any]:
    return {
        "turn_id": turn.id,
        "org": turn.organization_id,
        "session_id": turn.session_id,
        "status": outcome.status,  # the turn's enum; the same word as ai_turn's text
        "outcome": outcome.status,
        "reason": outcome.reason,
        "detail": (outcome.detail or "")[:2000] or None,
        "notice": outcome.notice_kind if outcome.notice else None,
        "model": outcome.model,
        "attempts": outcome.attempts,
        "message_ids": message_ids,
        "tools": outcome.tool_calls,
        "knowledge": None if outcome.knowledge is None else _encode(outcome.knowledge).decode(),
    }


async def _stale_reason(conn: AsyncConnection, turn: TurnRow, session: LockedSession) -> str | None:
    if session.status == "CLOSED":
        return "session_closed"
    if session.blocked:
        return "ai_blocked"
    newer = await conn.scalar(
        sa.text(
            "SELECT EXISTS (SELECT 1 FROM message WHERE session_id = :sid AND direction = 'IN'"
            " AND author = 'CUSTOMER' AND created_at > :last"
            " AND NOT (id = ANY(CAST(:ids AS uuid[]))))"
        ),
        {"sid": turn.session_id, "last": turn.last_message_at, "ids": turn.message_ids},
    )
    return "superseded" if newer else None


async def _noticed(conn: AsyncConnection, turn: TurnRow, kind: str) -> bool:
    return bool(
        await conn.scalar(
            sa.text(
                "SELECT EXISTS (SELECT 1 FROM ai_turn WHERE session_id = :sid AND notice = :kind)"
            ),
            {"sid": turn.session_id, "kind": kind},
        )
    )


async def _insert_messages(
    conn: AsyncConnection, turn: TurnRow, outcome: Outcome
) -> list[uuid.UUID]:
    parts = [BotText(t) for t in outcome.ai_texts]
    parts += outcome.bot.texts if outcome.bot is not None else []
    authors = ["AI"] * len(outcome.ai_texts) + ["SYSTEM"] * (len(parts) - len(outcome.ai_texts))
    if outcome.notice:
        authors.append("SYSTEM")
        parts.append(BotText(outcome.notice))
    if not parts:
        return []
    texts, media, kinds = message_parts(parts)
    # created_at a microsecond apart keeps the parts in order for delivery and history
    # (now() is the same for the whole transaction). The session learns of its reply in
    # the same statement.
    rows = await conn.execute(
        sa.text(
            f"WITH part AS ({INSERT_PARTS} RETURNING id, created_at"  # noqa: S608 a constant
            "), replied AS ("
            " UPDATE session SET last_message_at = now(), updated_at = now(),"
            " first_response_at = COALESCE(first_response_at, now()) WHERE id = :sid"
            ") SELECT id FROM part ORDER BY created_at"
        ),
        {
            "org": turn.organization_id,
            "sid": turn.session_id,
            "cid": turn.contact_id,
            "conn": turn.connection_id,
            "authors": authors,
            "texts": texts,
            "media": media,
            "kinds": kinds,
        },
    )
    return list(rows.scalars())


async def _apply_session_changes(
    conn: AsyncConnection, turn: TurnRow, outcome: Outcome, session: LockedSession
) -> list[OutboxRow]:
    org, sid = turn.organization_id, turn.session_id
    rows: list[OutboxRow] = []
    if outcome.handoff or outcome.for_humans or outcome.close_reason is not None:
        await set_actor(conn, _actor_of(turn, outcome))
    for name in outcome.tabulations:
        # A tabulation of another department than the session's is not applied.
        await conn.execute(
            sa.text(
                "INSERT INTO session_tabulation (session_id, tabulation_id)"
                " SELECT :sid, id FROM tabulation WHERE organization_id = :org"
                " AND lower(name) = lower(:name)"
                " AND (department_id IS NULL OR department_id = :dept) ON CONFLICT DO NOTHING"
            ),
            {"sid": sid, "org": org, "name": name, "dept": session.assigned_department_id},
        )
    if outcome.handoff:
        department = await conn.scalar(
            sa.text(
                "SELECT id FROM department WHERE organization_id = :org"
                " AND lower(name) = lower(:name)"
            ),
            {"org": org, "name": outcome.handoff_department or ""},
        )
        await conn.execute(
            sa.text(
                "UPDATE session SET status = 'QUEUED', status_reason = :reason,"
                " assigned_department_id = :dept,"
                " ai_blocked_until = now() + make_interval(mins => :minutes),"
                " ai_block_reason = 'handoff', updated_at = now() WHERE id = :sid"
            ),
            {
                "sid": sid,
                "dept": department,
                "reason": (
                    f"handoff: {outcome.handoff_reason}" if outcome.handoff_reason else "handoff"
                )[:500],
                "minutes": outcome.block_minutes,
            },
        )
        if session.status != "QUEUED":
            rows.append(events.event_row(org, events.SESSION_STATUS_CHANGED, sid))
        if department != session.assigned_department_id:
            rows.append(events.event_row(org, events.SESSION_ASSIGNED, sid))
    if outcome.for_humans and session.status == "ACTIVE" and session.assigned_agent_id is None:
        await conn.execute(
            sa.text(
                "UPDATE session SET status = 'QUEUED', status_reason = :reason,"
                " updated_at = now() WHERE id = :sid"
            ),
            {"sid": sid, "reason": f"for humans: {outcome.reason}"},
        )
        rows.append(events.event_row(org, events.SESSION_STATUS_CHANGED, sid))
    if outcome.close_reason is not None:
        await conn.execute(
            sa.text(
                "UPDATE session SET status = 'CLOSED', end_reason = :reason, closed_at = now(),"
                " updated_at = now() WHERE id = :sid AND status <> 'CLOSED'"
            ),
            {"sid": sid, "reason": outcome.close_reason[:500]},
        )
        rows.append(events.event_row(org, events.SESSION_STATUS_CHANGED, sid))
        rows.append(events.event_row(org, events.SESSION_CLOSED, sid))
    return rows
