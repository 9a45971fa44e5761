"""Audio and video through ffmpeg: speech as 16 kHz mono WAV (what speech-to-text models
want, and a fraction of the size of the 48 kHz Opus decode), and a few frames of a video.

ffmpeg is the binary imageio-ffmpeg ships, so a fresh machine needs no system package;
there is no ffprobe there, so durations and streams come from ffmpeg's own stderr and
from the decoded WAV. Media comes from strangers, so every run is bounded in time and
may only read the one local file with an allow-listed container format: playlist
demuxers (hls, concat) would otherwise let a crafted "audio" read other files or URLs.
"""

from __future__ import annotations

import asyncio
import functools
import io
import re
import tempfile
import wave
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import ffmpeg
import imageio_ffmpeg
import msgspec

from app.media.errors import ExtractError

SAMPLE_RATE = 16_000
MAX_SECONDS = 600.0  # 10 min of 16 kHz s16 mono is 19 MB, under the 25 MB upload cap of STT APIs
TIMEOUT = 120.0
_INPUT_GUARDS: dict[str, Any] = {
    "protocol_whitelist": "file",
    "format_whitelist": "ogg,mp3,mov,matroska,webm,wav,flac,aac,amr,avi,asf,mpegts,caf,aiff",
}
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_STREAM = re.compile(r"Stream #0:\d+.*?: (Audio|Video):")


class Wav16k(msgspec.Struct, frozen=True, kw_only=True):
    data: bytes  # a complete WAV file: RIFF header, pcm_s16le, 16 kHz, mono
    duration: float  # seconds of audio in ``data``
    truncated: bool = False  # the source was longer than the duration cap


class VideoParts(msgspec.Struct, frozen=True, kw_only=True):
    audio: Wav16k | None  # None when the video has no audio track
    frames: list[bytes]  # JPEGs, spread over the duration
    duration: float | None


class Probe(msgspec.Struct, frozen=True, kw_only=True):
    duration: float | None
    has_audio: bool
    has_video: bool


async def audio_to_wav16k(
    source: bytes | Path, *, max_seconds: float = MAX_SECONDS, timeout: float = TIMEOUT
) -> Wav16k:
    """Decode any supported audio (or a video's first audio track) to 16 kHz mono WAV."""
    async with _local_file(source) as path:
        out = path.with_name("audio.wav")
        stream = (
            ffmpeg.input(str(path), **_INPUT_GUARDS)["a:0"]
            .output(str(out), ac=1, ar=SAMPLE_RATE, acodec="pcm_s16le", t=max_seconds, f="wav")
            .global_args("-hide_banner", "-nostdin")
        )
        code, _, stderr = await _run(stream.compile(cmd=_exe(), overwrite_output=True), timeout)
        if code != 0:
            raise _failure(stderr)
        data = await asyncio.to_thread(out.read_bytes)
    duration = wav_duration(data)
    if duration <= 0:
        raise ExtractError("empty", "the audio decodes to no samples")
    source_duration = _duration(stderr)
    truncated = source_duration is not None and source_duration > max_seconds + 0.5
    return Wav16k(data=data, duration=duration, truncated=truncated)


async def video_audio_and_frames(
    source: bytes | Path,
    n_frames: int = 3,
    *,
    max_side: int = 768,
    max_seconds: float = MAX_SECONDS,
    timeout: float = TIMEOUT,
) -> VideoParts:
    """The audio track as 16 kHz mono (None without one) and ``n_frames`` JPEG stills
    taken at evenly spaced points, scaled down to fit ``max_side``."""
    async with _local_file(source) as path:
        probe = await probe_media(path, timeout=timeout)
        if not (probe.has_audio or probe.has_video):
            raise ExtractError("corrupt", "no audio or video stream")
        audio = None
        if probe.has_audio:
            audio = await audio_to_wav16k(path, max_seconds=max_seconds, timeout=timeout)
        frames: list[bytes] = []
        if probe.has_video:
            times = _frame_times(probe.duration, n_frames)
            shots = await asyncio.gather(*(_frame(path, t, max_side, timeout) for t in times))
            frames = [shot for shot in shots if shot]
    return VideoParts(audio=audio, frames=frames, duration=probe.duration)


async def probe_media(path: Path, *, timeout: float = TIMEOUT) -> Probe:
    """Duration and stream kinds, read from the banner ffmpeg prints for an input."""
    guards = [arg for name, value in _INPUT_GUARDS.items() for arg in (f"-{name}", value)]
    # No output is given on purpose: ffmpeg describes the input, then exits with 1.
    args = [_exe(), "-hide_banner", "-nostdin", *guards, "-i", str(path)]
    _, _, stderr = await _run(args, timeout)
    if "Input #0" not in stderr:
        raise _failure(stderr)
    kinds = set(_STREAM.findall(stderr))
    return Probe(duration=_duration(stderr), has_audio="Audio" in kinds, has_video="Video" in kinds)


def wav_duration(data: bytes) -> float:
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            return reader.getnframes() / reader.getframerate()
    except (wave.Error, EOFError) as exc:
        raise ExtractError("corrupt", f"ffmpeg wrote an unreadable WAV: {exc}") from None


def _frame_times(duration: float | None, n_frames: int) -> list[float]:
    if not duration or n_frames <= 1:
        return [0.0]
    # Midpoints of n equal slices: never the black first frame nor past the end.
    return [round(duration * (i + 0.5) / n_frames, 3) for i in range(n_frames)]


async def _frame(path: Path, at: float, max_side: int, timeout: float) -> bytes:
    stream = (
        ffmpeg.input(str(path), ss=at, **_INPUT_GUARDS)["v:0"]
        .filter(
            "scale",
            f"min({max_side},iw)",
            f"min({max_side},ih)",
            force_original_aspect_ratio="decrease",
        )
        .output("pipe:1", vframes=1, f="image2pipe", vcodec="mjpeg", **{"q:v": 3})
        .global_args("-hide_banner", "-nostdin")
    )
    code, jpeg, stderr = await _run(stream.compile(cmd=_exe()), timeout)
    if code != 0:
        raise _failure(stderr)
    return jpeg


async def _run(args: list[str], timeout: float) -> tuple[int, bytes, str]:
    process = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(timeout):
            stdout, stderr = await process.communicate()
    except TimeoutError:
        raise ExtractError("timeout", f"ffmpeg took longer than {timeout:g}s") from None
    finally:
        if process.returncode is None:
            with suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    return process.returncode or 0, stdout, stderr.decode("utf-8", "replace")


def _failure(stderr: str) -> ExtractError:
    if "matches no streams" in stderr:
        return ExtractError("no_audio", "the media has no such stream")
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return ExtractError("corrupt", lines[-1][:300] if lines else "ffmpeg failed")


def _duration(stderr: str) -> float | None:
    match = _DURATION.search(stderr)
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


@functools.cache
def _exe() -> str:
    return str(imageio_ffmpeg.get_ffmpeg_exe())


@asynccontextmanager
async def _local_file(source: bytes | Path) -> AsyncIterator[Path]:
    """A private temp dir holding the input (ffmpeg must seek in MP4, so no stdin pipe)."""
    with tempfile.TemporaryDirectory(prefix="balcao-media-") as tmp:
        if isinstance(source, Path):
            # Outputs go to the temp dir, next to a link to the caller's file.
            link = Path(tmp) / "input"
            link.symlink_to(await asyncio.to_thread(source.resolve))
            yield link
        else:
            path = Path(tmp) / "input"
            await asyncio.to_thread(path.write_bytes, source)
            yield path
