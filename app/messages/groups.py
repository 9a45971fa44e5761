"""``POST /api/v1/messages`` with ``connectionId`` + ``groupId``: a post to a group,
checked here and stored by app.groups.services."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.db import models as m
from app.db.enums import Direction, MessageType, Role
from app.errors import Forbidden, NotFound, ValidationFailed
from app.groups.services import record_group_message
from app.messages.schemas import MessageCreate
from app.messages.services import check_message, stored_content
from app.outbox import OutboxRow


def _check_group_body(data: MessageCreate) -> None:
    if data.session_id is not None:
        raise ValidationFailed(
            "A group post names connectionId and groupId, not a sessionId.",
            code="conflicting_fields",
            field="sessionId",
        )
    if data.connection_id is None:
        raise ValidationFailed(
            "A group post needs the connection.", code="missing_field", field="connectionId"
        )
    if data.group_id is None:
        raise ValidationFailed(
            "A group post needs the group.", code="missing_field", field="groupId"
        )
    if not data.send_external_message:
        raise ValidationFailed("A group post is always sent.", field="sendExternalMessage")
    if data.quoted_message_id is not None or data.pause_session:
        field = "quotedMessageId" if data.quoted_message_id is not None else "pauseSession"
        raise ValidationFailed("Not available for group posts.", field=field)
    if data.type not in (MessageType.TEXT, MessageType.MEDIA):
        raise ValidationFailed("A group post is TEXT or MEDIA.", field="type")
    if check_message(data) != Direction.OUT:
        raise ValidationFailed("A group post travels OUT.", field="direction")


async def group_post(
    db: AsyncSession, principal: Principal, data: MessageCreate
) -> tuple[m.Message, list[OutboxRow]]:
    _check_group_body(data)
    if principal.role == Role.VIEWER:
        raise Forbidden("Viewers cannot post in groups.", code="group_forbidden")
    assert data.connection_id is not None and data.group_id is not None
    try:
        row, jobs = await record_group_message(
            db,
            org_id=principal.organization_id,
            connection_id=data.connection_id,
            group_id=data.group_id,
            kind=data.type,
            content=stored_content(data.content),
            author=data.author,
            sender_user_id=principal.user_id,
        )
    except NotFound as exc:
        raise ValidationFailed(
            "No such connection.", code="unknown_connection", field="connectionId"
        ) from exc
    if data.external_id is not None:
        row.external_id = data.external_id
    return row, jobs
