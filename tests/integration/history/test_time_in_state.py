"""The dashboard's time in each queue state, from a seeded session history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from apikit import Client, connection, contact, department, session, user
from inboxkit import sign_in
from support.orgs import Org
from support.webhooks import Db

from app.auth.principal import Principal
from app.config import Settings
from app.db.engine import make_engine, make_sessionmaker
from app.db.enums import Role
from app.inbox import dashboard
from app.inbox.viewer import load_viewer

# (seconds after t0, status, agent?, department?) per session; each ends CLOSED.
HISTORIES = (
    [(0, "ACTIVE", False, False), (60, "QUEUED", False, True), (180, "QUEUED", True, True),
     (480, "CLOSED", True, True)],
    [(0, "ACTIVE", False, False), (20, "CLOSED", False, False)],
    [(0, "QUEUED", False, False), (300, "ACTIVE", True, False), (400, "ACTIVE", True, True),
     (500, "CLOSED", True, True)],
    [(0, "ACTIVE", False, False), (130, "CLOSED", False, False)],
)  # fmt: skip


async def test_time_in_each_state_is_averaged_and_medianed_over_the_sessions(
    client: Client, settings: Settings, org: Org
) -> None:
    assert settings.database_url
    db = Db(settings.database_url)
    conn = await connection(client, org)
    sales = await department(client, org, "Vendas")
    agent_id, _ = await user(client, org, "AGENT", "bia@padaria.example")
    sessions = []
    for i in range(len(HISTORIES)):
        person = await contact(client, org, name=f"P{i}")
        sessions.append(await session(settings, org, person["id"], conn["id"]))
    await db.fetch("DELETE FROM session_event")
    t0 = datetime.now(UTC) - timedelta(hours=2)
    for sid, history in zip(sessions, HISTORIES, strict=True):
        for seconds, status, with_agent, with_department in history:
            await db.fetch(
                "INSERT INTO session_event (organization_id, session_id, kind, status,"
                " actor_type, assigned_agent_id, assigned_department_id, at)"
                " VALUES ($1, $2, 'STATUS', $3, 'SYSTEM', $4, $5, $6)",
                uuid.UUID(org.id), uuid.UUID(sid), status,
                uuid.UUID(agent_id) if with_agent else None,
                uuid.UUID(sales["id"]) if with_department else None,
                t0 + timedelta(seconds=seconds),
            )  # fmt: skip

    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as s:
            principal = Principal(
                organization_id=uuid.UUID(org.id), user_id=uuid.UUID(org.admin_id), role=Role.ADMIN
            )
            viewer = await load_viewer(s, principal)
            data = await dashboard.load(s, viewer, settings.timezone, 7, now=t0 + timedelta(days=1))
    finally:
        await engine.dispose()
    figures = {st.state: (st.sessions, st.average, st.median) for st in data.time_in_state}
    assert figures == {
        "AUTOMATION": (3, 70.0, 60.0),  # 60, 20 and 130 s
        "WAITING": (2, 210.0, 210.0),  # 120 and 300 s
        "ATTENDING": (2, 250.0, 250.0),  # 300 s; 100 + 100 s across a department change
    }

    await sign_in(client, org.email)
    page = await client.get("/inbox/dashboard?days=7")
    assert page.status_code == 200
    assert 'id="chart-states"' in page.text
    for label in ("automação", "espera", "atendimento"):
        assert label in page.text
    assert "1:10" in page.text and "3:30" in page.text and "4:10" in page.text
