"""merge: business hours (0020), bot rules (0021), session history (0022) and team chat
(0023) were written side by side, each on 0019

A merge revision rather than re-pointing any of them: each only adds its own tables,
columns and trigger, so they apply in any order. Nothing else.

Revision ID: 0024
Revises: 0020, 0021, 0022, 0023
Create Date: 2026-12-06 23:00:00+00:00
"""

from collections.abc import Sequence

revision: str = "0024"
down_revision: str | Sequence[str] | None = ("0020", "0021", "0022", "0023")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
