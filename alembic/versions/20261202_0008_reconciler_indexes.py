"""reconciler indexes: partial indexes of unfinished work (workers.reconcile)

Built CONCURRENTLY, outside a transaction, so a populated database keeps taking writes
while they build.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    ("ix_message_pending_out", "message", "status = 'PENDING' AND direction = 'OUT'"),
    (
        "ix_message_media_unread",
        "message",
        "media_source IS NOT NULL AND transcription IS NULL AND transcription_error IS NULL",
    ),
    ("ix_turn_unfinished", "turn", "status IN ('PENDING', 'READY')"),
    ("ix_webhook_delivery_pending", "webhook_delivery", "status = 'PENDING'"),
]


def upgrade() -> None:
    with op.get_context().autocommit_block():
        for name, table, where in INDEXES:
            op.create_index(
                name,
                table,
                ["created_at"],
                postgresql_where=sa.text(where),
                postgresql_concurrently=True,
                if_not_exists=True,
            )
        op.create_index(
            "ix_session_open_updated",
            "session",
            ["updated_at"],
            postgresql_where=sa.text("status <> 'CLOSED'"),
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_session_open_updated", "session", postgresql_concurrently=True)
        for name, table, _ in reversed(INDEXES):
            op.drop_index(name, table, postgresql_concurrently=True)
