"""The queue: sessions by status with the inbox's filters, one page at a time.

One statement per page. Rows are ordered and cut on session columns first; only the
page's rows then look up their last message and how long the customer has been
waiting (two LATERAL index lookups each), so 10,000 open sessions cost a sort of
10,000 small tuples, not 10,000 message lookups.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.groups.services import GROUP_REASON
from app.inbox.viewer import Viewer
from app.mirrors.intake import MIRROR_SOURCE_REASON
from providers.phone import normalize_phone

PAGE_SIZE = 50
QueueStatus = Literal["QUEUED", "ACTIVE", "PAUSED", "CLOSED", "ALL"]
STATUSES: tuple[QueueStatus, ...] = ("QUEUED", "ACTIVE", "PAUSED", "CLOSED", "ALL")
OPEN_STATUSES = ("QUEUED", "ACTIVE", "PAUSED")


@dataclass(frozen=True, slots=True)
class QueueFilter:
    status: QueueStatus = "QUEUED"
    department_id: uuid.UUID | None = None
    mine: bool = False
    unassigned: bool = False
    tabulation_id: uuid.UUID | None = None
    search: str | None = None
    page: int = 1

    def query(self, **changes: Any) -> str:
        """The filter as a query string (with ``changes``), for links and refreshes."""
        values = {
            "status": self.status,
            "department": self.department_id,
            "mine": "1" if self.mine else None,
            "unassigned": "1" if self.unassigned else None,
            "tabulation": self.tabulation_id,
            "q": self.search,
            "page": self.page if self.page > 1 else None,
        }
        values.update(changes)
        return urlencode({k: str(v) for k, v in values.items() if v not in (None, "")})


@dataclass(slots=True)
class QueueRow:
    session_id: uuid.UUID
    status: str
    contact_id: uuid.UUID
    contact_name: str | None
    phone_number: str | None
    department_name: str | None
    agent_id: uuid.UUID | None
    agent_name: str | None
    ai_blocked_until: datetime | None
    created_at: datetime
    last_author: str | None
    last_text: str | None
    last_kind: str | None
    last_at: datetime | None
    unanswered: int
    waiting_since: datetime | None
    tabulations: list[tuple[str, str | None]] = field(default_factory=list)


_ROWS = """
SELECT s.id AS session_id, s.status, s.contact_id, s.assigned_agent_id AS agent_id,
       s.ai_blocked_until, s.created_at,
       c.name AS contact_name, c.phone_number,
       d.name AS department_name, u.name AS agent_name,
       last.author AS last_author, last.text AS last_text, last.kind AS last_kind,
       last.created_at AS last_at,
       pending.n AS unanswered, pending.since AS waiting_since
FROM (
    SELECT s.* FROM session s {search_join}
    WHERE s.organization_id = :org {where}
    ORDER BY {order}
    LIMIT :limit OFFSET :offset
) s
JOIN contact c ON c.id = s.contact_id
LEFT JOIN department d ON d.id = s.assigned_department_id
LEFT JOIN app_user u ON u.id = s.assigned_agent_id
LEFT JOIN LATERAL (
    SELECT m.author, m.content->>'text' AS text,
           COALESCE(m.content->>'kind', m.content->'media'->>'type') AS kind, m.created_at
    FROM message m
    WHERE m.session_id = s.id AND m.deleted_at IS NULL
    ORDER BY m.created_at DESC LIMIT 1
) last ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS n, min(p.created_at) AS since FROM (
        SELECT m.created_at FROM message m
        WHERE m.session_id = s.id AND m.direction = 'IN'
          AND m.created_at > COALESCE(
              (SELECT max(o.created_at) FROM message o
               WHERE o.session_id = s.id AND o.direction = 'OUT'), '-infinity')
        ORDER BY m.created_at LIMIT 100
    ) p
) pending ON true
ORDER BY {outer_order}
"""

_COUNTS = """
SELECT s.status, count(*) AS n FROM session s {search_join}
WHERE s.organization_id = :org AND s.status <> 'CLOSED' {where}
GROUP BY s.status
"""

_TABULATIONS = """
SELECT st.session_id, t.name, t.background_color FROM session_tabulation st
JOIN tabulation t ON t.id = st.tabulation_id
WHERE st.session_id = ANY(:ids) AND t.organization_id = :org
ORDER BY t.name
"""


# A campaign opens a session for every recipient it sends to (ACTIVE, started by the
# BUSINESS, reason 'campaign': workers/campaigns_store.py). Until the customer writes in
# it, it is the campaign's and not the agents' (API.md: "Recipients who never answer do
# not fill the agents' queue"). The cheap session columns rule almost every row out
# first; the EXISTS is one probe of ix_message_session_created (session_id first) on a
# session holding one or two messages. OFFSET 0 keeps it that: otherwise PostgreSQL may
# turn the EXISTS into a hashed subplan that first reads every inbound message of every
# organization (costed for all the organization's sessions, blind to the page's LIMIT
# that stops after 51 rows).
_NOT_AN_UNANSWERED_CAMPAIGN = """
 AND (s.status_reason IS DISTINCT FROM 'campaign' OR s.started_by <> 'BUSINESS'
      OR EXISTS (SELECT 1 FROM message cm
                 WHERE cm.session_id = s.id AND cm.direction = 'IN' OFFSET 0))"""


# Group chats the business only posts in (app.groups: a group post's session) or reads
# offers from (a mirror's source group) are not conversations with a customer: the
# agents never see them in the tabs (they stay in GET /api/v1/sessions).
_NOT_A_GROUP_FEED = f"""
 AND (s.status_reason IS NULL
      OR s.status_reason NOT IN ('{GROUP_REASON}', '{MIRROR_SOURCE_REASON}'))"""


def _conditions(viewer: Viewer, f: QueueFilter, params: dict[str, Any]) -> tuple[str, str]:
    """(the JOIN the search needs, the WHERE fragment) — without the status."""
    where = viewer.visibility_sql(params) + _NOT_AN_UNANSWERED_CAMPAIGN + _NOT_A_GROUP_FEED
    if f.department_id is not None:
        where += " AND s.assigned_department_id = :department"
        params["department"] = f.department_id
    if f.mine:
        where += " AND s.assigned_agent_id = :viewer"
        params["viewer"] = viewer.user_id
    if f.unassigned:
        where += " AND s.assigned_agent_id IS NULL"
    if f.tabulation_id is not None:
        where += (
            " AND EXISTS (SELECT 1 FROM session_tabulation st"
            " WHERE st.session_id = s.id AND st.tabulation_id = :tabulation)"
        )
        params["tabulation"] = f.tabulation_id
    join = ""
    if f.search and f.search.strip():
        join = "JOIN contact sc ON sc.id = s.contact_id"
        text = f.search.strip()
        params["name_like"] = "%" + text.replace("\\", "\\\\").replace("%", r"\%") + "%"
        digits = re.sub(r"\D", "", text)
        if len(digits) >= 3:
            # Any common form finds the contact: a fragment of the digits, or the whole
            # number normalized (with the Brazilian ninth digit restored).
            params["phone_like"] = f"%{digits}%"
            params["phone_exact"] = normalize_phone(text) or digits
            where += (
                " AND (sc.name ILIKE :name_like OR sc.phone_number LIKE :phone_like"
                " OR sc.phone_number = :phone_exact)"
            )
        else:
            where += " AND sc.name ILIKE :name_like"
    return join, where


def _order(status: QueueStatus) -> tuple[str, str]:
    # Waiting for a human: the longest wait first. Everything else: latest activity first
    # (CLOSED rides the (organization, status, updated_at) index over any history size).
    if status == "QUEUED":
        return (
            "s.last_message_at ASC NULLS LAST, s.id",
            "s.last_message_at ASC NULLS LAST, s.id",
        )
    return "s.updated_at DESC, s.id DESC", "s.updated_at DESC, s.id DESC"


async def queue_page(
    db: AsyncSession, viewer: Viewer, f: QueueFilter, *, only: uuid.UUID | None = None
) -> tuple[list[QueueRow], bool]:
    """A page of rows (and whether another follows); with ``only``, that session's
    row if it passes the filter."""
    params: dict[str, Any] = {"org": viewer.principal.organization_id}
    join, where = _conditions(viewer, f, params)
    if f.status != "ALL":
        where += " AND s.status = :status"
        params["status"] = f.status
    if only is not None:
        where += " AND s.id = :only"
        params["only"] = only
    inner, outer = _order(f.status)
    params["limit"] = PAGE_SIZE + 1
    params["offset"] = (f.page - 1) * PAGE_SIZE
    statement = _ROWS.format(search_join=join, where=where, order=inner, outer_order=outer)
    result = await db.execute(sa.text(statement), params)
    rows = [QueueRow(**r._mapping) for r in result]
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    await _attach_tabulations(db, viewer, rows)
    return rows, more


async def _attach_tabulations(db: AsyncSession, viewer: Viewer, rows: list[QueueRow]) -> None:
    if not rows:
        return
    by_id = {r.session_id: r for r in rows}
    result = await db.execute(
        sa.text(_TABULATIONS), {"ids": list(by_id), "org": viewer.principal.organization_id}
    )
    for session_id, name, color in result:
        by_id[session_id].tabulations.append((name, color))


async def queue_counts(db: AsyncSession, viewer: Viewer, f: QueueFilter) -> dict[str, int]:
    """Open sessions per status under the filter (closed ones are history, not counted)."""
    params: dict[str, Any] = {"org": viewer.principal.organization_id}
    join, where = _conditions(viewer, f, params)
    result = await db.execute(sa.text(_COUNTS.format(search_join=join, where=where)), params)
    counts = dict.fromkeys(OPEN_STATUSES, 0)
    counts.update({status: n for status, n in result})
    return counts
