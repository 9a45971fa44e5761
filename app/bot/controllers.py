"""Keyword bot rules (API.md "Business hours and bot rules"). Reading is for every
member; writing for administrators, and for a department's supervisors on its rules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import msgspec
import sqlalchemy as sa
from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from app.auth.guards import supervisors
from app.bot import services
from app.bot.engine import Memory, TurnFacts, evaluate
from app.bot.hours import local_time, next_opening_text, open_now
from app.bot.matching import compile_rules
from app.bot.models import BotRule as BotRuleRow
from app.bot.render import render_reply
from app.bot.schemas import (
    BotRule,
    BotRuleCreate,
    BotRuleReorder,
    BotRuleUpdate,
    BotTest,
    BotTestResult,
    MenuState,
)
from app.deps import Caller, Db
from app.hours import services as hours_services
from app.organization.services import require_organization
from app.pagination import Page, PageLimit, PageNumber, paginate
from app.records import unset_fields
from app.sessions.access import check_can_manage
from workers.respond_rules import turn_hours


class BotRuleController(Controller):
    path = "/api/v1/bot-rules"
    tags = ["bot rules"]

    @get("/")
    async def list_bot_rules(
        self,
        db: Db,
        page: FromQuery[PageNumber] = 1,
        limit: FromQuery[PageLimit] = 200,
    ) -> Page[BotRule]:
        stmt = sa.select(BotRuleRow).order_by(
            BotRuleRow.priority, BotRuleRow.created_at, BotRuleRow.id
        )
        rows, pages = await paginate(db, stmt, page, limit)
        return Page(data=[services.rule_out(r) for r in rows], pagination=pages)

    @get("/{rule_id:uuid}")
    async def get_bot_rule(self, db: Db, rule_id: FromPath[uuid.UUID]) -> BotRule:
        return services.rule_out(await services.require_rule(db, rule_id))

    @post("/", guards=[supervisors])
    async def create_bot_rule(
        self, db: Db, principal: Caller, data: JSONBody[BotRuleCreate]
    ) -> BotRule:
        await check_can_manage(db, principal, data.department_id)
        services.check_match(data.match)
        services.check_actions(data.actions)
        await services.check_references(db, data.actions, data.connection_id, data.department_id)
        row = BotRuleRow(
            organization_id=principal.organization_id,
            name=data.name,
            priority=data.priority
            if data.priority is not None
            else await services.next_priority(db),
            is_active=data.is_active,
            connection_id=data.connection_id,
            department_id=data.department_id,
            match=services.stored(data.match),
            conditions=services.stored(data.when),
            actions=services.stored(data.actions),
            cooldown_minutes=data.cooldown_minutes,
        )
        db.add(row)
        await services.bump_version(db, principal.organization_id)
        await db.commit()
        await db.refresh(row)
        return services.rule_out(row)

    @patch("/{rule_id:uuid}", guards=[supervisors])
    async def update_bot_rule(
        self,
        db: Db,
        principal: Caller,
        rule_id: FromPath[uuid.UUID],
        data: JSONBody[BotRuleUpdate],
    ) -> BotRule:
        row = await services.require_rule(db, rule_id)
        changes = unset_fields(data)
        await check_can_manage(db, principal, row.department_id)
        if "department_id" in changes:
            await check_can_manage(db, principal, changes["department_id"])
        if "match" in changes:
            services.check_match(changes["match"])
        actions = changes.get("actions", services.rule_out(row).actions)
        if "actions" in changes:
            services.check_actions(actions)
        await services.check_references(
            db,
            actions if "actions" in changes else [],
            changes.get("connection_id"),
            changes.get("department_id"),
        )
        for key, value in changes.items():
            column = "conditions" if key == "when" else key
            if key in ("match", "when", "actions"):
                value = services.stored(value)
            setattr(row, column, value)
        row.updated_at = datetime.now(UTC)
        await services.bump_version(db, principal.organization_id)
        await db.commit()
        await db.refresh(row)
        return services.rule_out(row)

    @delete("/{rule_id:uuid}", guards=[supervisors])
    async def delete_bot_rule(
        self, db: Db, principal: Caller, rule_id: FromPath[uuid.UUID]
    ) -> None:
        row = await services.require_rule(db, rule_id)
        await check_can_manage(db, principal, row.department_id)
        await db.delete(row)
        await services.bump_version(db, principal.organization_id)
        await db.commit()

    @post("/reorder", guards=[supervisors], status_code=200)
    async def reorder_bot_rules(
        self, db: Db, principal: Caller, data: JSONBody[BotRuleReorder]
    ) -> list[BotRule]:
        rows = await services.reorder(db, data.ids)
        for row in rows:
            await check_can_manage(db, principal, row.department_id)
        await services.bump_version(db, principal.organization_id)
        await db.commit()
        for row in rows:
            await db.refresh(row)
        return [services.rule_out(r) for r in rows]

    @post("/test", status_code=200)
    async def test_bot_rules(
        self, db: Db, principal: Caller, data: JSONBody[BotTest]
    ) -> BotTestResult:
        """Which rule would take this message, what it would do and answer. Nothing is
        stored or sent; cooldowns and the loop guard are left out."""
        organization = await require_organization(db, principal.organization_id)
        at = data.at or datetime.now(UTC)
        levels = await hours_services.turn_levels(db, data.connection_id, data.department_id)
        hours = turn_hours(levels, at, organization.timezone)
        if data.menu_state is not None:
            await services.require_rule(db, data.menu_state.rule_id)
        rows = (
            await db.execute(
                sa.select(
                    BotRuleRow.id,
                    BotRuleRow.name,
                    BotRuleRow.priority,
                    BotRuleRow.connection_id,
                    BotRuleRow.department_id,
                    BotRuleRow.match,
                    BotRuleRow.conditions,
                    BotRuleRow.actions,
                    BotRuleRow.cooldown_minutes,
                ).where(BotRuleRow.is_active.is_(True))
            )
        ).all()
        rules = compile_rules(0, [dict(r._mapping) for r in rows])
        facts = TurnFacts(
            text=data.text,
            connection_id=data.connection_id,
            department_id=data.department_id,
            session_status=data.session_status.value,
            open_hours=open_now(hours),
            now=at,
        )
        menu = msgspec.to_builtins(data.menu_state) if data.menu_state else None
        decision = evaluate(rules, facts, Memory(menu=menu))
        if decision is None:
            return BotTestResult(
                fired=False,
                rule_id=None,
                rule_name=None,
                kind="none",
                open_hours=facts.open_hours,
                actions=[],
                replies=[],
                menu_state=None,
            )
        fields = {"proxima_abertura": next_opening_text(hours) or ""}
        replies = [
            render_reply(
                t.template,
                contact_name=data.contact_name,
                phone=None,
                fields=fields,
                local_now=local_time(hours),
                seed=str(decision.rule.id),
            )
            for t in decision.texts
        ]
        return BotTestResult(
            fired=True,
            rule_id=decision.rule.id,
            rule_name=decision.rule.name,
            kind=decision.kind,
            open_hours=facts.open_hours,
            actions=decision.actions_out(),
            replies=replies,
            menu_state=None if decision.menu is None else msgspec.convert(decision.menu, MenuState),
        )
