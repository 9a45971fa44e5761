"""Team chat's reads and writes. Department channels are implicit: the listing creates
the missing ones (ON CONFLICT on the department's unique key, so racing listings agree),
and a direct channel is found-or-created the same way on its ordered pair of users."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import models as m
from app.db.enums import Role
from app.errors import NotFound, ValidationFailed
from app.records import require
from app.teamchat.access import CHATTERS, Member
from app.teamchat.schemas import (
    PREVIEW_LIMIT,
    TEXT_LIMIT,
    ChannelUnread,
    SharedSession,
    TeamChannel,
    TeamMessage,
    TeamMessageCreate,
    TeamMessagePage,
    TeamMessagePreview,
    TeamUnread,
    TeamUser,
)

_ENSURE_DEPARTMENT_CHANNELS = sa.text("""
INSERT INTO team_channel (organization_id, kind, department_id)
SELECT d.organization_id, 'DEPARTMENT', d.id FROM department d
WHERE d.organization_id = :org
  AND NOT EXISTS (SELECT 1 FROM team_channel c WHERE c.department_id = d.id)
ON CONFLICT (department_id) DO NOTHING
""")

# The caller's channels with their unread counts and last message. Unread: messages
# after the caller's read mark that someone else wrote.
_CHANNELS = """
WITH mine AS (
    SELECT c.* FROM team_channel c
    WHERE c.organization_id = :org AND (
        (c.kind = 'DEPARTMENT' AND (:every OR c.department_id = ANY(:departments)))
        OR (c.kind = 'DIRECT' AND :me IN (c.user_low_id, c.user_high_id)))
      {only}
)
SELECT mine.id, mine.kind, mine.department_id, mine.created_at, d.name AS department_name,
       o.id AS other_id, COALESCE(NULLIF(o.name, ''), o.email) AS other_name,
       o.role AS other_role,
       (SELECT count(*) FROM team_message u
         WHERE u.channel_id = mine.id AND u.seq > COALESCE(r.last_read_seq, 0)
           AND u.author_user_id IS DISTINCT FROM :me) AS unread,
       l.id AS last_id, l.text AS last_text, l.author_user_id AS last_author,
       COALESCE(NULLIF(a.name, ''), a.email) AS last_author_name,
       l.session_id AS last_session, l.created_at AS last_at
FROM mine
LEFT JOIN department d ON d.id = mine.department_id
LEFT JOIN app_user o ON mine.kind = 'DIRECT'
     AND o.id = CASE WHEN mine.user_low_id = :me THEN mine.user_high_id ELSE mine.user_low_id END
LEFT JOIN team_read r ON r.channel_id = mine.id AND r.user_id = :me
LEFT JOIN LATERAL (
    SELECT * FROM team_message t WHERE t.channel_id = mine.id ORDER BY t.seq DESC LIMIT 1
) l ON true
LEFT JOIN app_user a ON a.id = l.author_user_id
ORDER BY mine.kind = 'DIRECT', lower(d.name), l.seq DESC NULLS LAST, lower(o.name), mine.id
"""


def _params(member: Member, **extra: Any) -> dict[str, Any]:
    return {
        "org": member.principal.organization_id,
        "me": member.user_id,
        "every": member.all_departments,
        "departments": list(member.departments),
        **extra,
    }


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_LIMIT else flat[: PREVIEW_LIMIT - 1] + "…"


def _channel_out(row: Any) -> TeamChannel:
    other = None
    if row.other_id is not None:
        other = TeamUser(id=row.other_id, name=row.other_name, role=Role(row.other_role))
    last = None
    if row.last_id is not None:
        last = TeamMessagePreview(
            id=row.last_id,
            author_user_id=row.last_author,
            author_name=row.last_author_name,
            text=_preview(row.last_text),
            session_id=row.last_session,
            created_at=row.last_at,
        )
    kind = m.TeamChannelKind(row.kind)
    name = row.department_name if kind == m.TeamChannelKind.DEPARTMENT else row.other_name
    return TeamChannel(
        id=row.id,
        kind=kind,
        name=name or "",
        department_id=row.department_id,
        other_user=other,
        unread_count=int(row.unread),
        last_message=last,
        created_at=row.created_at,
    )


async def ensure_department_channels(db: AsyncSession, organization_id: uuid.UUID) -> None:
    await db.execute(_ENSURE_DEPARTMENT_CHANNELS, {"org": organization_id})


async def channels_of(
    db: AsyncSession, member: Member, only: uuid.UUID | None = None
) -> list[TeamChannel]:
    sql = _CHANNELS.format(only="AND c.id = :only" if only is not None else "")
    params = _params(member, **({"only": only} if only is not None else {}))
    rows = (await db.execute(sa.text(sql), params)).all()
    return [_channel_out(row) for row in rows]


async def unread_of(db: AsyncSession, member: Member) -> TeamUnread:
    channels = await channels_of(db, member)
    counts = [ChannelUnread(channel_id=c.id, unread_count=c.unread_count) for c in channels]
    return TeamUnread(total=sum(c.unread_count for c in channels), channels=counts)


async def direct_channel(db: AsyncSession, member: Member, other_id: uuid.UUID) -> uuid.UUID:
    """The pair's one channel, created on first use."""
    other = await require(db, m.User, other_id)
    check_can_chat_with(member, other)
    low, high = sorted((member.user_id, other.id))
    created = await db.scalar(
        insert(m.TeamChannel)
        .values(
            organization_id=member.principal.organization_id,
            kind=m.TeamChannelKind.DIRECT,
            user_low_id=low,
            user_high_id=high,
        )
        .on_conflict_do_nothing(constraint="uq_team_channel_direct_pair")
        .returning(m.TeamChannel.id)
    )
    if created is not None:
        return uuid.UUID(str(created))
    found = await db.scalar(
        sa.select(m.TeamChannel.id).where(
            m.TeamChannel.user_low_id == low, m.TeamChannel.user_high_id == high
        )
    )
    assert found is not None
    return found


def check_can_chat_with(member: Member, other: m.User) -> None:
    if other.id == member.user_id:
        raise ValidationFailed(
            "A direct conversation needs someone else.", code="team_direct_self", field="userId"
        )
    if not other.is_active or other.role not in CHATTERS:
        raise ValidationFailed(
            "This user cannot use team chat (inactive, or a viewer).",
            code="team_user_unavailable",
            field="userId",
        )


async def people(db: AsyncSession, member: Member) -> list[TeamUser]:
    """Whom the caller can start a direct conversation with."""
    rows = await db.scalars(
        sa.select(m.User)
        .where(
            m.User.is_active.is_(True),
            m.User.role.in_(CHATTERS),
            m.User.id != member.user_id,
        )
        .order_by(sa.func.lower(sa.func.coalesce(sa.func.nullif(m.User.name, ""), m.User.email)))
    )
    return [TeamUser(id=u.id, name=u.name or u.email, role=u.role) for u in rows]


# ---------------------------------------------------------------- messages


async def _seq_in(db: AsyncSession, channel: m.TeamChannel, message_id: uuid.UUID) -> int | None:
    return await db.scalar(
        sa.select(m.TeamMessage.seq).where(
            m.TeamMessage.id == message_id, m.TeamMessage.channel_id == channel.id
        )
    )


async def messages_page(
    db: AsyncSession,
    member: Member,
    channel: m.TeamChannel,
    before: uuid.UUID | None,
    limit: int,
) -> TeamMessagePage:
    stmt = (
        sa.select(m.TeamMessage, m.User)
        .outerjoin(m.User, m.User.id == m.TeamMessage.author_user_id)
        .where(m.TeamMessage.channel_id == channel.id)
        .order_by(m.TeamMessage.seq.desc())
        .limit(limit + 1)
    )
    if before is not None:
        seq = await _seq_in(db, channel, before)
        if seq is None:
            raise ValidationFailed(
                "`before` is not a message of this channel.",
                code="team_cursor_unknown",
                field="before",
            )
        stmt = stmt.where(m.TeamMessage.seq < seq)
    rows = (await db.execute(stmt)).all()
    page = list(reversed(rows[:limit]))
    shared = await _shared_sessions(db, member, {r[0].session_id for r in page} - {None})
    data = [_message_out(msg, author, shared) for msg, author in page]
    return TeamMessagePage(data=data, has_more=len(rows) > limit)


async def get_message(db: AsyncSession, member: Member, message_id: uuid.UUID) -> TeamMessage:
    row = (
        await db.execute(
            sa.select(m.TeamMessage, m.User)
            .outerjoin(m.User, m.User.id == m.TeamMessage.author_user_id)
            .where(m.TeamMessage.id == message_id)
        )
    ).first()
    if row is None:
        raise NotFound("No such team message.", id=str(message_id))
    shared = await _shared_sessions(db, member, {row[0].session_id} - {None})
    return _message_out(row[0], row[1], shared)


def _message_out(
    msg: m.TeamMessage, author: m.User | None, shared: dict[uuid.UUID, SharedSession]
) -> TeamMessage:
    return TeamMessage(
        id=msg.id,
        channel_id=msg.channel_id,
        author_user_id=msg.author_user_id,
        author_name=(author.name or author.email) if author is not None else None,
        text=msg.text,
        session_id=msg.session_id,
        shared_session=shared.get(msg.session_id) if msg.session_id else None,
        created_at=msg.created_at,
    )


async def _shared_sessions(
    db: AsyncSession, member: Member, ids: set[Any]
) -> dict[uuid.UUID, SharedSession]:
    if not ids:
        return {}
    rows = await db.execute(
        sa.select(m.Session, m.Contact.name, m.Contact.phone_number)
        .join(m.Contact, m.Contact.id == m.Session.contact_id)
        .where(m.Session.id.in_(ids))
    )
    out: dict[uuid.UUID, SharedSession] = {}
    for session, name, phone in rows.all():
        if member.may_open(session):
            out[session.id] = SharedSession(
                id=session.id,
                can_open=True,
                contact_name=name or phone,
                status=session.status,
                url=f"/inbox/s/{session.id}",
            )
        else:
            out[session.id] = SharedSession(id=session.id, can_open=False)
    return out


def check_text(data: TeamMessageCreate) -> str:
    text = data.text.strip()
    if not text and data.session_id is None:
        raise ValidationFailed("Write something to send.", code="team_text_empty", field="text")
    if len(text) > TEXT_LIMIT:
        raise ValidationFailed(
            f"A team message holds at most {TEXT_LIMIT} characters.",
            code="team_text_too_long",
            field="text",
            limit=TEXT_LIMIT,
        )
    return text


async def record_message(
    db: AsyncSession,
    member: Member,
    channel: m.TeamChannel,
    text: str,
    session_id: uuid.UUID | None,
) -> uuid.UUID:
    """Insert the message; the author has read their channel up to it."""
    row = (
        await db.execute(
            sa.insert(m.TeamMessage)
            .values(
                organization_id=channel.organization_id,
                channel_id=channel.id,
                author_user_id=member.user_id,
                text=text,
                session_id=session_id,
            )
            .returning(m.TeamMessage.id, m.TeamMessage.seq)
        )
    ).one()
    await _mark(db, member, channel, row.seq)
    return uuid.UUID(str(row.id))


async def read_seq(db: AsyncSession, channel: m.TeamChannel, message_id: uuid.UUID | None) -> int:
    """Where a read mark up to ``message_id`` (the channel's latest when None) lands."""
    if message_id is None:
        latest = await db.scalar(
            sa.select(sa.func.max(m.TeamMessage.seq)).where(m.TeamMessage.channel_id == channel.id)
        )
        return latest or 0
    seq = await _seq_in(db, channel, message_id)
    if seq is None:
        raise NotFound("No such message in this channel.", id=str(message_id))
    return seq


async def mark_read(db: AsyncSession, member: Member, channel: m.TeamChannel, seq: int) -> None:
    if seq:
        await _mark(db, member, channel, seq)


async def _mark(db: AsyncSession, member: Member, channel: m.TeamChannel, seq: int) -> None:
    stmt = insert(m.TeamRead).values(
        channel_id=channel.id,
        user_id=member.user_id,
        organization_id=channel.organization_id,
        last_read_seq=seq,
    )
    await db.execute(
        stmt.on_conflict_do_update(
            index_elements=[m.TeamRead.channel_id, m.TeamRead.user_id],
            set_={
                "last_read_seq": sa.func.greatest(m.TeamRead.last_read_seq, seq),
                "updated_at": sa.func.now(),
            },
        )
    )
