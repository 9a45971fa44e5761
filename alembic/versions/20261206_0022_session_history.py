"""session_event: the session history (every status change and assignment, with its
reason, actor and time), written by a trigger on session; tabulation.auto_trigger

The trigger rather than application code: every path that changes a session (the API,
the inbox, ingest, the AI responder, campaigns, the bot, a hand-written UPDATE) is
recorded, and the ingest hot path pays one INSERT inside the statement it already runs.
The actor is read from the transaction-local setting ``balcao.actor`` ('TYPE:id', see
app/sessions/actor.py); without one a session a customer's message opened is the
CUSTOMER's and anything else is SYSTEM's. The reason is ``balcao.reason`` when set, else
the session's end_reason (a close) or its status_reason when it changed with the status.

Existing sessions get one row each, their current state, in one INSERT … SELECT.

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-06 21:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0022"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = ("QUEUED", "ACTIVE", "PAUSED", "CLOSED")
_ACTORS = ("USER", "API_KEY", "AI", "BOT_RULE", "SYSTEM", "CUSTOMER")
_TRIGGERS = (
    "AI_HANDOFF",
    "AI_CLOSED",
    "OUT_OF_HOURS",
    "OPTED_OUT",
    "CAMPAIGN_REPLY",
    "BOT_HANDOFF",
    "BOT_CLOSED",
    "BOT_RETRY_LIMIT",
)


def _enum(name: str, values: Sequence[str]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


_FUNCTION = """
CREATE FUNCTION record_session_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    actor text := nullif(current_setting('balcao.actor', true), '');
    why text := nullif(current_setting('balcao.reason', true), '');
    kind text := 'STATUS';
    actor_type text;
    actor_id text;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status THEN
        kind := 'ASSIGNMENT';
    END IF;
    IF actor IS NULL THEN
        IF TG_OP = 'INSERT' AND NEW.started_by = 'CUSTOMER' THEN
            actor := 'CUSTOMER:' || NEW.contact_id;
        ELSE
            actor := 'SYSTEM';
        END IF;
    END IF;
    actor_type := split_part(actor, ':', 1);
    IF strpos(actor, ':') > 0 THEN
        actor_id := nullif(left(substr(actor, strpos(actor, ':') + 1), 64), '');
    END IF;
    IF actor_type NOT IN ('USER', 'API_KEY', 'AI', 'BOT_RULE', 'SYSTEM', 'CUSTOMER') THEN
        actor_type := 'SYSTEM';
        actor_id := NULL;
    END IF;
    IF why IS NULL AND kind = 'STATUS' THEN
        IF NEW.status = 'CLOSED' THEN
            why := NEW.end_reason;
        ELSIF TG_OP = 'INSERT' OR NEW.status_reason IS DISTINCT FROM OLD.status_reason THEN
            why := NEW.status_reason;
        END IF;
    END IF;
    INSERT INTO session_event (
        organization_id, session_id, kind, status, from_status, reason, actor_type, actor_id,
        assigned_department_id, assigned_agent_id, assigned_customer_id
    ) VALUES (
        NEW.organization_id, NEW.id, kind, NEW.status,
        CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END,
        left(why, 500), actor_type, actor_id,
        NEW.assigned_department_id, NEW.assigned_agent_id, NEW.assigned_customer_id
    );
    RETURN NULL;
END
$$
"""

_INSERT_TRIGGER = """
CREATE TRIGGER session_history_insert AFTER INSERT ON session
FOR EACH ROW EXECUTE FUNCTION record_session_event()
"""

# UPDATE OF fires for any SET naming the column; WHEN keeps an unchanged value (the ORM
# or a hand-written statement writing the same value again) out of the history.
_UPDATE_TRIGGER = """
CREATE TRIGGER session_history_update
AFTER UPDATE OF status, assigned_department_id, assigned_agent_id, assigned_customer_id
ON session FOR EACH ROW
WHEN (OLD.status IS DISTINCT FROM NEW.status
      OR OLD.assigned_department_id IS DISTINCT FROM NEW.assigned_department_id
      OR OLD.assigned_agent_id IS DISTINCT FROM NEW.assigned_agent_id
      OR OLD.assigned_customer_id IS DISTINCT FROM NEW.assigned_customer_id)
EXECUTE FUNCTION record_session_event()
"""

_BACKFILL = """
INSERT INTO session_event (
    organization_id, session_id, kind, status, reason, actor_type, actor_id,
    assigned_department_id, assigned_agent_id, assigned_customer_id, at
)
SELECT organization_id, id, 'STATUS', status,
       left(CASE WHEN status = 'CLOSED' THEN end_reason ELSE status_reason END, 500),
       CASE WHEN started_by = 'CUSTOMER' THEN 'CUSTOMER' ELSE 'SYSTEM' END,
       CASE WHEN started_by = 'CUSTOMER' THEN contact_id::text END,
       assigned_department_id, assigned_agent_id, assigned_customer_id,
       CASE WHEN status = 'CLOSED' THEN COALESCE(closed_at, updated_at) ELSE created_at END
FROM session
"""


def upgrade() -> None:
    op.create_table(
        "session_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("session_id", sa.UUID(), nullable=False),
        sa.Column("kind", _enum("session_event_kind", ("STATUS", "ASSIGNMENT")), nullable=False),
        sa.Column("status", _enum("session_event_status", _STATUSES), nullable=False),
        sa.Column("from_status", _enum("session_event_from_status", _STATUSES), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor_type", _enum("session_event_actor", _ACTORS), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("assigned_department_id", sa.UUID(), nullable=True),
        sa.Column("assigned_agent_id", sa.UUID(), nullable=True),
        sa.Column("assigned_customer_id", sa.String(length=200), nullable=True),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_session_event_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["session.id"],
            name=op.f("fk_session_event_session_id_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_event")),
    )
    op.create_index("ix_session_event_session", "session_event", ["session_id", "id"])
    op.create_index("ix_session_event_org_at", "session_event", ["organization_id", "at"])
    op.execute(_FUNCTION)
    op.execute(_INSERT_TRIGGER)
    op.execute(_UPDATE_TRIGGER)
    op.execute(_BACKFILL)
    op.add_column(
        "tabulation",
        sa.Column("auto_trigger", _enum("tabulation_auto_trigger", _TRIGGERS), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("tabulation", "auto_trigger")
    op.execute("DROP TRIGGER session_history_update ON session")
    op.execute("DROP TRIGGER session_history_insert ON session")
    op.execute("DROP FUNCTION record_session_event()")
    op.drop_index("ix_session_event_org_at", table_name="session_event")
    op.drop_index("ix_session_event_session", table_name="session_event")
    op.drop_table("session_event")
