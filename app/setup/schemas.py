from __future__ import annotations

import uuid
from typing import Annotated

import msgspec

from app.schemas import Camel, Email, Password

# Not blank (at least one visible character) and no NUL, which PostgreSQL text refuses.
Filled = Annotated[
    str, msgspec.Meta(min_length=1, max_length=200, pattern=r"^[^\x00]*[^\s\x00][^\x00]*$")
]


class SetupStatus(Camel):
    needed: bool


class SetupRequest(Camel):
    organization_name: Filled
    admin_name: Filled
    admin_email: Email
    admin_password: Password


class SetupDone(Camel):
    organization_id: uuid.UUID
    admin_user_id: uuid.UUID
