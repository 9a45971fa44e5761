"""ai_turn (the responder's once-per-turn record), ai_block_notice (one unblock event
per AI block) and an index for the unblock cron

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-22 05:50:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ai_block_notice",
        sa.Column("session_id", sa.UUID(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["session.id"],
            name=op.f("fk_ai_block_notice_session_id_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "blocked_until", name=op.f("pk_ai_block_notice")),
    )
    op.create_table(
        "ai_turn",
        sa.Column("turn_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("session_id", sa.UUID(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("notice", sa.String(length=32), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "message_ids",
            postgresql.ARRAY(sa.UUID()),
            server_default=sa.text("'{}'::uuid[]"),
            nullable=False,
        ),
        sa.Column(
            "tool_calls",
            postgresql.ARRAY(sa.String(length=64)),
            server_default=sa.text("'{}'::varchar[]"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_ai_turn_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["session.id"],
            name=op.f("fk_ai_turn_session_id_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["turn_id"], ["turn.id"], name=op.f("fk_ai_turn_turn_id_turn"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("turn_id", name=op.f("pk_ai_turn")),
    )
    op.create_index(op.f("ix_ai_turn_organization_id"), "ai_turn", ["organization_id"])
    op.create_index("ix_ai_turn_session_notice", "ai_turn", ["session_id", "notice"])
    op.create_index(
        "ix_session_ai_blocked_until",
        "session",
        ["ai_blocked_until"],
        postgresql_where=sa.text("ai_blocked_until IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_session_ai_blocked_until", table_name="session")
    op.drop_index("ix_ai_turn_session_notice", table_name="ai_turn")
    op.drop_index(op.f("ix_ai_turn_organization_id"), table_name="ai_turn")
    op.drop_table("ai_turn")
    op.drop_table("ai_block_notice")
