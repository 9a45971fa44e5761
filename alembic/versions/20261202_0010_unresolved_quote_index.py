"""ix_message_unresolved_quote: replies whose original ingest resolves later

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 07:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_message_unresolved_quote",
            "message",
            ["connection_id", "quoted_provider_message_id"],
            postgresql_where=sa.text(
                "quoted_provider_message_id IS NOT NULL AND quoted_message_id IS NULL"
            ),
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_message_unresolved_quote", "message", postgresql_concurrently=True)
