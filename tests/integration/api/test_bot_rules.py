"""Bot rules through HTTP: CRUD, validation with codes, reorder, tenancy and the
"test a message" endpoint."""

from __future__ import annotations

from typing import Any

from apikit import Client, connection, department, ok, tabulation, user
from support.orgs import Org

MENU_RULE: dict[str, Any] = {
    "name": "Menu principal",
    "match": {"kind": "ANY"},
    "actions": [
        {
            "type": "MENU",
            "text": "Olá {{primeiro_nome}}! Como posso ajudar?",
            "options": [
                {
                    "key": "1",
                    "label": "2ª via do boleto",
                    "actions": [
                        {"type": "REPLY", "text": "Seu boleto: https://isp.example/boleto"}
                    ],
                },
                {
                    "key": "2",
                    "label": "Suporte técnico",
                    "actions": [
                        {
                            "type": "MENU",
                            "text": "Qual problema?",
                            "options": [
                                {
                                    "key": "1",
                                    "label": "Sem internet",
                                    "actions": [{"type": "REPLY", "text": "Reinicie o roteador."}],
                                },
                            ],
                        }
                    ],
                },
                {
                    "key": "3",
                    "label": "Falar com atendente",
                    "actions": [{"type": "HANDOFF", "reason": "pediu atendente"}],
                },
            ],
        }
    ],
}


async def create(client: Client, org: Org, body: dict[str, Any], status: int = 201) -> Any:
    return await ok(await client.post("/api/v1/bot-rules", json=body, headers=org.headers), status)


async def code_of(client: Client, org: Org, body: dict[str, Any]) -> tuple[int, str]:
    response = await client.post("/api/v1/bot-rules", json=body, headers=org.headers)
    return response.status_code, response.json()["code"]


def reply_rule(name: str, kind: str, value: str | None, text: str, **extra: Any) -> dict[str, Any]:
    match = {"kind": kind, **({"value": value} if value is not None else {})}
    return {"name": name, "match": match, "actions": [{"type": "REPLY", "text": text}], **extra}


async def test_crud_keeps_the_contract_shape(client: Client, org: Org) -> None:
    made = await create(client, org, MENU_RULE)
    assert made["priority"] == 10 and made["isActive"] is True
    assert made["match"] == {"kind": "ANY", "value": None}
    menu = made["actions"][0]
    assert menu["type"] == "MENU" and menu["maxRetries"] == 3 and menu["invalidText"]
    assert menu["options"][1]["actions"][0]["type"] == "MENU"
    second = await create(client, org, reply_rule("Horário", "CONTAINS", "horário", "8h às 18h"))
    assert second["priority"] == 20

    listed = await ok(await client.get("/api/v1/bot-rules", headers=org.headers))
    assert [r["name"] for r in listed["data"]] == ["Menu principal", "Horário"]
    patched = await ok(
        await client.patch(
            f"/api/v1/bot-rules/{second['id']}",
            json={"isActive": False, "when": {"openHours": False, "sessionStatus": ["QUEUED"]}},
            headers=org.headers,
        )
    )
    assert patched["isActive"] is False
    assert patched["when"] == {"openHours": False, "sessionStatus": ["QUEUED"]}
    got = await ok(await client.get(f"/api/v1/bot-rules/{second['id']}", headers=org.headers))
    assert got == patched
    deleted = await client.delete(f"/api/v1/bot-rules/{second['id']}", headers=org.headers)
    assert deleted.status_code == 204
    gone = await client.get(f"/api/v1/bot-rules/{second['id']}", headers=org.headers)
    assert gone.status_code == 404


async def test_reorder_swaps_priorities(client: Client, org: Org) -> None:
    a = await create(client, org, reply_rule("A", "EQUALS", "a", "A"))
    b = await create(client, org, reply_rule("B", "EQUALS", "b", "B"))
    c = await create(client, org, reply_rule("C", "EQUALS", "c", "C"))
    body = {"ids": [c["id"], a["id"], b["id"]]}
    await ok(await client.post("/api/v1/bot-rules/reorder", json=body, headers=org.headers))
    listed = await ok(await client.get("/api/v1/bot-rules", headers=org.headers))
    assert [r["name"] for r in listed["data"]] == ["C", "A", "B"]
    bad = await client.post(
        "/api/v1/bot-rules/reorder",
        json={"ids": ["00000000-0000-0000-0000-000000000001"]},
        headers=org.headers,
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "unknown_rule")


async def test_validation_answers_422_with_codes(client: Client, org: Org) -> None:
    assert await code_of(client, org, reply_rule("r", "REGEX", "(a", "x")) == (422, "invalid_regex")
    assert await code_of(client, org, reply_rule("r", "REGEX", "a" * 501, "x")) == (
        422,
        "regex_too_long",
    )
    assert await code_of(client, org, reply_rule("r", "EQUALS", "  ", "x")) == (
        422,
        "match_value_required",
    )
    empty_menu = {**MENU_RULE, "actions": [{"type": "MENU", "text": "Escolha", "options": []}]}
    assert await code_of(client, org, empty_menu) == (422, "menu_options_required")
    deep: dict[str, Any] = {"type": "REPLY", "text": "fundo"}
    for _ in range(5):
        deep = {
            "type": "MENU",
            "text": "nível",
            "options": [{"key": "1", "label": "mais", "actions": [deep]}],
        }
    assert await code_of(client, org, {**MENU_RULE, "actions": [deep]}) == (422, "menu_too_deep")
    mixed = {**MENU_RULE, "actions": [{"type": "REPLY", "text": "oi"}, {"type": "HAND_TO_AI"}]}
    assert await code_of(client, org, mixed) == (422, "conflicting_actions")
    unknown = "00000000-0000-0000-0000-0000000000aa"
    tab = {**MENU_RULE, "actions": [{"type": "TABULATE", "tabulationId": unknown}]}
    assert await code_of(client, org, tab) == (422, "unknown_tabulation")
    dept = {**MENU_RULE, "actions": [{"type": "ASSIGN", "departmentId": unknown}]}
    assert await code_of(client, org, dept) == (422, "unknown_department")
    agent = {**MENU_RULE, "actions": [{"type": "ASSIGN", "agentId": unknown}]}
    assert await code_of(client, org, agent) == (422, "unknown_agent")
    scoped = {**reply_rule("r", "ANY", None, "x"), "connectionId": unknown}
    assert await code_of(client, org, scoped) == (422, "unknown_connection")
    bad_copy = reply_rule("r", "ANY", None, "Olá {{}}")
    assert await code_of(client, org, bad_copy) == (422, "invalid_template")
    wrong_type = {**MENU_RULE, "actions": [{"type": "DANCE"}]}
    refused = await client.post("/api/v1/bot-rules", json=wrong_type, headers=org.headers)
    assert refused.status_code == 422


async def test_another_organizations_rules_and_ids_are_unknown(
    client: Client, org: Org, other_org: Org
) -> None:
    theirs = await create(client, other_org, reply_rule("deles", "ANY", None, "x"))
    their_tab = await tabulation(client, other_org, "Deles")
    their_dept = await department(client, other_org, "Deles")
    their_conn = await connection(client, other_org)
    for method in ("get", "delete"):
        response = await getattr(client, method)(
            f"/api/v1/bot-rules/{theirs['id']}", headers=org.headers
        )
        assert response.status_code == 404
    patched = await client.patch(
        f"/api/v1/bot-rules/{theirs['id']}", json={"name": "meu"}, headers=org.headers
    )
    assert patched.status_code == 404
    listed = await ok(await client.get("/api/v1/bot-rules", headers=org.headers))
    assert listed["data"] == []
    tab = {**MENU_RULE, "actions": [{"type": "TABULATE", "tabulationId": their_tab["id"]}]}
    assert await code_of(client, org, tab) == (422, "unknown_tabulation")
    assert await code_of(client, org, {**MENU_RULE, "departmentId": their_dept["id"]}) == (
        422,
        "unknown_department",
    )
    assert await code_of(client, org, {**MENU_RULE, "connectionId": their_conn["id"]}) == (
        422,
        "unknown_connection",
    )
    reorder = await client.post(
        "/api/v1/bot-rules/reorder", json={"ids": [theirs["id"]]}, headers=org.headers
    )
    assert reorder.json()["code"] == "unknown_rule"


async def test_agents_read_but_cannot_write(client: Client, org: Org) -> None:
    _, agent = await user(client, org, "AGENT", "agente@bot.example", [])
    refused = await client.post("/api/v1/bot-rules", json=MENU_RULE, headers=agent)
    assert refused.status_code == 403
    assert (await client.get("/api/v1/bot-rules", headers=agent)).status_code == 200


async def test_the_test_endpoint_walks_a_menu(client: Client, org: Org) -> None:
    rule = await create(client, org, MENU_RULE)
    await create(client, org, reply_rule("Horário", "CONTAINS", "horario", "Das 8h às 18h."))

    async def test(body: dict[str, Any]) -> Any:
        return await ok(await client.post("/api/v1/bot-rules/test", json=body, headers=org.headers))

    first = await test({"text": "Oi", "contactName": "Maria Souza"})
    assert (first["fired"], first["kind"], first["ruleName"]) == (True, "rule", "Menu principal")
    assert first["replies"] == [
        "Olá Maria! Como posso ajudar?\n\n1 - 2ª via do boleto\n2 - Suporte técnico\n"
        "3 - Falar com atendente"
    ]
    assert first["menuState"] == {"ruleId": rule["id"], "path": [], "retries": 0}
    by_label = await test({"text": "SUPORTE TECNICO", "menuState": first["menuState"]})
    assert by_label["kind"] == "menu_option" and by_label["menuState"]["path"] == ["2"]
    assert by_label["replies"][0].startswith("Qual problema?")
    sub = await test({"text": "1", "menuState": by_label["menuState"]})
    assert sub["replies"] == ["Reinicie o roteador."] and sub["menuState"] is None
    wrong = await test({"text": "banana", "menuState": {**first["menuState"], "retries": 2}})
    assert wrong["kind"] == "menu_retry_limit"
    assert wrong["actions"] == [{"type": "HANDOFF", "reason": "bot_retry_limit"}]

    await client.patch(
        f"/api/v1/bot-rules/{rule['id']}", json={"isActive": False}, headers=org.headers
    )
    hours = await test({"text": "Qual o HORÁRIO?"})
    assert hours["ruleName"] == "Horário" and hours["replies"] == ["Das 8h às 18h."]
    nothing = await test({"text": "obrigado"})
    assert (nothing["fired"], nothing["kind"]) == (False, "none")
