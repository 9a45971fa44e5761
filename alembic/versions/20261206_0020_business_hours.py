"""business hours: the organization's and each department's document; connections'
old-shape hours rewritten in the new shape

``business_hours`` holds one ``{timezone, weekly, holidays, overrides}`` document for
the organization (department_id NULL) and one per department; a connection keeps its
own in ``connection.business_hours`` (app/hours/calendar.py reads all three).

A connection's ``{timezone, days: {mon: [...]}}`` becomes ``{timezone, weekly: {MON:
[...]}, holidays: {country: BR, closed: false}, overrides: []}``: the same opening
times, and holidays still do not close it (they never did) until someone says so.
Rewrites only the connections that have hours (a handful of rows per organization).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 21:45:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TO_NEW = """
UPDATE connection SET business_hours = jsonb_build_object(
    'timezone', COALESCE(business_hours->>'timezone', 'America/Sao_Paulo'),
    'weekly', COALESCE((SELECT jsonb_object_agg(upper(key), value)
                        FROM jsonb_each(business_hours->'days')), '{}'::jsonb),
    'holidays', jsonb_build_object('country', 'BR', 'subdivision', NULL, 'closed', false),
    'overrides', '[]'::jsonb)
WHERE business_hours IS NOT NULL AND jsonb_typeof(business_hours->'days') = 'object'
  AND business_hours->'weekly' IS NULL
"""
_TO_OLD = """
UPDATE connection SET business_hours = jsonb_build_object(
    'timezone', COALESCE(business_hours->>'timezone', 'America/Sao_Paulo'),
    'days', COALESCE((SELECT jsonb_object_agg(lower(key), value)
                      FROM jsonb_each(business_hours->'weekly')), '{}'::jsonb))
WHERE business_hours IS NOT NULL AND jsonb_typeof(business_hours->'weekly') = 'object'
"""


def upgrade() -> None:
    op.create_table(
        "business_hours",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("department_id", sa.UUID(), nullable=True),
        sa.Column("document", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("out_of_hours_message", sa.Text(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_business_hours_department_id_department"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_business_hours_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_hours")),
        sa.UniqueConstraint("department_id", name=op.f("uq_business_hours_department_id")),
    )
    op.create_index(
        op.f("ix_business_hours_organization_id"),
        "business_hours",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        "uq_business_hours_organization",
        "business_hours",
        ["organization_id"],
        unique=True,
        postgresql_where=sa.text("department_id IS NULL"),
    )
    op.execute(_TO_NEW)


def downgrade() -> None:
    op.execute(_TO_OLD)
    op.drop_index(
        "uq_business_hours_organization",
        table_name="business_hours",
        postgresql_where=sa.text("department_id IS NULL"),
    )
    op.drop_index(op.f("ix_business_hours_organization_id"), table_name="business_hours")
    op.drop_table("business_hours")
