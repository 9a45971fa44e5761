"""compose.yaml is accepted by Docker Compose itself (its `config` validates the file
against the Compose specification; no Docker engine is needed, and none runs here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
COMPOSE = Path(sys.executable).parent / "docker-compose"


def test_docker_compose_accepts_compose_yaml() -> None:
    result = subprocess.run(
        [str(COMPOSE), "-f", str(ROOT / "compose.yaml"), "config", "--services"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"postgres", "redis", "migrate", "api", "worker", "runner"}
