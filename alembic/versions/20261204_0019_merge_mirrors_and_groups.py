"""merge: group mirrors (0017) and connection groups (0018) were written side by side,
each on 0016

A merge revision rather than re-pointing either one: a database already at 0018 (main
before mirrors landed) then still gets 0017, and a fresh one runs both. Nothing else.

Revision ID: 0019
Revises: 0017, 0018
Create Date: 2026-12-04 19:30:00+00:00
"""

from collections.abc import Sequence

revision: str = "0019"
down_revision: str | Sequence[str] | None = ("0017", "0018")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
