"""The chaos run's webhooks: a seeded plan of every provider's real payload shapes
(made from the test fixtures, as bench/ingest does) — customers' bursts of texts from
many contacts, groups, inline media, edits, 10 % repeated (some at the same moment
through the other api, some minutes later) — and a sender that retries every non-2xx
answer or connection error with back-off, as providers do, alternating between the two
api processes as a load balancer would. Acks come later, from what the native send-API
stand-in accepted (:class:`Acks`)."""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import hmac
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

FIXTURES = Path(__file__).parents[2] / "tests" / "fixtures"
PROVIDERS = ("native", "evolution", "waha", "meta")
SHARE = {"native": 0.40, "evolution": 0.25, "waha": 0.20, "meta": 0.15}
PROVIDER_DIGIT = {"native": 1, "evolution": 2, "waha": 3, "meta": 4}
GROUPS = 20


def _fixture(path: str) -> Any:
    return json.loads((FIXTURES / "payloads" / path).read_text())


@dataclass(frozen=True)
class Connection:
    id: str
    token: str
    secret: str | None = None  # native: bodies are signed

    def path(self, provider: str) -> str:
        return f"/api/v1/webhooks/{provider}/{self.id}?token={self.token}"


@dataclass
class Item:
    """One webhook to deliver; a repeat shares its original's ``key`` and body."""

    at: float  # seconds after the start of the load
    key: int
    provider: str
    kind: str  # text | media | group | edit | ack
    body: bytes
    api: int  # the api process of the first attempt
    after: int | None = None  # an edit waits for its message's 2xx
    repeat: bool = False


@dataclass
class Expected:
    """What the plan says PostgreSQL must hold afterwards, by key."""

    messages: dict[int, tuple[str, str]] = field(default_factory=dict)  # key → provider, kind
    edits: dict[int, str] = field(default_factory=dict)  # message key → its new text


class Bodies:
    """Fixture-shaped bodies with our ids: every provider message id carries
    ``X<run><key:08d>``, so PostgreSQL tells which planned webhook a row came from."""

    def __init__(self, run: str) -> None:
        self.run = run
        self._evolution = _fixture("evolution/messages.upsert.text.json")
        self._evolution["data"]["key"].pop("remoteJidAlt", None)
        self._evolution_image = _fixture("evolution/messages.upsert.image.base64.json")
        self._evolution_image["data"]["key"].pop("remoteJidAlt", None)
        self._evolution_group = _fixture("evolution/messages.upsert.group.json")
        self._waha = _fixture("waha/message.text.webjs.json")
        self._waha_group = _fixture("waha/message.group.noweb.json")
        self._meta = _fixture("meta/messages.text.json")
        pdf = (FIXTURES / "media" / "cobranca-pedido-48213.pdf").read_bytes()
        self._pdf = base64.b64encode(pdf).decode()

    def id(self, key: int) -> str:
        return f"X{self.run}{key:08d}"

    def text(self, provider: str, phone: str, key: int, text: str) -> Any:
        mid = self.id(key)
        if provider == "native":
            return self._native(phone, mid, type="text", text=text)
        if provider == "evolution":
            body = copy.deepcopy(self._evolution)
            body["data"]["key"].update(remoteJid=f"{phone}@s.whatsapp.net", id=mid)
            body["data"]["message"]["conversation"] = text
            return body
        if provider == "waha":
            body = copy.deepcopy(self._waha)
            body["payload"].update(id=f"false_{phone}@c.us_{mid}", body=text)
            body["payload"]["from"] = f"{phone}@c.us"
            return body
        body = copy.deepcopy(self._meta)
        value = body["entry"][0]["changes"][0]["value"]
        value["contacts"][0]["wa_id"] = phone
        value["messages"][0].update(id=f"wamid.{mid}", text={"body": text})
        value["messages"][0]["from"] = phone
        return body

    def media(self, provider: str, phone: str, key: int) -> Any:
        mid = self.id(key)
        if provider == "native":
            media = {"base64": self._pdf, "mimetype": "application/pdf", "filename": "boleto.pdf"}
            return self._native(phone, mid, type="document", text=None, media=media)
        body = copy.deepcopy(self._evolution_image)
        body["data"]["key"].update(remoteJid=f"{phone}@s.whatsapp.net", id=mid)
        return body

    def group(self, provider: str, group: int, phone: str, key: int) -> Any:
        mid, jid = self.id(key), f"1203633012345{group:05d}@g.us"
        if provider == "evolution":
            body = copy.deepcopy(self._evolution_group)
            body["data"]["key"].update(
                remoteJid=jid,
                id=mid,
                participant=f"{phone}@s.whatsapp.net",
                participantAlt=f"{phone}@s.whatsapp.net",
                addressingMode="pn",
            )
            return body
        body = copy.deepcopy(self._waha_group)
        body["payload"].update(id=f"false_{jid}_{mid}", to=jid, participant=f"{phone}@c.us")
        body["payload"]["from"] = jid
        body["payload"].pop("_data", None)
        return body

    def edit(self, phone: str, key: int, text: str) -> Any:
        data = {
            "key": {"remoteJid": f"{phone}@s.whatsapp.net", "id": self.id(key)},
            "type": 14,
            "editedMessage": {"extendedTextMessage": {"text": text}},
            "timestampMs": {"low": int(time.time()), "high": 0},
        }
        return {"event": "messages.edited", "instance": "padaria-centro", "data": data}

    @staticmethod
    def ack(provider_message_id: str, phone: str, status: str) -> Any:
        return {
            "event": "status",
            "messageId": provider_message_id,
            "from": phone,
            "status": status,
            "timestamp": int(time.time()),
        }

    @staticmethod
    def _native(phone: str, mid: str, **fields: Any) -> Any:
        base = {"event": "message", "messageId": mid, "from": phone, "name": "Cliente"}
        return {**base, "timestamp": int(time.time()), "fromMe": False, **fields}


def phone(provider: str, contact: int) -> str:
    return f"55119{PROVIDER_DIGIT[provider]}{contact:07d}"


@dataclass
class Plan:
    items: list[Item]
    expected: Expected
    duration: float
    contacts: dict[str, int]
    ack_budget: int


def make_plan(total: int, rate: float, bodies: Bodies, seed: int = 13) -> Plan:
    """``total`` webhooks at about ``rate`` a second: 80 % unique messages, 2 % edits,
    10 % repeats, and what is left for acks of our replies (about one per reply)."""
    rng = random.Random(seed)
    duration = total / rate
    unique = int(total * 0.80)
    items: list[Item] = []
    expected = Expected()
    keys = iter(range(1, 10**8))
    contacts: dict[str, int] = {}
    texts: list[Item] = []  # evolution customer texts an edit may target
    for provider in PROVIDERS:
        count = int(unique * SHARE[provider])
        groups = int(count * 0.2) if provider in ("evolution", "waha") else 0
        made = _groups(rng, bodies, provider, groups, duration, keys, expected)
        items += made
        bursts, people = _bursts(rng, bodies, provider, count - groups, duration, keys, expected)
        items += bursts
        contacts[provider] = people
        if provider == "evolution":
            texts += [i for i in bursts if i.kind == "text"]
    items += _edits(rng, bodies, texts, int(total * 0.02), keys, expected)
    items += _repeats(rng, items, int(total * 0.10), duration)
    items.sort(key=lambda i: i.at)
    ack_budget = max(0, total - len(items))
    return Plan(items, expected, duration, contacts, ack_budget)


def _bursts(
    rng: random.Random,
    bodies: Bodies,
    provider: str,
    messages: int,
    duration: float,
    keys: Any,
    expected: Expected,
) -> tuple[list[Item], int]:
    """Customers' bursts of 1-4 messages a few hundred ms apart; each customer writes
    again at least ~10 s after its last burst (about one burst per 15 s of run)."""
    per_contact = max(1, min(8, int(duration / 15)))
    people = max(1, round(messages / 2.5 / per_contact))
    items: list[Item] = []
    contact = 0
    while len(items) < messages:
        contact = contact % people
        slot = duration / per_contact
        for j in range(per_contact):
            at = (j + rng.uniform(0, 0.6)) * slot
            for n in range(rng.randint(1, 4)):
                if len(items) >= messages:
                    break
                key = next(keys)
                number = phone(provider, contact)
                media = provider in ("native", "evolution") and rng.random() < 0.06
                if media:
                    body = bodies.media(provider, number, key)
                else:
                    body = bodies.text(provider, number, key, f"mensagem {key} da pessoa {contact}")
                kind = "media" if media else "text"
                expected.messages[key] = (provider, kind)
                items.append(
                    Item(at + n * rng.uniform(0.1, 0.4), key, provider, kind, _dump(body), key % 2)
                )
        contact += 1
    return items, people


def _groups(
    rng: random.Random,
    bodies: Bodies,
    provider: str,
    count: int,
    duration: float,
    keys: Any,
    expected: Expected,
) -> list[Item]:
    items = []
    for _ in range(count):
        key = next(keys)
        number = phone(provider, 9_000_000 + rng.randrange(500))
        body = bodies.group(provider, rng.randrange(GROUPS), number, key)
        expected.messages[key] = (provider, "group")
        items.append(Item(rng.uniform(0, duration), key, provider, "group", _dump(body), key % 2))
    return items


def _edits(
    rng: random.Random,
    bodies: Bodies,
    texts: list[Item],
    count: int,
    keys: Any,
    expected: Expected,
) -> list[Item]:
    items = []
    for original in rng.sample(texts, min(count, len(texts))):
        number = json.loads(original.body)["data"]["key"]["remoteJid"].split("@")[0]
        text = f"editado {original.key}"
        expected.edits[original.key] = text
        body = _dump(bodies.edit(number, original.key, text))
        at = original.at + rng.uniform(2, 20)
        items.append(
            Item(at, next(keys), "evolution", "edit", body, 1 - original.api, original.key)
        )
    return items


def _repeats(rng: random.Random, items: list[Item], count: int, duration: float) -> list[Item]:
    """Half at the same moment through the other api, half 30 s to minutes later."""
    out = []
    for i, original in enumerate(rng.sample(items, min(count, len(items)))):
        later = i % 2 == 1
        at = original.at + (rng.uniform(30, max(31, duration * 0.6)) if later else 0)
        out.append(
            Item(
                at,
                original.key,
                original.provider,
                original.kind,
                original.body,
                1 - original.api,
                original.after,
                repeat=True,
            )
        )
    return out


def _dump(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


class Sender:
    """POSTs webhooks to the two api processes until each is answered 2xx."""

    def __init__(
        self,
        bases: list[str],
        connections: dict[str, Connection],
        *,
        give_up_after: float = 600.0,
        in_flight: int = 96,
    ) -> None:
        self.bases = bases
        self.connections = connections
        self.give_up_after = give_up_after
        self.limit = asyncio.Semaphore(in_flight)
        self.pools = [_Pool(base) for base in bases]
        self.accepted: dict[int, asyncio.Event] = {}
        self.sent = Counter[str]()  # kind → webhooks accepted (2xx), repeats included
        self.answers = Counter[str]()  # "200", "503", "connection error", …
        self.attempts = 0
        self.failed: list[int] = []  # keys never answered 2xx
        self.last_2xx = 0.0

    def done(self, key: int) -> asyncio.Event:
        return self.accepted.setdefault(key, asyncio.Event())

    async def deliver(self, item: Item) -> None:
        if item.after is not None:
            await self.done(item.after).wait()
        connection = self.connections[item.provider]
        headers = {"content-type": "application/json"}
        if connection.secret is not None:
            digest = hmac.new(connection.secret.encode(), item.body, hashlib.sha256).hexdigest()
            headers["x-balcao-signature"] = f"sha256={digest}"
        path = connection.path(item.provider)
        async with self.limit:
            ok = await self._until_2xx(item.api, path, item.body, headers)
        if ok:
            self.sent[item.kind] += 1
            if not item.repeat and item.kind != "ack":
                self.done(item.key).set()
        elif not item.repeat:
            self.failed.append(item.key)

    async def _until_2xx(self, api: int, path: str, body: bytes, headers: dict[str, str]) -> bool:
        deadline = time.monotonic() + self.give_up_after
        delay = 0.2
        for attempt in range(10**6):
            pool = self.pools[(api + attempt) % len(self.pools)]
            self.attempts += 1
            try:
                async with asyncio.timeout(30):
                    status = await pool.post(path, body, headers)
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError):
                status = None
            self.answers["connection error" if status is None else str(status)] += 1
            if status is not None and 200 <= status < 300:
                self.last_2xx = time.monotonic()
                return True
            if time.monotonic() + delay > deadline:
                return False
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, 5.0)
        return False

    def close(self) -> None:
        for pool in self.pools:
            pool.close()


class _Pool:
    """Keep-alive HTTP/1.1 connections on asyncio streams (bench/ingest/rawhttp.py's
    client, with headers, and dropping a connection on any error)."""

    def __init__(self, base_url: str) -> None:
        url = urlsplit(base_url)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        reader, writer = self.idle.pop() if self.idle else await self._open()
        try:
            lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            head = (
                f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{lines}"
                f"Content-Length: {len(body)}\r\n\r\n"
            )
            writer.write(head.encode() + body)
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
        except BaseException:
            writer.close()
            raise
        self.idle.append((reader, writer))
        return status

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


class Acks:
    """Delivered/read acks for the replies the native stand-in accepted, posted through
    the same sender a second or two later, as a provider reports them; 10 % twice."""

    def __init__(self, sender: Sender, bodies: Bodies, budget: int, seed: int = 7) -> None:
        self.sender = sender
        self.bodies = bodies
        self.budget = budget
        self.rng = random.Random(seed)
        self.posted: dict[str, str] = {}  # provider message id → the furthest status acked
        self.seen: set[str] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    def poll(self, accepted: dict[str, str], recipients: Callable[[str], str]) -> None:
        for ours, provider_id in list(accepted.items()):
            if ours in self.seen or len(self.seen) >= self.budget:
                continue
            self.seen.add(ours)
            status = "READ" if self.rng.random() < 0.5 else "DELIVERED"
            self.posted[provider_id] = status
            body = _dump(self.bodies.ack(provider_id, recipients(ours), status))
            key = -len(self.seen)
            for repeat in (False, True) if self.rng.random() < 0.1 else (False,):
                item = Item(0, key, "native", "ack", body, self.rng.randrange(2), repeat=repeat)
                task = asyncio.create_task(self._later(item, self.rng.uniform(0.2, 2.0)))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)

    async def _later(self, item: Item, delay: float) -> None:
        await asyncio.sleep(delay)
        await self.sender.deliver(item)

    @property
    def in_flight(self) -> int:
        return len(self.tasks)


def run_id() -> str:
    return uuid.uuid4().hex[:6]
