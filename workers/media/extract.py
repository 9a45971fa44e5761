"""The extraction building blocks in one import: audio/video through ffmpeg
(:mod:`workers.media.av`) and document text (:mod:`workers.media.documents`)."""

from workers.media.av import (
    Probe,
    VideoParts,
    Wav16k,
    audio_to_wav16k,
    probe_media,
    video_audio_and_frames,
    wav_duration,
)
from workers.media.documents import DocumentText, ZipLimits, check_zip, docx_text, pdf_text

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
