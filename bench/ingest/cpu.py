"""CPU time spent by process trees (Linux /proc), so a run on a machine shared with
other work still says what each webhook cost: throughput moves with the load of the
neighbours, CPU per message far less."""

from __future__ import annotations

import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        # The command name may hold spaces and parentheses; the fields follow the last ")".
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def snapshot(root: int) -> dict[int, float]:
    """CPU seconds (user + system) of ``root`` and its descendants, by pid: a
    postmaster and its backends, uvicorn and its workers."""
    stats = {int(p.name): _stat(int(p.name)) for p in Path("/proc").iterdir() if p.name.isdigit()}
    children: dict[int, list[int]] = {}
    for pid, fields in stats.items():
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(pid)
    found, frontier = [root], [root]
    while frontier:
        frontier = [child for pid in frontier for child in children.get(pid, [])]
        found += frontier
    return {
        pid: (int(fields[11]) + int(fields[12])) / _TICK
        for pid in found
        if (fields := stats.get(pid)) is not None
    }


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two snapshots; a process that exited in between is not
    counted (the pools keep their connections for the whole run)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def available() -> bool:
    return Path("/proc/self/stat").exists()
