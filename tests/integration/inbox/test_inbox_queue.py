"""The queue: statuses, filters, search, what each role sees, waiting time, live rows."""

from __future__ import annotations

from apikit import (
    Client,
    connection,
    contact,
    department,
    message,
    ok,
    session,
    tabulation,
    user,
)
from inboxkit import INBOX, fragment, row_ids, sign_in
from support.orgs import Org

from app.config import Settings
from app.db.enums import SessionStatus


async def _session(
    client: Client, settings: Settings, org: Org, conn: dict, name: str, **extra: object
) -> str:
    person = await contact(client, org, name=name)
    return await session(settings, org, person["id"], conn["id"], **extra)  # type: ignore[arg-type]


async def test_each_status_tab_lists_its_sessions_with_counts(
    client: Client, settings: Settings, org: Org
) -> None:
    conn = await connection(client, org)
    queued = await _session(client, settings, org, conn, "Ana Fila")
    active = await _session(client, settings, org, conn, "Bia Ativa", status=SessionStatus.ACTIVE)
    paused = await _session(client, settings, org, conn, "Caio Pausa", status=SessionStatus.PAUSED)
    closed = await _session(client, settings, org, conn, "Duda Fim", status=SessionStatus.CLOSED)
    await sign_in(client, org.email)
    for status, expected in (
        ("QUEUED", [queued]),
        ("ACTIVE", [active]),
        ("PAUSED", [paused]),
        ("CLOSED", [closed]),
    ):
        html = await fragment(client, f"/inbox/queue?status={status}")
        assert row_ids(html) == expected, status
    assert set(row_ids(await fragment(client, "/inbox/queue?status=ALL"))) == {
        queued,
        active,
        paused,
        closed,
    }
    counts = await ok(await client.get("/inbox/queue/counts", headers=INBOX))
    assert counts == {"QUEUED": 1, "ACTIVE": 1, "PAUSED": 1}


async def test_the_page_shows_the_queue_and_an_unknown_status_is_a_422(
    client: Client, settings: Settings, org: Org
) -> None:
    conn = await connection(client, org)
    sid = await _session(client, settings, org, conn, "Elisa Página")
    await sign_in(client, org.email)
    page = await client.get("/inbox")
    assert row_ids(page.text) == [sid] and "Elisa Página" in page.text
    bad = await client.get("/inbox/queue?status=NOPE", headers=INBOX)
    assert bad.status_code == 422
    assert bad.json()["extra"]["field"] == "status"


async def test_waiting_for_the_longest_comes_first_with_the_unanswered_count(
    client: Client, settings: Settings, org: Org
) -> None:
    conn = await connection(client, org)
    first = await _session(client, settings, org, conn, "Primeira")
    second = await _session(client, settings, org, conn, "Segunda")
    await message(client, org, first, "oi")
    await message(client, org, second, "olá")
    await message(client, org, first, "alguém?")
    await message(client, org, second, "bom dia", author="AGENT", sendExternalMessage=False)
    await message(client, org, second, "obrigado")
    await sign_in(client, org.email)
    html = await fragment(client, "/inbox/queue?status=QUEUED")
    # "first" has waited since "oi"; "second" only since "obrigado", after a reply.
    assert row_ids(html) == [first, second]
    first_row = html[html.index(f'id="q-{first}"') :]
    assert 'class="unread" title="2 sem resposta"' in first_row.split("</a>")[0]
    second_row = html[html.index(f'id="q-{second}"') :].split("</a>")[0]
    assert 'title="1 sem resposta"' in second_row
    assert "Cliente:</span>" in second_row and "obrigado" in second_row
    assert "data-since=" in second_row


async def test_filters_narrow_the_queue(client: Client, settings: Settings, org: Org) -> None:
    conn = await connection(client, org)
    sales = await department(client, org, "Vendas")
    agent_id, _ = await user(client, org, "AGENT", "ana@padaria.example", [sales["id"]])
    vip = await tabulation(client, org, "VIP")
    in_sales = await _session(client, settings, org, conn, "Vendas 1", department_id=sales["id"])
    mine = await _session(client, settings, org, conn, "Da Ana", agent_id=agent_id)
    loose = await _session(client, settings, org, conn, "Solto")
    await ok(
        await client.post(
            f"/api/v1/sessions/{loose}/tags",
            json={"tabulationIds": [vip["id"]]},
            headers=org.headers,
        )
    )
    await sign_in(client, "ana@padaria.example")
    assert row_ids(await fragment(client, f"/inbox/queue?department={sales['id']}")) == [in_sales]
    assert row_ids(await fragment(client, "/inbox/queue?mine=true")) == [mine]
    assert set(row_ids(await fragment(client, "/inbox/queue?unassigned=true"))) == {in_sales, loose}
    assert row_ids(await fragment(client, f"/inbox/queue?tabulation={vip['id']}")) == [loose]


async def test_search_finds_a_name_or_any_common_phone_form(
    client: Client, settings: Settings, org: Org
) -> None:
    conn = await connection(client, org)
    person = await contact(client, org, name="Mariana Souza", phoneNumber="+55 11 98765-4321")
    sid = await session(settings, org, person["id"], conn["id"])
    await _session(client, settings, org, conn, "Outra Pessoa")
    await sign_in(client, org.email)
    for q in ("mariana", "SOUZA", "98765-4321", "(11) 98765-4321", "11 8765-4321", "5511987654321"):
        html = await fragment(client, f"/inbox/queue?status=ALL&q={q}")
        assert row_ids(html) == [sid], q
    assert row_ids(await fragment(client, "/inbox/queue?status=ALL&q=%25")) == []


async def test_an_agent_sees_their_departments_their_own_and_the_general_queue(
    client: Client, settings: Settings, org: Org
) -> None:
    conn = await connection(client, org)
    sales = await department(client, org, "Vendas")
    support = await department(client, org, "Suporte")
    agent_id, _ = await user(client, org, "AGENT", "ana@padaria.example", [sales["id"]])
    other_id, _ = await user(client, org, "AGENT", "beto@padaria.example", [support["id"]])
    in_sales = await _session(client, settings, org, conn, "V", department_id=sales["id"])
    in_support = await _session(client, settings, org, conn, "S", department_id=support["id"])
    general = await _session(client, settings, org, conn, "G")
    given_to_beto = await _session(client, settings, org, conn, "B", agent_id=other_id)
    mine = await _session(
        client, settings, org, conn, "A", department_id=support["id"], agent_id=agent_id
    )
    await sign_in(client, "ana@padaria.example")
    seen = set(row_ids(await fragment(client, "/inbox/queue")))
    assert seen == {in_sales, general, mine}
    assert in_support not in seen and given_to_beto not in seen
    counts = await ok(await client.get("/inbox/queue/counts", headers=INBOX))
    assert counts["QUEUED"] == 3
    # An administrator sees everything.
    client.cookies.clear()
    await sign_in(client, org.email)
    assert len(row_ids(await fragment(client, "/inbox/queue"))) == 5


async def test_one_row_is_served_while_it_matches_the_filter(
    client: Client, settings: Settings, org: Org
) -> None:
    conn = await connection(client, org)
    sid = await _session(client, settings, org, conn, "Uma Linha")
    await sign_in(client, org.email)
    html = await fragment(client, f"/inbox/queue/rows/{sid}?status=QUEUED")
    assert row_ids(html) == [sid]
    await ok(
        await client.patch(
            f"/api/v1/sessions/{sid}/status", json={"status": "ACTIVE"}, headers=org.headers
        )
    )
    gone = await client.get(f"/inbox/queue/rows/{sid}?status=QUEUED", headers=INBOX)
    assert gone.status_code == 204
    assert row_ids(await fragment(client, f"/inbox/queue/rows/{sid}?status=ACTIVE")) == [sid]


async def test_more_than_a_page_offers_the_next_page(
    client: Client, settings: Settings, org: Org
) -> None:
    conn = await connection(client, org)
    ids = [await _session(client, settings, org, conn, f"Pessoa {i}") for i in range(52)]
    await sign_in(client, org.email)
    first = await fragment(client, "/inbox/queue")
    assert len(row_ids(first)) == 50 and 'data-page="2"' in first
    second = await fragment(client, "/inbox/queue?page=2")
    assert len(row_ids(second)) == 2 and 'data-action="more"' not in second
    assert set(row_ids(first)) | set(row_ids(second)) == set(ids)


async def test_another_organizations_session_has_no_row(
    client: Client, settings: Settings, org: Org, other_org: Org
) -> None:
    conn = await connection(client, other_org)
    person = await contact(client, other_org)
    theirs = await session(settings, other_org, person["id"], conn["id"])
    await sign_in(client, org.email)
    response = await client.get(f"/inbox/queue/rows/{theirs}?status=ALL", headers=INBOX)
    assert response.status_code == 204
    assert row_ids(await fragment(client, "/inbox/queue?status=ALL")) == []


async def test_group_posts_and_mirror_sources_stay_out_of_the_tabs(
    client: Client, settings: Settings, org: Org
) -> None:
    import asyncpg

    conn = await connection(client, org)
    paused = await _session(client, settings, org, conn, "Caio Pausa", status=SessionStatus.PAUSED)
    posted = await _session(
        client, settings, org, conn, "Grupo Ofertas", status=SessionStatus.PAUSED
    )
    source = await _session(client, settings, org, conn, "Grupo Fonte", status=SessionStatus.PAUSED)
    assert settings.database_url
    db = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        # As app.groups (a group the business posts in) and ingest (a mirror's source
        # group) open them.
        for sid, reason in ((posted, "group"), (source, "mirror")):
            await db.execute(
                "UPDATE session SET status_reason = $2 WHERE id = $1::uuid", sid, reason
            )
    finally:
        await db.close()
    await sign_in(client, org.email)
    for status in ("PAUSED", "ALL"):
        assert row_ids(await fragment(client, f"/inbox/queue?status={status}")) == [paused]
    counts = await ok(await client.get("/inbox/queue/counts", headers=INBOX))
    assert counts["PAUSED"] == 1
