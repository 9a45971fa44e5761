"""connection groups: the groups a connection's number is in, as last listed

``GET /api/v1/connections/{id}/groups`` answers from this table (a request never calls
the provider); the ``sync_connection_groups`` job refreshes it from the provider or
the WhatsApp-Web page.

A new table only: catalog changes, nothing rewritten.

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-04 18:50:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0018"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "connection_group",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("connection_id", sa.UUID(), nullable=False),
        sa.Column("group_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=300), server_default="", nullable=False),
        sa.Column("participants", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connection.id"],
            name=op.f("fk_connection_group_connection_id_connection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_connection_group_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connection_group")),
        sa.UniqueConstraint(
            "connection_id", "group_id", name=op.f("uq_connection_group_connection_id_group_id")
        ),
    )
    op.create_index(
        op.f("ix_connection_group_organization_id"),
        "connection_group",
        ["organization_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_connection_group_organization_id"), table_name="connection_group")
    op.drop_table("connection_group")
