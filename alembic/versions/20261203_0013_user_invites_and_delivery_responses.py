"""user_invite (invite links, stored hashed) and webhook_delivery's last response

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-03 12:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_invite",
        sa.Column(
            "id",
            postgresql.UUID(as_uuid=True),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("organization_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_user_invite_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_user_invite_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_invite")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_invite_token_hash")),
    )
    op.create_index(
        op.f("ix_user_invite_organization_id"), "user_invite", ["organization_id"], unique=False
    )
    op.create_index(op.f("ix_user_invite_user_id"), "user_invite", ["user_id"], unique=False)
    # Nullable, no default: catalog changes only, however long the delivery log is.
    op.add_column("webhook_delivery", sa.Column("last_response_body", sa.Text(), nullable=True))
    op.add_column(
        "webhook_delivery",
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("webhook_delivery", "last_attempt_at")
    op.drop_column("webhook_delivery", "last_response_body")
    op.drop_index(op.f("ix_user_invite_user_id"), table_name="user_invite")
    op.drop_index(op.f("ix_user_invite_organization_id"), table_name="user_invite")
    op.drop_table("user_invite")
