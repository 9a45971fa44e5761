"""The words of the session history: the conversation pane's timeline and the dashboard's
time in each queue state; i18n.py spreads them at the end of its catalogs. Each entry is
(key, pt-BR, English)."""

# ruff: noqa: E501 -- sentences read whole

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

_WORDS: Final = (
    ("hist.title", "Histórico do atendimento", "Session history"),
    ("hist.count", "mudanças", "changes"),
    ("hist.state.AUTOMATION", "automação", "automation"),
    ("hist.state.WAITING", "espera", "waiting"),
    ("hist.state.ATTENDING", "atendimento", "attending"),
    ("hist.state.CLOSED", "encerrado", "closed"),
    ("hist.opened", "Aberto", "Opened"),
    ("hist.moved", "Passou para", "Moved to"),
    ("hist.assigned", "Atribuição", "Assignment"),
    ("hist.department", "setor", "department"),
    ("hist.agent", "atendente", "agent"),
    ("hist.customer", "cliente externo", "external customer"),
    ("hist.unassigned", "sem atendente", "no agent"),
    ("hist.by.USER", "por", "by"),
    ("hist.by.API_KEY", "pela API", "through the API"),
    ("hist.by.AI", "pela IA", "by the AI"),
    ("hist.by.BOT_RULE", "pelo robô", "by the bot"),
    ("hist.by.SYSTEM", "pelo sistema", "by the system"),
    ("hist.by.CUSTOMER", "pelo cliente", "by the customer"),
    ("hist.reason", "motivo", "reason"),
    ("tabs.trigger", "Aplicar automaticamente quando", "Apply automatically when"),
    ("tabs.trigger.none", "— só por regra do robô —", "— only by a bot rule —"),
    ("tabs.trigger.AI_HANDOFF", "a IA transferir para humanos", "the AI hands off to humans"),
    ("tabs.trigger.AI_CLOSED", "a IA encerrar o atendimento", "the AI closes the session"),
    (
        "tabs.trigger.OUT_OF_HOURS",
        "o cliente escrever fora do horário",
        "the customer writes out of hours",
    ),
    ("tabs.trigger.OPTED_OUT", "o cliente pedir para sair (SAIR)", "the customer opts out (STOP)"),
    (
        "tabs.trigger.CAMPAIGN_REPLY",
        "o cliente responder a uma campanha",
        "the customer answers a campaign",
    ),
    ("tabs.trigger.BOT_HANDOFF", "o robô transferir para humanos", "the bot hands off to humans"),
    ("tabs.trigger.BOT_CLOSED", "o robô encerrar o atendimento", "the bot closes the session"),
    (
        "tabs.trigger.BOT_RETRY_LIMIT",
        "o menu do robô esgotar as tentativas",
        "the bot's menu runs out of retries",
    ),
    ("dash.states", "Tempo em cada etapa do atendimento", "Time in each queue state"),
    (
        "dash.states_note",
        "Barras: média por conversa no período (e a mediana), do histórico: automação = com a IA ou o robô; espera = aguardando um atendente; atendimento = com um atendente.",
        "Bars: average per conversation in the period (and the median), from the history: automation = with the AI or the bot; waiting = waiting for an agent; attending = with an agent.",
    ),
    ("dash.states_average", "média", "average"),
    ("dash.states_median", "mediana", "median"),
    ("dash.states_session", "conversa", "conversation"),
    ("dash.states_sessions", "conversas", "conversations"),
)

PT_BR: Final[Mapping[str, str]] = {key: pt for key, pt, _ in _WORDS}
EN: Final[Mapping[str, str]] = {key: en for key, _, en in _WORDS}
