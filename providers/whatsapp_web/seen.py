"""A bounded set of message ids already reported, kept in the browser profile so a
restart with the same profile (which re-renders the open chat) reports nothing twice."""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path

SEEN_FILE = ".balcao-seen.json"


class SeenIds:
    def __init__(self, profile_dir: Path, limit: int = 5000) -> None:
        self.path = profile_dir / SEEN_FILE
        self.limit = limit
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._load()

    def _load(self) -> None:
        try:
            ids = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(ids, list):
            self._ids.update((str(i), None) for i in ids[-self.limit :])

    def __contains__(self, message_id: str) -> bool:
        return message_id in self._ids

    def add(self, message_id: str) -> None:
        self._ids[message_id] = None
        while len(self._ids) > self.limit:
            self._ids.popitem(last=False)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(list(self._ids)), "utf-8")
        tmp.replace(self.path)
