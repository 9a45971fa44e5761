"""From fetched bytes to text the AI responder and the inbox can use: speech is
transcribed, images and video frames are described by a vision model, documents are read.

``understand`` never raises for bad media or a failing model: it returns an
:class:`Understanding` whose ``error`` is a stable code (a :class:`MediaError` code, an
:class:`LLMFailure` code, ``unsupported_type`` or ``no_text``) and whose ``retryable``
tells the job whether running again later may help.
"""

from __future__ import annotations

from typing import Literal

import msgspec
import openai

from app.ai.llm import LLMFailure, RetryPolicy
from app.media.av import audio_to_wav16k, video_audio_and_frames
from app.media.documents import DocumentText, docx_text, pdf_text
from app.media.download import Fetched
from app.media.errors import MediaError
from app.media.images import check_image
from app.media.llm import describe_images, transcribe
from app.media.prompts import image_prompt, labels, video_prompt
from app.media.sniff import DOCX, base_type
from providers.base import MediaKind

Route = Literal["audio", "image", "video", "pdf", "docx", "text"]
VISION_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


class Understanding(msgspec.Struct, frozen=True, kw_only=True):
    text: str | None
    error: str | None = None
    detail: str | None = None  # why it failed, or what was left out (truncation, a part)
    route: Route | None = None
    duration: float | None = None  # seconds of audio, for audio and video
    truncated: bool = False
    retryable: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


class _Config(msgspec.Struct, frozen=True, kw_only=True):
    llm: openai.AsyncOpenAI | None
    transcription_model: str
    vision_model: str
    language: str
    retry: RetryPolicy


async def understand(
    fetched: Fetched,
    kind: MediaKind,
    *,
    llm: openai.AsyncOpenAI | None,
    transcription_model: str,
    vision_model: str,
    language: str = "pt",
    retry: RetryPolicy | None = None,
) -> Understanding:
    """Text for one piece of media; failures come back as ``Understanding.error``.
    ``llm`` may be None where no endpoint is configured: documents never need it."""
    route = route_for(fetched.mimetype, kind)
    if route is None:
        return Understanding(text=None, error="unsupported_type", detail=fetched.mimetype)
    if not fetched.data:
        return Understanding(text=None, error="empty", route=route)
    config = _Config(
        llm=llm,
        transcription_model=transcription_model,
        vision_model=vision_model,
        language=language,
        retry=retry or RetryPolicy(),
    )
    try:
        return await _ROUTES[route](fetched, config)
    except MediaError as exc:
        return Understanding(
            text=None, error=exc.code, detail=exc.detail, route=route, retryable=exc.transient
        )
    except LLMFailure as exc:
        return Understanding(
            text=None, error=exc.code, detail=exc.detail, route=route, retryable=exc.transient
        )


def route_for(mimetype: str, kind: MediaKind) -> Route | None:
    """How to read the media: by its (sniffed) type, with ``kind`` settling MP4 audio."""
    base = base_type(mimetype)
    if base == "application/pdf":
        return "pdf"
    if base == DOCX:
        return "docx"
    if base in VISION_TYPES:
        return "image"
    if base.startswith("audio/"):
        return "audio"
    if base.startswith("video/"):
        # An .m4a voice note sniffs as an MP4 container; the message kind knows better.
        return "audio" if kind in ("audio", "voice") else "video"
    if base.startswith("text/") and kind == "document":
        return "text"
    return None


def _model(config: _Config) -> openai.AsyncOpenAI:
    if config.llm is None:
        raise LLMFailure("ai_not_configured", "no model endpoint is configured", transient=False)
    return config.llm


async def _audio(fetched: Fetched, config: _Config) -> Understanding:
    wav = await audio_to_wav16k(fetched.data)
    text = await transcribe(
        _model(config),
        wav.data,
        model=config.transcription_model,
        language=config.language,
        policy=config.retry,
    )
    detail = f"only the first {wav.duration:.0f} s were transcribed" if wav.truncated else None
    return Understanding(
        text=text, route="audio", duration=wav.duration, truncated=wav.truncated, detail=detail
    )


async def _image(fetched: Fetched, config: _Config) -> Understanding:
    check_image(fetched.data)
    text = await describe_images(
        _model(config),
        [(fetched.data, base_type(fetched.mimetype))],
        prompt=image_prompt(config.language),
        model=config.vision_model,
        policy=config.retry,
    )
    return Understanding(text=text, route="image")


async def _video(fetched: Fetched, config: _Config) -> Understanding:
    parts = await video_audio_and_frames(fetched.data)
    label = labels(config.language)
    sections: list[str] = []
    failures: list[MediaError | LLMFailure] = []
    if parts.audio is not None:
        try:
            transcript = await transcribe(
                _model(config),
                parts.audio.data,
                model=config.transcription_model,
                language=config.language,
                policy=config.retry,
            )
            sections.append(f"{label['speech']}: {transcript}")
        except LLMFailure as exc:
            failures.append(exc)
    if parts.frames:
        try:
            description = await describe_images(
                _model(config),
                [(frame, "image/jpeg") for frame in parts.frames],
                prompt=video_prompt(config.language, len(parts.frames)),
                model=config.vision_model,
                policy=config.retry,
            )
            sections.append(f"{label['images']}: {description}")
        except LLMFailure as exc:
            failures.append(exc)
    return _video_result(sections, failures, parts.duration)


def _video_result(
    sections: list[str], failures: list[MediaError | LLMFailure], duration: float | None
) -> Understanding:
    detail = "; ".join(f"{f.code}: {f.detail}" for f in failures) or None
    if sections:
        # Half a video (speech without frames, or the reverse) still helps the agent.
        return Understanding(
            text="\n\n".join(sections), route="video", duration=duration, detail=detail
        )
    if failures:
        first = failures[0]
        return Understanding(
            text=None, error=first.code, detail=detail, route="video", retryable=first.transient
        )
    return Understanding(text=None, error="no_text", detail="no audio and no frames", route="video")


async def _pdf(fetched: Fetched, config: _Config) -> Understanding:
    return _document(await pdf_text(fetched.data), "pdf")


async def _docx(fetched: Fetched, config: _Config) -> Understanding:
    return _document(await docx_text(fetched.data), "docx")


async def _text(fetched: Fetched, config: _Config) -> Understanding:
    text = fetched.data.decode("utf-8-sig", errors="replace")
    return _document(DocumentText(text=text.strip()), "text")


def _document(document: DocumentText, route: Route) -> Understanding:
    if not document.text:
        # Typically a scanned PDF: pages of images, no text layer.
        return Understanding(text=None, error="no_text", detail="no extractable text", route=route)
    detail = None
    if document.pages is not None and document.truncated:
        detail = f"read {document.pages_read} of {document.pages} pages"
    return Understanding(
        text=document.text, route=route, truncated=document.truncated, detail=detail
    )


_ROUTES = {
    "audio": _audio,
    "image": _image,
    "video": _video,
    "pdf": _pdf,
    "docx": _docx,
    "text": _text,
}
