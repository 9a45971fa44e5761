"""Every table, imported here so ``Base.metadata`` is complete for alembic."""

from app.bot.models import BotRule, BotRuleVersion, BotState
from app.db.models.ai import AiBlockNotice, AiTurn
from app.db.models.campaigns import (
    Campaign,
    CampaignRecipient,
    ContactImport,
    ContactList,
    ContactListMember,
)
from app.db.models.connections import Connection, ContactIdentity, ProviderMedia
from app.db.models.contacts import Contact, ContactTabulation, Tabulation
from app.db.models.events import DeadLetter, Outbox, WebhookDelivery, WebhookSubscription
from app.db.models.groups import ConnectionGroup
from app.db.models.history import SessionEvent
from app.db.models.hours import BusinessHoursRow
from app.db.models.invites import UserInvite
from app.db.models.knowledge import KnowledgeChunk, KnowledgeDocument
from app.db.models.messages import InboundMedia, Message, PendingAck
from app.db.models.mirrors import Mirror, MirrorDelivery, MirrorPace, MirrorPost
from app.db.models.sessions import Session, SessionNote, SessionTabulation
from app.db.models.teamchat import TeamChannel, TeamChannelKind, TeamMessage, TeamRead
from app.db.models.tenancy import (
    AiSettings,
    ApiKey,
    AuditLog,
    Department,
    DepartmentMember,
    Organization,
    QuickReply,
    RefreshToken,
    User,
)
from app.db.models.turns import Turn, TurnStatus

__all__ = [
    "AiBlockNotice",
    "AiSettings",
    "AiTurn",
    "ApiKey",
    "AuditLog",
    "BotRule",
    "BotRuleVersion",
    "BotState",
    "BusinessHoursRow",
    "Campaign",
    "CampaignRecipient",
    "Connection",
    "ConnectionGroup",
    "Contact",
    "ContactIdentity",
    "ContactImport",
    "ContactList",
    "ContactListMember",
    "ContactTabulation",
    "DeadLetter",
    "Department",
    "DepartmentMember",
    "InboundMedia",
    "KnowledgeChunk",
    "KnowledgeDocument",
    "Message",
    "Mirror",
    "MirrorDelivery",
    "MirrorPace",
    "MirrorPost",
    "Organization",
    "Outbox",
    "PendingAck",
    "ProviderMedia",
    "QuickReply",
    "RefreshToken",
    "Session",
    "SessionEvent",
    "SessionNote",
    "SessionTabulation",
    "Tabulation",
    "TeamChannel",
    "TeamChannelKind",
    "TeamMessage",
    "TeamRead",
    "Turn",
    "TurnStatus",
    "User",
    "UserInvite",
    "WebhookDelivery",
    "WebhookSubscription",
]
