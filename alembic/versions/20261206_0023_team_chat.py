"""team chat: channels (one per department, one per pair of users), messages, read marks

Written beside 0020-0022 (other features of the same issue), each on 0019; a merge
revision joins them.

Revision ID: 0023
Revises: 0019
Create Date: 2026-12-06 21:45:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0023"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created_at(name: str = "created_at") -> sa.Column[object]:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "team_channel",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "DEPARTMENT",
                "DIRECT",
                name="team_channel_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("department_id", sa.UUID(), nullable=True),
        sa.Column("user_low_id", sa.UUID(), nullable=True),
        sa.Column("user_high_id", sa.UUID(), nullable=True),
        _created_at(),
        sa.CheckConstraint(
            "(kind = 'DEPARTMENT' AND department_id IS NOT NULL AND user_low_id IS NULL"
            " AND user_high_id IS NULL) OR (kind = 'DIRECT' AND department_id IS NULL"
            " AND user_low_id IS NOT NULL AND user_high_id IS NOT NULL"
            " AND user_low_id < user_high_id)",
            name=op.f("ck_team_channel_shape"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_team_channel_department_id_department"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_team_channel_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_high_id"],
            ["app_user.id"],
            name=op.f("fk_team_channel_user_high_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_low_id"],
            ["app_user.id"],
            name=op.f("fk_team_channel_user_low_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_channel")),
        sa.UniqueConstraint("department_id", name="uq_team_channel_department_id"),
        sa.UniqueConstraint(
            "organization_id", "user_low_id", "user_high_id", name="uq_team_channel_direct_pair"
        ),
    )
    op.create_index("ix_team_channel_user_low", "team_channel", ["user_low_id"], unique=False)
    op.create_index("ix_team_channel_user_high", "team_channel", ["user_high_id"], unique=False)

    op.create_table(
        "team_message",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("channel_id", sa.UUID(), nullable=False),
        sa.Column("author_user_id", sa.UUID(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("session_id", sa.UUID(), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["author_user_id"],
            ["app_user.id"],
            name=op.f("fk_team_message_author_user_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["team_channel.id"],
            name=op.f("fk_team_message_channel_id_team_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_team_message_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["session.id"],
            name=op.f("fk_team_message_session_id_session"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_message")),
        sa.UniqueConstraint("seq", name=op.f("uq_team_message_seq")),
    )
    op.create_index(
        "ix_team_message_channel_seq", "team_message", ["channel_id", "seq"], unique=False
    )

    op.create_table(
        "team_read",
        sa.Column("channel_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("last_read_seq", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        _created_at("updated_at"),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["team_channel.id"],
            name=op.f("fk_team_read_channel_id_team_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_team_read_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_team_read_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", "user_id", name=op.f("pk_team_read")),
    )
    op.create_index(op.f("ix_team_read_user_id"), "team_read", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_team_read_user_id"), table_name="team_read")
    op.drop_table("team_read")
    op.drop_index("ix_team_message_channel_seq", table_name="team_message")
    op.drop_table("team_message")
    op.drop_index("ix_team_channel_user_high", table_name="team_channel")
    op.drop_index("ix_team_channel_user_low", table_name="team_channel")
    op.drop_table("team_channel")
