"""UAZapi (uazapiGO v2): webhooks in, sends out."""

from .adapter import UazapiProvider

__all__ = ["UazapiProvider"]
