"""The bot's reads and writes. Its effects are applied inside the responder's one
transaction (workers/respond_store.record_outcome calls :func:`apply_bot`), with
``balcao.actor`` set to ``BOT_RULE:<rule id>`` for the session-history trigger."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app import events
from app.bot.matching import RuleSet, compile_rules
from app.bot.schemas import Assign, Media, Tabulate
from app.outbox import OutboxRow

_encode = msgspec.json.Encoder().encode

_CONTEXT = sa.text(
    """
    SELECT s.assigned_agent_id, s.assigned_department_id, c.phone_number, c.fields,
           t.first_message_at,
           COALESCE((SELECT version FROM bot_rule_version
                     WHERE organization_id = t.organization_id), 0) AS version,
           b.menu, COALESCE(b.fired, '{}'::jsonb) AS fired,
           COALESCE(b.recent, '[]'::jsonb) AS recent, b.paused_at,
           (SELECT max(m.sent_at) FROM message m WHERE m.session_id = s.id
              AND m.direction = 'OUT' AND m.author = 'SYSTEM') AS last_out_at
    FROM turn t
    JOIN session s ON s.id = t.session_id
    JOIN contact c ON c.id = s.contact_id
    LEFT JOIN bot_state b ON b.session_id = s.id
    WHERE t.id = :turn_id
    """
)
_RULES = sa.text(
    """
    SELECT id, name, priority, connection_id, department_id, match, conditions, actions,
           cooldown_minutes
    FROM bot_rule WHERE organization_id = :org AND is_active
    ORDER BY priority, created_at, id
    """
)


@dataclass(frozen=True, slots=True)
class BotContext:
    assigned_agent_id: uuid.UUID | None
    assigned_department_id: uuid.UUID | None
    phone_number: str | None
    fields: dict[str, Any]
    first_message_at: datetime
    version: int
    menu: dict[str, Any] | None
    fired: dict[str, str]
    recent: list[Any]
    paused_at: datetime | None
    last_out_at: datetime | None


async def load_context(conn: AsyncConnection, turn_id: uuid.UUID) -> BotContext | None:
    row = (await conn.execute(_CONTEXT, {"turn_id": turn_id})).first()
    return None if row is None else BotContext(**row._mapping)


# Compiled once per organization and rule version in this process: the hot path never
# re-parses the rules (a version bump on any change makes the next turn reload them).
_CACHE: dict[uuid.UUID, RuleSet] = {}


async def rules_of(conn: AsyncConnection, organization_id: uuid.UUID, version: int) -> RuleSet:
    cached = _CACHE.get(organization_id)
    if cached is not None and cached.version == version:
        return cached
    rows = await conn.execute(_RULES, {"org": organization_id})
    compiled = compile_rules(version, [dict(r._mapping) for r in rows])
    _CACHE[organization_id] = compiled
    return compiled


@dataclass(frozen=True, slots=True)
class BotText:
    text: str
    media: Media | None = None


@dataclass(slots=True)
class BotEffects:
    """What a fired rule changes, applied with the turn's outcome."""

    rule_id: uuid.UUID | None
    texts: list[BotText] = field(default_factory=list)
    tabulation_ids: list[uuid.UUID] = field(default_factory=list)
    assigns: list[Assign] = field(default_factory=list)
    keep_department: bool = False  # a HANDOFF without ASSIGN keeps the session's department
    # The bot_state after this turn.
    menu: dict[str, Any] | None = None
    menu_timeout: int | None = None
    fired: dict[str, str] = field(default_factory=dict)
    recent: list[Any] = field(default_factory=list)
    paused: str | None = None  # why the bot stops for this chat (loop_guard)


def effects_from(actions: list[Any], effects: BotEffects) -> None:
    for action in actions:
        if isinstance(action, Tabulate):
            effects.tabulation_ids.append(action.tabulation_id)
        elif isinstance(action, Assign):
            effects.assigns.append(action)


def message_parts(texts: list[BotText]) -> tuple[list[str], list[str], list[str]]:
    """Texts, their media (JSON, "null" for none) and message types, for the insert."""
    media = [_encode(msgspec.to_builtins(t.media)).decode() if t.media else "null" for t in texts]
    kinds = ["MEDIA" if t.media else "TEXT" for t in texts]
    return [t.text for t in texts], media, kinds


async def apply_bot(
    conn: AsyncConnection,
    organization_id: uuid.UUID,
    session_id: uuid.UUID,
    effects: BotEffects,
    *,
    department_before: uuid.UUID | None,
    status_before: str,
) -> list[OutboxRow]:
    if effects.rule_id is not None:
        await conn.execute(
            sa.text("SELECT set_config('balcao.actor', :actor, true)"),
            {"actor": f"BOT_RULE:{effects.rule_id}"},
        )
    rows: list[OutboxRow] = []
    for tabulation_id in effects.tabulation_ids:
        await conn.execute(
            sa.text(
                "INSERT INTO session_tabulation (session_id, tabulation_id)"
                " SELECT :sid, t.id FROM tabulation t JOIN session s ON s.id = :sid"
                " WHERE t.organization_id = :org AND t.id = :tid"
                # a tabulation of another department than the session's is not applied
                " AND (t.department_id IS NULL OR t.department_id = s.assigned_department_id)"
                " ON CONFLICT DO NOTHING"
            ),
            {"sid": session_id, "org": organization_id, "tid": tabulation_id},
        )
    if effects.keep_department and not effects.assigns and department_before is not None:
        await conn.execute(
            sa.text("UPDATE session SET assigned_department_id = :dept WHERE id = :sid"),
            {"sid": session_id, "dept": department_before},
        )
    for assign in effects.assigns:
        rows += await _assign(conn, organization_id, session_id, assign, status_before)
    await _save_state(conn, organization_id, session_id, effects)
    return rows


async def _assign(
    conn: AsyncConnection,
    organization_id: uuid.UUID,
    session_id: uuid.UUID,
    assign: Assign,
    status_before: str,
) -> list[OutboxRow]:
    # Ids are checked when the rule is saved; one removed since is skipped here.
    changed = await conn.scalar(
        sa.text(
            "UPDATE session SET"
            " assigned_department_id = COALESCE((SELECT id FROM department"
            "   WHERE id = CAST(:dept AS uuid) AND organization_id = :org),"
            "   assigned_department_id),"
            " assigned_agent_id = CASE"
            "   WHEN CAST(:agent AS uuid) IS NOT NULL THEN COALESCE((SELECT id FROM app_user"
            "     WHERE id = CAST(:agent AS uuid)"
            "     AND organization_id = :org AND is_active), assigned_agent_id)"
            "   WHEN CAST(:dept AS uuid) IS NOT NULL THEN NULL ELSE assigned_agent_id END,"
            " updated_at = now()"
            " WHERE id = :sid AND status <> 'CLOSED' RETURNING assigned_agent_id"
        ),
        {
            "sid": session_id,
            "org": organization_id,
            "dept": assign.department_id,
            "agent": assign.agent_id,
        },
    )
    rows = [events.event_row(organization_id, events.SESSION_ASSIGNED, session_id)]
    if changed is not None and assign.agent_id is not None:
        moved = await conn.scalar(
            sa.text(
                "UPDATE session SET status = 'ACTIVE', status_reason = 'bot_assigned'"
                " WHERE id = :sid AND status = 'QUEUED' RETURNING id"
            ),
            {"sid": session_id},
        )
        if moved is not None or status_before == "QUEUED":
            rows.append(
                events.event_row(organization_id, events.SESSION_STATUS_CHANGED, session_id)
            )
    return rows


_STATE = sa.text(
    """
    INSERT INTO bot_state (session_id, organization_id, menu, menu_deadline, fired, recent,
                           last_bot_at, paused_at, paused_reason, updated_at)
    VALUES (:sid, :org, CAST(:menu AS jsonb),
            CASE WHEN CAST(:minutes AS int) IS NULL THEN NULL
                 ELSE now() + make_interval(mins => CAST(:minutes AS int)) END,
            CAST(:fired AS jsonb), CAST(:recent AS jsonb), now(),
            CASE WHEN CAST(:paused AS text) IS NULL THEN NULL ELSE now() END,
            CAST(:paused AS text), now())
    ON CONFLICT (session_id) DO UPDATE SET
      menu = EXCLUDED.menu, menu_deadline = EXCLUDED.menu_deadline,
      fired = EXCLUDED.fired, recent = EXCLUDED.recent, last_bot_at = EXCLUDED.last_bot_at,
      paused_at = COALESCE(EXCLUDED.paused_at, bot_state.paused_at),
      paused_reason = COALESCE(EXCLUDED.paused_reason, bot_state.paused_reason),
      updated_at = now()
    """
)


async def _save_state(
    conn: AsyncConnection, organization_id: uuid.UUID, session_id: uuid.UUID, effects: BotEffects
) -> None:
    await conn.execute(
        _STATE,
        {
            "sid": session_id,
            "org": organization_id,
            "menu": None if effects.menu is None else _encode(effects.menu).decode(),
            "minutes": effects.menu_timeout if effects.menu is not None else None,
            "fired": _encode(effects.fired).decode(),
            "recent": _encode(effects.recent).decode(),
            "paused": effects.paused,
        },
    )


# The automatic messages of a turn (AI parts, bot texts, a notice) in one statement;
# created_at a microsecond apart keeps them in order for delivery and history.
INSERT_PARTS = (
    "INSERT INTO message (organization_id, session_id, contact_id, connection_id,"
    " direction, author, type, content, status, created_at)"
    " SELECT :org, :sid, :cid, :conn, 'OUT', a.author, a.kind,"
    " jsonb_build_object('text', a.text)"
    " || CASE WHEN a.media = 'null' THEN '{}'::jsonb"
    "    ELSE jsonb_build_object('media', CAST(a.media AS jsonb)) END,"
    " 'PENDING', now() + make_interval(secs => a.ord / 1000000.0)"
    " FROM unnest(CAST(:authors AS text[]), CAST(:texts AS text[]),"
    " CAST(:media AS text[]), CAST(:kinds AS text[]))"
    " WITH ORDINALITY AS a(author, text, media, kind, ord)"
)


def bot_still_wanted(outcome: Any, status: str, blocked: bool, agent_id: uuid.UUID | None) -> None:
    """A human took the session while the bot decided: nothing of the bot goes out."""
    if status == "CLOSED" or blocked or agent_id is not None:
        outcome.bot.texts = []
        outcome.bot.tabulation_ids = []
        outcome.bot.assigns = []
        outcome.close_reason = None
