"""``balcao run --demo``: a demo organization with one WHATSAPP_WEB connection whose page
is the local look-alike, so a new user sees a message travel end to end without a phone.

Idempotent: the second run finds the organization by its admin e-mail and the
connection by name, and reprints the API key kept in ``$BALCAO_DATA_DIR/demo.json``
(a key is stored hashed, so it can only be shown again from there).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import msgspec
import sqlalchemy as sa

from app.auth.security import new_api_key
from app.auth.services import record_organization
from app.config import Settings
from app.connections.schemas import ConnectionCreate
from app.connections.services import record_connection
from app.db import models as m
from app.db.engine import make_engine, make_sessionmaker
from providers.whatsapp_web.adapter import KIND

DEMO_EMAIL = "demo@balcao.local"
DEMO_PASSWORD = "demo-balcao-123"  # noqa: S105 - a local demo's published login
DEMO_CONNECTION = "Demo (WhatsApp Web look-alike)"


class DemoInfo(msgspec.Struct, kw_only=True):
    organization_id: uuid.UUID
    connection_id: uuid.UUID
    api_key: str
    email: str = DEMO_EMAIL
    password: str = DEMO_PASSWORD


def _saved(path: Path) -> DemoInfo | None:
    try:
        return msgspec.json.decode(path.read_bytes(), type=DemoInfo)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None


async def ensure_demo(settings: Settings, web_url: str) -> DemoInfo:
    assert settings.database_url
    path = settings.data_dir / "demo.json"
    saved = _saved(path)
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as db:
            admin = await db.scalar(
                sa.select(m.User)
                .where(sa.func.lower(m.User.email) == DEMO_EMAIL)
                .execution_options(all_tenants=True)
            )
            if admin is None:
                created = await record_organization(db, "Padaria Demo", DEMO_EMAIL, DEMO_PASSWORD)
                org_id, api_key = created.organization_id, created.api_key
            elif saved is not None and saved.organization_id == admin.organization_id:
                org_id, api_key = admin.organization_id, saved.api_key
            else:  # demo.json lost: a new key, since the old one cannot be shown again
                org_id = admin.organization_id
                api_key, prefix, digest = new_api_key()
                db.add(
                    m.ApiKey(organization_id=org_id, name="demo", prefix=prefix, key_hash=digest)
                )
            connection = await db.scalar(
                sa.select(m.Connection)
                .where(
                    m.Connection.organization_id == org_id,
                    m.Connection.name == DEMO_CONNECTION,
                    m.Connection.deleted_at.is_(None),
                )
                .execution_options(all_tenants=True)
            )
            if connection is None:
                data = ConnectionCreate(
                    name=DEMO_CONNECTION,
                    provider=KIND,
                    config={"webUrl": web_url},
                )
                connection = await record_connection(db, org_id, data)
            else:
                connection.config = {**connection.config, "webUrl": web_url}
            await db.commit()
            info = DemoInfo(organization_id=org_id, connection_id=connection.id, api_key=api_key)
    finally:
        await engine.dispose()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(msgspec.json.encode(info))
    os.chmod(path, 0o600)
    return info


def demo_instructions(info: DemoInfo, api_url: str, web_url: str) -> str:
    auth = f'-H "Authorization: Bearer {info.api_key}"'
    connection = f"{api_url}/api/v1/connections/{info.connection_id}"
    customer = '{"from": "5511987654321", "name": "Mariana", "text": "Oi! Vocês abrem hoje?"}'
    return f"""
Demo: a WhatsApp Web look-alike plays the phone and the customers.
  look-alike page        {web_url}   (the runner has it open in headless Chromium)
  API and its docs       {api_url}/api/v1   {api_url}/schema
  demo login             {info.email} / {info.password}
  demo API key           {info.api_key}

1. The connection shows a QR code:
     curl {auth} {connection}/qr
2. "Scan" it with the phone:
     curl -X POST {web_url}/_control/scan
   then the connection is CONNECTED:
     curl {auth} {connection}/status
3. A customer writes:
     curl -X POST {web_url}/_control/customer-message -H 'content-type: application/json' \\
          -d '{customer}'
   and the message is stored (author CUSTOMER):
     curl {auth} {connection}/stats
4. What the platform typed back into WhatsApp:
     curl {web_url}/_control/sent
"""
