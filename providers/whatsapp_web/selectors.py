"""Every DOM hook the WhatsApp-Web driver touches, in one place.

WhatsApp Web's markup drifts every few months (see /work/shared/design/WHATSAPP_WEB.md):
atomic class names change per build, ``data-testid`` is stripped in some builds, icon
names move from ``data-icon`` to ``<svg><title>``, labels follow the locale. So each hook
is an ordered tuple: the most stable form first (ids, data-* attributes, ARIA roles),
then older or locale-bound fallbacks. The in-page observer and the Python sender both
try them in order and take the first that matches. No class names are used, on purpose.

When the real site drifts, this module is the only file to change; the look-alike page
(``lookalike/``) is then updated to the new structure and the browser tests show whether
the fallbacks still hold.
"""

from __future__ import annotations

from typing import Final

from providers.base import AckStatus

Selectors = tuple[str, ...]

# --- Login (QR) screen -------------------------------------------------------------

# The QR lives in a div whose data-ref holds the pairing string; WA mutates that same
# div's data-ref on every new ref (every ~20 s). wppconnect/open-wa walk from the canvas
# to closest('[data-ref]'); the testid is build-dependent so it comes second.
QR_CONTAINER: Final[Selectors] = (
    "[data-ref]:has(canvas)",
    '[data-testid="link-device-qr-code"]',
    "div[data-ref]",
)

# Once the refs run out (UNPAIRED_IDLE) WA dims the canvas, keeps the stale data-ref and
# shows "Click to reload QR code" inside the same div; whatsapp-web.js clicks it.
QR_RELOAD_BUTTON: Final[Selectors] = (
    "[data-ref] button",
    "div[data-ref] > span > button",
)

# Checked = auto-logout off. We keep it checked so the persistent profile survives.
STAY_LOGGED_IN: Final[Selectors] = ("#auto-logout-toggle",)

# Between the scan and the chat list WA shows "Loading your chats" with a <progress>.
LOADING_SCREEN: Final[Selectors] = (
    '[data-testid="wa-web-loading-screen"]',
    '[data-testid="startup-progress"]',
    "progress",
)

# The only marker that has survived every redesign since 2020; icon names and testids
# (data-icon=chat/search, wa-web-main-screen) came and went. Not wa-wordmark: it is on
# the QR screen too.
LOGGED_IN: Final[Selectors] = (
    "#pane-side",
    '[data-testid="chat-list"]',
    '[aria-label="Chat list"]',
)

# WA keeps the logged-in account in localStorage as a JSON string "5511...:12@c.us"
# (whatsapp-web.js read it before moving to the Store). Not a selector, but a page hook.
OWN_WID_STORAGE_KEYS: Final[Selectors] = ("last-wid-md", "last-wid")

# --- Side panel / chat list ----------------------------------------------------------

# The list is virtualised (only rendered rows exist); rows are role=row inside
# role=listitem wrappers; older builds used listitem for the row itself.
CHAT_ROW: Final[Selectors] = (
    '#pane-side [role="row"]',
    '#pane-side [role="listitem"]',
    '[aria-label="Chat list"] [data-testid="cell-frame-container"]',
)

# No attribute carries the JID; the title span (title= full name or formatted phone
# for unsaved contacts) is the only identity a row exposes.
CHAT_ROW_TITLE: Final[Selectors] = (
    '[data-testid="cell-frame-title"] span[title]',
    '[role="gridcell"][aria-colindex="2"] span[title]',
    "span[dir=auto][title]",
)

# The numeric badge; its aria-label is "N unread messages" / "N mensagens não lidas".
CHAT_ROW_UNREAD: Final[Selectors] = (
    'span[data-testid="icon-unread-count"]',
    'span[aria-label*="unread"]',
    'span[aria-label*="não lida"]',
    'span[aria-label*="no leído"]',
)

# Rows open on mousedown: a real Playwright click works, element.click() does not.
CHAT_ROW_CLICK_TARGET: Final[Selectors] = ('[data-testid="cell-frame-container"]', "*")

# Side-panel menu → "Desconectar" → confirm. Labels are locale-bound; pt-BR first since
# our numbers are Brazilian.
SIDE_MENU_BUTTON: Final[Selectors] = (
    '#side header button[aria-label="Mais opções"]',
    '#side header button[aria-label="Menu"]',
    '#side header [data-icon="menu"]',
)
LOGOUT_MENU_ITEM: Final[Selectors] = (
    '[role="application"] [aria-label="Desconectar"]',
    '[role="menu"] [aria-label="Desconectar"]',
    '[role="menu"] [aria-label="Log out"]',
)

# --- Popups --------------------------------------------------------------------------

# "Phone number shared via url is invalid." and the logout confirmation share this shape.
MODAL_POPUP: Final[Selectors] = (
    'div[data-animate-modal-popup="true"]',
    '[role="dialog"]',
)
MODAL_BUTTON: Final[Selectors] = ("button",)
INVALID_NUMBER_TEXTS: Final[Selectors] = (
    "inválido",
    "invalid",
)

# --- Open conversation ---------------------------------------------------------------

# #main is replaced on every chat switch, so the observer re-queries it each time.
CONVERSATION: Final[Selectors] = ("#main",)

# Header title: the saved name, or the formatted phone ("+55 11 98765-4321") for unsaved
# contacts, which is how a DOM-only client learns a customer's number.
CONVERSATION_TITLE: Final[Selectors] = (
    '#main header [data-testid="conversation-info-header-chat-title"]',
    "#main header span[dir=auto][title]",
    "#main header span[dir=auto]",
)

# Rows: data-id is opaque since 2025 (bare 20-char id); the legacy form
# "false_<jid>_<id>" / "true_<jid>_<id>" still appears in older builds and is parsed
# when present.
MESSAGE_ROW: Final[Selectors] = (
    '#main [role="row"] [data-id]',
    '#main [data-testid^="conv-msg-"]',
    "#main [data-id]",
)

# Direction: the tail icon sits only on the first bubble of a run, "Você:"/"You:" on
# every outgoing bubble, ticks only on outgoing bubbles; .message-out is pre-2025.
OUTGOING_MARKER: Final[Selectors] = (
    'span[aria-label="Você:"]',
    'span[aria-label="You:"]',
    'span[data-icon="tail-out"]',
    ".message-out",
)

# "[10:42, 22/11/2026] Maria Silva: " in pt-BR (en-US: M/D/YYYY); absent on media-only.
MESSAGE_META_TEXT: Final[Selectors] = ("[data-pre-plain-text]",)

MESSAGE_TEXT: Final[Selectors] = (
    '[data-testid="selectable-text"]',
    "span.selectable-text",
)

# Ticks: 2026 builds put a trimmed-needing aria-label (" Lida ", " Entregue ") on a
# span holding <svg><title>wds-ic-read</title>; older builds use data-icon=msg-*.
TICK_LABELLED: Final[Selectors] = (
    '[data-testid="msg-meta"] span[aria-label]',
    "span[aria-label]:has(> svg > title)",
)
TICK_ICON: Final[Selectors] = (
    '[data-testid="msg-meta"] svg > title',
    "[data-icon^=msg-]",
)
# Label / icon name → ack. Spanish forms come from whatsplay; pt-BR " Enviada " and
# " Pendente " are unconfirmed guesses (see the design notes).
TICK_STATES: Final[dict[str, AckStatus]] = {
    "pendente": "pending",
    "pendiente": "pending",
    "pending": "pending",
    "enviada": "sent",
    "enviado": "sent",
    "sent": "sent",
    "entregue": "delivered",
    "entregado": "delivered",
    "delivered": "delivered",
    "lida": "read",
    "leído": "read",
    "read": "read",
    "msg-time": "pending",
    "msg-check": "sent",
    "msg-dblcheck": "delivered",
    "msg-dblcheck-ack": "read",
    "wds-ic-pending": "pending",
    "wds-ic-sent": "sent",
    "wds-ic-delivered": "delivered",
    "wds-ic-read": "read",
}

# --- Media bubbles -------------------------------------------------------------------

# Images render as <img src="blob:https://web.whatsapp.com/..."> inside an "Abrir
# imagem"/"Open picture" button; 2023 builds had testid image-thumb.
MEDIA_IMAGE: Final[Selectors] = (
    'img[src^="blob:"]',
    '[data-testid="image-thumb"] img',
)
# Voice notes (ptt): no <audio> element in 2026; the ptt-status icon and the play
# button's label identify them. Older builds used data-icon=audio-play for both kinds.
MEDIA_VOICE_MARKER: Final[Selectors] = (
    '[data-icon="ptt-status"]',
    '[data-testid="ptt-status"]',
    'button[aria-label="Reproduzir mensagem de voz"]',
    'button[aria-label="Play voice message"]',
)
# Forwarded audio files (not recorded in the app): same player, no ptt-status. [?]
MEDIA_AUDIO_MARKER: Final[Selectors] = (
    'button[aria-label="Reproduzir áudio"]',
    'button[aria-label="Play audio"]',
    '[data-icon="audio-play"]',
)
# Documents: 2023 testid document-thumb plus a data-icon=download link; current markup
# is unconfirmed.
MEDIA_DOCUMENT_MARKER: Final[Selectors] = (
    '[data-testid="document-thumb"]',
    '[data-icon="document"]',
)
# Where a blob can be fetched in page context. [?] The real voice bubble exposes no URL
# (the file only exists behind the player / message-menu "Download"); documents expose
# a download anchor. The look-alike offers a download anchor for both.
MEDIA_BLOB_SOURCE: Final[Selectors] = (
    'a[href^="blob:"][download]',
    'audio[src^="blob:"]',
    'img[src^="blob:"]',
)
# Still downloading: the spinner replaces the player for 100 ms to 2 s.
MEDIA_PENDING: Final[Selectors] = (
    '[data-testid="audio-player-frame-spinner"]',
    'button[aria-label="Carregando"]',
    'button[aria-label="Loading"]',
)

# --- Composer ------------------------------------------------------------------------

# Lexical editor in the footer; data-tab=10 since 2022 (was 1). aria-label now carries
# the chat name, so it is matched by role, not by label.
COMPOSER: Final[Selectors] = (
    '#main footer [contenteditable="true"][role="textbox"][data-tab="10"]',
    '#main footer [contenteditable="true"][role="textbox"]',
    '#main footer [contenteditable="true"]',
)

# Appears only while the composer has text (a voice button takes its place otherwise).
SEND_BUTTON: Final[Selectors] = (
    '#main footer button[aria-label="Enviar"]',
    '#main footer button[aria-label="Send"]',
    '#main footer [data-icon="wds-ic-send-filled"]',
    '#main footer [data-icon="send"]',
)

ATTACH_BUTTON: Final[Selectors] = (
    '#main footer button[aria-label="Anexar"]',
    '#main footer button[aria-label="Attach"]',
    '#main footer [data-icon="plus-rounded"]',
    '#main footer [data-icon="attach-menu-plus"]',
)
# After the attach click: "Fotos e vídeos" takes images/videos, "Documento" anything.
FILE_INPUT_MEDIA: Final[Selectors] = (
    'input[type="file"][accept^="image/"]',
    'input[type="file"][accept*="video/mp4"]',
)
FILE_INPUT_DOCUMENT: Final[Selectors] = (
    'input[type="file"][accept="*"]',
    'input[type="file"]:not([accept])',
)
# The media preview has its own caption box and send button outside #main footer.
MEDIA_CAPTION: Final[Selectors] = (
    '[contenteditable="true"][aria-placeholder="Adicione uma legenda"]',
    '[contenteditable="true"][aria-placeholder="Add a caption"]',
    '[contenteditable="true"][aria-placeholder="Type a caption"]',
)
MEDIA_SEND_BUTTON: Final[Selectors] = (
    'div[role="button"][aria-label="Enviar"]',
    'div[role="button"][aria-label="Send"]',
    '[data-icon="wds-ic-send-filled"]',
)

# --- Groups --------------------------------------------------------------------------

# A group is told from a person by its placeholder avatar: data-icon "default-group"
# vs "default-user" [?] (WA's default avatars; a group with its own picture shows an
# <img> instead, so a real build also needs the header's member list below). The DOM
# carries no group JID: a group is known by its name (ids are "group:<name>").
GROUP_MARKER: Final[Selectors] = (
    '[data-icon="default-group"]',
    '[data-icon="default-group-refreshed"]',
)
CONVERSATION_GROUP_MARKER: Final[Selectors] = tuple(f"#main header {s}" for s in GROUP_MARKER)
# The header's subtitle lists a group's members, "Ana, Bruno, Você" [?].
CONVERSATION_SUBTITLE: Final[Selectors] = (
    '#main header [data-testid="chat-subtitle"]',
    "#main header span[dir=auto]:not([title])",
)
# Incoming group bubbles open with the author; an unsaved participant shows as the
# number plus "~push name" [?]. The author's number is also the name in
# data-pre-plain-text ("[10:42, 22/11/2026] +55 11 98765-4321: "), which is what is read.
MESSAGE_AUTHOR_PUSH_NAME: Final[Selectors] = (
    '[data-testid="msg-author-push-name"]',
    '[data-testid="msg-author"] span[dir=auto]:not([role])',
)
# The search box filters the chat list by name (how a group without a deep link is
# found).
SEARCH_BOX: Final[Selectors] = (
    '#side input[data-tab="3"]',
    '#side [contenteditable="true"][data-tab="3"]',
    'input[aria-label="Pesquisar ou começar uma nova conversa"]',
    'input[aria-label="Search or start a new chat"]',
)

# The preview card the page draws above the composer a moment after a link is typed
# [?] (WA fetches the page's title and image first); sending before it shows sends the
# bare link.
LINK_PREVIEW: Final[Selectors] = (
    '#main footer [data-testid="link-preview"]',
    '#main [data-testid="link-preview"]',
)
