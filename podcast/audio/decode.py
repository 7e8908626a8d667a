"""Probe and stream-decode any common audio file through ffmpeg, rejecting bad input early.

Decoding streams float32 PCM from ffmpeg's stdout in fixed-size chunks, so memory does not
grow with the length of the recording.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from podcast.audio import ffmpeg
from podcast.errors import AudioError, ToolError

CHUNK_FRAMES = 1 << 16  # ~1.5 s at 44.1 kHz
_DECODE_ERRORS = re.compile(
    r"invalid data|corrupt|truncat|decode_frame\(\) failed|decoding error|error while decoding"
    r"|invalid residual|invalid pcm packet|packet too small|overread",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SourceInfo:
    path: Path
    codec: str
    sample_rate: int
    channels: int
    duration: float | None  # what the container/header promises (None when not reliable)


def probe(path: Path) -> SourceInfo:
    """Check that `path` is a readable audio file; AudioError(path, reason) otherwise."""
    path = Path(path)
    if not path.exists():
        raise AudioError(str(path), "file not found")
    if not path.is_file():
        raise AudioError(str(path), "is not a file")
    size = path.stat().st_size
    if size == 0:
        raise AudioError(str(path), "file is empty (0 bytes); record or copy the audio again")
    import av

    try:
        with av.open(str(path)) as c:
            if not c.streams.audio:
                raise AudioError(str(path), "contains no audio stream")
            s = c.streams.audio[0]
            codec = s.codec_context.name
            rate = int(s.rate or s.codec_context.sample_rate or 0)
            channels = int(s.codec_context.channels or 0)
            duration = _promised_duration(path, c, s, codec)
    except AudioError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise AudioError(
            str(path),
            f"not a readable audio file ({_short(exc)}); export it again as WAV, FLAC or MP3",
        ) from None
    if rate <= 0 or channels <= 0:
        raise AudioError(str(path), "audio stream has no sample rate or channels")
    if not 8000 <= rate <= 192000:
        raise AudioError(str(path), f"unsupported sample rate {rate} Hz (8 to 192 kHz)")
    return SourceInfo(path, codec, rate, channels, duration)


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text.split(": '")[0] if ": '" in text else text


def _promised_duration(path: Path, container, stream, codec: str) -> float | None:  # type: ignore[no-untyped-def]
    """Duration the file claims, only where the claim is trustworthy enough to detect truncation."""
    if codec.startswith("pcm_") and path.suffix.lower() in (".wav", ".wave"):
        return _wav_declared_duration(path)
    reliable = codec in ("flac", "alac", "aac") or (codec.startswith("mp3") and _has_xing(path))
    if reliable and container.duration:
        return container.duration / 1_000_000
    return None


def _wav_declared_duration(path: Path) -> float | None:
    """Seconds promised by a WAV's fmt/data chunk sizes (ffmpeg silently clamps to file size)."""
    with open(path, "rb") as f:
        if f.read(4) != b"RIFF":
            return None
        f.seek(12)
        rate_bytes = None
        while True:
            ch = f.read(8)
            if len(ch) < 8:
                return None
            cid, size = ch[:4], struct.unpack("<I", ch[4:])[0]
            if cid == b"fmt ":
                fmt = f.read(size)
                rate_bytes = struct.unpack("<I", fmt[8:12])[0]
                continue
            if cid == b"data":
                if not rate_bytes or size in (0, 0xFFFFFFFF):
                    return None
                return size / rate_bytes
            f.seek(size + (size & 1), 1)


def _has_xing(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(64 * 1024)
    return any(tag in head for tag in (b"Xing", b"Info", b"VBRI"))


def decode_args(
    path: Path, *, rate: int | None, channels: int | None, filters: Sequence[str] = ()
) -> list[str]:
    args = ["-i", str(path), "-map", "0:a:0", "-vn", "-sn", "-dn"]
    chain = list(filters)
    if rate:
        chain.append(f"aresample={rate}:resampler=soxr")
    if chain:
        args += ["-af", ",".join(chain)]
    if channels:
        args += ["-ac", str(channels)]
    if rate:
        args += ["-ar", str(rate)]
    return args + ["-f", "f32le", "-c:a", "pcm_f32le", "pipe:1"]


def stream_decode(
    path: Path,
    *,
    rate: int | None = None,
    channels: int | None = None,
    filters: Sequence[str] = (),
    chunk_frames: int = CHUNK_FRAMES,
    strict: bool = True,
) -> Iterator[np.ndarray]:
    """Yield float32 (frames, channels) chunks. With `strict`, decoder errors (corrupt or
    truncated data) raise AudioError naming the file once the stream ends."""
    if channels is None or rate is None:
        info = probe(path)
        channels = channels or info.channels
        rate = rate or info.sample_rate
    proc = ffmpeg.Process(decode_args(path, rate=rate, channels=channels, filters=filters))
    width = 4 * channels
    try:
        while True:
            buf = bytearray(chunk_frames * width)  # a fresh buffer per chunk: no copy on yield
            view = memoryview(buf)
            n = 0
            while n < len(buf):
                got = proc.stdout.readinto(view[n:])
                if not got:
                    break
                n += got
            usable = n - n % width
            if usable:
                yield np.frombuffer(buf, dtype="<f4", count=usable // 4).reshape(-1, channels)
            if n < len(buf):
                break
        try:
            errors = proc.finish()
        except ToolError as exc:
            raise AudioError(str(path), f"cannot be decoded: {_tail(str(exc))}") from None
    except BaseException:
        proc.kill()
        raise
    if strict and _DECODE_ERRORS.search(errors):
        raise AudioError(str(path), f"is corrupt or truncated (decoder said: {_tail(errors)})")


def _tail(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    msg = lines[-1] if lines else "no detail"
    return re.sub(r"^\[[^\]]*\]\s*", "", re.sub(r"^\[[^\]]*\]\s*", "", msg))[:200]


def check_complete(info: SourceInfo, decoded_seconds: float) -> None:
    """AudioError if the file promised noticeably more audio than it held (truncated)."""
    if info.duration is None:
        return
    if decoded_seconds + max(0.5, 0.01 * info.duration) < info.duration:
        raise AudioError(
            str(info.path),
            f"is truncated: it promises {info.duration:.1f} s of audio but holds only "
            f"{decoded_seconds:.1f} s; copy the complete file again",
        )
