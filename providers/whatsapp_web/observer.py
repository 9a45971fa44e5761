"""Builds the init script that reports the page's state to Python (see observer.js)."""

from __future__ import annotations

import json
from importlib import resources

from providers.whatsapp_web import selectors as sel

BINDING = "__wwebEmit"
# ``window[UNREPORTED]()``: rows of the open chat the observer has not reported yet.
UNREPORTED = BINDING + "Unreported"

# pt-BR WhatsApp writes dates day first in data-pre-plain-text; en-US month first.
DATE_ORDER = "dmy"

# Players and images land in a row 100 ms to 2 s after it appears; past this a row is
# reported as "unsupported" rather than blocking the rows after it.
INCOMPLETE_AFTER_MS = 5000


def selector_table() -> dict[str, object]:
    return {
        "ownWidKeys": sel.OWN_WID_STORAGE_KEYS,
        "qrContainer": sel.QR_CONTAINER,
        "qrReload": sel.QR_RELOAD_BUTTON,
        "loading": sel.LOADING_SCREEN,
        "loggedIn": sel.LOGGED_IN,
        "chatRow": sel.CHAT_ROW,
        "chatTitle": sel.CHAT_ROW_TITLE,
        "chatUnread": sel.CHAT_ROW_UNREAD,
        "conversation": sel.CONVERSATION,
        "conversationTitle": sel.CONVERSATION_TITLE,
        "messageRow": sel.MESSAGE_ROW,
        "outgoing": sel.OUTGOING_MARKER,
        "metaText": sel.MESSAGE_META_TEXT,
        "text": sel.MESSAGE_TEXT,
        "tickLabelled": sel.TICK_LABELLED,
        "tickIcon": sel.TICK_ICON,
        "image": sel.MEDIA_IMAGE,
        "voice": sel.MEDIA_VOICE_MARKER,
        "audio": sel.MEDIA_AUDIO_MARKER,
        "document": sel.MEDIA_DOCUMENT_MARKER,
        "blobSource": sel.MEDIA_BLOB_SOURCE,
        "mediaPending": sel.MEDIA_PENDING,
        "groupMarker": sel.CONVERSATION_GROUP_MARKER,
        "authorPushName": sel.MESSAGE_AUTHOR_PUSH_NAME,
        "dateOrder": DATE_ORDER,
        "incompleteAfterMs": INCOMPLETE_AFTER_MS,
    }


def observer_script() -> str:
    source = (resources.files("providers.whatsapp_web") / "observer.js").read_text("utf-8")
    return source.replace("__SEL__", json.dumps(selector_table())).replace(
        "__BINDING__", json.dumps(BINDING)
    )
