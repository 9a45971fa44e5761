"""Evolution API v2 (Baileys): webhooks in, sends out."""

from .adapter import EvolutionProvider

__all__ = ["EvolutionProvider"]
