"""One alembic history from empty, with no drift from the models."""

from __future__ import annotations

from support.stack import TEMPLATE, Stack

from alembic import command
from app.db.migrate import alembic_config


def test_models_and_migrations_agree(stack: Stack) -> None:
    # The template database was migrated from empty by the test setup; `check`
    # raises if autogenerate would produce any operation.
    command.check(alembic_config(stack.pg.url(TEMPLATE)))
