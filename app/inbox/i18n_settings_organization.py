"""The words of the organization settings page; i18n.py spreads them at the end of its
catalogs, so the same-keys rule holds for them too. ``org.`` keys also reach the page
script (boot data)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

PT_BR: Final[Mapping[str, str]] = {
    "setup.page.organization": "Organização",
    "setup.blurb.organization": (
        "Nome da empresa, fuso horário, feriados do estado e a resposta a quem sai das campanhas."
    ),
    "org.intro": (
        "Dados da empresa que valem para todas as campanhas: o relógio das janelas de envio "
        "e da saudação, os feriados em que nada é enviado e o texto de quem pede para sair."
    ),
    "org.name": "Nome da empresa",
    "org.name_help": "Aparece para a equipe e no texto padrão de descadastro.",
    "org.timezone": "Fuso horário",
    "org.timezone_help": (
        "As janelas das campanhas, o {{saudacao}} e os feriados seguem este relógio "
        "(uma campanha pode escolher outro)."
    ),
    "org.zones_brazil": "Brasil",
    "org.zones_other": "Outros fusos",
    "org.holidays": "Estado para feriados",
    "org.holidays_national": "Só feriados nacionais",
    "org.holidays_help": (
        "As campanhas que pulam feriados param nos feriados nacionais e, com um estado, "
        "também nos dele."
    ),
    "org.opt_out": "Confirmação de descadastro das campanhas",
    "org.opt_out_help": (
        "Enviada uma vez a quem responde só SAIR, PARAR, STOP, CANCELAR ou DESCADASTRAR. "
        "Em branco, vale o texto padrão abaixo."
    ),
    "org.opt_out_default": "Texto padrão",
    "org.opt_out_using_default": "Em uso: o texto padrão.",
    "org.opt_out_using_own": "Em uso: o texto desta empresa.",
    "org.restore": "Restaurar padrão",
    "org.chars": "{n} de {max} caracteres",
    "org.save": "Salvar",
    "org.saved": "Configurações da organização salvas.",
    "org.err.invalid_timezone": "Fuso horário desconhecido. Escolha um da lista.",
    "org.err.invalid_subdivision": "Estado desconhecido. Escolha um da lista.",
    "zone.America/Sao_Paulo": "Brasília — SP, RJ, MG, ES, Sul, GO, DF",
    "zone.America/Bahia": "Bahia",
    "zone.America/Fortaleza": "CE, RN, PB, MA, PI",
    "zone.America/Recife": "Pernambuco",
    "zone.America/Maceio": "Alagoas e Sergipe",
    "zone.America/Belem": "Pará (leste) e Amapá",
    "zone.America/Santarem": "Pará (oeste)",
    "zone.America/Araguaina": "Tocantins",
    "zone.America/Noronha": "Fernando de Noronha",
    "zone.America/Manaus": "Amazonas (leste)",
    "zone.America/Cuiaba": "Mato Grosso",
    "zone.America/Campo_Grande": "Mato Grosso do Sul",
    "zone.America/Porto_Velho": "Rondônia",
    "zone.America/Boa_Vista": "Roraima",
    "zone.America/Rio_Branco": "Acre",
    "zone.America/Eirunepe": "Amazonas (oeste)",
}

EN: Final[Mapping[str, str]] = {
    "setup.page.organization": "Organization",
    "setup.blurb.organization": (
        "The business's name, time zone, state holidays and the reply to whoever leaves "
        "the campaigns."
    ),
    "org.intro": (
        "What holds for every campaign: the clock of the sending windows and greetings, "
        "the holidays on which nothing is sent, and the reply to whoever asks to leave."
    ),
    "org.name": "Business name",
    "org.name_help": "Shown to the team and in the default opt-out text.",
    "org.timezone": "Time zone",
    "org.timezone_help": (
        "Campaign windows, {{saudacao}} and holidays follow this clock (a campaign may "
        "pick another)."
    ),
    "org.zones_brazil": "Brazil",
    "org.zones_other": "Other zones",
    "org.holidays": "State for holidays",
    "org.holidays_national": "National holidays only",
    "org.holidays_help": (
        "Campaigns that skip holidays stop on national holidays and, with a state, on "
        "that state's too."
    ),
    "org.opt_out": "Campaign opt-out confirmation",
    "org.opt_out_help": (
        "Sent once to whoever answers only SAIR, PARAR, STOP, CANCELAR or DESCADASTRAR. "
        "Left blank, the default text below is used."
    ),
    "org.opt_out_default": "Default text",
    "org.opt_out_using_default": "In use: the default text.",
    "org.opt_out_using_own": "In use: this business's own text.",
    "org.restore": "Restore default",
    "org.chars": "{n} of {max} characters",
    "org.save": "Save",
    "org.saved": "Organization settings saved.",
    "org.err.invalid_timezone": "Unknown time zone. Pick one from the list.",
    "org.err.invalid_subdivision": "Unknown state. Pick one from the list.",
    "zone.America/Sao_Paulo": "Brasília — SP, RJ, MG, ES, South, GO, DF",
    "zone.America/Bahia": "Bahia",
    "zone.America/Fortaleza": "CE, RN, PB, MA, PI",
    "zone.America/Recife": "Pernambuco",
    "zone.America/Maceio": "Alagoas and Sergipe",
    "zone.America/Belem": "Pará (east) and Amapá",
    "zone.America/Santarem": "Pará (west)",
    "zone.America/Araguaina": "Tocantins",
    "zone.America/Noronha": "Fernando de Noronha",
    "zone.America/Manaus": "Amazonas (east)",
    "zone.America/Cuiaba": "Mato Grosso",
    "zone.America/Campo_Grande": "Mato Grosso do Sul",
    "zone.America/Porto_Velho": "Rondônia",
    "zone.America/Boa_Vista": "Roraima",
    "zone.America/Rio_Branco": "Acre",
    "zone.America/Eirunepe": "Amazonas (west)",
}
