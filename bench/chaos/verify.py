"""What the chaos run must have left behind, read from PostgreSQL and the stand-ins
alone, and the verdict table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from bench.chaos.load import Expected

_RANK = {"PENDING": 0, "SENT": 1, "DELIVERED": 2, "READ": 3, "FAILED": -1}

# Customer messages a burst must take (groups the connection does not allow are only
# stored), as the reconciler's own query says.
OUTSTANDING = """
SELECT
  (SELECT count(*) FROM outbox) AS outbox,
  (SELECT count(*) FROM message WHERE direction = 'OUT' AND status = 'PENDING') AS pending_sends,
  (SELECT count(*) FROM message WHERE media_source IS NOT NULL AND direction = 'IN'
     AND transcription IS NULL AND transcription_error IS NULL) AS media_unprocessed,
  (SELECT count(*) FROM turn WHERE status IN ('PENDING', 'READY')) AS turns_open,
  (SELECT count(*) FROM message m JOIN connection k ON k.id = m.connection_id
     WHERE m.direction = 'IN' AND m.author = 'CUSTOMER'
       AND (m.participant IS NULL OR k.allow_groups)
       AND NOT EXISTS (SELECT 1 FROM turn t WHERE m.id = ANY(t.message_ids))) AS unmerged,
  (SELECT count(*) FROM webhook_delivery WHERE status = 'PENDING') AS webhooks_due
"""


@dataclass
class Row:
    check: str
    expected: str
    found: str
    ok: bool


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lost: int = 0
    doubled: int = 0
    stuck: int = 0

    def add(self, check: str, expected: Any, found: Any, ok: bool | None = None) -> None:
        self.rows.append(
            Row(check, str(expected), str(found), expected == found if ok is None else ok)
        )

    @property
    def passed(self) -> bool:
        return all(row.ok for row in self.rows)


async def outstanding(dsn: str) -> dict[str, int]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(OUTSTANDING)
    finally:
        await conn.close()
    return dict(row)


async def verify(
    dsn: str,
    run: str,
    expected: Expected,
    acks: dict[str, str],
    accepted: dict[str, str],
    repeats: int,
    model_calls: dict[str, int],
    native_connection: str,
) -> Report:
    report = Report()
    conn = await asyncpg.connect(dsn)
    try:
        await _messages(conn, run, expected, report)
        await _acks(conn, acks, report)
        await _bursts(conn, native_connection, report)
        await _replies(conn, native_connection, accepted, repeats, model_calls, report)
        await _stuck(conn, report)
    finally:
        await conn.close()
    return report


async def _messages(conn: Any, run: str, expected: Expected, report: Report) -> None:
    rows = await conn.fetch(
        "SELECT substring(provider_message_id from $1)::int AS key, count(*) AS n,"
        " min(content->>'text') AS text FROM message"
        " WHERE direction = 'IN' AND provider_message_id LIKE $2 GROUP BY 1",
        f"X{run}([0-9]{{8}})",
        f"%X{run}%",
    )
    found = {r["key"]: r for r in rows}
    lost = [k for k in expected.messages if k not in found]
    doubled = [k for k, r in found.items() if r["n"] > 1]
    report.lost += len(lost)
    report.doubled += len(doubled)
    kinds: dict[str, int] = {}
    for provider, kind in expected.messages.values():
        kinds[f"{provider} {kind}"] = kinds.get(f"{provider} {kind}", 0) + 1
    mix = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    report.add("unique messages stored", len(expected.messages), len(found))
    report.notes.append(f"  planned messages: {mix}")
    report.add("messages lost", 0, len(lost))
    report.add("messages stored twice", 0, len(doubled))
    wrong = [k for k, text in expected.edits.items() if k in found and found[k]["text"] != text]
    report.add("edits applied", len(expected.edits), len(expected.edits) - len(wrong))


async def _acks(conn: Any, acks: dict[str, str], report: Report) -> None:
    rows = await conn.fetch(
        "SELECT provider_message_id, status FROM message WHERE provider_message_id = ANY($1)",
        list(acks),
    )
    status = {r["provider_message_id"]: r["status"] for r in rows}
    applied = sum(
        1 for pmid, want in acks.items() if _RANK.get(status.get(pmid, ""), -2) >= _RANK[want]
    )
    report.add("acks applied (delivered/read)", len(acks), applied)
    left = await conn.fetchval("SELECT count(*) FROM pending_ack")
    report.add("acks left waiting for their message", 0, left)


async def _bursts(conn: Any, native: str, report: Report) -> None:
    twice = await conn.fetchval(
        "SELECT count(*) FROM (SELECT m.id FROM message m"
        " JOIN turn t ON m.id = ANY(t.message_ids)"
        " GROUP BY m.id HAVING count(*) > 1) x"
    )
    report.doubled += twice
    report.add("customer messages in two turns", 0, twice)
    turns = await conn.fetch(
        "SELECT t.status, a.reason, k.id = $1::uuid AS native, count(*) AS n FROM turn t"
        " JOIN session s ON s.id = t.session_id JOIN connection k ON k.id = s.connection_id"
        " LEFT JOIN ai_turn a ON a.turn_id = t.id GROUP BY 1, 2, 3 ORDER BY 3 DESC, 4 DESC",
        native,
    )
    summary = "; ".join(
        f"{'native' if r['native'] else 'AI off'} {r['status']}"
        f"{'/' + r['reason'] if r['reason'] else ''} {r['n']}"
        for r in turns
    )
    report.notes.append(f"  turns: {summary}")
    odd = sum(
        r["n"]
        for r in turns
        if r["native"] and r["status"] not in ("ANSWERED",) and r["reason"] != "superseded"
    ) + sum(r["n"] for r in turns if not r["native"] and r["reason"] != "ai_disabled")
    report.add("turns ending otherwise than answered/superseded/ai_disabled", 0, odd)
    unanswered = await conn.fetchval(
        "SELECT count(*) FROM session s WHERE s.connection_id = $1::uuid AND NOT EXISTS ("
        " SELECT 1 FROM turn t WHERE t.session_id = s.id AND t.status = 'ANSWERED'"
        "   AND t.last_message_at = (SELECT max(created_at) FROM message m WHERE"
        "   m.session_id = s.id AND m.direction = 'IN' AND m.author = 'CUSTOMER'))",
        native,
    )
    report.lost += unanswered
    report.add("native customers whose last burst is unanswered", 0, unanswered)


async def _replies(
    conn: Any,
    native: str,
    accepted: dict[str, str],
    repeats: int,
    model_calls: dict[str, int],
    report: Report,
) -> None:
    rows = await conn.fetch(
        "SELECT a.turn_id, coalesce(array_length(a.message_ids, 1), 0) AS parts"
        " FROM ai_turn a JOIN turn t ON t.id = a.turn_id WHERE t.status = 'ANSWERED'"
    )
    answered = len(rows)
    not_one = sum(1 for r in rows if r["parts"] != 1)
    report.add("answered turns with one reply message", answered, answered - not_one)
    replies = await conn.fetch(
        "SELECT id::text, status FROM message WHERE direction = 'OUT' AND author = 'AI'"
        " AND connection_id = $1::uuid",
        native,
    )
    ours = {r["id"] for r in replies}
    sent = sum(1 for r in replies if r["status"] in ("SENT", "DELIVERED", "READ"))
    report.add("replies SENT (or acked further)", len(replies), sent)
    distinct = set(accepted)
    report.add("replies delivered at the stand-in (distinct ids)", len(ours), len(distinct & ours))
    extra = len(distinct - ours)
    report.doubled += extra
    report.add("sends at the stand-in that are no reply of ours", 0, extra)
    report.add("  repeats of an accepted id at the stand-in (deduped)", "-", repeats, True)
    asked = await conn.fetchval(
        "SELECT count(*) FROM ai_turn WHERE model IS NOT NULL AND attempts > 0"
    )
    calls = model_calls.get("standin-chat", 0)
    report.add("model calls for turns (turns that asked the model)", asked, calls, calls >= asked)
    report.add(
        "  of which asked again after a kill (answer never stored)", "-", calls - asked, True
    )
    report.add("  vision calls (images)", "-", model_calls.get("standin-vision", 0), True)


async def _stuck(conn: Any, report: Report) -> None:
    left = dict(await conn.fetchrow(OUTSTANDING))
    for name, count in left.items():
        report.stuck += count
        report.add(f"stuck: {name.replace('_', ' ')}", 0, count)


def print_table(report: Report, header: list[str], footer: list[str]) -> None:
    width = max(len(r.check) for r in report.rows)
    print()
    for line in header:
        print(line)
    for line in report.notes:
        print(line)
    print(f"  {'check':<{width}}  {'expected':>9}  {'found':>9}  verdict")
    for row in report.rows:
        verdict = "" if row.expected in ("", "-") else ("ok" if row.ok else "FAIL")
        print(f"  {row.check:<{width}}  {row.expected:>9}  {row.found:>9}  {verdict}")
    for line in footer:
        print(line)
