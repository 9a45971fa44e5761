"""POST /api/v1/media: a file stored for sending, its type read from the bytes, served
back to its organization only."""

from __future__ import annotations

from pathlib import Path

import pytest
from apikit import Client, ok
from support.orgs import Org

from app.media import controllers

MEDIA = Path(__file__).parents[2] / "fixtures" / "media"


async def test_upload_and_read_back(client: Client, org: Org, other_org: Org) -> None:
    image = next(MEDIA.glob("*.jpg")).read_bytes()
    stored = await ok(
        await client.post(
            "/api/v1/media",
            files={"file": ("foto.bin", image, "application/octet-stream")},
            headers=org.headers,
        ),
        201,
    )
    assert stored["mimeType"] == "image/jpeg" and stored["size"] == len(image)
    assert stored["mediaKey"].startswith(f"{org.id}/") and stored["mediaKey"].endswith(".jpg")
    assert stored["url"] == f"/api/v1/media/{stored['mediaKey']}"
    served = await client.get(stored["url"], headers=org.headers)
    assert served.status_code == 200 and served.content == image
    assert (await client.get(stored["url"], headers=other_org.headers)).status_code == 404


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [("text/csv", "text/csv"), ("nonsense", "text/plain"), ("x" * 300 + "/y", "text/plain")],
)
async def test_declared_types_only_refine(
    client: Client, org: Org, content_type: str, expected: str
) -> None:
    files = {"file": ("a.csv", b"telefone\n11987654321\n", content_type)}
    stored = await ok(await client.post("/api/v1/media", files=files, headers=org.headers), 201)
    assert stored["mimeType"] == expected


async def test_empty_missing_and_too_large(
    client: Client, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = await client.post("/api/v1/media", files={"file": ("a", b"")}, headers=org.headers)
    assert (empty.status_code, empty.json()["code"]) == (422, "empty_file")
    missing = await client.post("/api/v1/media", files={"other": (None, "x")}, headers=org.headers)
    assert (missing.status_code, missing.json()["extra"]["field"]) == (422, "file")
    monkeypatch.setattr(controllers, "MAX_UPLOAD_BYTES", 10)
    big = await client.post("/api/v1/media", files={"file": ("a", b"x" * 11)}, headers=org.headers)
    assert (big.status_code, big.json()["code"]) == (413, "file_too_large")
