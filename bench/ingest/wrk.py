"""Throughput with wrk (Debian's `wrk`), whose C client leaves the CPU to the server:
a Python HTTP client on the same 2 cores measures itself more than the api. The Lua
script fills each provider's body template with a fresh message id and a phone."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from bench.ingest.payloads import PROVIDERS, Payloads

_LUA = """
local templates = {%(templates)s}
local paths = {%(paths)s}
local counter = 0
local run = "%(run)s"
request = function()
  counter = counter + 1
  local i = (counter %% #templates) + 1
  local phone = string.format("55119%%08d", 10000000 + (counter %% %(contacts)d))
  local body = templates[i]:gsub("__PHONE__", phone):gsub("__ID__", run .. "x" .. counter)
  return wrk.format("POST", paths[i], {["Content-Type"] = "application/json"}, body)
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def _lua_string(value: str) -> str:
    """A Lua long-bracket literal: no escapes to get wrong."""
    return "[==[" + value + "]==]"


def run_wrk(
    base_url: str, payloads: Payloads, seconds: float, concurrency: int
) -> tuple[float, int]:
    """Requests per second and requests answered."""
    templates, paths = [], []
    for provider in PROVIDERS:
        connection_id, token, _ = payloads.connections[provider]
        body = getattr(payloads, f"_{provider}_body")("__PHONE__", "__ID__")
        templates.append(_lua_string(json.dumps(body, ensure_ascii=False)))
        paths.append(_lua_string(f"/api/v1/webhooks/{provider}/{connection_id}?token={token}"))
    script = _LUA % {
        "templates": ", ".join(templates),
        "paths": ", ".join(paths),
        # Fresh per call: wrk never seeds Lua's math.random, so an id made there repeats
        # in every run, and a second run would post duplicates (cheap no-ops).
        "run": f"{payloads.run}{uuid.uuid4().hex[:8]}",
        "contacts": payloads.contacts,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{concurrency}", f"-d{int(seconds)}s", "-s", fh.name, base_url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        Path(fh.name).unlink()
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw errors:\n{out}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    if rate is None or count is None:
        raise SystemExit(f"unexpected wrk output:\n{out}")
    return float(rate.group(1)), int(count.group(1))
