"""The organization settings page (/inbox/settings/organization, administrators): the
name, the time zone, the state whose holidays campaigns skip, and the opt-out
confirmation text.

The page renders what GET /api/v1/organization says and the choices the API accepts;
saving is the page's script calling PATCH /api/v1/organization, as any client would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Request, Response, get

from app.deps import Caller, Db, Shared
from app.inbox.i18n import Translator
from app.inbox.render import html
from app.inbox.settings_shell import SettingsBase, require_page, settings_context
from app.inbox.web import Me, translator
from app.organization import services as organization
from app.organization.schemas import OPT_OUT_MAX

# The federative units by code (proper names, the same in every language).
STATE_NAMES = {
    "AC": "Acre", "AL": "Alagoas", "AM": "Amazonas", "AP": "Amapá", "BA": "Bahia",
    "CE": "Ceará", "DF": "Distrito Federal", "ES": "Espírito Santo", "GO": "Goiás",
    "MA": "Maranhão", "MG": "Minas Gerais", "MS": "Mato Grosso do Sul", "MT": "Mato Grosso",
    "PA": "Pará", "PB": "Paraíba", "PE": "Pernambuco", "PI": "Piauí", "PR": "Paraná",
    "RJ": "Rio de Janeiro", "RN": "Rio Grande do Norte", "RO": "Rondônia", "RR": "Roraima",
    "RS": "Rio Grande do Sul", "SC": "Santa Catarina", "SE": "Sergipe", "SP": "São Paulo",
    "TO": "Tocantins",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


def _offset(zone: str, now: datetime) -> str:
    """ "UTC-03:00" (with a true minus sign): the zone's offset now."""
    delta = now.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta is not None else 0
    sign = "+" if minutes >= 0 else "\u2212"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_choices(t: Translator, now: datetime) -> tuple[list[Choice], list[Choice]]:
    """Brazil's zones (named by the states they cover), then every other IANA zone."""
    brazil = [
        Choice(z, f"{t('zone.' + z)} · {_offset(z, now)}")
        for z in organization.BRAZILIAN_ZONES
        if z in organization.zones()
    ]
    shown = {c.value for c in brazil}
    others = [
        Choice(z, f"{z.replace('_', ' ')} · {_offset(z, now)}")
        for z in sorted(organization.zones() - shown)
    ]
    return brazil, others


def state_choices() -> list[Choice]:
    return [
        Choice(code, f"{STATE_NAMES.get(code, code)} ({code})") for code in organization.states()
    ]


class OrganizationSettingsController(SettingsBase):
    @get("/settings/organization")
    async def organization_page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        principal: Caller,
        app_state: Shared,
        viewer: Me,
    ) -> Response[str]:
        require_page(viewer, "organization")
        row = await organization.require_organization(db, principal.organization_id)
        shown = organization.organization_out(row)
        t = translator(request)
        brazil, others = zone_choices(t, datetime.now(UTC))
        page = settings_context(
            request,
            app_state,
            viewer,
            "organization",
            org=shown,
            brazil_zones=brazil,
            other_zones=others,
            known_zone=shown.timezone in organization.zones(),
            states=state_choices(),
            opt_out_max=OPT_OUT_MAX,
        )
        page["boot"]["org"] = t.prefixed("org.")
        page["boot"]["organization"] = msgspec.to_builtins(shown)
        page["boot"]["optOutMax"] = OPT_OUT_MAX
        return html("settings/organization.html", **page)
