"""The administrator's getting-started checklist on the inbox: add a number, scan its
QR, set up the AI, invite the team, each ticked from the organization's real state.

It shows to administrators of an organization with no number, and to those whose
organization has not had its first conversation yet while a step is still open (in the
conversation pane: on a phone, where that pane hides until a conversation is opened,
only in the first case); everyone else (and agents always) sees the ordinary inbox."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.ai.llm import endpoint_from_row
from app.config import Settings
from app.db import models as m
from app.db.enums import ConnectionStatus, Role
from app.inbox.viewer import Viewer


@dataclass(frozen=True, slots=True)
class Step:
    slug: str  # checklist.step.<slug>, checklist.blurb.<slug>
    href: str
    done: bool


@dataclass(frozen=True, slots=True)
class Checklist:
    steps: tuple[Step, ...]
    # No number at all: no conversation can arrive, so on a phone the checklist takes
    # the screen the (necessarily empty) queue would have.
    alone: bool

    @property
    def done(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def next(self) -> str | None:
        """The first step still to do (the one the page puts forward)."""
        return next((step.slug for step in self.steps if not step.done), None)


async def load_checklist(db: AsyncSession, viewer: Viewer, settings: Settings) -> Checklist | None:
    """The checklist this viewer lands on, or None for the ordinary inbox."""
    if viewer.role != Role.ADMIN:
        return None
    org = viewer.principal.organization_id
    live = m.Connection.deleted_at.is_(None) & (m.Connection.organization_id == org)
    counts = (
        await db.execute(
            sa.select(
                sa.select(sa.func.count()).where(live).scalar_subquery(),
                sa.select(sa.func.count())
                .where(live, m.Connection.status == ConnectionStatus.CONNECTED)
                .scalar_subquery(),
                sa.select(sa.func.count()).where(m.User.organization_id == org).scalar_subquery(),
                sa.exists().where(m.Session.organization_id == org),
            )
        )
    ).one()
    numbers, connected, users, conversations = counts
    ai = endpoint_from_row(await db.get(m.AiSettings, org), settings).configured
    checklist = Checklist(
        steps=(
            Step("connection", "/inbox/settings/connections", numbers > 0),
            Step("scan", "/inbox/settings/connections", connected > 0),
            Step("ai", "/inbox/settings/ai", ai),
            Step("team", "/inbox/settings/team", users > 1),
        ),
        alone=numbers == 0,
    )
    if numbers == 0 or (not conversations and checklist.done < checklist.total):
        return checklist
    return None
