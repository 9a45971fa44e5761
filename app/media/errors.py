"""What the media building blocks raise. Every failure is a :class:`MediaError` with a
stable, machine-readable ``code`` that jobs store on the message and tests assert on::

    MediaError                      code: any of ErrorCode
     ├── FetchError                 getting the bytes
     │    │                         too_large, timeout, forbidden_address, http_error,
     │    │                         bad_base64, bad_url, empty, no_source
     │    └── HttpStatusError       http_error with the response ``status``
     ├── ExtractError               reading the bytes
     │                              corrupt, encrypted, bomb, too_large, timeout, empty,
     │                              no_audio, unsupported_type
     └── StorageError               bad_key, not_found
"""

from __future__ import annotations

from typing import Literal

ErrorCode = Literal[
    "too_large",
    "timeout",
    "forbidden_address",
    "http_error",
    "bad_base64",
    "bad_url",
    "empty",
    "no_source",
    "corrupt",
    "encrypted",
    "bomb",
    "no_audio",
    "unsupported_type",
    "bad_key",
    "not_found",
]


class MediaError(Exception):
    """Base of every media failure; ``detail`` is for humans and logs, ``code`` for code."""

    def __init__(
        self, code: ErrorCode, detail: str | None = None, *, transient: bool | None = None
    ) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code: ErrorCode = code
        self.detail = detail
        self._transient = transient

    @property
    def transient(self) -> bool:
        """Whether the same call may succeed later, so an arq job should retry."""
        return self.code == "timeout" if self._transient is None else self._transient


class FetchError(MediaError):
    pass


class HttpStatusError(FetchError):
    def __init__(self, status: int, detail: str | None = None) -> None:
        super().__init__("http_error", detail or f"HTTP {status}")
        self.status = status

    @property
    def transient(self) -> bool:
        return self.status == 429 or self.status >= 500


class ExtractError(MediaError):
    pass


class StorageError(MediaError):
    pass
