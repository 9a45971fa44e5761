"""The words of provider provisioning on the connections pages (the QR dialog's
Meta webhook view, status reasons, pairing again); i18n.py spreads them at the end of
its catalogs, so the same-keys rule holds for them too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

PT_BR: Final[Mapping[str, str]] = {
    "conn.webhook_button": "Webhook",
    "conn.token_title": "Webhook da Meta",
    "conn.token_help": (
        "No painel da Meta (WhatsApp → Configuração → Webhook), cole a URL de retorno e o "
        "token de verificação abaixo e assine o campo “messages”. O status fica verde quando "
        "o token de acesso e o ID do número funcionam."
    ),
    "conn.verify_token": "Token de verificação",
    "conn.verify_token_yours": "o que você definiu em “Token de verificação”",
    "conn.retry": "Tentar de novo",
    "conn.retrying": "Conectando de novo…",
}

EN: Final[Mapping[str, str]] = {
    "conn.webhook_button": "Webhook",
    "conn.token_title": "Meta webhook",
    "conn.token_help": (
        "In Meta's dashboard (WhatsApp → Configuration → Webhook), paste the callback URL and "
        "the verify token below and subscribe to the “messages” field. The status turns green "
        "once the access token and the phone number id work."
    ),
    "conn.verify_token": "Verify token",
    "conn.verify_token_yours": "the one you set as “Verify token”",
    "conn.retry": "Try again",
    "conn.retrying": "Connecting again…",
}
