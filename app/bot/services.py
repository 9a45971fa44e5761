"""Bot rules: validation (``check_*``), storage and the version bump the worker's
compiled cache is keyed by."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import msgspec
import regex  # type: ignore[import-untyped]  # no stubs shipped; one dependency only
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.bot.matching import REGEX_MAX_LENGTH, compile_pattern
from app.bot.models import BotRule as BotRuleRow
from app.bot.schemas import (
    Action,
    Assign,
    BotRule,
    HandToAi,
    Match,
    MatchKind,
    Menu,
    Reply,
    Tabulate,
    When,
)
from app.campaigns.copy import validate as validate_copy
from app.db import models as m
from app.errors import ValidationFailed
from app.records import require

MAX_MENU_DEPTH = 4  # a menu, and up to three levels of sub-menus under it
MAX_OPTIONS = 20
_actions = msgspec.json.Decoder(list[Action])


def rule_out(row: BotRuleRow) -> BotRule:
    return BotRule(
        id=row.id,
        name=row.name,
        priority=row.priority,
        is_active=row.is_active,
        connection_id=row.connection_id,
        department_id=row.department_id,
        match=msgspec.convert(row.match, Match),
        when=msgspec.convert(row.conditions or {}, When),
        actions=_actions.decode(msgspec.json.encode(row.actions)),
        cooldown_minutes=row.cooldown_minutes,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def stored(value: Any) -> Any:
    return msgspec.to_builtins(value)


def check_match(match: Match) -> None:
    value = (match.value or "").strip()
    if match.kind == MatchKind.ANY:
        return
    if not value:
        raise ValidationFailed(
            "This match kind needs a value.", code="match_value_required", field="match.value"
        )
    if match.kind != MatchKind.REGEX:
        return
    if len(match.value or "") > REGEX_MAX_LENGTH:
        raise ValidationFailed(
            f"A regular expression may have at most {REGEX_MAX_LENGTH} characters.",
            code="regex_too_long",
            field="match.value",
        )
    try:
        compile_pattern(match.value or "")
    except regex.error as exc:
        raise ValidationFailed(
            f"The regular expression does not compile: {exc}",
            code="invalid_regex",
            field="match.value",
        ) from exc


def check_actions(actions: Sequence[Action], field: str = "actions", depth: int = 0) -> None:
    """The shape rules the schema cannot say: one MENU per step, HAND_TO_AI alone (one
    turn gets one answer), options present and distinct, the depth limit, copy that
    parses."""
    menus = [a for a in actions if isinstance(a, Menu)]
    if len(menus) > 1:
        raise ValidationFailed("One menu per step.", code="one_menu_per_step", field=field)
    if any(isinstance(a, HandToAi) for a in actions) and any(
        isinstance(a, Reply | Menu) for a in actions
    ):
        raise ValidationFailed(
            "HAND_TO_AI lets the AI answer the turn: it cannot come with a REPLY or MENU.",
            code="conflicting_actions",
            field=field,
        )
    for i, action in enumerate(actions):
        where = f"{field}[{i}]"
        if isinstance(action, Reply):
            _check_copy(action.text, f"{where}.text")
        elif isinstance(action, Menu):
            _check_menu(action, where, depth + 1)


def _check_menu(menu: Menu, where: str, depth: int) -> None:
    if depth > MAX_MENU_DEPTH:
        raise ValidationFailed(
            f"Menus nest at most {MAX_MENU_DEPTH} levels deep.", code="menu_too_deep", field=where
        )
    if not menu.options:
        raise ValidationFailed(
            "A menu needs at least one option.", code="menu_options_required", field=where
        )
    if len(menu.options) > MAX_OPTIONS:
        raise ValidationFailed(
            f"A menu has at most {MAX_OPTIONS} options.", code="too_many_options", field=where
        )
    _check_copy(menu.text, f"{where}.text")
    _check_copy(menu.invalid_text, f"{where}.invalidText")
    keys = [o.key.strip().casefold() for o in menu.options]
    if len(set(keys)) != len(keys):
        raise ValidationFailed(
            "Option keys must differ.", code="duplicate_option_key", field=f"{where}.options"
        )
    for j, option in enumerate(menu.options):
        if not option.actions:
            raise ValidationFailed(
                "An option needs at least one action.",
                code="option_actions_required",
                field=f"{where}.options[{j}].actions",
            )
        check_actions(option.actions, f"{where}.options[{j}].actions", depth)
    if any(isinstance(a, Menu | HandToAi) for a in menu.timeout_actions):
        raise ValidationFailed(
            "A menu's timeout actions cannot open a menu or hand to the AI.",
            code="invalid_timeout_actions",
            field=f"{where}.timeoutActions",
        )
    if menu.timeout_actions and menu.timeout_minutes is None:
        raise ValidationFailed(
            "Timeout actions need timeoutMinutes.",
            code="timeout_minutes_required",
            field=f"{where}.timeoutMinutes",
        )
    check_actions(menu.timeout_actions, f"{where}.timeoutActions", depth)


def _check_copy(text: str, field: str) -> None:
    if problems := validate_copy(text):
        raise ValidationFailed(
            "The text does not parse: " + "; ".join(problems),
            code="invalid_template",
            field=field,
        )


def _walk(actions: Sequence[Action]) -> list[Action]:
    out: list[Action] = []
    for action in actions:
        out.append(action)
        if isinstance(action, Menu):
            for option in action.options:
                out += _walk(option.actions)
            out += _walk(action.timeout_actions)
    return out


async def check_references(
    db: AsyncSession,
    actions: Sequence[Action],
    connection_id: uuid.UUID | None,
    department_id: uuid.UUID | None,
) -> None:
    """Every id a rule names is one of the caller's organization (its session is tenant
    scoped, so another organization's id is simply unknown): 422 naming it."""
    all_actions = _walk(actions)
    wanted: dict[str, set[uuid.UUID]] = {"tabulation": set(), "department": set(), "agent": set()}
    for action in all_actions:
        if isinstance(action, Tabulate):
            wanted["tabulation"].add(action.tabulation_id)
        elif isinstance(action, Assign):
            if action.department_id is None and action.agent_id is None:
                raise ValidationFailed(
                    "ASSIGN needs a departmentId or an agentId.",
                    code="assign_target_required",
                    field="actions",
                )
            if action.department_id is not None:
                wanted["department"].add(action.department_id)
            if action.agent_id is not None:
                wanted["agent"].add(action.agent_id)
    if department_id is not None:
        wanted["department"].add(department_id)
    models: dict[str, Any] = {
        "tabulation": m.Tabulation,
        "department": m.Department,
        "agent": m.User,
    }
    for kind, ids in wanted.items():
        if not ids:
            continue
        model = models[kind]
        stmt = sa.select(model.id).where(model.id.in_(ids))
        if kind == "agent":
            stmt = stmt.where(m.User.is_active.is_(True))
        found = set(await db.scalars(stmt))
        if missing := ids - found:
            raise ValidationFailed(
                f"Unknown {kind}.", code=f"unknown_{kind}", ids=sorted(str(i) for i in missing)
            )
    if connection_id is not None:
        found_conn = await db.scalar(
            sa.select(m.Connection.id).where(m.Connection.id == connection_id)
        )
        if found_conn is None:
            raise ValidationFailed(
                "Unknown connection.", code="unknown_connection", field="connectionId"
            )


async def next_priority(db: AsyncSession) -> int:
    top = await db.scalar(sa.select(sa.func.max(BotRuleRow.priority)))
    return 10 if top is None else int(top) + 10


async def bump_version(db: AsyncSession, organization_id: uuid.UUID) -> None:
    await db.execute(
        sa.text(
            "INSERT INTO bot_rule_version (organization_id, version) VALUES (:org, 1)"
            " ON CONFLICT (organization_id) DO UPDATE"
            " SET version = bot_rule_version.version + 1"
        ),
        {"org": organization_id},
    )


async def require_rule(db: AsyncSession, rule_id: uuid.UUID) -> BotRuleRow:
    return await require(db, BotRuleRow, rule_id)


async def reorder(db: AsyncSession, ids: Sequence[uuid.UUID]) -> list[BotRuleRow]:
    """The listed rules take the priorities they held between them, in the new order;
    the others keep theirs."""
    wanted = list(dict.fromkeys(ids))
    rows = list((await db.scalars(sa.select(BotRuleRow).where(BotRuleRow.id.in_(wanted)))).all())
    if missing := set(wanted) - {r.id for r in rows}:
        raise ValidationFailed(
            "Unknown rule.", code="unknown_rule", field="ids", ids=sorted(map(str, missing))
        )
    slots = sorted(r.priority for r in rows)
    if len(set(slots)) != len(slots):  # ties would keep an order nobody chose
        base = slots[0]
        slots = [base + 10 * i for i in range(len(slots))]
    by_id = {r.id: r for r in rows}
    for rule_id, priority in zip(wanted, slots, strict=True):
        by_id[rule_id].priority = priority
    return [by_id[i] for i in wanted]
