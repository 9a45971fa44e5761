"""The keyword bot on a turn, before the AI (workers/respond.decide), and the cron that
fires menu inactivity timeouts.

Never over a human: decide() calls :func:`run_bot` only when the AI block is not on
(a human replied within the TTL, or a handoff) and no handoff keyword was written; here
the bot stays out while an agent is assigned, and for a chat the loop guard paused. One
turn, one answer: a rule that replies ends the turn; HAND_TO_AI leaves the turn to the
AI (its effects and state are committed with the AI's outcome)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

import prompts
from app import events
from app.bot.engine import Decision, Memory, TurnFacts, evaluate, loop_guard, timeout_actions
from app.bot.hours import local_time, next_opening_text, open_now
from app.bot.render import render_reply
from app.bot.schemas import Close, Handoff
from app.outbox import OutboxRow, flush_outbox, outbox_row, write_outbox
from app.tabulations.auto import apply_auto_tabulations
from workers.bot_store import (
    INSERT_PARTS,
    BotContext,
    BotEffects,
    BotText,
    apply_bot,
    effects_from,
    load_context,
    message_parts,
    rules_of,
)
from workers.context import WorkerContext, context, redis_of
from workers.respond_rules import TurnHours, hours_of
from workers.respond_store import Outcome, TurnRow, auto_triggers

log = logging.getLogger("balcao.bot")

PAUSE = timedelta(hours=24)  # how long the loop guard keeps the bot out of a chat


@dataclass(frozen=True, slots=True)
class BotTurn:
    outcome: Outcome | None = None  # the turn's answer; None: the AI takes the turn
    effects: BotEffects | None = None  # with outcome None: committed with the AI's
    agent_holds: bool = False


async def run_bot(deps: WorkerContext, turn: TurnRow, hours: TurnHours) -> BotTurn:
    async with deps.autocommit.connect() as conn:
        found = await load_context(conn, turn.id)
        if found is None:
            return BotTurn()
        if found.assigned_agent_id is not None:
            return BotTurn(agent_holds=True)
        if found.paused_at is not None and turn.now - found.paused_at < PAUSE:
            return BotTurn(outcome=Outcome(status="SKIPPED", reason="bot_paused"))
        rules = await rules_of(conn, turn.organization_id, found.version)
    if not rules.rules:
        return BotTurn()
    facts = TurnFacts(
        text=turn.merged_text or "",
        connection_id=turn.connection_id,
        department_id=found.assigned_department_id,
        session_status=turn.session_status,
        open_hours=open_now(hours),
        now=turn.now,
    )
    decision = evaluate(rules, facts, Memory(menu=found.menu, fired=found.fired))
    if decision is None:
        return BotTurn()
    return _answer(deps, turn, hours, found, decision)


def _answer(
    deps: WorkerContext, turn: TurnRow, hours: TurnHours, found: BotContext, decision: Decision
) -> BotTurn:
    rule = decision.rule
    effects = BotEffects(
        rule_id=rule.id,
        menu=decision.menu,
        menu_timeout=decision.menu_timeout,
        fired={**found.fired, str(rule.id): turn.now.isoformat()},
        recent=found.recent,
    )
    effects_from(decision.effects, effects)
    if decision.hand_to_ai:
        return BotTurn(effects=effects)
    tripped, effects.recent = loop_guard(
        found.recent,
        now=turn.now,
        text=turn.merged_text or "",
        answered_at=found.first_message_at,
        last_out_at=found.last_out_at,
    )
    if tripped:
        log.warning("bot loop guard tripped", extra={"session_id": str(turn.session_id)})
        paused = BotEffects(
            rule_id=None, fired=found.fired, recent=effects.recent, paused="loop_guard"
        )
        outcome = Outcome(status="SKIPPED", reason="bot_loop_guard", for_humans=True, bot=paused)
        return BotTurn(outcome=outcome)
    effects.texts = rendered(hours, turn.now, decision, found, turn.contact_name)
    outcome = Outcome(
        status="ANSWERED", reason="bot_rule", detail=f"{rule.id} {decision.kind}", bot=effects
    )
    apply_outcome_actions(deps, outcome, decision, effects)
    return BotTurn(outcome=outcome)


def rendered(
    hours: TurnHours,
    now: datetime,
    decision: Decision,
    found: BotContext,
    contact_name: str | None,
) -> list[BotText]:
    fields = dict(found.fields or {})
    if decision.rule.uses_hours:
        fields["proxima_abertura"] = next_opening_text(hours) or ""
    local = local_time(hours)
    return [
        BotText(
            render_reply(
                t.template,
                contact_name=contact_name,
                phone=found.phone_number,
                fields=fields,
                local_now=local,
                seed=f"{decision.rule.id}:{now.isoformat()}",
            ),
            t.media,
        )
        for t in decision.texts
    ]


def apply_outcome_actions(
    deps: WorkerContext, outcome: Outcome, decision: Decision, effects: BotEffects
) -> None:
    for action in decision.effects:
        if isinstance(action, Handoff):
            outcome.handoff = True
            outcome.handoff_reason = action.reason
            outcome.block_minutes = deps.config.handoff_block_minutes
            effects.keep_department = True
            effects.menu = None
            if not effects.texts:
                outcome.notice = prompts.render("handoff_notice", team="da nossa equipe")
                outcome.notice_kind = "handoff"
        elif isinstance(action, Close) and not outcome.handoff:
            outcome.close_reason = action.end_reason
            effects.menu = None


# --- menu inactivity timeouts ------------------------------------------------------

_DUE = sa.text(
    """
    SELECT b.session_id, b.organization_id, b.menu, b.fired, b.recent, s.contact_id,
           s.connection_id, s.status, s.assigned_department_id, c.name AS contact_name,
           c.phone_number, c.fields, k.business_hours, k.out_of_hours_message,
           dh.document AS department_hours, dh.out_of_hours_message AS department_hours_message,
           oh.document AS organization_hours, oh.out_of_hours_message AS organization_hours_message,
           o.timezone AS organization_timezone,
           COALESCE(v.version, 0) AS version,
           (s.assigned_agent_id IS NOT NULL OR s.status = 'CLOSED'
            OR COALESCE(s.ai_blocked_until > :now, false)) AS held
    FROM bot_state b
    JOIN session s ON s.id = b.session_id
    JOIN contact c ON c.id = s.contact_id
    JOIN connection k ON k.id = s.connection_id
    JOIN organization o ON o.id = b.organization_id
    LEFT JOIN business_hours dh ON dh.department_id = s.assigned_department_id
    LEFT JOIN business_hours oh ON oh.organization_id = b.organization_id
                               AND oh.department_id IS NULL
    LEFT JOIN bot_rule_version v ON v.organization_id = b.organization_id
    WHERE b.menu_deadline IS NOT NULL AND b.menu_deadline <= :now
    ORDER BY b.menu_deadline
    LIMIT 100
    FOR UPDATE OF b, s SKIP LOCKED
    """
)


async def bot_menu_timeouts(ctx: dict[str, Any], now: datetime | None = None) -> int:
    """Run the timeout actions of every menu whose answer is overdue (a cron; ``now``
    for tests). PostgreSQL holds the deadlines, so a Redis restart loses none."""
    deps = context(ctx)
    fired = 0
    async with deps.engine.begin() as conn:
        at = now or (await conn.scalar(sa.text("SELECT now()")))
        rows: list[OutboxRow] = []
        for due in (await conn.execute(_DUE, {"now": at})).all():
            rows += await _time_out(deps, conn, due, at)
            fired += 1
        jobs = await write_outbox(conn, rows)
    await flush_outbox(deps.engine, redis_of(ctx), jobs)
    return fired


async def _time_out(deps: WorkerContext, conn: Any, due: Any, at: datetime) -> list[OutboxRow]:
    clear = sa.text("UPDATE bot_state SET menu = NULL, menu_deadline = NULL WHERE session_id = :s")
    if due.held:
        await conn.execute(clear, {"s": due.session_id})  # a human has it now
        return []
    rules = await rules_of(conn, due.organization_id, due.version)
    decision = timeout_actions(rules, due.menu or {})
    if decision is None:
        await conn.execute(clear, {"s": due.session_id})
        return []
    found = BotContext(
        assigned_agent_id=None,
        assigned_department_id=due.assigned_department_id,
        phone_number=due.phone_number,
        fields=due.fields or {},
        first_message_at=at,
        version=due.version,
        menu=None,
        fired=due.fired or {},
        recent=due.recent or [],
        paused_at=None,
        last_out_at=None,
    )
    effects = BotEffects(rule_id=decision.rule.id, fired=found.fired, recent=found.recent)
    effects_from(decision.effects, effects)
    effects.texts = rendered(hours_of(due, at), at, decision, found, due.contact_name)
    outcome = Outcome(status="ANSWERED", reason="bot_menu_timeout", bot=effects)
    apply_outcome_actions(deps, outcome, decision, effects)
    rows = await apply_bot(
        conn,
        due.organization_id,
        due.session_id,
        effects,
        department_before=due.assigned_department_id,
        status_before=due.status,
    )
    texts, media, kinds = message_parts(
        [*effects.texts, *([BotText(outcome.notice)] if outcome.notice else [])]
    )
    ids = await insert_system_messages(conn, due, texts, media, kinds)
    for message_id in ids:
        rows.append(outbox_row("deliver_message", str(message_id)))
        rows.append(
            events.event_row(
                due.organization_id, events.MESSAGE_CREATED, message_id, session_id=due.session_id
            )
        )
    rows += await _session_outcome(conn, due, outcome)
    for trigger in auto_triggers(outcome):
        await apply_auto_tabulations(conn, due.session_id, trigger)
    return rows


async def _session_outcome(conn: Any, due: Any, outcome: Outcome) -> list[OutboxRow]:
    org, sid = due.organization_id, due.session_id
    if outcome.handoff:
        await conn.execute(
            sa.text(
                "UPDATE session SET status = 'QUEUED', status_reason = :reason,"
                " ai_blocked_until = now() + make_interval(mins => :minutes),"
                " ai_block_reason = 'handoff', updated_at = now() WHERE id = :sid"
            ),
            {
                "sid": sid,
                "reason": f"handoff: {outcome.handoff_reason}"[:500],
                "minutes": outcome.block_minutes,
            },
        )
        return [events.event_row(org, events.SESSION_STATUS_CHANGED, sid)]
    if outcome.close_reason is not None:
        await conn.execute(
            sa.text(
                "UPDATE session SET status = 'CLOSED', end_reason = :reason, closed_at = now(),"
                " updated_at = now() WHERE id = :sid AND status <> 'CLOSED'"
            ),
            {"sid": sid, "reason": outcome.close_reason[:500]},
        )
        return [
            events.event_row(org, events.SESSION_STATUS_CHANGED, sid),
            events.event_row(org, events.SESSION_CLOSED, sid),
        ]
    return []


async def insert_system_messages(
    conn: Any, due: Any, texts: list[str], media: list[str], kinds: list[str]
) -> list[uuid.UUID]:
    if not texts:
        return []
    rows = await conn.execute(
        sa.text(
            f"WITH part AS ({INSERT_PARTS} RETURNING id, created_at),"  # noqa: S608 a constant
            " replied AS (UPDATE session SET last_message_at = now(), updated_at = now()"
            " WHERE id = :sid) SELECT id FROM part ORDER BY created_at"
        ),
        {
            "org": due.organization_id,
            "sid": due.session_id,
            "cid": due.contact_id,
            "conn": due.connection_id,
            "authors": ["SYSTEM"] * len(texts),
            "texts": texts,
            "media": media,
            "kinds": kinds,
        },
    )
    return list(rows.scalars())
