"""The agent inbox (UI): pages, fragments and live updates, served by the api. Every
change an agent makes goes through the public REST API (the page calls it with its
session cookie and the ``X-Balcao-Inbox`` header), so the inbox has no write path of
its own beyond signing in and out and the user's own preferences."""

from __future__ import annotations

from typing import Any

from litestar.static_files import create_static_files_router

from app.inbox.automations_page import AutomationsPageController
from app.inbox.campaigns_page import CampaignsPageController
from app.inbox.contacts_page import ContactsPageController
from app.inbox.fragments import FragmentController
from app.inbox.invite import InviteController
from app.inbox.pages import PageController
from app.inbox.render import STATIC, STATIC_PATH
from app.inbox.settings_ai import AiSettingsPageController
from app.inbox.settings_bot import BotSettingsController
from app.inbox.settings_connections import ConnectionsSettingsController
from app.inbox.settings_hours import HoursSettingsController
from app.inbox.settings_organization import OrganizationSettingsController
from app.inbox.settings_shell import SettingsShellController
from app.inbox.settings_team import SettingsTeamController
from app.inbox.settings_webhooks import WebhooksSettingsController
from app.inbox.setup import FirstRunController
from app.inbox.signin import SignInController, root
from app.inbox.team_page import TeamPageController


def inbox_handlers() -> list[Any]:
    return [
        root,
        SignInController,
        PageController,
        FragmentController,
        SettingsShellController,
        SettingsTeamController,
        ConnectionsSettingsController,
        FirstRunController,
        WebhooksSettingsController,
        InviteController,
        AiSettingsPageController,
        ContactsPageController,
        CampaignsPageController,
        AutomationsPageController,
        BotSettingsController,
        OrganizationSettingsController,
        HoursSettingsController,
        TeamPageController,
        # URLs carry a content hash (render.static_url), so they may be cached.
        create_static_files_router(path=STATIC_PATH, directories=[STATIC], include_in_schema=False),
    ]
