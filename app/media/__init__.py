"""Media download, storage and understanding: the pure building blocks the media jobs
call (nothing here touches the database or Redis).

A job reads, in order: :func:`fetch_media` (bytes from a :class:`MediaRef`, size-capped
and SSRF-guarded) → :class:`MediaStorage` ``put`` → :func:`understand` (transcription,
image description or document text, failures as ``Understanding.error``).
"""

from app.media.av import VideoParts, Wav16k, audio_to_wav16k, video_audio_and_frames
from app.media.documents import DocumentText, ZipLimits, docx_text, pdf_text
from app.media.download import Fetched, decode_inline, fetch_media
from app.media.errors import (
    ExtractError,
    FetchError,
    HttpStatusError,
    MediaError,
    StorageError,
)
from app.media.sniff import extension_for, resolve_mimetype, sniff_mimetype
from app.media.storage import LocalMediaStorage, MediaStorage
from app.media.understand import Understanding, understand

__all__ = [
    "DocumentText",
    "ExtractError",
    "FetchError",
    "Fetched",
    "HttpStatusError",
    "LocalMediaStorage",
    "MediaError",
    "MediaStorage",
    "StorageError",
    "Understanding",
    "VideoParts",
    "Wav16k",
    "ZipLimits",
    "audio_to_wav16k",
    "decode_inline",
    "docx_text",
    "extension_for",
    "fetch_media",
    "pdf_text",
    "resolve_mimetype",
    "sniff_mimetype",
    "understand",
    "video_audio_and_frames",
]
