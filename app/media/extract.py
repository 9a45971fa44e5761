"""The extraction building blocks in one import: audio/video through ffmpeg
(:mod:`app.media.av`) and document text (:mod:`app.media.documents`)."""

from app.media.av import (
    Probe,
    VideoParts,
    Wav16k,
    audio_to_wav16k,
    probe_media,
    video_audio_and_frames,
    wav_duration,
)
from app.media.documents import DocumentText, ZipLimits, check_zip, docx_text, pdf_text

__all__ = [
    "DocumentText",
    "Probe",
    "VideoParts",
    "Wav16k",
    "ZipLimits",
    "audio_to_wav16k",
    "check_zip",
    "docx_text",
    "pdf_text",
    "probe_media",
    "video_audio_and_frames",
    "wav_duration",
]
