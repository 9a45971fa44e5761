"""The words of team chat (the /inbox/team page, the header's badge and the "share with
the team" dialog of a conversation); i18n.py spreads them at the end of its catalogs.
Each entry is (key, pt-BR, English), so a word can never be missing from one catalog.
The prefix is ``tchat.``: ``team.`` belongs to the settings page of users."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

_WORDS: Final = (
    ("nav.teamchat", "Equipe", "Team"),
    ("tchat.title", "Equipe", "Team"),
    ("tchat.channels", "Conversas da equipe", "Team conversations"),
    ("tchat.departments", "Departamentos", "Departments"),
    ("tchat.direct", "Mensagens diretas", "Direct messages"),
    ("tchat.new_direct", "Conversar com…", "Message…"),
    ("tchat.loading", "Carregando…", "Loading…"),
    (
        "tchat.empty_list",
        "Nenhum departamento ainda. Peça a um administrador para criar um.",
        "No departments yet. Ask an administrator to create one.",
    ),
    (
        "tchat.no_directs",
        "Nenhuma ainda: escolha alguém em “Conversar com…”.",
        "None yet: pick someone in “Message…”.",
    ),
    ("tchat.pick", "Escolha uma conversa à esquerda.", "Pick a conversation on the left."),
    (
        "tchat.empty_thread",
        "Nenhuma mensagem ainda. Escreva a primeira.",
        "No messages yet. Write the first one.",
    ),
    ("tchat.older", "Mensagens anteriores", "Older messages"),
    ("tchat.back", "Voltar às conversas", "Back to conversations"),
    (
        "tchat.placeholder",
        "Mensagem para a equipe (Enter envia, Shift+Enter quebra a linha)",
        "Message to the team (Enter sends, Shift+Enter for a new line)",
    ),
    ("tchat.send", "Enviar", "Send"),
    ("tchat.unread", "não lidas", "unread"),
    ("tchat.you", "Você", "You"),
    ("tchat.dept_hint", "Canal do departamento", "Department channel"),
    ("tchat.direct_hint", "Mensagem direta", "Direct message"),
    ("tchat.shared", "Conversa compartilhada", "Shared conversation"),
    ("tchat.shared_open", "Abrir conversa", "Open conversation"),
    (
        "tchat.shared_locked",
        "Conversa de um departamento que você não atende",
        "A conversation of a department you do not work",
    ),
    (
        "tchat.never_sent",
        "Só a equipe vê estas mensagens: nada daqui vai para o WhatsApp.",
        "Only the team sees these messages: nothing here goes to WhatsApp.",
    ),
    ("tchat.share", "Compartilhar na equipe", "Share with the team"),
    (
        "tchat.share_title",
        "Compartilhar esta conversa na equipe",
        "Share this conversation with the team",
    ),
    ("tchat.share_channel", "Onde", "Where"),
    ("tchat.share_text", "Comentário (opcional)", "Comment (optional)"),
    ("tchat.share_send", "Compartilhar", "Share"),
    ("tchat.share_done", "Conversa compartilhada na equipe.", "Conversation shared with the team."),
    ("tchat.cancel", "Cancelar", "Cancel"),
    (
        "tchat.too_long",
        "A mensagem passa de 4.000 caracteres.",
        "The message is over 4,000 characters.",
    ),
    (
        "tchat.failed",
        "Não deu certo ({status}): {detail}",
        "That did not work ({status}): {detail}",
    ),
    ("tchat.status.QUEUED", "na fila", "queued"),
    ("tchat.status.ACTIVE", "em atendimento", "active"),
    ("tchat.status.PAUSED", "pausada", "paused"),
    ("tchat.status.CLOSED", "encerrada", "closed"),
    ("tchat.role.ADMIN", "administrador", "administrator"),
    ("tchat.role.SUPERVISOR", "supervisor", "supervisor"),
    ("tchat.role.AGENT", "agente", "agent"),
)

PT_BR: Final[Mapping[str, str]] = {key: pt for key, pt, _ in _WORDS}
EN: Final[Mapping[str, str]] = {key: en for key, _, en in _WORDS}
