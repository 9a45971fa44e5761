"""campaign recipients follow their message; connections remember when they first
connected

A recipient's outcome is its message's: every path that moves a message (delivery's
SENT/FAILED, the providers' acks through ingest, a retry) moves the recipient too, in
the same statement, by a trigger on the message's status. One hook instead of one per
writer, and none of them can forget it; the WHEN clause keeps every other message
(all but campaign sends) out of it at no cost.

``connection.first_connected_at`` is set the first time a connection turns CONNECTED
(also by trigger, whichever provider's code moved it): campaign warm-up counts a
number's age from it. Existing CONNECTED connections take their creation time.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 10:55:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Forward only: PENDING < SENDING < SENT < DELIVERED < READ < REPLIED; FAILED replaces
# a send not yet delivered; OPTED_OUT / SKIPPED / FAILED are final. A gate question's
# message moves its recipient only until the campaign message itself exists. sent_at is
# stamped when the dispatcher claims the send (the daily cap and the cooldown count
# sends in flight) and cleared by a failure: a send that never arrived counts for
# neither.
FOLLOW = """
CREATE FUNCTION campaign_recipient_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  ranks text[] := ARRAY['PENDING','SENDING','SENT','DELIVERED','READ','REPLIED'];
BEGIN
  UPDATE campaign_recipient r SET
    status = NEW.status,
    error = CASE WHEN NEW.status = 'FAILED' THEN NEW.error ELSE r.error END,
    sent_at = CASE WHEN NEW.status = 'FAILED' THEN NULL
                   WHEN NEW.status IN ('SENT', 'DELIVERED', 'READ')
                   THEN COALESCE(r.sent_at, NEW.sent_at, now()) ELSE r.sent_at END,
    delivered_at = CASE WHEN NEW.status IN ('DELIVERED', 'READ')
                        THEN COALESCE(r.delivered_at, NEW.delivered_at, now())
                        ELSE r.delivered_at END,
    read_at = CASE WHEN NEW.status = 'READ'
                   THEN COALESCE(r.read_at, NEW.read_at, now()) ELSE r.read_at END,
    updated_at = now()
  WHERE r.campaign_id = NEW.campaign_id
    AND (r.message_id = NEW.id OR (r.gate_message_id = NEW.id AND r.message_id IS NULL))
    AND (
      (NEW.status <> 'FAILED'
       AND array_position(ranks, r.status::text) < array_position(ranks, NEW.status::text))
      OR (NEW.status = 'FAILED' AND r.status IN ('PENDING', 'SENDING', 'SENT'))
    );
  RETURN NULL;
END $$
"""
FOLLOW_TRIGGER = """
CREATE TRIGGER message_campaign_recipient AFTER UPDATE OF status ON message
FOR EACH ROW WHEN (NEW.campaign_id IS NOT NULL AND NEW.status IS DISTINCT FROM OLD.status)
EXECUTE FUNCTION campaign_recipient_follow()
"""
FIRST_CONNECTED = """
CREATE FUNCTION connection_first_connected() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.first_connected_at := COALESCE(NEW.first_connected_at, now());
  RETURN NEW;
END $$
"""
FIRST_CONNECTED_TRIGGER = """
CREATE TRIGGER connection_first_connected BEFORE INSERT OR UPDATE OF status ON connection
FOR EACH ROW WHEN (NEW.status = 'CONNECTED' AND NEW.first_connected_at IS NULL)
EXECUTE FUNCTION connection_first_connected()
"""


def upgrade() -> None:
    op.add_column("connection", sa.Column("first_connected_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE connection SET first_connected_at = created_at WHERE status = 'CONNECTED'")
    op.execute(FOLLOW)
    op.execute(FOLLOW_TRIGGER)
    op.execute(FIRST_CONNECTED)
    op.execute(FIRST_CONNECTED_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER connection_first_connected ON connection")
    op.execute("DROP FUNCTION connection_first_connected()")
    op.execute("DROP TRIGGER message_campaign_recipient ON message")
    op.execute("DROP FUNCTION campaign_recipient_follow()")
    op.drop_column("connection", "first_connected_at")
