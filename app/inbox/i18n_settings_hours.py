"""The words of the business-hours page; i18n.py spreads them at the end of its
catalogs, so the same-keys rule holds for them too. ``hours.`` keys also reach the
page script (boot data)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

PT_BR: Final[Mapping[str, str]] = {
    "setup.page.hours": "Horário de atendimento",
    "setup.blurb.hours": (
        "Faixas da semana, feriados, datas especiais e a mensagem fora do horário, para a "
        "empresa, um setor ou um número."
    ),
    "hours.intro": (
        "Fora destes horários a IA não responde: o cliente recebe a mensagem fora do horário "
        "uma vez por conversa e a conversa espera a equipe. O mais específico vale: número, "
        "depois o setor da conversa, depois a organização."
    ),
    "hours.scope": "Editar o horário de",
    "hours.scope.organization": "Organização",
    "hours.scope.department": "Setor",
    "hours.scope.connection": "Número",
    "hours.scope.pick_department": "Setor",
    "hours.scope.pick_connection": "Número",
    "hours.scope.none_department": "Nenhum setor cadastrado.",
    "hours.scope.none_connection": "Nenhum número cadastrado.",
    "hours.inherited": (
        "Sem horário próprio: vale o da {from}. Salve para criar um horário só para este item."
    ),
    "hours.inherited.organization": "organização",
    "hours.inherited.department": "setor",
    "hours.unset": "Sem horário definido: sempre aberto. Salve para passar a usar estas faixas.",
    "hours.own": "Horário próprio deste item.",
    "hours.use_parent": "Usar o horário da organização",
    "hours.use_parent_done": "Agora vale o horário da organização.",
    "hours.clear_org": "Remover horário (sempre aberto)",
    "hours.clear_org_done": "Horário removido: sempre aberto.",
    "hours.status.loading": "Calculando…",
    "hours.status.open": "Agora: aberto",
    "hours.status.open_until": "Agora: aberto até {time}",
    "hours.status.closed": "Agora: fechado",
    "hours.status.next": "próxima abertura: {when}",
    "hours.status.never": "sem abertura prevista",
    "hours.status.always": "Agora: aberto (sem horário definido)",
    "hours.reason.holiday": "feriado: {name}",
    "hours.reason.override": "data especial: {name}",
    "hours.week": "Semana",
    "hours.week_help": (
        "Várias faixas por dia (ex.: 08:00-12:00 e 13:00-18:00). Uma faixa que termina antes "
        "de começar passa da meia-noite (22:00-02:00). Dia sem faixa: fechado."
    ),
    "hours.day.MON": "Segunda",
    "hours.day.TUE": "Terça",
    "hours.day.WED": "Quarta",
    "hours.day.THU": "Quinta",
    "hours.day.FRI": "Sexta",
    "hours.day.SAT": "Sábado",
    "hours.day.SUN": "Domingo",
    "hours.closed_day": "Fechado",
    "hours.add_range": "+ faixa",
    "hours.remove_range": "Remover faixa",
    "hours.from": "De",
    "hours.to": "Até",
    "hours.overnight": "até o dia seguinte",
    "hours.timezone": "Fuso horário",
    "hours.holidays": "Feriados",
    "hours.holidays_closed": "Fechar nos feriados",
    "hours.country": "País",
    "hours.subdivision": "Estado",
    "hours.national_only": "Só feriados nacionais",
    "hours.preview": "Feriados de {year}",
    "hours.preview_year": "Ano",
    "hours.preview_empty": "Nenhum feriado.",
    "hours.overrides": "Datas especiais",
    "hours.overrides_help": (
        "Datas da empresa: fechada o dia todo ou com horário especial; uma vez ou todo ano."
    ),
    "hours.override.date": "Data",
    "hours.override.label": "Descrição",
    "hours.override.yearly": "Todo ano",
    "hours.override.closed": "Fechado o dia todo",
    "hours.override.remove": "Remover data",
    "hours.override.add": "+ data especial",
    "hours.override.none": "Nenhuma data especial.",
    "hours.message": "Mensagem fora do horário",
    "hours.message_help": (
        "Enviada uma vez por conversa. Use {{proxima_abertura}} para dizer quando voltam "
        "(ex.: “segunda-feira, 07/12 às 08:00”). Em branco: a do nível acima ou o texto padrão."
    ),
    "hours.save": "Salvar",
    "hours.saved": "Horário salvo.",
    "hours.err.invalid_time": "Horário inválido.",
    "hours.err.empty_range": "Início e fim iguais numa faixa.",
    "hours.err.overlapping_ranges": "Faixas sobrepostas no mesmo dia.",
    "hours.err.too_many_ranges": "Faixas demais em um dia.",
    "hours.err.missing_ranges": "Data especial aberta precisa de faixas.",
    "hours.err.duplicate_override": "Data especial repetida.",
    "hours.err.invalid_timezone": "Fuso horário desconhecido.",
    "hours.err.invalid_subdivision": "Estado desconhecido.",
}

EN: Final[Mapping[str, str]] = {
    "setup.page.hours": "Business hours",
    "setup.blurb.hours": (
        "Weekly ranges, holidays, special dates and the out-of-hours message, for the "
        "business, a department or a number."
    ),
    "hours.intro": (
        "Outside these hours the AI does not answer: the customer gets the out-of-hours "
        "message once per conversation and it waits for the team. The most specific wins: "
        "number, then the conversation's department, then the organization."
    ),
    "hours.scope": "Edit the hours of",
    "hours.scope.organization": "Organization",
    "hours.scope.department": "Department",
    "hours.scope.connection": "Number",
    "hours.scope.pick_department": "Department",
    "hours.scope.pick_connection": "Number",
    "hours.scope.none_department": "No departments yet.",
    "hours.scope.none_connection": "No numbers yet.",
    "hours.inherited": "No hours of its own: the {from}'s apply. Save to give it its own.",
    "hours.inherited.organization": "organization",
    "hours.inherited.department": "department",
    "hours.unset": "No hours set: always open. Save to start using these ranges.",
    "hours.own": "This item's own hours.",
    "hours.use_parent": "Use the organization's hours",
    "hours.use_parent_done": "The organization's hours now apply.",
    "hours.clear_org": "Remove hours (always open)",
    "hours.clear_org_done": "Hours removed: always open.",
    "hours.status.loading": "Working it out…",
    "hours.status.open": "Now: open",
    "hours.status.open_until": "Now: open until {time}",
    "hours.status.closed": "Now: closed",
    "hours.status.next": "opens next: {when}",
    "hours.status.never": "no opening ahead",
    "hours.status.always": "Now: open (no hours set)",
    "hours.reason.holiday": "holiday: {name}",
    "hours.reason.override": "special date: {name}",
    "hours.week": "Week",
    "hours.week_help": (
        "Several ranges a day (e.g. 08:00-12:00 and 13:00-18:00). A range that ends before "
        "it starts runs past midnight (22:00-02:00). A day without ranges is closed."
    ),
    "hours.day.MON": "Monday",
    "hours.day.TUE": "Tuesday",
    "hours.day.WED": "Wednesday",
    "hours.day.THU": "Thursday",
    "hours.day.FRI": "Friday",
    "hours.day.SAT": "Saturday",
    "hours.day.SUN": "Sunday",
    "hours.closed_day": "Closed",
    "hours.add_range": "+ range",
    "hours.remove_range": "Remove range",
    "hours.from": "From",
    "hours.to": "To",
    "hours.overnight": "until the next day",
    "hours.timezone": "Time zone",
    "hours.holidays": "Holidays",
    "hours.holidays_closed": "Closed on holidays",
    "hours.country": "Country",
    "hours.subdivision": "State",
    "hours.national_only": "National holidays only",
    "hours.preview": "Holidays of {year}",
    "hours.preview_year": "Year",
    "hours.preview_empty": "No holidays.",
    "hours.overrides": "Special dates",
    "hours.overrides_help": (
        "The business's own dates: closed all day or special hours; once or every year."
    ),
    "hours.override.date": "Date",
    "hours.override.label": "Description",
    "hours.override.yearly": "Every year",
    "hours.override.closed": "Closed all day",
    "hours.override.remove": "Remove date",
    "hours.override.add": "+ special date",
    "hours.override.none": "No special dates.",
    "hours.message": "Out-of-hours message",
    "hours.message_help": (
        "Sent once per conversation. Use {{proxima_abertura}} to say when you open again "
        "(e.g. “segunda-feira, 07/12 às 08:00”). Blank: the level above's, or the default."
    ),
    "hours.save": "Save",
    "hours.saved": "Hours saved.",
    "hours.err.invalid_time": "Invalid time.",
    "hours.err.empty_range": "Start and end are equal.",
    "hours.err.overlapping_ranges": "Overlapping ranges on one day.",
    "hours.err.too_many_ranges": "Too many ranges on one day.",
    "hours.err.missing_ranges": "An open special date needs its ranges.",
    "hours.err.duplicate_override": "A special date is repeated.",
    "hours.err.invalid_timezone": "Unknown time zone.",
    "hours.err.invalid_subdivision": "Unknown state.",
}
