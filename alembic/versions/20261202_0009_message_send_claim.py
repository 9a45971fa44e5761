"""message.send_claimed_until: the send in flight, claimed in PostgreSQL

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 07:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: a catalog change only, however large the table.
    op.add_column("message", sa.Column("send_claimed_until", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("message", "send_claimed_until")
