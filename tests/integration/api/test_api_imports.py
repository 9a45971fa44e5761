"""Imports through HTTP and the real arq job: upload → 202 → worker → DONE with exact
counters and file line numbers; a run killed mid-way is found by the reconciler and
resumed without doubling anything; bad files answer 4xx with a code."""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from apikit import Client, contact, ok
from arq.connections import RedisSettings, create_pool
from support.orgs import Org

from app.config import Settings
from app.contact_lists import imports, uploads
from app.db.engine import make_engine
from app.media.storage import LocalMediaStorage
from workers.context import CONTEXT_KEY, build_context
from workers.reconcile import reconcile

sys.path.insert(0, str(Path(__file__).parents[2] / "workers"))
from worker_harness import FAST, Workers

FIXTURES = Path(__file__).parents[2] / "fixtures" / "contacts"
BASE = "/api/v1/contact-lists"
CP1252 = "contatos-excel-cp1252.csv"


async def new_list(client: Client, org: Org) -> str:
    body = {"name": f"Importados {uuid.uuid4().hex[:6]}"}
    created = await ok(await client.post(BASE, json=body, headers=org.headers), 201)
    return str(created["id"])


async def upload(
    client: Client, org: Org, list_id: str, name: str, data: bytes | None = None, **form: str
) -> Any:
    content = data if data is not None else (FIXTURES / name).read_bytes()
    return await client.post(
        f"{BASE}/{list_id}/imports",
        files={"file": (name, content, "application/octet-stream")},
        data=form,
        headers=org.headers,
    )


async def get_import(client: Client, org: Org, list_id: str, import_id: str) -> Any:
    return await ok(await client.get(f"{BASE}/{list_id}/imports/{import_id}", headers=org.headers))


def counters(found: dict[str, Any]) -> dict[str, Any]:
    keys = ("status", "totalRows", "processedRows", "created", "updated", "duplicates")
    return {k: found[k] for k in (*keys, "invalid", "optedOut")}


async def test_import_through_the_job(client: Client, org: Org, settings: Settings) -> None:
    list_id = await new_list(client, org)
    await contact(client, org, phoneNumber="5511987654321", name="Já Era Cliente")
    zé = await contact(client, org, phoneNumber="5531987654321")
    await ok(await client.post(f"/api/v1/contacts/{zé['id']}/opt-out", headers=org.headers))
    accepted = await upload(client, org, list_id, CP1252)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["status"] == "PENDING"
    assert accepted.json()["fileName"] == CP1252
    await Workers(settings).run()
    done = await get_import(client, org, list_id, accepted.json()["id"])
    assert counters(done) == {
        "status": "DONE",
        "totalRows": 6,
        "processedRows": 6,
        "created": 1,
        "updated": 1,
        "duplicates": 1,
        "invalid": 2,
        "optedOut": 1,
    }
    assert [(e["line"], e["code"]) for e in done["errors"]] == [
        (3, "invalid_email"),
        (5, "missing_phone"),
        (6, "invalid_phone"),
        (7, "duplicate_in_file"),
        (8, "opted_out"),
    ]
    assert done["errors"][2] == {
        "line": 6,
        "column": "Telefone",
        "value": "12345",
        "code": "invalid_phone",
    }
    assert done["finishedAt"] is not None
    members = await ok(await client.get(f"{BASE}/{list_id}/contacts", headers=org.headers))
    by_phone = {c["phoneNumber"]: c for c in members["data"]}
    assert sorted(by_phone) == ["5511987654321", "5521998877665"]
    assert by_phone["5511987654321"]["name"] == "João da Conceição"
    assert by_phone["5521998877665"]["fields"] == {"cidade": "Niterói"}
    assert by_phone["5521998877665"]["source"] == "IMPORT"
    stored = list(settings.media_dir.rglob("*.csv"))
    assert stored == []  # the file goes once the import ends


async def test_killed_import_is_reconciled_and_resumed(
    client: Client, org: Org, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    list_id = await new_list(client, org)
    lines = ["telefone;nome"] + [f"1198765{i:04d};Pessoa {i}" for i in range(9)]
    lines.append("11987650003;Repetida")  # line 11 repeats line 5
    data = ("\n".join(lines) + "\n").encode()
    accepted = await upload(client, org, list_id, "lote.csv", data)
    import_id = uuid.UUID(accepted.json()["id"])
    monkeypatch.setattr(imports, "BATCH_ROWS", 4)

    def killed_after_first_batch(done: int, total: int) -> None:
        raise asyncio.CancelledError  # the worker died (a timeout, a SIGKILL)

    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=2)
    storage = LocalMediaStorage(settings.media_dir)
    try:
        with pytest.raises(asyncio.CancelledError):
            await imports.run_import(engine, storage, import_id, killed_after_first_batch)
    finally:
        await engine.dispose()
    halfway = await get_import(client, org, list_id, str(import_id))
    assert (halfway["status"], halfway["processedRows"], halfway["created"]) == ("RUNNING", 4, 4)
    # Redis lost the job: the queue is emptied, then the reconciler finds the import.
    assert settings.redis_url
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:
        await pool.flushdb()
        shared = build_context(settings, FAST)
        try:
            found = await reconcile({CONTEXT_KEY: shared, "redis": pool})
        finally:
            await shared.aclose()
    finally:
        await pool.aclose()
    assert found["import_contacts"] == 1
    await Workers(settings).run()
    done = await get_import(client, org, list_id, str(import_id))
    assert counters(done) == {
        "status": "DONE",
        "totalRows": 10,
        "processedRows": 10,
        "created": 9,
        "updated": 0,
        "duplicates": 1,
        "invalid": 0,
        "optedOut": 0,
    }
    assert [(e["line"], e["code"]) for e in done["errors"]] == [(11, "duplicate_in_file")]
    listed = await ok(await client.get(f"{BASE}/{list_id}", headers=org.headers))
    assert listed["contactCount"] == 9


async def test_two_runs_at_once_import_once(
    client: Client, org: Org, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    list_id = await new_list(client, org)
    data = ("telefone\n" + "".join(f"1198766{i:04d}\n" for i in range(30))).encode()
    accepted = await upload(client, org, list_id, "lote.csv", data)
    import_id = uuid.UUID(accepted.json()["id"])
    monkeypatch.setattr(imports, "BATCH_ROWS", 3)
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=4)
    storage = LocalMediaStorage(settings.media_dir)
    try:
        await asyncio.gather(
            imports.run_import(engine, storage, import_id),
            imports.run_import(engine, storage, import_id),
        )
    finally:
        await engine.dispose()
    done = await get_import(client, org, list_id, str(import_id))
    assert (done["status"], done["processedRows"], done["created"]) == ("DONE", 30, 30)
    assert done["duplicates"] == 0


async def test_import_of_xlsx_with_mapping(client: Client, org: Org, settings: Settings) -> None:
    list_id = await new_list(client, org)
    mapping = '{"Pontos": "ignore", "Nascimento": "field:aniversario"}'
    accepted = await upload(client, org, list_id, "contatos-numeros.xlsx", mapping=mapping)
    assert accepted.status_code == 202, accepted.text
    await Workers(settings).run()
    done = await get_import(client, org, list_id, accepted.json()["id"])
    assert (done["status"], done["created"], done["duplicates"]) == ("DONE", 3, 1)
    assert done["mapping"] == {"Pontos": "ignore", "Nascimento": "field:aniversario"}
    members = await ok(await client.get(f"{BASE}/{list_id}/contacts", headers=org.headers))
    ana = next(c for c in members["data"] if c["name"] == "Ana")
    assert ana["fields"] == {"aniversario": "1990-05-17"}


@pytest.mark.parametrize(
    ("name", "data", "form", "status", "code"),
    [
        ("vazio.csv", b"", {}, 422, "empty_file"),
        ("foto.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01", {}, 422, "not_a_spreadsheet"),
        ("sem-fone.csv", b"nome;cidade\nAna;Recife\n", {}, 422, "no_phone_column"),
        ("ok.csv", b"telefone\n11987654321\n", {"mapping": "[1]"}, 422, "invalid_mapping"),
        ("ok.csv", b"telefone\n11987654321\n", {"mapping": '{"x": "name"}'}, 422, "unknown_column"),
        ("ok.csv", b"telefone\n11987654321\n", {"mapping": '{"telefone": "y"}'}, 422,
         "invalid_mapping"),
        ("quebrado.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1lixo", {}, 422, "unreadable_file"),
    ],
)  # fmt: skip
async def test_bad_files_are_refused_at_upload(
    client: Client, org: Org, name: str, data: bytes, form: dict[str, str], status: int, code: str
) -> None:
    list_id = await new_list(client, org)
    response = await upload(client, org, list_id, name, data, **form)
    assert (response.status_code, response.json()["code"]) == (status, code), response.text


async def test_upload_limits_and_missing_file(
    client: Client, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    list_id = await new_list(client, org)
    monkeypatch.setattr(uploads, "MAX_BYTES", 100)
    big = await upload(client, org, list_id, "grande.csv", b"telefone\n" + b"11987654321\n" * 20)
    assert (big.status_code, big.json()["code"]) == (413, "file_too_large")
    none = await client.post(
        f"{BASE}/{list_id}/imports", files={"mapping": (None, "{}")}, headers=org.headers
    )
    assert none.status_code == 422, none.text
    assert none.json()["extra"]["field"] == "file", none.json()


async def test_preview(client: Client, org: Org) -> None:
    list_id = await new_list(client, org)
    response = await client.post(
        f"{BASE}/{list_id}/imports/preview",
        files={"file": ("u.txt", (FIXTURES / "contatos-unicode.txt").read_bytes())},
        headers=org.headers,
    )
    body = await ok(response)
    assert body["headers"] == ["Celular", "Nome completo", "Observação"]
    assert body["rows"][1] == ["(48) 99123-4567 ext. 3", "Bruna Ávila", "prefere manhã"]
    assert len(body["rows"]) == 3
    assert body["detectedMapping"] == {
        "Celular": "phoneNumber",
        "Nome completo": "name",
        "Observação": "field:observacao",
    }
    assert (body["delimiter"], body["encoding"], body["kind"]) == ("\t", "utf-16", "csv")


async def test_imports_of_another_tenant(client: Client, org: Org, other_org: Org) -> None:
    list_id = await new_list(client, org)
    accepted = await upload(client, org, list_id, CP1252)
    path = f"{BASE}/{list_id}/imports/{accepted.json()['id']}"
    assert (await client.get(path, headers=other_org.headers)).status_code == 404
    theirs = await upload(client, other_org, list_id, CP1252)
    assert theirs.status_code == 404
