"""group mirrors: mirror rules, one post per source message, one delivery per destination

``mirror_post`` is unique per (mirror, provider message id): intake happens once however
often the webhook is re-delivered or the job retried. ``mirror_delivery`` is one row per
(post, destination group) and follows its message like a campaign recipient does
(migration 0015): a trigger on the message's status moves the delivery to POSTED or
FAILED and its post with it, whichever writer moved the message (delivery, an ack, a
retry). The trigger's WHEN keeps campaign sends and inbound messages out of it; the
others cost one probe of a small partial index.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 19:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POST_STATUSES = (
    "RECEIVED",
    "FILTERED",
    "DUPLICATE",
    "QUEUED",
    "POSTED",
    "FAILED",
    "REWRITE_FAILED",
)
DELIVERY_STATUSES = ("QUEUED", "SENDING", "POSTED", "FAILED", "DUPLICATE", "EXPIRED", "CANCELLED")

# A post is POSTED once any destination got it, FAILED once none is still on its way
# and none got it; otherwise it stays as it was (QUEUED).
FOLLOW = """
CREATE FUNCTION mirror_delivery_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  post uuid;
BEGIN
  UPDATE mirror_delivery d SET
    status = CASE WHEN NEW.status = 'FAILED' THEN 'FAILED' ELSE 'POSTED' END,
    error = CASE WHEN NEW.status = 'FAILED' THEN NEW.error ELSE NULL END,
    posted_at = CASE WHEN NEW.status = 'FAILED' THEN d.posted_at
                     ELSE COALESCE(d.posted_at, NEW.sent_at, now()) END,
    updated_at = now()
  WHERE d.message_id = NEW.id
    AND (d.status = 'SENDING' OR (d.status = 'FAILED' AND NEW.status <> 'FAILED'))
  RETURNING d.post_id INTO post;
  IF post IS NOT NULL THEN
    UPDATE mirror_post p SET
      status = CASE
        WHEN EXISTS (SELECT 1 FROM mirror_delivery x WHERE x.post_id = p.id
                     AND x.status = 'POSTED') THEN 'POSTED'
        WHEN NOT EXISTS (SELECT 1 FROM mirror_delivery x WHERE x.post_id = p.id
                         AND x.status IN ('QUEUED', 'SENDING')) THEN 'FAILED'
        ELSE p.status END,
      updated_at = now()
    WHERE p.id = post;
  END IF;
  RETURN NULL;
END $$
"""
FOLLOW_TRIGGER = """
CREATE TRIGGER message_mirror_delivery AFTER UPDATE OF status ON message
FOR EACH ROW WHEN (NEW.direction = 'OUT' AND NEW.campaign_id IS NULL
                   AND NEW.status IN ('SENT', 'DELIVERED', 'READ', 'FAILED')
                   AND NEW.status IS DISTINCT FROM OLD.status)
EXECUTE FUNCTION mirror_delivery_follow()
"""


def _status(name: str, values: Sequence[str]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


def _timestamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "mirror",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("connection_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column(
            "source_group_ids",
            postgresql.ARRAY(sa.String(length=128)),
            server_default=sa.text("'{}'::varchar[]"),
            nullable=False,
        ),
        sa.Column(
            "destination_group_ids",
            postgresql.ARRAY(sa.String(length=128)),
            server_default=sa.text("'{}'::varchar[]"),
            nullable=False,
        ),
        sa.Column(
            "filters",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "affiliate",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "unmapped_links",
            _status("mirror_unmapped_links", ("DROP", "KEEP")),
            server_default="DROP",
            nullable=False,
        ),
        sa.Column("dedup_hours", sa.Integer(), server_default=sa.text("6"), nullable=False),
        sa.Column(
            "min_interval_per_group_seconds",
            sa.Integer(),
            server_default=sa.text("180"),
            nullable=False,
        ),
        sa.Column(
            "min_interval_seconds", sa.Integer(), server_default=sa.text("30"), nullable=False
        ),
        sa.Column("quiet_hours", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("daily_cap", sa.Integer(), nullable=True),
        sa.Column("template", sa.Text(), nullable=True),
        sa.Column("created_by_user_id", sa.UUID(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connection.id"],
            name=op.f("fk_mirror_connection_id_connection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_mirror_created_by_user_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_mirror_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mirror")),
    )
    op.create_index(
        "ix_mirror_active_connection",
        "mirror",
        ["connection_id"],
        unique=False,
        postgresql_where=sa.text("is_active"),
    )
    op.create_index(op.f("ix_mirror_organization_id"), "mirror", ["organization_id"])
    op.create_table(
        "mirror_post",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("mirror_id", sa.UUID(), nullable=False),
        sa.Column("connection_id", sa.UUID(), nullable=False),
        sa.Column("source_group_id", sa.String(length=128), nullable=False),
        sa.Column("source_message_id", sa.String(length=255), nullable=False),
        sa.Column("message_id", sa.UUID(), nullable=True),
        sa.Column(
            "status",
            _status("mirror_post_status", POST_STATUSES),
            server_default="RECEIVED",
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("offer_key", sa.String(length=512), nullable=True),
        sa.Column("store", sa.String(length=24), nullable=True),
        sa.Column("price_cents", sa.BigInteger(), nullable=True),
        sa.Column("original_text", sa.Text(), server_default="", nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column(
            "links",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("media_key", sa.String(length=255), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connection.id"],
            name=op.f("fk_mirror_post_connection_id_connection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["message.id"],
            name=op.f("fk_mirror_post_message_id_message"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["mirror_id"],
            ["mirror.id"],
            name=op.f("fk_mirror_post_mirror_id_mirror"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_mirror_post_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mirror_post")),
        sa.UniqueConstraint(
            "mirror_id",
            "source_message_id",
            name=op.f("uq_mirror_post_mirror_id_source_message_id"),
        ),
    )
    op.create_index(
        "ix_mirror_post_connection_source", "mirror_post", ["connection_id", "source_message_id"]
    )
    op.create_index("ix_mirror_post_message", "mirror_post", ["message_id"])
    op.create_index("ix_mirror_post_mirror_created", "mirror_post", ["mirror_id", "created_at"])
    op.create_index(op.f("ix_mirror_post_organization_id"), "mirror_post", ["organization_id"])
    op.create_index(
        "ix_mirror_post_received",
        "mirror_post",
        ["created_at"],
        postgresql_where=sa.text("status = 'RECEIVED'"),
    )
    op.create_table(
        "mirror_delivery",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("post_id", sa.UUID(), nullable=False),
        sa.Column("mirror_id", sa.UUID(), nullable=False),
        sa.Column("connection_id", sa.UUID(), nullable=False),
        sa.Column("group_id", sa.String(length=128), nullable=False),
        sa.Column(
            "status",
            _status("mirror_delivery_status", DELIVERY_STATUSES),
            server_default="QUEUED",
            nullable=False,
        ),
        sa.Column("offer_key", sa.String(length=512), nullable=True),
        sa.Column("price_cents", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.UUID(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connection.id"],
            name=op.f("fk_mirror_delivery_connection_id_connection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["message.id"],
            name=op.f("fk_mirror_delivery_message_id_message"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["mirror_id"],
            ["mirror.id"],
            name=op.f("fk_mirror_delivery_mirror_id_mirror"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_mirror_delivery_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["mirror_post.id"],
            name=op.f("fk_mirror_delivery_post_id_mirror_post"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mirror_delivery")),
        sa.UniqueConstraint(
            "post_id", "group_id", name=op.f("uq_mirror_delivery_post_id_group_id")
        ),
    )
    op.create_index(
        "ix_mirror_delivery_dedup",
        "mirror_delivery",
        ["connection_id", "group_id", "offer_key", "created_at"],
    )
    op.create_index(
        "ix_mirror_delivery_message",
        "mirror_delivery",
        ["message_id"],
        postgresql_where=sa.text("message_id IS NOT NULL"),
    )
    op.create_index(
        "ix_mirror_delivery_mirror_created", "mirror_delivery", ["mirror_id", "created_at"]
    )
    op.create_index(
        op.f("ix_mirror_delivery_organization_id"), "mirror_delivery", ["organization_id"]
    )
    op.create_index(
        "ix_mirror_delivery_queued",
        "mirror_delivery",
        ["created_at"],
        postgresql_where=sa.text("status = 'QUEUED'"),
    )
    op.create_table(
        "mirror_pace",
        sa.Column("connection_id", sa.UUID(), nullable=False),
        sa.Column("group_id", sa.String(length=128), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connection.id"],
            name=op.f("fk_mirror_pace_connection_id_connection"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", "group_id", name=op.f("pk_mirror_pace")),
    )
    op.execute(FOLLOW)
    op.execute(FOLLOW_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER message_mirror_delivery ON message")
    op.execute("DROP FUNCTION mirror_delivery_follow()")
    op.drop_table("mirror_pace")
    op.drop_table("mirror_delivery")
    op.drop_table("mirror_post")
    op.drop_table("mirror")
