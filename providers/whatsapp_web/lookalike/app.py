"""``create_lookalike_app``: the Litestar app that serves the WhatsApp Web look-alike."""

from __future__ import annotations

from litestar import Litestar
from litestar.datastructures import State

from providers.whatsapp_web.lookalike.control import CONTROL_ROUTES
from providers.whatsapp_web.lookalike.page_api import PAGE_ROUTES
from providers.whatsapp_web.lookalike.state import LookalikeConfig, LookalikeState


def create_lookalike_app(config: LookalikeConfig | None = None) -> Litestar:
    state = LookalikeState(config or LookalikeConfig())
    return Litestar(
        route_handlers=[*PAGE_ROUTES, *CONTROL_ROUTES],
        state=State({"lookalike": state}),
        on_shutdown=[lambda: state.close()],
        openapi_config=None,
    )


def lookalike_state_of(app: Litestar) -> LookalikeState:
    state: LookalikeState = app.state["lookalike"]
    return state
