"""The dashboard's figures over the last N days, grouped by day in the organization's
zone. The charts are drawn from them with HTML and CSS (no chart library, nothing to
download, readable at any width)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.inbox.viewer import Viewer
from app.sessions.events import QUEUE_STATE_SQL

AUTHORS = ("CUSTOMER", "AI", "AGENT", "BUSINESS", "AGENT_PLATFORM", "SYSTEM")
OPEN = ("QUEUED", "ACTIVE", "PAUSED")

_VOLUME = """
SELECT (m.created_at AT TIME ZONE :tz)::date AS day, m.author, count(*) AS n
FROM message m
WHERE m.organization_id = :org AND m.created_at >= :since
GROUP BY 1, 2
"""

# Per session opened in the period: the customer's first message, the first answers by
# the AI and by a human, and when the AI handed the conversation to humans.
_FIRST_RESPONSE = """
WITH firsts AS (
    SELECT (s.created_at AT TIME ZONE :tz)::date AS day,
           (SELECT min(m.created_at) FROM message m
             WHERE m.session_id = s.id AND m.author = 'CUSTOMER') AS first_in,
           (SELECT min(m.created_at) FROM message m
             WHERE m.session_id = s.id AND m.author = 'AI') AS first_ai,
           (SELECT min(m.created_at) FROM message m
             WHERE m.session_id = s.id AND m.author IN ('AGENT', 'AGENT_PLATFORM')) AS first_human,
           (SELECT min(a.created_at) FROM ai_turn a
             WHERE a.session_id = s.id AND a.notice IN ('handoff', 'failure')) AS handoff_at
    FROM session s
    WHERE s.organization_id = :org AND s.created_at >= :since
)
SELECT day,
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM first_ai - first_in)
       ) FILTER (WHERE first_ai > first_in) AS ai_median,
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM
               first_human - GREATEST(first_in, COALESCE(handoff_at, first_in)))
       ) FILTER (WHERE first_human > first_in) AS human_median
FROM firsts GROUP BY day
"""

_RESOLVED = """
SELECT count(*) AS closed,
       count(*) FILTER (
           WHERE EXISTS (SELECT 1 FROM message m WHERE m.session_id = s.id AND m.author = 'AI')
             AND NOT EXISTS (SELECT 1 FROM message m WHERE m.session_id = s.id
                             AND m.author IN ('AGENT', 'AGENT_PLATFORM', 'BUSINESS'))
             AND NOT EXISTS (SELECT 1 FROM ai_turn a WHERE a.session_id = s.id
                             AND a.notice IN ('handoff', 'failure'))
       ) AS by_ai
FROM session s
WHERE s.organization_id = :org AND s.status = 'CLOSED'
  AND s.updated_at >= :since AND s.closed_at >= :since
"""

_HANDOFFS = """
SELECT CASE WHEN a.notice = 'failure' THEN 'failure'
            WHEN a.reason = 'handoff_keyword' THEN 'keyword'
            ELSE 'tool' END AS kind,
       count(*) AS n
FROM ai_turn a
WHERE a.organization_id = :org AND a.created_at >= :since AND a.notice IN ('handoff', 'failure')
GROUP BY 1
"""

_REASONS = """
SELECT substr(s.status_reason, 10) AS reason, count(*) AS n
FROM session s
WHERE s.organization_id = :org AND s.updated_at >= :since AND s.status_reason LIKE 'handoff: %'
GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5
"""

_OPEN_QUEUE = """
SELECT d.name AS department, s.status, count(*) AS n
FROM session s LEFT JOIN department d ON d.id = s.assigned_department_id
WHERE s.organization_id = :org AND s.status <> 'CLOSED'
GROUP BY 1, 2
"""

# Time in each queue state (app/sessions/events.py) from the session history: each event
# starts a span that ends at the session's next event (or now, for its current state);
# per session and state the spans add up, then average and median over the sessions.
# Only events of the period count; encerrado is an end, not a wait.
_TIME_IN_STATE = f"""
WITH spans AS (
    SELECT e.session_id, {QUEUE_STATE_SQL} AS state, e.at,
           lead(e.at) OVER (PARTITION BY e.session_id ORDER BY e.id) AS until
    FROM session_event e
    WHERE e.organization_id = :org AND e.at >= :since
), per_session AS (
    SELECT session_id, state,
           sum(extract(epoch FROM COALESCE(until, GREATEST(:now, at)) - at)) AS secs
    FROM spans WHERE state <> 'CLOSED'
    GROUP BY 1, 2
)
SELECT state, count(*) AS sessions, avg(secs) AS average,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY secs) AS median
FROM per_session GROUP BY state
"""  # noqa: S608 -- QUEUE_STATE_SQL is our constant, no input
STATES = ("AUTOMATION", "WAITING", "ATTENDING")

# Campaigns: how many are live, and the funnel of what they sent in the period
# (cumulative: a read message was delivered and sent).
_CAMPAIGNS = """
SELECT count(*) FILTER (WHERE status = 'RUNNING') AS running,
       count(*) FILTER (WHERE status = 'SCHEDULED') AS scheduled,
       count(*) FILTER (WHERE status = 'PAUSED') AS paused
FROM campaign WHERE organization_id = :org
"""
_CAMPAIGN_FUNNEL = """
SELECT count(*) FILTER (WHERE r.status IN ('SENT', 'DELIVERED', 'READ', 'REPLIED')) AS sent,
       count(*) FILTER (WHERE r.status IN ('DELIVERED', 'READ', 'REPLIED')) AS delivered,
       count(*) FILTER (WHERE r.status IN ('READ', 'REPLIED')) AS read,
       count(*) FILTER (WHERE r.status = 'REPLIED') AS replied,
       count(*) FILTER (WHERE r.status = 'FAILED') AS failed
FROM campaign c JOIN campaign_recipient r ON r.campaign_id = c.id
WHERE c.organization_id = :org AND r.updated_at >= :since
  AND r.status IN ('SENT', 'DELIVERED', 'READ', 'REPLIED', 'FAILED')
"""


@dataclass(slots=True)
class CampaignCard:
    running: int
    scheduled: int
    paused: int
    funnel: list[tuple[str, int]]  # sent, delivered, read, replied
    failed: int

    @property
    def sent(self) -> int:
        return self.funnel[0][1]


@dataclass(slots=True)
class StateTime:
    state: str  # AUTOMATION | WAITING | ATTENDING
    sessions: int
    average: float | None  # seconds
    median: float | None


@dataclass(slots=True)
class Bar:
    label: str
    value: int
    parts: list[tuple[str, int]] = field(default_factory=list)  # (author or status, count)


@dataclass(slots=True)
class Dashboard:
    days: list[date]
    volume: list[Bar]
    volume_max: int
    volume_totals: dict[str, int]
    first_response: list[tuple[date, float | None, float | None]]
    frt_max: float
    closed: int
    resolved_by_ai: int
    handoffs: dict[str, int]
    top_reasons: list[tuple[str, int]]
    open_queue: list[Bar]
    open_max: int
    campaigns: CampaignCard
    time_in_state: list[StateTime] = field(default_factory=list)

    @property
    def state_max(self) -> float:
        return max((s.average or 0.0 for s in self.time_in_state), default=0.0) or 1.0

    @property
    def resolved_share(self) -> float:
        return self.resolved_by_ai / self.closed if self.closed else 0.0

    @property
    def handoff_total(self) -> int:
        return sum(self.handoffs.values())


def _day_range(zone: ZoneInfo, days: int) -> tuple[datetime, list[date]]:
    today = datetime.now(zone).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    return since, [first + timedelta(days=i) for i in range(days)]


def _volume(rows: list[Any], days: list[date]) -> tuple[list[Bar], int, dict[str, int]]:
    per_day: dict[date, dict[str, int]] = {d: {} for d in days}
    totals = dict.fromkeys(AUTHORS, 0)
    for day, author, n in rows:
        if day in per_day:
            per_day[day][author] = per_day[day].get(author, 0) + n
            totals[author] = totals.get(author, 0) + n
    peak = max((sum(v.values()) for v in per_day.values()), default=0) or 1
    bars = []
    for day in days:
        counts = per_day[day]
        parts = [(a, counts[a]) for a in AUTHORS if a in counts]
        bars.append(Bar(label=f"{day:%d/%m}", value=sum(counts.values()), parts=parts))
    return bars, peak, totals


def _open_queue(rows: list[Any], no_department: str) -> tuple[list[Bar], int]:
    by_department: dict[str, dict[str, int]] = {}
    for department, status, n in rows:
        by_department.setdefault(department or no_department, {})[status] = n
    peak = max((sum(v.values()) for v in by_department.values()), default=0) or 1
    bars = []
    for name, counts in sorted(by_department.items(), key=lambda kv: -sum(kv[1].values())):
        parts = [(s, counts[s]) for s in OPEN if s in counts]
        bars.append(Bar(label=name, value=sum(counts.values()), parts=parts))
    return bars, peak


async def load(
    db: AsyncSession,
    viewer: Viewer,
    zone_name: str,
    days: int,
    *,
    no_department: str = "—",
    now: datetime | None = None,
) -> Dashboard:
    """``now`` ends the spans of the sessions' current states (the clock, else)."""
    zone = ZoneInfo(zone_name)
    since, day_list = _day_range(zone, days)
    params = {
        "org": viewer.principal.organization_id,
        "since": since,
        "tz": zone_name,
        "now": now or datetime.now(UTC),
    }

    async def rows(sql: str) -> list[Any]:
        return list((await db.execute(sa.text(sql), params)).all())

    volume, volume_max, totals = _volume(await rows(_VOLUME), day_list)
    frt = {day: (ai, human) for day, ai, human in await rows(_FIRST_RESPONSE)}
    first_response = [(d, *frt.get(d, (None, None))) for d in day_list]
    frt_max = max((v for _, a, h in first_response for v in (a, h) if v is not None), default=0)
    resolved = (await rows(_RESOLVED))[0]
    open_queue, open_max = _open_queue(await rows(_OPEN_QUEUE), no_department)
    live = (await rows(_CAMPAIGNS))[0]
    funnel = (await rows(_CAMPAIGN_FUNNEL))[0]
    campaigns = CampaignCard(
        running=live.running,
        scheduled=live.scheduled,
        paused=live.paused,
        funnel=[(step, getattr(funnel, step)) for step in ("sent", "delivered", "read", "replied")],
        failed=funnel.failed,
    )
    return Dashboard(
        days=day_list,
        volume=volume,
        volume_max=volume_max,
        volume_totals=totals,
        first_response=first_response,
        frt_max=float(frt_max) or 1.0,
        closed=resolved.closed,
        resolved_by_ai=resolved.by_ai,
        handoffs={kind: n for kind, n in await rows(_HANDOFFS)},
        top_reasons=[(reason, n) for reason, n in await rows(_REASONS)],
        open_queue=open_queue,
        open_max=open_max,
        campaigns=campaigns,
        time_in_state=_time_in_state(await rows(_TIME_IN_STATE)),
    )


def _time_in_state(rows: list[Any]) -> list[StateTime]:
    found = {r.state: r for r in rows}
    out = []
    for state in STATES:
        row = found.get(state)
        out.append(
            StateTime(
                state=state,
                sessions=row.sessions if row else 0,
                average=float(row.average) if row else None,
                median=float(row.median) if row else None,
            )
        )
    return out
