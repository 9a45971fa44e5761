"""The text the AI sees for a turn: the burst's messages in order, each medium replaced
by what was understood of it, or by a note saying, in Portuguese, what could not be read
and why, so the AI can ask the customer instead of pretending it saw the file."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

MEDIA_LABEL = {
    "audio": "áudio",
    "voice": "áudio",
    "image": "imagem",
    "sticker": "figurinha",
    "video": "vídeo",
    "document": "documento",
}
# How "could not be read" is said for each medium (gender agreement in Portuguese).
NOT_READ = {
    "audio": "áudio não pôde ser transcrito",
    "voice": "áudio não pôde ser transcrito",
    "image": "imagem não pôde ser lida",
    "sticker": "figurinha não pôde ser lida",
    "video": "vídeo não pôde ser transcrito",
    "document": "documento não pôde ser lido",
}
REASONS = {
    "timeout": "timeout",
    "llm_timeout": "timeout",
    "ai_not_configured": "IA não configurada",
    "llm_unavailable": "serviço de IA indisponível",
    "llm_rate_limited": "limite de uso da IA atingido",
    "llm_rejected": "erro no serviço de IA",
    "llm_error": "erro no serviço de IA",
    "empty_result": "nenhum conteúdo reconhecido",
    "no_text": "nenhum texto encontrado",
    "too_large": "arquivo grande demais",
    "corrupt": "arquivo corrompido",
    "empty": "arquivo vazio",
    "encrypted": "arquivo protegido por senha",
    "bomb": "arquivo suspeito",
    "no_audio": "sem áudio",
    "unsupported_type": "tipo de arquivo não suportado",
    "forbidden_address": "download recusado",
    "bad_url": "download falhou",
    "http_error": "download falhou",
    "no_source": "arquivo indisponível",
    "bad_base64": "arquivo ilegível",
}


class MergedMessage(msgspec.Struct, kw_only=True):
    content: dict[str, Any]
    media_source: dict[str, Any] | None
    transcription: str | None
    transcription_error: str | None
    media_error: str | None


def merged_text(messages: Iterable[MergedMessage]) -> str:
    return "\n".join(part for message in messages if (part := _message_text(message)))


def _message_text(message: MergedMessage) -> str:
    lines: list[str] = []
    text = message.content.get("text")
    if isinstance(text, str) and text.strip():
        lines.append(text.strip())
    if message.media_source is not None:
        lines.append(_media_text(message))
    return "\n".join(lines)


def _media_text(message: MergedMessage) -> str:
    kind = str((message.media_source or {}).get("kind") or "document")
    label = MEDIA_LABEL.get(kind, "arquivo")
    if message.transcription:
        name = (message.content.get("media") or {}).get("name")
        if kind == "document" and name:
            label = f"{label} {name}"
        return f"[{label}] {message.transcription}"
    # Still unsettled when the merge stopped waiting: the media job is too slow.
    code = message.transcription_error or message.media_error or "timeout"
    reason = REASONS.get(code, code)
    return f"[{NOT_READ.get(kind, 'arquivo não pôde ser lido')}: {reason}]"
