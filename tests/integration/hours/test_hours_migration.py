"""Migration 0020 rewrites a connection's old-shape hours in the new shape (same
ranges, holidays still not closing) and back on downgrade."""

from __future__ import annotations

import asyncio
import json
import uuid

from support.orgs import Org
from support.webhooks import Db

from alembic import command
from app.db.migrate import alembic_config

OLD = {
    "timezone": "America/Bahia",
    "days": {"mon": [["08:00", "18:00"]], "fri": [["22:00", "02:00"]]},
}


async def test_old_connection_hours_move_to_the_new_shape(database: str, org: Org) -> None:
    config = alembic_config(database)
    await asyncio.to_thread(command.downgrade, config, "0019")
    db = Db(database)
    await db.val(
        """INSERT INTO connection (organization_id, name, provider, webhook_token, business_hours)
           VALUES ($1, 'antigo', 'NATIVE', 'tok-old-shape', $2::jsonb),
                  ($1, 'sem', 'NATIVE', 'tok-no-hours', NULL) RETURNING id""",
        uuid.UUID(org.id),
        json.dumps(OLD),
    )
    await asyncio.to_thread(command.upgrade, config, "0020")
    rows = {
        r["name"]: r["business_hours"]
        for r in await db.fetch("SELECT name, business_hours FROM connection")
    }
    assert rows["sem"] is None
    assert json.loads(rows["antigo"]) == {
        "timezone": "America/Bahia",
        "weekly": {"MON": [["08:00", "18:00"]], "FRI": [["22:00", "02:00"]]},
        "holidays": {"country": "BR", "subdivision": None, "closed": False},
        "overrides": [],
    }
    await asyncio.to_thread(command.downgrade, config, "0019")
    [back] = await db.fetch("SELECT business_hours FROM connection WHERE name = 'antigo'")
    assert json.loads(back["business_hours"]) == OLD
    await asyncio.to_thread(command.upgrade, config, "head")
