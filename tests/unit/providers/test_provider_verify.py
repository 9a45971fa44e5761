"""Webhook authentication: tokens, provider secrets and signatures, and Meta's handshake.

The ``_http`` fixtures are the test vectors: signatures computed by the fixture authors
over the exact bytes of the stored body files."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from providers import get_provider
from providers.base import InvalidSignature, WebhookRequest
from providers.meta import verify_challenge

TOKEN = "tok-3f1c9a7e"


def request(
    body: bytes = b"{}", headers: dict[str, str] | None = None, query: dict[str, str] | None = None
) -> WebhookRequest:
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    return WebhookRequest(body=body, headers=lowered, query=query or {})


def _vector(payloads: Path, name: str) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    spec = json.loads((payloads / name).read_text())
    expected = json.loads((payloads / name.replace(".json", ".expected.json")).read_text())
    body = (payloads / name).parent.joinpath(spec["body_file"]).resolve().read_bytes()
    return spec, expected, body


@pytest.mark.parametrize("name", ["signature.headers.json", "signature.invalid.headers.json"])
def test_meta_signature_vectors(payloads: Path, name: str) -> None:
    spec, expected, body = _vector(payloads, f"meta/_http/{name}")
    config = {"appSecret": spec["app_secret"]}
    req = request(body, spec["headers"])
    if expected["valid"]:
        get_provider("meta").verify(req, config, TOKEN)
    else:
        with pytest.raises(InvalidSignature):
            get_provider("meta").verify(req, config, TOKEN)


def test_waha_hmac_vector(payloads: Path) -> None:
    spec, expected, body = _vector(payloads, "waha/_http/hmac.headers.json")
    assert expected["valid"]
    config = {"webhookHmacKey": spec["hmac_key"]}
    get_provider("waha").verify(request(body, spec["headers"]), config, TOKEN)
    tampered = body.replace(b"Mariana", b"Mariano")
    with pytest.raises(InvalidSignature):
        get_provider("waha").verify(request(tampered, spec["headers"]), config, TOKEN)


@pytest.mark.parametrize("name", ["verification.get.json", "verification.wrong_token.get.json"])
def test_meta_challenge_vectors(payloads: Path, name: str) -> None:
    spec = json.loads((payloads / "meta/_http" / name).read_text())
    expected = json.loads(
        (payloads / "meta/_http" / name.replace(".json", ".expected.json")).read_text()
    )
    config = {"verifyToken": spec["configured_verify_token"]}
    if expected["valid"]:
        assert verify_challenge(spec["query"], config) == expected["response_body"]
    else:
        with pytest.raises(InvalidSignature):
            verify_challenge(spec["query"], config)


def test_meta_challenge_accepts_the_connection_token_and_requires_subscribe() -> None:
    query = {"hub.mode": "subscribe", "hub.challenge": "42", "hub.verify_token": TOKEN}
    assert verify_challenge(query, {}, TOKEN) == "42"
    with pytest.raises(InvalidSignature):
        verify_challenge({**query, "hub.mode": "unsubscribe"}, {}, TOKEN)
    with pytest.raises(InvalidSignature):
        verify_challenge({"hub.mode": "subscribe", "hub.challenge": "42"}, {"verifyToken": ""}, "")


@pytest.mark.parametrize("kind", ["evolution", "waha", "uazapi", "meta", "native"])
def test_query_token_is_accepted_by_every_provider(kind: str) -> None:
    get_provider(kind).verify(request(query={"token": TOKEN}), {}, TOKEN)


@pytest.mark.parametrize("kind", ["evolution", "waha", "uazapi", "meta", "native"])
@pytest.mark.parametrize("presented", [None, "", "wrong", TOKEN + "x", "tök"])
def test_missing_or_wrong_token_is_refused(kind: str, presented: str | None) -> None:
    query = {} if presented is None else {"token": presented}
    with pytest.raises(InvalidSignature):
        get_provider(kind).verify(request(query=query), {}, TOKEN)


def test_an_empty_connection_token_never_matches() -> None:
    with pytest.raises(InvalidSignature):
        get_provider("native").verify(request(query={"token": ""}), {}, "")


def _signed(kind: str, secret: str, body: bytes) -> dict[str, str]:
    if kind == "meta":
        return {
            "X-Hub-Signature-256": "sha256="
            + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        }
    if kind == "waha":
        return {"X-Webhook-Hmac": hmac.new(secret.encode(), body, hashlib.sha512).hexdigest()}
    return {
        "X-Balcao-Signature": "sha256="
        + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    }


_SECRET_FIELDS = {"meta": "appSecret", "waha": "webhookHmacKey", "native": "secret"}


@pytest.mark.parametrize("kind", sorted(_SECRET_FIELDS))
def test_configured_secret_makes_the_signature_required_and_sufficient(kind: str) -> None:
    body = b'{"event": "message"}'
    config = {_SECRET_FIELDS[kind]: "s3cr3t"}
    provider = get_provider(kind)
    provider.verify(request(body, _signed(kind, "s3cr3t", body)), config, TOKEN)  # no token needed
    with pytest.raises(InvalidSignature):  # a valid token alone is not enough
        provider.verify(request(body, query={"token": TOKEN}), config, TOKEN)
    with pytest.raises(InvalidSignature):
        provider.verify(
            request(body, _signed(kind, "other", body), {"token": TOKEN}), config, TOKEN
        )
    with pytest.raises(InvalidSignature):
        provider.verify(request(body + b" ", _signed(kind, "s3cr3t", body)), config, TOKEN)


def test_signature_header_garbage_is_refused_not_crashing() -> None:
    config = {"appSecret": "s3cr3t"}
    for value in ["", "sha256=", "sha1=abc", "sha256=zz", "sha256=ü" * 3, "x" * 5000]:
        with pytest.raises(InvalidSignature):
            get_provider("meta").verify(
                request(b"{}", {"X-Hub-Signature-256": value}), config, TOKEN
            )


def test_evolution_apikey_in_header_or_body() -> None:
    provider = get_provider("evolution")
    config = {"apiKey": "EVO-KEY"}
    provider.verify(request(headers={"apikey": "EVO-KEY"}), config, TOKEN)
    provider.verify(request(b'{"event": "messages.upsert", "apikey": "EVO-KEY"}'), config, TOKEN)
    for body, headers in [
        (b'{"apikey": "nope"}', {}),
        (b"{}", {"apikey": "nope"}),
        (b"not json", {}),
    ]:
        with pytest.raises(InvalidSignature):
            provider.verify(request(body, headers), config, TOKEN)
    with pytest.raises(InvalidSignature):  # no apiKey configured: the body's apikey means nothing
        provider.verify(request(b'{"apikey": "EVO-KEY"}'), {}, TOKEN)


def test_evolution_fixture_body_carries_its_apikey(payloads: Path) -> None:
    body = (payloads / "evolution/messages.upsert.text.json").read_bytes()
    apikey = json.loads(body)["apikey"]
    get_provider("evolution").verify(request(body), {"apiKey": apikey}, TOKEN)


def test_uazapi_token_in_header_or_body(payloads: Path) -> None:
    provider = get_provider("uazapi")
    body = (payloads / "uazapi/messages.text.conversation.json").read_bytes()
    instance_token = json.loads(body)["token"]
    provider.verify(request(body), {"token": instance_token}, TOKEN)
    provider.verify(request(headers={"token": instance_token}), {"token": instance_token}, TOKEN)
    with pytest.raises(InvalidSignature):
        provider.verify(request(body), {"token": "another-instance"}, TOKEN)
