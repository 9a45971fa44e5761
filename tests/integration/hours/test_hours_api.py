"""Business hours through HTTP: each level's document, validation (422 naming the
field), tenancy (another organization's ids are 404), roles, the status with its next
opening at a given instant, the holiday preview, and the connection's old fields."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from support.orgs import Org
from support.webhooks import make_connection

Client = AsyncTestClient[Litestar]
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI")
BODY: dict[str, Any] = {
    "timezone": "America/Sao_Paulo",
    "weekly": {
        **{day: [["08:00", "12:00"], ["13:00", "18:00"]] for day in WEEKDAYS},
        "FRI": [["08:00", "12:00"], ["13:00", "18:00"], ["22:00", "02:00"]],
    },
    "holidays": {"country": "BR", "subdivision": "SP", "closed": True},
    "overrides": [
        {"date": "2026-12-31", "yearly": True, "closed": True, "label": "Réveillon"},
        {
            "date": "2026-12-24",
            "closed": False,
            "ranges": [["08:00", "12:00"]],
            "label": "Véspera de Natal",
        },
    ],
    "outOfHoursMessage": "Fechados. Voltamos {{proxima_abertura}}.",
}


async def _status(client: Client, org: Org, at: str, prefix: str = "") -> dict[str, Any]:
    response = await client.get(
        f"/api/v1{prefix}/business-hours/status", params={"at": at}, headers=org.headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _department(client: Client, org: Org, name: str = "Financeiro") -> str:
    created = await client.post("/api/v1/departments", json={"name": name}, headers=org.headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_without_hours_the_organization_is_always_open(client: Client, org: Org) -> None:
    got = (await client.get("/api/v1/business-hours", headers=org.headers)).json()
    assert got["configured"] is False and got["inheritedFrom"] is None
    assert got["timezone"] == "America/Sao_Paulo" and got["weekly"] == {}
    assert "{{proxima_abertura}}" in got["outOfHoursMessageDefault"]
    state = await _status(client, org, "2026-12-06T03:00:00Z")
    assert (state["open"], state["reason"], state["nextOpeningAt"]) == (True, "always_open", None)


async def test_put_then_get_round_trips_the_document(client: Client, org: Org) -> None:
    put = await client.put("/api/v1/business-hours", json=BODY, headers=org.headers)
    assert put.status_code == 200, put.text
    got = (await client.get("/api/v1/business-hours", headers=org.headers)).json()
    assert got == put.json()
    assert got["configured"] is True and got["scope"] == "organization"
    assert got["weekly"]["MON"] == [["08:00", "12:00"], ["13:00", "18:00"]]
    assert got["holidays"] == {"country": "BR", "subdivision": "SP", "closed": True}
    assert [o["label"] for o in got["overrides"]] == ["Véspera de Natal", "Réveillon"]
    assert got["outOfHoursMessage"] == BODY["outOfHoursMessage"]


@pytest.mark.parametrize(
    ("at", "open_", "next_opening", "reason"),
    [
        # Saturday 12:00: closed until Monday 08:00.
        ("2026-12-05T15:00:00Z", False, "2026-12-07T08:00:00-03:00", "weekly"),
        # Saturday 01:00: Friday's 22:00-02:00 still runs.
        ("2026-12-05T04:00:00Z", True, None, "weekly"),
        ("2026-12-07T15:30:00Z", False, "2026-12-07T13:00:00-03:00", "weekly"),  # lunch
        ("2026-12-25T13:00:00Z", False, "2026-12-28T08:00:00-03:00", "holiday:Natal"),
        ("2027-04-21T13:00:00Z", False, "2027-04-22T08:00:00-03:00", "holiday:Tiradentes"),
        (
            "2026-07-09T13:00:00Z",
            False,
            "2026-07-10T08:00:00-03:00",
            "holiday:Revolução Constitucionalista",
        ),
        ("2026-12-24T14:00:00Z", True, None, "override:Véspera de Natal"),
        ("2026-12-24T16:00:00Z", False, "2026-12-28T08:00:00-03:00", "override:Véspera de Natal"),
        ("2027-12-31T13:00:00Z", False, "2028-01-03T08:00:00-03:00", "override:Réveillon"),
    ],
)
async def test_status_at_an_instant(
    client: Client, org: Org, at: str, open_: bool, next_opening: str | None, reason: str
) -> None:
    assert (await client.put("/api/v1/business-hours", json=BODY, headers=org.headers)).is_success
    state = await _status(client, org, at)
    assert (state["open"], state["nextOpeningAt"], state["reason"]) == (
        open_,
        next_opening,
        reason,
    )
    assert state["decidedBy"] == "organization" and state["timezone"] == "America/Sao_Paulo"


async def test_the_next_opening_is_worded_for_customers(client: Client, org: Org) -> None:
    assert (await client.put("/api/v1/business-hours", json=BODY, headers=org.headers)).is_success
    state = await _status(client, org, "2026-12-05T15:00:00Z")
    assert state["nextOpeningText"] == "segunda-feira, 07/12 às 08:00"


async def test_department_hours_beat_the_organization_s_and_fall_back_when_deleted(
    client: Client, org: Org
) -> None:
    assert (await client.put("/api/v1/business-hours", json=BODY, headers=org.headers)).is_success
    department = await _department(client, org)
    prefix = f"/departments/{department}"
    inherited = (await client.get(f"/api/v1{prefix}/business-hours", headers=org.headers)).json()
    assert (inherited["configured"], inherited["inheritedFrom"]) == (False, "organization")
    assert (
        inherited["weekly"]
        == (await client.get("/api/v1/business-hours", headers=org.headers)).json()["weekly"]
    )
    sundays = {"weekly": {"SUN": [["09:00", "13:00"]]}}
    put = await client.put(f"/api/v1{prefix}/business-hours", json=sundays, headers=org.headers)
    assert put.status_code == 200, put.text
    assert put.json()["timezone"] == "America/Sao_Paulo"  # the organization's zone
    state = await _status(client, org, "2026-12-06T13:00:00Z", prefix)  # Sunday 10:00
    assert (state["open"], state["decidedBy"]) == (True, "department")
    assert (await _status(client, org, "2026-12-06T13:00:00Z"))["open"] is False
    deleted = await client.delete(f"/api/v1{prefix}/business-hours", headers=org.headers)
    assert deleted.status_code == 204
    state = await _status(client, org, "2026-12-06T13:00:00Z", prefix)
    assert (state["open"], state["decidedBy"]) == (False, "organization")


async def test_connection_hours_are_the_connection_s_business_hours_fields(
    client: Client, org: Org
) -> None:
    old = {"timezone": "America/Sao_Paulo", "days": {"mon": [["08:00", "18:00"]]}}
    hook = await make_connection(
        client, org, "native", {}, businessHours=old, outOfHoursMessage="Volte logo"
    )
    path = f"/api/v1/connections/{hook.id}/business-hours"
    got = (await client.get(path, headers=org.headers)).json()
    assert got["configured"] is True and got["weekly"] == {"MON": [["08:00", "18:00"]]}
    assert got["holidays"]["closed"] is False  # the old shape never closed on holidays
    assert got["outOfHoursMessage"] == "Volte logo"
    new = {**BODY, "weekly": {"TUE": [["09:00", "24:00"]]}, "outOfHoursMessage": "Novo"}
    assert (await client.put(path, json=new, headers=org.headers)).status_code == 200
    connection = (await client.get(f"/api/v1/connections/{hook.id}", headers=org.headers)).json()
    assert connection["businessHours"] == {
        "timezone": "America/Sao_Paulo",
        "days": {"tue": [["09:00", "00:00"]]},
    }
    assert connection["outOfHoursMessage"] == "Novo"
    # The old field written again keeps the holidays and dates set through the new API.
    patched = await client.patch(
        f"/api/v1/connections/{hook.id}", json={"businessHours": old}, headers=org.headers
    )
    assert patched.status_code == 200, patched.text
    got = (await client.get(path, headers=org.headers)).json()
    assert got["weekly"] == {"MON": [["08:00", "18:00"]]}
    assert got["holidays"] == BODY["holidays"] and len(got["overrides"]) == 2
    assert (await client.delete(path, headers=org.headers)).status_code == 204
    connection = (await client.get(f"/api/v1/connections/{hook.id}", headers=org.headers)).json()
    assert connection["businessHours"] is None and connection["outOfHoursMessage"] is None


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"weekly": {"MON": [["25:00", "26:00"]]}}, "invalid_time", "weekly.MON[0]"),
        ({"weekly": {"MON": [["08:00", "18:60"]]}}, "invalid_time", "weekly.MON[0]"),
        ({"weekly": {"MON": [["24:00", "02:00"]]}}, "invalid_time", "weekly.MON[0][0]"),
        ({"weekly": {"FUNDAY": [["08:00", "18:00"]]}}, "invalid_day", "weekly.FUNDAY"),
        ({"weekly": {"MON": [["08:00", "08:00"]]}}, "empty_range", "weekly.MON[0]"),
        ({"weekly": {"MON": [["08:00"]]}}, "invalid_range", "weekly.MON[0]"),
        (
            {"weekly": {"MON": [["08:00", "12:00"], ["11:00", "14:00"]]}},
            "overlapping_ranges",
            "weekly.MON",
        ),
        (
            {"weekly": {"MON": [[f"{h:02}:00", f"{h:02}:30"] for h in range(7)]}},
            "too_many_ranges",
            "weekly.MON",
        ),
        ({"timezone": "Mars/Olympus"}, "invalid_timezone", "timezone"),
        ({"holidays": {"country": "XX"}}, "invalid_country", "holidays.country"),
        (
            {"holidays": {"country": "BR", "subdivision": "ZZ"}},
            "invalid_subdivision",
            "holidays.subdivision",
        ),
        ({"overrides": [{"date": "2026-02-30"}]}, "validation_error", "overrides[0].date"),
        (
            {"overrides": [{"date": "2026-12-24", "closed": False}]},
            "missing_ranges",
            "overrides[0].ranges",
        ),
        (
            {"overrides": [{"date": "2026-12-24"}, {"date": "2026-12-24", "label": "x"}]},
            "duplicate_override",
            "overrides[1].date",
        ),
        ({"outOfHoursMessage": "x" * 2001}, "validation_error", "outOfHoursMessage"),
        ({"weekly": "all"}, "validation_error", "weekly"),
    ],
)
async def test_bad_bodies_are_422_naming_the_field(
    client: Client, org: Org, change: dict[str, Any], code: str, field: str
) -> None:
    response = await client.put(
        "/api/v1/business-hours", json={**BODY, **change}, headers=org.headers
    )
    assert response.status_code == 422, response.text
    assert (response.json()["code"], response.json()["extra"]["field"]) == (code, field)


async def test_bad_status_instants_and_holiday_queries_are_4xx(client: Client, org: Org) -> None:
    bad = await client.get(
        "/api/v1/business-hours/status", params={"at": "amanhã"}, headers=org.headers
    )
    assert bad.status_code == 422 and bad.json()["extra"]["field"] == "at"
    for params, field in (
        ({"year": "2026", "country": "XX"}, "country"),
        ({"year": "2026", "subdivision": "ZZ"}, "subdivision"),
        ({"year": "99999"}, "year"),
    ):
        response = await client.get(
            "/api/v1/business-hours/holidays", params=params, headers=org.headers
        )
        assert response.status_code == 422, response.text
        assert response.json()["extra"]["field"] == field


async def test_holiday_preview_national_state_and_another_country(client: Client, org: Org) -> None:
    def names(response: Any) -> dict[str, str]:
        assert response.status_code == 200, response.text
        return {h["date"]: h["name"] for h in response.json()}

    url = "/api/v1/business-hours/holidays"
    national = names(await client.get(url, params={"year": "2027"}, headers=org.headers))
    assert national["2027-04-21"] == "Tiradentes" and "2027-04-23" not in national
    rio = names(
        await client.get(url, params={"year": "2027", "subdivision": "rj"}, headers=org.headers)
    )
    assert rio["2027-04-23"] == "São Jorge"
    us = names(await client.get(url, params={"year": "2026", "country": "US"}, headers=org.headers))
    assert us["2026-07-04"].startswith("Independence Day")


async def test_another_organization_s_department_and_connection_are_404(
    client: Client, org: Org, other_org: Org
) -> None:
    department = await _department(client, other_org, "Deles")
    hook = await make_connection(client, other_org, "native", {})
    for base in (f"/api/v1/departments/{department}", f"/api/v1/connections/{hook.id}"):
        path = f"{base}/business-hours"
        assert (await client.get(path, headers=org.headers)).status_code == 404
        assert (await client.get(f"{path}/status", headers=org.headers)).status_code == 404
        assert (await client.put(path, json=BODY, headers=org.headers)).status_code == 404
        # A bad body for a foreign id is still 404: nothing about it is revealed.
        assert (
            await client.put(path, json={"timezone": "x"}, headers=org.headers)
        ).status_code == 404
        assert (await client.delete(path, headers=org.headers)).status_code == 404
    put = await client.put("/api/v1/business-hours", json=BODY, headers=org.headers)
    assert put.status_code == 200
    theirs = (await client.get("/api/v1/business-hours", headers=other_org.headers)).json()
    assert theirs["configured"] is False


async def test_agents_read_hours_but_only_administrators_change_them(
    client: Client, org: Org
) -> None:
    body = {"email": "agente@padaria.example", "password": "senha-forte-123", "role": "AGENT"}
    assert (await client.post("/api/v1/users", json=body, headers=org.headers)).status_code == 201
    login = await client.post(
        "/api/v1/auth/login", json={"email": body["email"], "password": body["password"]}
    )
    agent = {"Authorization": f"Bearer {login.json()['accessToken']}"}
    assert (await client.get("/api/v1/business-hours", headers=agent)).status_code == 200
    assert (await client.put("/api/v1/business-hours", json=BODY, headers=agent)).status_code == 403
    assert (await client.delete("/api/v1/business-hours", headers=agent)).status_code == 403
