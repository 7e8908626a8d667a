"""Read audio a block at a time with PyAV, resampled to 16 kHz float32, so memory stays flat.

A 3-hour recording is never held whole: the transcriber keeps one window (minutes) of
16 kHz mono samples, and speaker attribution keeps only a 50-frames-per-second energy
envelope per channel or track (a few MB for hours of audio).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from podcast.errors import AudioError

RATE = 16000
ENVELOPE_HZ = 50  # energy frames per second (20 ms)


def blocks(path: Path, layout: str = "mono") -> Iterator[Any]:
    """float32 arrays at 16 kHz: shape (n,) for mono, (channels, n) for 'stereo'."""
    import av
    import numpy as np

    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError) as exc:
        raise AudioError(str(path), f"cannot be read for transcription ({exc})") from exc
    with container:
        if not container.streams.audio:
            raise AudioError(str(path), "has no audio stream")
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=RATE)
        stream = container.streams.audio[0]
        try:
            for frame in container.decode(stream):
                frame.pts = None
                for out in resampler.resample(frame):
                    yield _array(out, layout, np)
            for out in resampler.resample(None):
                yield _array(out, layout, np)
        except av.FFmpegError as exc:
            raise AudioError(str(path), f"decoding failed ({exc})") from exc


def _array(frame: Any, layout: str, np: Any) -> Any:
    data = frame.to_ndarray().astype(np.float32, copy=False)
    return data[0] if layout == "mono" else data


def windows(
    path: Path, window_s: float, channel: int | None = None
) -> Generator[tuple[int, Any], int | None, None]:
    """Consecutive pieces of at least `window_s` seconds (the last may be shorter), of the
    mono downmix, or of one channel (0 = left, 1 = right) of a stereo file.

    The consumer sends back how many samples it used (`gen.send(n)`), and the rest is
    carried into the next window; offsets are exact sample counts from the file start.
    """
    import numpy as np

    target = int(window_s * RATE)
    pending: list[Any] = []
    have = 0
    offset = 0
    source = blocks(path) if channel is None else (b[channel] for b in blocks(path, "stereo"))
    for block in source:
        pending.append(block)
        have += len(block)
        if have >= target:
            window = np.concatenate(pending)
            used = yield offset, window
            used = len(window) if used is None else used
            rest = window[used:].copy()
            pending, have, offset = [rest], len(rest), offset + used
            del window
    if have:
        yield offset, np.concatenate(pending)


def envelope(path: Path, layout: str = "mono") -> Any:
    """RMS energy per 20 ms frame: shape (frames,) for mono, (channels, frames) for stereo."""
    import numpy as np

    hop = RATE // ENVELOPE_HZ
    parts: list[Any] = []
    carry = None
    for block in blocks(path, layout):
        block = np.atleast_2d(block)
        if carry is not None:
            block = np.concatenate([carry, block], axis=1)
        n = block.shape[1] // hop
        framed = block[:, : n * hop].reshape(block.shape[0], n, hop)
        parts.append(np.sqrt(np.mean(np.square(framed), axis=2)))
        carry = block[:, n * hop :]
    if not parts:
        raise AudioError(str(path), "has no audio samples")
    env = np.concatenate(parts, axis=1)
    return env[0] if layout == "mono" else env
