"""Balcão's native JSON webhook format: for any system that is not a known provider."""

from .adapter import NativeProvider

__all__ = ["NativeProvider"]
