"""bot rules: keyword rules and menus, and what the bot remembers per session

``bot_rule`` (match / when / actions as JSONB), ``bot_rule_version`` (one counter per
organization, bumped by every rule change: the worker's compiled cache key) and
``bot_state`` (one row per session: the open menu, its deadline, cooldowns and the loop
guard's recent exchanges).

New tables only: catalog changes, nothing rewritten.

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-06 22:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0021"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _jsonb(name: str, default: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name,
        postgresql.JSONB(astext_type=sa.Text()),
        server_default=sa.text(f"'{default}'::jsonb"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "bot_rule",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("connection_id", sa.UUID(), nullable=True),
        sa.Column("department_id", sa.UUID(), nullable=True),
        _jsonb("match", "{}"),
        _jsonb("conditions", "{}"),
        _jsonb("actions", "[]"),
        sa.Column("cooldown_minutes", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connection.id"],
            name=op.f("fk_bot_rule_connection_id_connection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_bot_rule_department_id_department"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_bot_rule_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_rule")),
    )
    op.create_index(
        op.f("ix_bot_rule_organization_id"), "bot_rule", ["organization_id"], unique=False
    )
    op.create_index(
        "ix_bot_rule_org_priority", "bot_rule", ["organization_id", "priority"], unique=False
    )
    op.create_table(
        "bot_rule_version",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_bot_rule_version_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_bot_rule_version")),
    )
    op.create_table(
        "bot_state",
        sa.Column("session_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("menu", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("menu_deadline", sa.DateTime(timezone=True), nullable=True),
        _jsonb("fired", "{}"),
        _jsonb("recent", "[]"),
        sa.Column("last_bot_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_reason", sa.String(length=64), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_bot_state_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["session.id"],
            name=op.f("fk_bot_state_session_id_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_bot_state")),
    )
    op.create_index(
        op.f("ix_bot_state_organization_id"), "bot_state", ["organization_id"], unique=False
    )
    op.create_index(
        "ix_bot_state_menu_deadline",
        "bot_state",
        ["menu_deadline"],
        unique=False,
        postgresql_where=sa.text("menu_deadline IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("bot_state")
    op.drop_table("bot_rule_version")
    op.drop_table("bot_rule")
