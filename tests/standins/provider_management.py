"""Stand-ins for the providers' management APIs — sessions, instances, webhooks, QR
codes, state — beside their send APIs (each class extends the send stand-in of
provider_apis.py, so one server answers both, as the real ones do).

What each serves, checked against the same auth headers as the real API:

- :class:`WahaSessions` (``X-Api-Key``): ``GET/PUT /api/sessions/{s}``, ``POST
  /api/sessions`` (422 when it exists), ``POST /api/sessions/{s}/start``, ``GET
  /api/{s}/auth/qr`` (binary PNG, ``Accept: application/json`` → ``{mimetype, data}``,
  ``?format=raw`` → ``{value}``; 422 unless ``SCAN_QR_CODE``).
- :class:`EvolutionInstances` (``apikey``): ``POST /instance/create`` (403 name in use,
  then 401 unless the global key), ``GET /instance/connectionState|connect/{i}``,
  ``GET /instance/fetchInstances``, ``POST /webhook/set/{i}``, ``GET /webhook/find/{i}``.
- :class:`UazapiInstance` (``token``): ``POST/GET /webhook`` (simple mode), ``POST
  /instance/connect``, ``GET /instance/status`` (with the QR while connecting).
- :class:`MetaGraph` (``Authorization: Bearer``): ``GET /{version}/{phone-number-id}``
  with ``fields`` (401 code 190, 400 code 100 for another id).

Test knobs: ``refresh_qr()`` makes a new QR (each one a real PNG of a different text,
``qr_text``), ``pair(phone)`` is the phone scanning it (the session turns WORKING /
open / connected with that number), ``unpair()`` logs it out.
"""

from __future__ import annotations

import base64
import io
import re
import secrets
import uuid
from typing import Any

import segno
from provider_apis import (
    EvolutionStandIn,
    MetaStandIn,
    Recorded,
    Reply,
    UazapiStandIn,
    WahaStandIn,
)

OWN_PHONE = "5511955554444"


class _Qr:
    """A QR that changes on ``refresh_qr()``: a real PNG of ``qr_text``."""

    def __init__(self) -> None:
        self.qr_version = 1

    @property
    def qr_text(self) -> str:
        return f"2@standin-{self.qr_version}-{'x' * 40}"

    def refresh_qr(self) -> None:
        self.qr_version += 1

    def qr_png(self) -> bytes:
        out = io.BytesIO()
        segno.make(self.qr_text, error="l").save(out, kind="png", scale=6, border=2)
        return out.getvalue()

    def qr_base64(self) -> str:
        return base64.b64encode(self.qr_png()).decode()


# ---------------------------------------------------------------------------------------
# WAHA
# ---------------------------------------------------------------------------------------


class WahaSessions(WahaStandIn, _Qr):
    """WAHA with its sessions API. ``sessions`` maps a name to ``{status, config, me}``;
    a created or started session waits for a scan (``SCAN_QR_CODE``) until ``pair()``.
    Sends answer for ``session`` as the send stand-in does (its ``session_status``
    follows the session's status)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _Qr.__init__(self)
        self.sessions: dict[str, dict[str, Any]] = {}

    def reset(self) -> None:
        super().reset()
        self.sessions.clear()
        self.qr_version = 1

    def pair(self, phone: str = OWN_PHONE, session: str | None = None) -> None:
        found = self.sessions[session or self.session]
        found["status"] = "WORKING"
        found["me"] = {"id": f"{phone}@c.us", "pushName": "Padaria Centro"}
        self.session_status = "WORKING"

    def unpair(self, session: str | None = None) -> None:
        found = self.sessions[session or self.session]
        found["status"], found["me"] = "SCAN_QR_CODE", None
        self.session_status = "SCAN_QR_CODE"

    def _dto(self, name: str) -> dict[str, Any]:
        found = self.sessions[name]
        return {
            "name": name,
            "status": found["status"],
            "config": found["config"],
            "me": found["me"],
            "engine": {"engine": self.engine},
            "presence": None,
            "timestamps": {"activity": None},
        }

    def _missing(self, name: str) -> Reply:
        message = f"Session '{name}' does not exist"
        return self.nest_error(404, message, "Not Found")

    def _started(self, name: str) -> None:
        found = self.sessions[name]
        found["status"] = "WORKING" if found["me"] else "SCAN_QR_CODE"
        if name == self.session:
            self.session_status = found["status"]

    def handle(self, request: Recorded) -> Reply:
        key = request.headers.get("x-api-key") or request.query.get("x-api-key")
        if key != self.api_key:
            return Reply(401, {"message": "Unauthorized", "statusCode": 401})
        body = request.json if isinstance(request.json, dict) else {}
        method, path = request.method, request.path
        if method == "POST" and path == "/api/sessions":
            name = str(body.get("name") or f"session_{secrets.token_hex(4)}")
            if name in self.sessions:
                message = f"Session '{name}' already exists. Use PUT to update it."
                return self.nest_error(422, message, "Unprocessable Entity")
            self.sessions[name] = {"status": "STOPPED", "config": body.get("config"), "me": None}
            if body.get("start", True):
                self._started(name)
            return Reply(201, self._dto(name))
        match = re.fullmatch(r"/api/sessions/([^/]+)(/start|/stop)?", path)
        if match:
            name, action = match.groups()
            if name not in self.sessions:
                return self._missing(name)
            if method == "GET" and action is None:
                return Reply(200, self._dto(name))
            if method == "PUT" and action is None:
                self.sessions[name]["config"] = body.get("config")
                if self.sessions[name]["status"] != "STOPPED":
                    self._started(name)  # restarted with the new config
                return Reply(200, self._dto(name))
            if method == "POST" and action == "/start":
                if self.sessions[name]["status"] in ("STOPPED", "FAILED"):
                    self._started(name)
                return Reply(201, self._dto(name))
            if method == "POST" and action == "/stop":
                self.sessions[name]["status"] = "STOPPED"
                return Reply(201, self._dto(name))
        match = re.fullmatch(r"/api/([^/]+)/auth/qr", path)
        if match and method == "GET":
            return self._qr(match.group(1), request)
        return super().handle(request)

    def _qr(self, name: str, request: Recorded) -> Reply:
        if name not in self.sessions:
            return self._missing(name)
        status = self.sessions[name]["status"]
        if status != "SCAN_QR_CODE":
            return Reply(
                422,
                {
                    "error": "Session status is not as expected.",
                    "session": name,
                    "status": status,
                    "expected": ["SCAN_QR_CODE"],
                },
            )
        if request.query.get("format") == "raw":
            return Reply(200, {"value": self.qr_text})
        if "application/json" in request.headers.get("accept", ""):
            return Reply(200, {"mimetype": "image/png", "data": self.qr_base64()})
        return Reply(200, raw=self.qr_png(), headers={"Content-Type": "image/png"})


# ---------------------------------------------------------------------------------------
# Evolution
# ---------------------------------------------------------------------------------------


class EvolutionInstances(EvolutionStandIn, _Qr):
    """Evolution with its instance and webhook API. ``instances`` maps a name to
    ``{state, webhook, token, ownerJid}``; ``state`` is ``close`` after a create without
    ``qrcode``, ``connecting`` once ``/instance/connect`` was called (it serves the QR),
    ``open`` after ``pair()``. Sends still go to ``instance`` (the send stand-in's)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _Qr.__init__(self)
        self.instances: dict[str, dict[str, Any]] = {}

    def reset(self) -> None:
        super().reset()
        self.instances.clear()
        self.qr_version = 1

    def pair(self, phone: str = OWN_PHONE, instance: str | None = None) -> None:
        found = self.instances[instance or self.instance]
        found["state"], found["ownerJid"] = "open", f"{phone}@s.whatsapp.net"

    def _qrcode(self) -> dict[str, Any]:
        return {
            "pairingCode": None,
            "code": self.qr_text,
            "base64": "data:image/png;base64," + self.qr_base64(),
            "count": self.qr_version,
        }

    def _authorized(self, request: Recorded, name: str | None) -> bool:
        token = self.instances.get(name, {}).get("token") if name else None
        return request.headers.get("apikey") in {self.api_key, token} - {None}

    def _state_body(self, name: str) -> dict[str, Any]:
        return {"instance": {"instanceName": name, "state": self.instances[name]["state"]}}

    async def handle(self, request: Recorded) -> Reply:
        body = request.json if isinstance(request.json, dict) else {}
        method, path = request.method, request.path
        if method == "POST" and path == "/instance/create":
            return self._create(request, body)
        if method == "GET" and path == "/instance/fetchInstances":
            key = request.headers.get("apikey")
            # The global key sees every instance; an instance token only its own.
            visible = {
                name
                for name, item in self.instances.items()
                if key in (self.api_key, item["token"])
            }
            if key != self.api_key and not visible:
                return self.error(401, "Unauthorized")
            wanted = request.query.get("instanceName")
            return Reply(
                200,
                [
                    {
                        "id": item["id"],
                        "name": name,
                        "connectionStatus": item["state"],
                        "ownerJid": item["ownerJid"],
                        "integration": "WHATSAPP-BAILEYS",
                        "token": item["token"],
                    }
                    for name, item in self.instances.items()
                    if name in visible and wanted in (None, name)
                ],
            )
        match = re.fullmatch(r"/(instance|webhook)/(\w+)/([^/]+)", path)
        routes = {
            ("GET", "instance", "connectionState"),
            ("GET", "instance", "connect"),
            ("POST", "webhook", "set"),
            ("GET", "webhook", "find"),
        }
        if match is None or (method, *match.groups()[:2]) not in routes:
            return await super().handle(request)
        _, action, name = match.groups()
        if name not in self.instances:
            return self.error(404, [f'The "{name}" instance does not exist'])
        if not self._authorized(request, name):
            return self.error(401, "Unauthorized")
        found = self.instances[name]
        if action == "connectionState":
            return Reply(200, self._state_body(name))
        if action == "connect":
            if found["state"] == "open":
                return Reply(200, self._state_body(name))
            found["state"] = "connecting"
            return Reply(200, self._qrcode())
        if action == "find":
            return Reply(200, found["webhook"])
        hook = body.get("webhook")
        if not isinstance(hook, dict) or not hook.get("url") or "enabled" not in hook:
            return self.error(400, [['instance requires property "webhook"']])
        found["webhook"] = {
            "id": str(uuid.uuid4()),
            "url": hook["url"],
            "enabled": hook["enabled"],
            "events": hook.get("events") or [],
            "webhookByEvents": bool(hook.get("byEvents")),
            "webhookBase64": bool(hook.get("base64")),
            "instanceId": found["id"],
        }
        return Reply(201, found["webhook"])

    def _create(self, request: Recorded, body: dict[str, Any]) -> Reply:
        name = body.get("instanceName")
        if not isinstance(name, str) or not name:
            return self.error(400, [['instance requires property "instanceName"']])
        if name in self.instances:
            return self.error(403, [f'This name "{name}" is already in use.'])
        if request.headers.get("apikey") != self.api_key:
            return self.error(401, "Unauthorized")
        hook = body.get("webhook") if isinstance(body.get("webhook"), dict) else None
        self.instances[name] = {
            "id": str(uuid.uuid4()),
            "state": "connecting" if body.get("qrcode") else "close",
            "token": body.get("token") or str(uuid.uuid4()).upper(),
            "ownerJid": None,
            "webhook": None,
        }
        found = self.instances[name]
        if hook is not None:
            found["webhook"] = {
                "url": hook.get("url"),
                "enabled": hook.get("enabled", True),
                "events": hook.get("events") or [],
                "webhookByEvents": bool(hook.get("byEvents")),
                "webhookBase64": bool(hook.get("base64")),
            }
        reply: dict[str, Any] = {
            "instance": {
                "instanceName": name,
                "instanceId": found["id"],
                "integration": body.get("integration", "WHATSAPP-BAILEYS"),
                "status": found["state"],
            },
            "hash": found["token"],
            "webhook": {
                "webhookUrl": hook.get("url") if hook else None,
                "webhookByEvents": hook.get("byEvents") if hook else None,
                "webhookBase64": hook.get("base64") if hook else None,
            },
        }
        if body.get("qrcode"):
            reply["qrcode"] = self._qrcode()
        return Reply(201, reply)


# ---------------------------------------------------------------------------------------
# UAZapi
# ---------------------------------------------------------------------------------------


class UazapiInstance(UazapiStandIn, _Qr):
    """uazapiGO with its instance and webhook API, for the one instance its ``token``
    names. ``state`` is ``disconnected`` until ``/instance/connect``, then
    ``connecting`` (``instance.qrcode`` set) until ``pair()``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _Qr.__init__(self)
        self.state = "disconnected"
        self.webhooks: list[dict[str, Any]] = []

    def reset(self) -> None:
        super().reset()
        self.state, self.webhooks, self.qr_version = "disconnected", [], 1

    def pair(self, phone: str = OWN_PHONE) -> None:
        self.state, self.owner = "connected", phone

    def _instance(self) -> dict[str, Any]:
        connecting = self.state == "connecting"
        return {
            "id": "r183e2ef9597845",
            "token": self.token,
            "status": self.state,
            "qrcode": "data:image/png;base64," + self.qr_base64() if connecting else "",
            "paircode": "",
            "name": self.instance,
            "profileName": "Padaria Centro" if self.state == "connected" else "",
            "owner": self.owner if self.state == "connected" else "",
            "lastDisconnectReason": "",
        }

    def _status_body(self) -> dict[str, Any]:
        connected = self.state == "connected"
        jid = {"user": self.owner, "agent": 0, "device": 0, "server": "s.whatsapp.net"}
        return {
            "instance": self._instance(),
            "status": {
                "connected": connected,
                "loggedIn": connected,
                "jid": jid if connected else None,
            },
        }

    def handle(self, request: Recorded) -> Reply:
        if request.headers.get("token") != self.token:
            return Reply(401, {"error": "Invalid token"})
        body = request.json if isinstance(request.json, dict) else {}
        method, path = request.method, request.path
        if (method, path) == ("GET", "/instance/status"):
            return Reply(200, self._status_body())
        if (method, path) == ("POST", "/instance/connect"):
            if self.state != "connected":
                self.state = "connecting"
            return Reply(200, {**self._status_body()["status"], "instance": self._instance()})
        if (method, path) == ("GET", "/webhook"):
            return Reply(200, self.webhooks)
        if (method, path) == ("POST", "/webhook"):
            if not body.get("url"):
                return Reply(400, {"error": "url is required"})
            if body.get("action"):
                return Reply(400, {"error": "Invalid action"})  # only the simple mode here
            hook = {
                "id": self.webhooks[0]["id"] if self.webhooks else str(uuid.uuid4()),
                "enabled": body.get("enabled", True),
                "url": body["url"],
                "events": body.get("events") or [],
                "excludeMessages": body.get("excludeMessages") or [],
                "addUrlEvents": bool(body.get("addUrlEvents")),
                "addUrlTypesMessages": bool(body.get("addUrlTypesMessages")),
            }
            self.webhooks = [hook]
            return Reply(200, self.webhooks)
        return super().handle(request)


# ---------------------------------------------------------------------------------------
# Meta
# ---------------------------------------------------------------------------------------


class MetaGraph(MetaStandIn):
    """The Graph API's phone-number node beside the send edges."""

    display_phone_number = "+55 11 95555-4444"
    verified_name = "Padaria Centro"

    def handle(self, request: Recorded) -> Reply:
        match = re.fullmatch(r"/(v\d+\.\d+)/([^/]+)", request.path)
        if match is None or request.method != "GET":
            return super().handle(request)
        if request.headers.get("authorization", "") != f"Bearer {self.access_token}":
            return self.error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        object_id = match.group(2)
        if object_id != self.phone_number_id:
            title = (
                f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot "
                "be loaded due to missing permissions, or does not support this operation."
            )
            return self.error(400, 100, title, error_subcode=33)
        node = {
            "id": self.phone_number_id,
            "display_phone_number": self.display_phone_number,
            "verified_name": self.verified_name,
            "quality_rating": "GREEN",
            "code_verification_status": "VERIFIED",
        }
        fields = [f for f in request.query.get("fields", "").split(",") if f]
        if fields:
            node = {k: v for k, v in node.items() if k in fields or k == "id"}
        return Reply(200, node)
