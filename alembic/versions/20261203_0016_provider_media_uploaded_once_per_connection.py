"""provider media: a stored file uploaded to a connection's provider once, its id reused

Meta takes a file as an upload (``POST /{phone-number-id}/media``) and then sends it by
the id it returns, for 30 days; uploading per send made a campaign's image to 10,000
numbers 10,000 uploads. One row per (connection, media key) keeps the id where it
survives Redis being emptied (workers/deliver_media.py).

A new table only: catalog changes, nothing rewritten.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 13:51:57.066286+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "provider_media",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("connection_id", sa.UUID(), nullable=False),
        sa.Column("media_key", sa.String(length=255), nullable=False),
        sa.Column("provider_media_id", sa.String(length=255), nullable=False),
        sa.Column(
            "uploaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connection.id"],
            name=op.f("fk_provider_media_connection_id_connection"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_media")),
        sa.UniqueConstraint(
            "connection_id", "media_key", name=op.f("uq_provider_media_connection_id_media_key")
        ),
    )


def downgrade() -> None:
    op.drop_table("provider_media")
