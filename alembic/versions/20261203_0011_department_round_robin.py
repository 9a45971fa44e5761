"""department.round_robin: whether a department hands sessions to its agents in turn

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A constant default: PostgreSQL adds the column without rewriting the table, and
    # existing departments keep the round robin they always had.
    op.add_column(
        "department",
        sa.Column("round_robin", sa.Boolean(), server_default=sa.true(), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("department", "round_robin")
