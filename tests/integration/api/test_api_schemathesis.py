"""Property-based probe of the whole OpenAPI document: every operation, a bounded number
of generated requests each, through the in-process ASGI app with a fresh organization's
API key. No answer may be a 5xx, and documented answers must match their schema.

The suite runs a small budget; ``SCHEMATHESIS_EXAMPLES=300`` runs the long probe (over
10,000 requests) on demand (``bench/fuzz`` does). Every operation is probed even after
one fails, and the tally (answers by status class, failed checks) is printed.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import response_schema_conformance
from support.orgs import Org

from app.asgi import create_app
from app.config import Settings

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))
# The CRM API of this branch gets the full budget, the rest a smaller one; login hashes
# with argon2 on purpose, so it gets a token budget.
OURS = ("/api/v1/sessions", "/api/v1/messages", "/api/v1/contacts", "/api/v1/tabulations",
        "/api/v1/webhook-subscriptions")  # fmt: skip
CHECKS = [not_a_server_error, response_schema_conformance]
# Calls made through the organization's own LLM: a generated PUT /api/v1/ai/settings
# points it anywhere, so a 502 naming the LLM's failure is the right answer there.
UPSTREAM = frozenset({"POST /api/v1/campaigns/ai-copy"})


def _budget(label: str) -> int:
    path = label.split(" ", 1)[1]
    if path.startswith("/api/v1/auth/login"):
        return 2
    return EXAMPLES if path.startswith(OURS) else max(EXAMPLES // 3, 2)


@dataclass
class Tally:
    requests: int = 0
    by_class: Counter[str] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)  # operation → first failure

    def line(self, operations: int) -> str:
        classes = ", ".join(f"{k} {v}" for k, v in sorted(self.by_class.items()))
        return (
            f"schemathesis: {self.requests} requests over {operations} operations ({classes}); "
            f"{self.by_class['5xx']} server errors, {len(self.failures)} operations failing checks"
        )


def _probe(
    operation: Any, headers: dict[str, str], mode: GenerationMode, examples: int, tally: Tally
) -> int:
    calls = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    def run(case: Any) -> None:
        nonlocal calls
        calls += 1
        response = case.call(headers=headers)
        tally.requests += 1
        if operation.label in UPSTREAM and response.status_code == 502:
            assert response.json()["code"].startswith("llm_"), response.text
            tally.by_class["502 upstream"] += 1
            return
        tally.by_class[f"{response.status_code // 100}xx"] += 1
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except Exception as exc:  # the shrunk failure(s) of this operation; go on with the rest
        tally.failures.setdefault(operation.label, f"{mode.value}: {exc}"[:2000])
    return calls


def _probe_all(app: Any, headers: dict[str, str], tally: Tally) -> dict[str, int]:
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    probed: dict[str, int] = {}
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            budget = _budget(operation.label)
            calls = _probe(operation, headers, GenerationMode.POSITIVE, budget, tally)
            calls += _probe(operation, headers, GenerationMode.NEGATIVE, max(budget // 3, 1), tally)
            probed[operation.label] = calls
    finally:
        shutdown_lifespans()
    return probed


async def test_no_server_errors_and_schema_conformance(settings: Settings, org: Org) -> None:
    tally = Tally()
    probed = await asyncio.to_thread(_probe_all, create_app(settings), org.headers, tally)
    print(tally.line(len(probed)))
    for label, failure in tally.failures.items():
        print(f"  FAILED {label}: {failure}")
    assert not tally.failures, list(tally.failures)
    assert tally.by_class["5xx"] == 0
    assert "GET /api/v1/sessions/by-contact/{contact_id}" in probed
    assert len(probed) >= 60
    assert tally.requests == sum(probed.values())
