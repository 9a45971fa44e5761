"""connection.provider: any registered provider kind, not a fixed list

The CHECK listed the six built-in kinds, so a provider registered from outside the tree
(``BALCAO_PROVIDERS``) could not store a connection. Which kinds exist is the provider
registry's business now; the column keeps only the shape of a kind.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 06:10:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "ck_connection_provider_kind"
_BUILTIN = ("EVOLUTION", "WAHA", "UAZAPI", "META", "WHATSAPP_WEB", "NATIVE")


def upgrade() -> None:
    op.drop_constraint(op.f(_NAME), "connection", type_="check")
    op.create_check_constraint(op.f(_NAME), "connection", "provider ~ '^[A-Z][A-Z0-9_]*$'")


def downgrade() -> None:
    # Fails, as it should, while a connection of another kind exists.
    op.drop_constraint(op.f(_NAME), "connection", type_="check")
    kinds = ", ".join(f"'{kind}'" for kind in _BUILTIN)
    op.create_check_constraint(op.f(_NAME), "connection", f"provider IN ({kinds})")
