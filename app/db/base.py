from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so alembic migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dict[str, Any]: JSONB,
        list[Any]: JSONB,
        datetime: sa.DateTime(timezone=True),
        uuid.UUID: UUID(as_uuid=True),
    }


def pk() -> Mapped[uuid.UUID]:
    return mapped_column(primary_key=True, server_default=sa.text("gen_random_uuid()"))


def created_at() -> Mapped[datetime]:
    return mapped_column(server_default=sa.func.now())


def updated_at() -> Mapped[datetime]:
    return mapped_column(server_default=sa.func.now(), onupdate=sa.func.now())


def org_fk() -> Mapped[uuid.UUID]:
    return mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)


def enum_column(enum_type: type[enum.Enum], name: str, **kw: Any) -> Any:
    """Enums are stored as text with a CHECK constraint: adding a value is a small
    migration, unlike a native PostgreSQL enum type."""
    return mapped_column(
        sa.Enum(
            enum_type,
            name=name,
            native_enum=False,
            create_constraint=True,
            length=24,
            values_callable=lambda e: [m.value for m in e],
        ),
        **kw,
    )
