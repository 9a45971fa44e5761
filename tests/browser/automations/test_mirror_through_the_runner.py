"""A group mirror on a WhatsApp-Web number, end to end through the real runner and the
look-alike page: an offer a participant writes in the source group is taken in once,
its Amazon short link expanded and tagged, and typed as a new message into the
destination group; after a restart of the runner (and the posting job run again)
nothing is posted twice."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from mirrorkit import Pg, intake_all, post_now
from test_runner import _connected, _when
from wweb_runner_support import StartRunner, Web, eventually

from app.config import Settings
from app.mirrors.links import LinkService
from workers.context import CONTEXT_KEY, WorkerContext
from workers.deliver import deliver_message
from workers.groups import sync_connection_groups

ANA = "5511987654321"
pytestmark = pytest.mark.usefixtures("redis_env")
OFFER = "🎧 *Fone JBL Tune 520BT* por R$ 199,90 👉 https://amzn.to/3xyzJBL"


async def test_an_offer_crosses_from_group_to_group_once(
    make_web: Any,
    start_runner: StartRunner,
    control: httpx.AsyncClient,
    settings: Settings,
    deps: WorkerContext,
    links: LinkService,
    redis: Any,
) -> None:
    first = await start_runner()
    web: Web = await make_web()
    await _connected(web, control)
    members = [{"phone": ANA, "name": "Ana"}]
    for key, subject in (("120363025746281234", "Ofertas do Zé"), ("120363041122334455", "VIP")):
        body = {"key": key, "subject": subject, "participants": members}
        (await control.post("/_control/group", json=body)).raise_for_status()
    ctx = {CONTEXT_KEY: deps, "redis": redis, "job_try": 1}
    assert await sync_connection_groups(ctx, web.id) == "requested"
    await eventually(lambda: _when(web.get("/groups"), lambda g: len(g) == 2))

    mirror = {
        "name": "Zé → VIP",
        "connectionId": web.id,
        "sourceGroupIds": ["group:Ofertas do Zé"],
        "destinationGroupIds": ["group:VIP"],
        "affiliate": {"amazonTag": "padaria-20"},
        "minIntervalPerGroupSeconds": 0,
        "minIntervalSeconds": 0,
    }
    made = await web.client.post("/api/v1/mirrors", json=mirror, headers=web.org.headers)
    assert made.status_code == 201, made.text

    said = {"group": "Ofertas do Zé", "from": ANA, "name": "Ana", "text": OFFER}
    (await control.post("/_control/group-message", json=said)).raise_for_status()
    pg = Pg(settings)
    await eventually(lambda: _when(pg.posts(), lambda p: len(p) == 1))
    sessions = await pg.fetch("SELECT status FROM session")
    assert {r["status"] for r in sessions} == {"PAUSED"}  # nobody's queue, no AI
    now = datetime.now(UTC)
    assert await intake_all(deps, pg, now, links) == ["QUEUED"]
    assert await post_now(deps, now) == 1
    (delivery,) = await pg.deliveries()
    assert (await deliver_message(ctx, str(delivery["message_id"]))).startswith("SENT")
    sent = (await control.get("/_control/sent")).json()
    assert [s["to"] for s in sent] == ["120363041122334455"]
    assert "https://www.amazon.com.br/dp/B0C1JBL520?tag=padaria-20" in sent[0]["text"]
    assert "amzn.to" not in sent[0]["text"]
    (delivery,) = await pg.deliveries()
    assert delivery["status"] == "POSTED"

    # The runner restarts; the posting job and the delivery job run again.
    await first.stop()
    await start_runner()
    await eventually(lambda: web.status_is("CONNECTED"))
    assert await post_now(deps, datetime.now(UTC)) == 0
    again = await deliver_message(ctx, str(delivery["message_id"]))
    assert again.startswith("skipped")
    assert len((await control.get("/_control/sent")).json()) == 1
    (post,) = await pg.posts()
    assert post["status"] == "POSTED"
