"""The AI responder judges the effective hours (connection -> the session's department
-> organization, holidays, own dates) at a frozen instant: webhook -> turn -> a real
arq worker -> the provider stand-in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from ai_harness import FAST, World
from standins.openai_server import Reply

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI")
ORG_HOURS: dict[str, Any] = {
    "timezone": "America/Sao_Paulo",
    "weekly": {
        **{day: [["08:00", "18:00"]] for day in WEEKDAYS},
        "FRI": [["08:00", "18:00"], ["22:00", "02:00"]],
    },
    "holidays": {"country": "BR", "closed": True},
    "outOfHoursMessage": "Estamos fechados. Voltamos {{proxima_abertura}}.",
}


def freeze(world: World, at: datetime) -> None:
    world.config = msgspec.structs.replace(FAST, hours_at=at)


async def put_hours(world: World, body: dict[str, Any], prefix: str = "") -> None:
    response = await world.client.put(
        f"/api/v1{prefix}/business-hours", json=body, headers=world.org.headers
    )
    assert response.status_code == 200, response.text


async def test_closed_on_a_saturday_the_notice_names_monday_once_per_session(
    world: World,
) -> None:
    await world.configure_llm()
    await put_hours(world, ORG_HOURS)
    freeze(world, datetime(2026, 12, 5, 15, 0, tzinfo=UTC))  # Saturday 12:00
    first = await world.say("oi")
    await world.respond(first)
    second = await world.say("alguém aí?")
    await world.respond(second)
    assert world.sent_texts() == ["Estamos fechados. Voltamos segunda-feira, 07/12 às 08:00."]
    assert world.chat_requests() == []
    assert (await world.turn_row(first))["reason"] == "out_of_hours"
    assert (await world.turn_row(second))["reason"] == "out_of_hours"


async def test_a_range_past_midnight_is_open_at_one_in_the_morning(world: World) -> None:
    await world.configure_llm()
    await put_hours(world, ORG_HOURS)
    freeze(world, datetime(2026, 12, 5, 4, 0, tzinfo=UTC))  # Saturday 01:00
    world.llm.queue("chat", Reply(text="Estamos no plantão da madrugada!"))
    await world.respond(await world.say("ainda atendem?"))
    assert world.sent_texts() == ["Estamos no plantão da madrugada!"]


async def test_a_national_holiday_closes_with_the_built_in_notice(world: World) -> None:
    await world.configure_llm()
    await put_hours(world, {**ORG_HOURS, "outOfHoursMessage": None})
    freeze(world, datetime(2026, 12, 25, 13, 0, tzinfo=UTC))  # Christmas, a Friday, 10:00
    turn = await world.say("oi")
    await world.respond(turn)
    [notice] = world.sent_texts()
    assert "fora do nosso horário" in notice
    assert "segunda-feira, 28/12 às 08:00" in notice
    assert (await world.turn_row(turn))["reason"] == "out_of_hours"


async def test_a_state_holiday_closes_only_with_its_subdivision(world: World) -> None:
    await world.configure_llm()
    holiday = {**ORG_HOURS, "holidays": {"country": "BR", "subdivision": "RJ", "closed": True}}
    await put_hours(world, holiday)
    freeze(world, datetime(2027, 4, 23, 13, 0, tzinfo=UTC))  # São Jorge (RJ), a Friday
    await world.respond(await world.say("oi"))
    assert world.sent_texts() == ["Estamos fechados. Voltamos segunda-feira, 26/04 às 08:00."]


async def test_the_prompt_s_clock_is_the_frozen_local_time(world: World) -> None:
    await world.configure_llm()
    await put_hours(world, ORG_HOURS)
    freeze(world, datetime(2026, 12, 7, 13, 30, tzinfo=UTC))  # Monday 10:30
    world.llm.queue("chat", Reply(text="Bom dia!"))
    await world.respond(await world.say("bom dia"))
    assert world.sent_texts() == ["Bom dia!"]
    [call] = world.chat_requests()
    assert "Agora é segunda-feira, 07/12/2026 10:30." in call.json["messages"][0]["content"]


async def test_the_session_s_department_hours_beat_the_organization_s(world: World) -> None:
    await world.configure_llm()
    await put_hours(world, ORG_HOURS)
    created = await world.client.post(
        "/api/v1/departments",
        json={"name": "Plantão", "roundRobin": False},
        headers=world.org.headers,
    )
    assert created.status_code == 201, created.text
    department = created.json()["id"]
    sundays = {"weekly": {"SUN": [["09:00", "13:00"]]}, "outOfHoursMessage": "Plantão fechado."}
    await put_hours(world, sundays, f"/departments/{department}")
    freeze(world, datetime(2026, 12, 6, 13, 0, tzinfo=UTC))  # Sunday 10:00
    first = await world.say("oi")
    await world.respond(first)  # the organization's hours: closed on Sundays
    assert world.sent_texts() == ["Estamos fechados. Voltamos segunda-feira, 07/12 às 08:00."]
    session = await world.session()
    moved = await world.client.post(
        f"/api/v1/sessions/{session['id']}/assign",
        json={"departmentId": department, "autoAssign": False},
        headers=world.org.headers,
    )
    assert moved.status_code == 200, moved.text
    # Moved into the department's queue; the AI takes it again once no human holds it.
    await world.db.val(
        "UPDATE session SET ai_blocked_until = NULL WHERE id = $1 RETURNING id", session["id"]
    )
    world.llm.queue("chat", Reply(text="Plantão de domingo, pois não?"))
    second = await world.say("e agora?")
    await world.respond(second)
    assert world.sent_texts()[-1] == "Plantão de domingo, pois não?"
    freeze(world, datetime(2026, 12, 6, 17, 0, tzinfo=UTC))  # Sunday 14:00: closed there too
    third = await world.say("ainda aí?")
    await world.respond(third)
    assert (await world.turn_row(third))["reason"] == "out_of_hours"
