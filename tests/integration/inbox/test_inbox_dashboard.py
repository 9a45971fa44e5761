"""The dashboard's figures, from rows with known times."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from apikit import Client, connection, contact, department, session
from inboxkit import sign_in
from support.orgs import Org
from support.webhooks import Db

from app.auth.principal import Principal
from app.config import Settings
from app.db.engine import make_engine, make_sessionmaker
from app.db.enums import Role, SessionStatus
from app.inbox import dashboard
from app.inbox.viewer import load_viewer


class Seed:
    def __init__(self, db: Db, org: Org, conn: dict) -> None:
        self.db, self.org, self.conn = db, org, conn

    async def message(self, sid: str, cid: str, author: str, at: datetime) -> None:
        direction = "IN" if author == "CUSTOMER" else "OUT"
        await self.db.fetch(
            """INSERT INTO message (organization_id, session_id, contact_id, connection_id,
                   direction, author, type, content, status, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, 'TEXT', '{"text": "x"}', 'SENT', $7)""",
            uuid.UUID(self.org.id), uuid.UUID(sid), uuid.UUID(cid), uuid.UUID(self.conn["id"]),
            direction, author, at,
        )  # fmt: skip

    async def handoff(self, sid: str, at: datetime, reason: str | None) -> None:
        turn = await self.db.val(
            """INSERT INTO turn (organization_id, session_id, burst_key, status, message_ids,
                   first_message_at, last_message_at, deadline_at, fired_at, lateness_ms)
               VALUES ($1, $2, $3, 'ANSWERED', '{}', $4, $4, $4, $4, 1) RETURNING id""",
            uuid.UUID(self.org.id), uuid.UUID(sid), str(uuid.uuid4()), at,
        )  # fmt: skip
        await self.db.fetch(
            """INSERT INTO ai_turn (turn_id, organization_id, session_id, outcome, reason, notice,
                   created_at) VALUES ($1, $2, $3, 'ANSWERED', $4, 'handoff', $5)""",
            turn, uuid.UUID(self.org.id), uuid.UUID(sid), reason, at,
        )  # fmt: skip


async def test_the_dashboard_counts_authors_first_responses_resolutions_and_queues(
    client: Client, settings: Settings, org: Org
) -> None:
    assert settings.database_url
    db = Db(settings.database_url)
    conn = await connection(client, org)
    sales = await department(client, org, "Vendas")
    seed = Seed(db, org, conn)
    t0 = datetime.now(UTC) - timedelta(hours=1)
    people = [await contact(client, org, name=f"P{i}") for i in range(4)]
    statuses = (SessionStatus.CLOSED, SessionStatus.CLOSED, SessionStatus.QUEUED,
                SessionStatus.ACTIVE)  # fmt: skip
    departments = (None, None, sales["id"], None)
    by_ai, handed, queued, active = [
        await session(settings, org, p["id"], conn["id"], status=st, department_id=d)
        for p, st, d in zip(people, statuses, departments, strict=True)
    ]
    await db.fetch("UPDATE session SET closed_at = now() WHERE status = 'CLOSED'")
    await seed.message(by_ai, people[0]["id"], "CUSTOMER", t0)
    await seed.message(by_ai, people[0]["id"], "AI", t0 + timedelta(seconds=10))
    await seed.message(handed, people[1]["id"], "CUSTOMER", t0)
    await seed.message(handed, people[1]["id"], "AI", t0 + timedelta(seconds=5))
    await seed.handoff(handed, t0 + timedelta(seconds=6), None)
    await seed.message(handed, people[1]["id"], "AGENT", t0 + timedelta(seconds=66))
    await seed.message(queued, people[2]["id"], "CUSTOMER", t0)
    await seed.handoff(queued, t0 + timedelta(seconds=1), "handoff_keyword")
    await db.fetch("UPDATE session SET created_at = $1", t0)
    campaign = await db.val(
        "INSERT INTO campaign (organization_id, name, status) VALUES ($1, 'Natal', 'RUNNING')"
        " RETURNING id",
        uuid.UUID(org.id),
    )
    for person, status in zip(people, ("READ", "REPLIED", "FAILED", "PENDING"), strict=True):
        await db.fetch(
            "INSERT INTO campaign_recipient (organization_id, campaign_id, contact_id, status)"
            " VALUES ($1, $2, $3, $4)",
            uuid.UUID(org.id), campaign, uuid.UUID(person["id"]), status,
        )  # fmt: skip

    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as s:
            principal = Principal(
                organization_id=uuid.UUID(org.id), user_id=uuid.UUID(org.admin_id), role=Role.ADMIN
            )
            data = await dashboard.load(s, await load_viewer(s, principal), settings.timezone, 7)
    finally:
        await engine.dispose()
    assert data.volume_totals["CUSTOMER"] == 3 and data.volume_totals["AI"] == 2
    assert data.volume_totals["AGENT"] == 1
    assert sum(bar.value for bar in data.volume) == 6
    [(_, ai_median, human_median)] = [r for r in data.first_response if r[1] is not None]
    assert (ai_median, human_median) == (7.5, 60.0)  # AI: 10 s and 5 s; human: after handoff
    assert (data.closed, data.resolved_by_ai) == (2, 1)
    assert data.handoffs == {"tool": 1, "keyword": 1}
    assert {bar.label: bar.value for bar in data.open_queue} == {"Vendas": 1, "—": 1}
    assert data.campaigns.running == 1 and data.campaigns.failed == 1
    assert dict(data.campaigns.funnel) == {"sent": 2, "delivered": 2, "read": 2, "replied": 1}

    await sign_in(client, org.email)
    page = await client.get("/inbox/dashboard?days=7")
    assert page.status_code == 200
    assert "50%" in page.text and "1 / 2" in page.text
    assert "Vendas" in page.text and "Sem departamento" in page.text
    assert 'id="chart-campaigns"' in page.text and "Respondidas" in page.text
    assert 'class="bars"' in page.text and "0:08" in page.text and "1:00" in page.text
    assert active  # an open session without a department counts in the queue
