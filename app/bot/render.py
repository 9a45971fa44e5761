"""Variables in the bot's replies: the campaign copy renderer (app/campaigns/copy.py:
``{{nome}}``, ``{{primeiro_nome}}``, ``{{saudacao}}``, ``{{dia_semana}}``, ``{{data}}``,
``{{telefone}}``, the contact's own fields, spintax) plus ``{{proxima_abertura}}`` when
the hours give it. A variable the contact lacks renders empty: a bot answer is never
held back for one."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.campaigns.copy import CopySyntaxError, MissingVariable, RenderContact, render


def render_reply(
    template: str,
    *,
    contact_name: str | None,
    phone: str | None,
    fields: Mapping[str, Any],
    local_now: datetime,
    seed: str,
) -> str:
    contact = RenderContact(name=contact_name, phone_number=phone or "", fields=fields)
    text = template
    for _ in range(20):  # one more empty fallback per missing variable, a bounded few
        try:
            return render(text, contact, local_now, random.Random(seed))  # noqa: S311
        except MissingVariable as exc:
            name = exc.name
            bare = re.compile(r"\{\{\s*" + re.escape(name) + r"\s*\}\}")
            text = bare.sub("{{" + name.replace("\\", "\\\\") + "|}}", text)
        except CopySyntaxError:
            break
    return template.replace("{{", "{")
