"""Fuzzing on demand: schemathesis over the whole OpenAPI document (over 10,000 requests
at the default budget) and hypothesis over every provider parser with mutated real
payloads, each bounded in time; prints the counts and a verdict.

    uv run python -m bench.fuzz [--examples 300] [--parser-examples 2000] [--timeout 1800]

Both are the suite's own tests (tests/integration/api/test_api_schemathesis.py and
tests/unit/fuzz/test_parser_fuzz.py) with bigger budgets, so they start their own
PostgreSQL and Redis as the suite does and check exactly what the suite checks:
no 5xx, every documented answer matching its schema, nothing but UnparseablePayload
escaping a parser, and no parsed contact that is not in its payload.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = "tests/integration/api/test_api_schemathesis.py"
PARSERS = "tests/unit/fuzz/test_parser_fuzz.py::test_mutated_real_payloads"
_API = re.compile(
    r"schemathesis: (\d+) requests over (\d+) operations \(([^)]*)\); "
    r"(\d+) server errors, (\d+) operations failing checks"
)
_PARSER = re.compile(
    r"parser fuzz (\w+): (\d+) mutated payloads: (\d+) parsed, (\d+) ignored, (\d+) refused"
)


@dataclass
class Run:
    name: str
    ok: bool
    seconds: float
    output: str


def _pytest(name: str, target: str, env: dict[str, str], timeout: float) -> Run:
    command = [sys.executable, "-m", "pytest", "-n", "0", "-q", "-s", "-p", "no:cacheprovider",
               target]  # fmt: skip
    started = time.monotonic()
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        return Run(name, False, time.monotonic() - started, out + f"\nTIMEOUT after {timeout}s")
    return Run(name, done.returncode == 0, time.monotonic() - started, done.stdout + done.stderr)


def _report(api: Run, parsers: Run) -> bool:
    print(f"{'fuzz':<12} {'verdict':<8} {'seconds':>8}  figures")
    found = _API.search(api.output)
    if found:
        requests, operations, classes, errors, failing = found.groups()
        figures = (
            f"{requests} requests over {operations} operations ({classes}); "
            f"{errors} server errors; {failing} operations breaking the documented schema"
        )
    else:
        figures = "no tally printed"
    print(f"{'schemathesis':<12} {'PASS' if api.ok else 'FAIL':<8} {api.seconds:>8.0f}  {figures}")
    rows = _PARSER.findall(parsers.output)
    total = sum(int(row[1]) for row in rows)
    # The test stops at a parser's first escape or wrong contact: on PASS there were none.
    outcome = "0 escaped, 0 wrong contacts" if parsers.ok else "see the failure below"
    verdict = "PASS" if parsers.ok else "FAIL"
    print(f"{'parsers':<12} {verdict:<8} {parsers.seconds:>8.0f}  {total} mutated payloads "
          f"over {len(rows)} parsers; {outcome}")  # fmt: skip
    for provider, count, parsed, ignored, refused in rows:
        print(f"  {provider:<11} {count:>6} payloads: {parsed} parsed, {ignored} ignored, "
              f"{refused} refused as UnparseablePayload")  # fmt: skip
    for run in (api, parsers):
        if not run.ok:
            print(f"\n--- {run.name} failed; its output's end ---\n{run.output[-6000:]}")
    return api.ok and parsers.ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=300, help="schemathesis, per operation")
    parser.add_argument("--parser-examples", type=int, default=2000, help="per parser")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds, each half")
    args = parser.parse_args()
    api = _pytest(
        "schemathesis", SCHEMATHESIS, {"SCHEMATHESIS_EXAMPLES": str(args.examples)}, args.timeout
    )
    parsers = _pytest(
        "parsers", PARSERS, {"FUZZ_PARSER_EXAMPLES": str(args.parser_examples)}, args.timeout
    )
    return 0 if _report(api, parsers) else 1


if __name__ == "__main__":
    raise SystemExit(main())
