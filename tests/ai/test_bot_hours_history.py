"""The keyword bot with the rest of issue 17 through a real worker: its closed-hours
rules follow the organization's hours and holidays (not only the number's), its
{{proxima_abertura}} is the hours' next opening, its session changes are the rule's in
the history, and the tabulations tied to its outcomes are applied."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from ai_harness import FAST, World
from test_bot_worker import MENU, rule, turn

ORG_HOURS: dict[str, Any] = {
    "timezone": "America/Sao_Paulo",
    "weekly": {day: [["08:00", "18:00"]] for day in ("MON", "TUE", "WED", "THU", "FRI")},
    "holidays": {"country": "BR", "closed": True},
    "outOfHoursMessage": "Fechados. Voltamos {{proxima_abertura}}.",
}


async def _put_hours(world: World) -> None:
    response = await world.client.put(
        "/api/v1/business-hours", json=ORG_HOURS, headers=world.org.headers
    )
    assert response.status_code == 200, response.text


async def _tabulation(world: World, name: str, trigger: str) -> None:
    response = await world.client.post(
        "/api/v1/tabulations",
        json={"name": name, "autoTabulation": True, "autoTrigger": trigger},
        headers=world.org.headers,
    )
    assert response.status_code == 201, response.text


async def _history(world: World) -> list[dict[str, Any]]:
    session = await world.session()
    response = await world.client.get(
        f"/api/v1/sessions/{session['id']}/history", headers=world.org.headers
    )
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_a_closed_hours_rule_follows_the_organization_s_holidays(world: World) -> None:
    await world.configure_llm()
    await _put_hours(world)
    await rule(
        world,
        name="Feriado",
        when={"openHours": False},
        actions=[{"type": "REPLY", "text": "Hoje é feriado. Abrimos {{proxima_abertura}}."}],
    )
    # Christmas 2026 is a Friday: a weekday whose range would be open at 10:00.
    world.config = msgspec.structs.replace(FAST, hours_at=datetime(2026, 12, 25, 13, tzinfo=UTC))
    row = await turn(world, "oi")
    assert row["reason"] == "bot_rule"
    # The rule instead of the notice, never both; the AI is not asked.
    assert world.sent_texts() == ["Hoje é feriado. Abrimos segunda-feira, 28/12 às 08:00."]
    assert world.chat_requests() == []


async def test_a_rule_open_hours_only_stays_quiet_on_a_holiday(world: World) -> None:
    await world.configure_llm()
    await _put_hours(world)
    await rule(
        world,
        name="Cardápio",
        when={"openHours": True},
        actions=[{"type": "REPLY", "text": "Nosso cardápio: https://loja.example/c"}],
    )
    world.config = msgspec.structs.replace(FAST, hours_at=datetime(2026, 12, 25, 13, tzinfo=UTC))
    row = await turn(world, "oi")
    assert row["reason"] == "out_of_hours"
    assert world.sent_texts() == ["Fechados. Voltamos segunda-feira, 28/12 às 08:00."]


async def test_menu_retry_limit_is_the_rule_s_in_history_and_applies_its_tabulations(
    world: World,
) -> None:
    await _tabulation(world, "Menu esgotado", "BOT_RETRY_LIMIT")
    await _tabulation(world, "Transferido pelo robô", "BOT_HANDOFF")
    await _tabulation(world, "Transferido pela IA", "AI_HANDOFF")
    menu_rule = await rule(world, actions=[MENU])
    await turn(world, "oi")
    for wrong in ("banana", "laranja"):
        await turn(world, wrong)
    session = await world.session()
    assert session["status_reason"] == "handoff: bot_retry_limit"

    names = {
        r["name"]
        for r in await world.db.fetch(
            "SELECT t.name FROM session_tabulation st JOIN tabulation t"
            " ON t.id = st.tabulation_id WHERE st.session_id = $1",
            session["id"],
        )
    }
    assert names == {"Menu esgotado", "Transferido pelo robô"}

    history = await _history(world)
    assert history[0]["by"]["type"] == "CUSTOMER"
    handoff = [e for e in history if e["kind"] == "STATUS" and e["status"] == "QUEUED"]
    assert len(handoff) == 1
    assert handoff[0]["by"] == {"type": "BOT_RULE", "id": menu_rule["id"]}
    assert "bot_retry_limit" in handoff[0]["reason"]
    assert handoff[0]["queueState"] == "WAITING"
