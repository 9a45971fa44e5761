"""The statements of the ingest hot path, as plain SQL run through asyncpg (prepared
and cached per connection). ``bench/ingest`` runs these same statements through bare
asyncpg to measure the raw limit."""

from __future__ import annotations

MESSAGE_EXISTS = """
SELECT 1 FROM message WHERE connection_id = $1 AND provider_message_id = $2
"""

# The contact and its open session on this connection, in one round trip.
CONTACT_BY_PHONE = """
SELECT c.id, c.name, s.id AS session_id
FROM contact c
LEFT JOIN session s ON s.contact_id = c.id AND s.connection_id = $3 AND s.status <> 'CLOSED'
WHERE c.organization_id = $1 AND c.phone_number = $2
"""

# The no-op update makes RETURNING give the id of a row a concurrent request inserted
# first; it only runs in that race.
INSERT_CONTACT = """
INSERT INTO contact (organization_id, phone_number, name, source)
VALUES ($1, $2, $3, $4)
ON CONFLICT (organization_id, phone_number) DO UPDATE SET phone_number = EXCLUDED.phone_number
RETURNING id
"""

INSERT_ANONYMOUS_CONTACT = """
INSERT INTO contact (organization_id, phone_number, name, source)
VALUES ($1, NULL, $2, $3)
RETURNING id
"""

SET_CONTACT_NAME = """
UPDATE contact SET name = $2, updated_at = now() WHERE id = $1 AND name IS NULL
"""

CONTACT_BY_IDENTITY = """
SELECT i.contact_id, s.id AS session_id
FROM contact_identity i
LEFT JOIN session s ON s.contact_id = i.contact_id AND s.connection_id = i.connection_id
    AND s.status <> 'CLOSED'
WHERE i.connection_id = $1 AND i.kind = $2 AND i.value = $3
"""

LINK_IDENTITY = """
INSERT INTO contact_identity (connection_id, contact_id, kind, value)
VALUES ($1, $2, $3, $4)
ON CONFLICT (connection_id, kind, value) DO NOTHING
"""

OPEN_SESSION = """
SELECT id FROM session
WHERE contact_id = $1 AND connection_id = $2 AND status <> 'CLOSED'
"""

# Matches the partial unique index uq_session_open_per_contact: two requests racing
# to open a session for the same contact get one session.
INSERT_SESSION = """
INSERT INTO session (organization_id, contact_id, connection_id, status, started_by, status_reason)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (contact_id, connection_id) WHERE status <> 'CLOSED' DO NOTHING
RETURNING id
"""

# The message and the session's bookkeeping in one statement. A message typed on the
# business phone ($16) silences the AI for the connection's TTL ($17), counted from the
# message's created_at: delivery recognises the block an echo of our own send set by
# exactly that (workers/deliver_store.py, _forget_echo). The message's own
# clock_timestamp(), as in STORE_CUSTOMER_MESSAGES below: arrival order survives a
# shared transaction.
INSERT_MESSAGE = """
WITH m AS (
    INSERT INTO message (
        organization_id, session_id, contact_id, connection_id, direction, author, type,
        content, status, provider_message_id, quoted_provider_message_id, quoted_message_id,
        participant, media_source, sent_at, created_at
    )
    VALUES (
        $1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11::varchar,
        (SELECT q.id FROM message q WHERE q.connection_id = $4 AND q.provider_message_id = $11::varchar),
        $12, $13::jsonb, to_timestamp($14), clock_timestamp()
    )
    ON CONFLICT (connection_id, provider_message_id) DO NOTHING
    RETURNING id, created_at
), resolved AS (
    -- Replies that arrived before this message (it was sent before the number was
    -- connected, or delivered late) now point at it.
    UPDATE message q SET quoted_message_id = m.id FROM m
    WHERE q.connection_id = $4 AND q.quoted_provider_message_id = $10
      AND q.quoted_message_id IS NULL
), touched AS (
    UPDATE session SET
        last_message_at = now(),
        updated_at = now(),
        ai_blocked_until = CASE WHEN $16 THEN m.created_at + make_interval(mins => $17) ELSE ai_blocked_until END,
        ai_block_reason = CASE WHEN $16 THEN 'business_reply' ELSE ai_block_reason END,
        first_response_at = CASE WHEN $15 THEN COALESCE(first_response_at, now()) ELSE first_response_at END
    FROM m
    WHERE session.id = $2
)
SELECT id FROM m
"""

# Customer messages, many in one statement (app.ingest.customers): every input row
# finds its contact and open session, the rows that found both store their message
# (a repeat stores nothing) and touch the session. One row comes back per input row,
# in input order, with the new message's id or NULL. A row without a contact or
# session stores nothing; the caller creates what is missing and sends it again.
# Each message is stamped with its own clock_timestamp(): messages stored in one
# transaction keep the order they arrived in rather than tying on now().
STORE_CUSTOMER_MESSAGES = """
WITH t AS (
    SELECT * FROM unnest(
        $1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
        $8::text[], $9::text[], $10::bigint[]
    ) WITH ORDINALITY AS t(org, conn, phone, lid, type, content, pmid, quoted, media, ts, i)
), found AS MATERIALIZED (
    -- One index probe per row. LIMIT 1 (the keys are unique) keeps the planner from
    -- flattening these into joins: a generic plan guesses 100 input rows and would
    -- scan the whole contact table for a batch of a few messages.
    SELECT t.*, c.id AS contact_id, c.name, s.id AS session_id,
        t.lid IS NULL OR l.found IS NOT NULL AS linked
    FROM t
    LEFT JOIN LATERAL (
        SELECT c.id, c.name FROM contact c
        WHERE c.organization_id = t.org AND c.phone_number = t.phone LIMIT 1
    ) c ON true
    LEFT JOIN LATERAL (
        SELECT s.id FROM session s
        WHERE s.contact_id = c.id AND s.connection_id = t.conn AND s.status <> 'CLOSED' LIMIT 1
    ) s ON true
    LEFT JOIN LATERAL (
        SELECT true AS found FROM contact_identity ci
        WHERE ci.connection_id = t.conn AND ci.kind = 'lid' AND ci.value = t.lid LIMIT 1
    ) l ON true
), m AS (
    INSERT INTO message (
        organization_id, session_id, contact_id, connection_id, direction, author, type,
        content, status, provider_message_id, quoted_provider_message_id, quoted_message_id,
        media_source, sent_at, created_at
    )
    SELECT f.org, f.session_id, f.contact_id, f.conn, 'IN', 'CUSTOMER', f.type,
        f.content::jsonb, 'DELIVERED', f.pmid, f.quoted,
        (SELECT q.id FROM message q WHERE q.connection_id = f.conn AND q.provider_message_id = f.quoted),
        f.media::jsonb, to_timestamp(f.ts), clock_timestamp()
    FROM found f WHERE f.session_id IS NOT NULL ORDER BY f.i
    ON CONFLICT (connection_id, provider_message_id) DO NOTHING
    RETURNING id, connection_id, provider_message_id, session_id
), resolved AS (
    -- As in INSERT_MESSAGE: earlier replies to these messages now point at them.
    UPDATE message q SET quoted_message_id = m.id FROM m
    WHERE q.connection_id = m.connection_id AND q.quoted_provider_message_id = m.provider_message_id
      AND q.quoted_message_id IS NULL
), touched AS (
    -- One array, not a join: the rows are locked in index order, the same order in
    -- every concurrent batch, so two batches never deadlock on each other's sessions.
    UPDATE session SET last_message_at = now(), updated_at = now()
    WHERE id = ANY(ARRAY(SELECT session_id FROM m))
)
SELECT f.contact_id, f.name, f.session_id, f.linked, m.id AS message_id
FROM found f LEFT JOIN m ON m.connection_id = f.conn AND m.provider_message_id = f.pmid
ORDER BY f.i
"""

# Rows go in sorted, here and below, so concurrent batches that insert the same keys
# take them in the same order and wait for each other instead of deadlocking. A
# contact a concurrent delivery inserted first is the one used.
INSERT_CONTACTS = """
INSERT INTO contact (organization_id, phone_number, name, source)
SELECT org, phone, name, $4 FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t(org, phone, name)
ORDER BY org, phone
ON CONFLICT (organization_id, phone_number) DO NOTHING
"""

SET_CONTACT_NAMES = """
UPDATE contact c SET name = t.name, updated_at = now()
FROM unnest($1::uuid[], $2::text[]) AS t(id, name)
WHERE c.id = t.id AND c.name IS NULL
"""

LINK_IDENTITIES = """
INSERT INTO contact_identity (connection_id, contact_id, kind, value)
SELECT conn, contact, 'lid', lid FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS t(conn, contact, lid)
ORDER BY conn, lid
ON CONFLICT (connection_id, kind, value) DO NOTHING
"""

# The contact by its phone: it may have been inserted by this transaction's previous
# statement or by a concurrent delivery. A session another delivery opened meanwhile
# wins (uq_session_open_per_contact); only the sessions opened here come back.
INSERT_SESSIONS = """
INSERT INTO session (organization_id, contact_id, connection_id, status, started_by)
SELECT t.org, c.id, t.conn, t.status, 'CUSTOMER'
FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[]) AS t(org, phone, conn, status)
JOIN contact c ON c.organization_id = t.org AND c.phone_number = t.phone
ORDER BY c.id, t.conn
ON CONFLICT (contact_id, connection_id) WHERE status <> 'CLOSED' DO NOTHING
RETURNING id
"""

DROP_EMPTY_SESSIONS = """
DELETE FROM session s
WHERE s.id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM message m WHERE m.session_id = s.id)
"""

DROP_EMPTY_SESSION = """
DELETE FROM session s WHERE s.id = $1 AND NOT EXISTS (SELECT 1 FROM message m WHERE m.session_id = s.id)
"""

INSERT_INBOUND_MEDIA = """
INSERT INTO inbound_media (message_id, data) VALUES ($1, $2)
"""

# Acks only move forward (PENDING < SENT < DELIVERED < READ); FAILED applies to a
# message not yet delivered.
APPLY_ACK = """
UPDATE message SET
    status = $3,
    sent_at = CASE WHEN $3 IN ('SENT', 'DELIVERED', 'READ') THEN COALESCE(sent_at, now()) ELSE sent_at END,
    delivered_at = CASE WHEN $3 IN ('DELIVERED', 'READ') THEN COALESCE(delivered_at, now()) ELSE delivered_at END,
    read_at = CASE WHEN $3 = 'READ' THEN COALESCE(read_at, now()) ELSE read_at END,
    error = CASE WHEN $3 = 'FAILED' THEN $4 ELSE error END,
    updated_at = now()
WHERE connection_id = $1 AND provider_message_id = $2
  AND (
    array_position(ARRAY['PENDING','SENT','DELIVERED','READ'], status::text)
      < array_position(ARRAY['PENDING','SENT','DELIVERED','READ'], $3::text)
    OR ($3 = 'FAILED' AND status IN ('PENDING', 'SENT'))
  )
RETURNING id, organization_id
"""

# An ack that outran its message waits here; the furthest status wins.
KEEP_PENDING_ACK = """
INSERT INTO pending_ack (connection_id, provider_message_id, status, error)
VALUES ($1, $2, $3, $4)
ON CONFLICT (connection_id, provider_message_id) DO UPDATE SET
    status = CASE
        WHEN array_position(ARRAY['FAILED','PENDING','SENT','DELIVERED','READ'], EXCLUDED.status::text)
           > array_position(ARRAY['FAILED','PENDING','SENT','DELIVERED','READ'], pending_ack.status::text)
        THEN EXCLUDED.status ELSE pending_ack.status END,
    error = COALESCE(EXCLUDED.error, pending_ack.error)
"""

TAKE_PENDING_ACK = """
DELETE FROM pending_ack WHERE connection_id = $1 AND provider_message_id = $2
RETURNING status, error
"""

EDIT_MESSAGE = """
UPDATE message SET
    content = jsonb_set(content, '{text}', to_jsonb($3::text)),
    edited_at = now(), updated_at = now()
WHERE connection_id = $1 AND provider_message_id = $2
RETURNING id, organization_id
"""

REVOKE_MESSAGE = """
UPDATE message SET deleted_at = now(), updated_at = now()
WHERE connection_id = $1 AND provider_message_id = $2 AND deleted_at IS NULL
RETURNING id, organization_id
"""

# One reaction per side (customer or business): a new one replaces it, an empty
# emoji removes it.
REACT = """
UPDATE message SET
    reactions = (
        SELECT COALESCE(jsonb_agg(r), '[]'::jsonb) FROM jsonb_array_elements(reactions) r
        WHERE r->>'by' <> $3
    ) || CASE WHEN $4 = '' THEN '[]'::jsonb
              ELSE jsonb_build_array(jsonb_build_object('emoji', $4::text, 'by', $3::text, 'at', now()))
         END,
    updated_at = now()
WHERE connection_id = $1 AND provider_message_id = $2
RETURNING id, organization_id
"""

UPDATE_CONNECTION = """
WITH old AS (SELECT id, status FROM connection WHERE id = $1 FOR UPDATE)
UPDATE connection c SET
    status = COALESCE($2, c.status),
    status_reason = $3,
    phone_number = COALESCE($4, c.phone_number),
    qr_code = CASE WHEN $5 THEN $6 ELSE c.qr_code END,
    last_seen_at = now(),
    updated_at = now()
FROM old WHERE c.id = old.id
RETURNING old.status AS previous, c.status AS current
"""

# Rows in order, each with its id — or NULL for an event no active webhook subscription
# of its organization listens to: that one needs no ``publish_event`` job (its realtime
# notice still goes out when the others are enqueued, app.outbox). Ids come from one
# sequence in insertion order, which follows ``n``.
INSERT_OUTBOX = """
WITH t AS (
    SELECT t.job, t.args::jsonb AS args, t.job_id, t.defer_seconds, t.n,
           t.job <> 'publish_event' OR EXISTS (
               SELECT 1 FROM webhook_subscription s
               WHERE s.organization_id = (t.args::jsonb ->> 0)::uuid AND s.is_active
                 AND (t.args::jsonb ->> 1) = ANY (s.events)
           ) AS kept
    FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[])
         WITH ORDINALITY AS t(job, args, job_id, defer_seconds, n)
), ins AS (
    INSERT INTO outbox (job, args, job_id, defer_seconds)
    SELECT job, args, job_id, defer_seconds FROM t WHERE kept ORDER BY n
    RETURNING id
)
SELECT (SELECT array_agg(kept ORDER BY n) FROM t) AS kept,
       (SELECT array_agg(id ORDER BY id) FROM ins) AS ids
"""

# A provider's opt-out signal (Meta user_preferences). A stop keeps an earlier opt-out
# as it was (its time and source) and settles the contact's pending campaign sends.
PROVIDER_OPT_OUT = """
WITH c AS (
    UPDATE contact SET opted_out_at = now(), opt_out_source = 'PROVIDER', opt_out_reason = $3,
           updated_at = now()
    WHERE organization_id = $1 AND phone_number = $2 AND opted_out_at IS NULL
    RETURNING id
), r AS (
    UPDATE campaign_recipient SET status = 'OPTED_OUT', reason = 'opted_out', updated_at = now()
    WHERE contact_id = (SELECT id FROM c) AND status = 'PENDING'
      AND campaign_id IN (SELECT id FROM campaign WHERE organization_id = $1
                          AND status IN ('DRAFT', 'SCHEDULED', 'RUNNING', 'PAUSED'))
)
SELECT id FROM c
"""

PROVIDER_OPT_IN = """
UPDATE contact SET opted_out_at = NULL, opt_out_source = NULL, opt_out_reason = NULL,
       updated_at = now()
WHERE organization_id = $1 AND phone_number = $2 AND opt_out_source = 'PROVIDER'
RETURNING id
"""
