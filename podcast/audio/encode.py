"""MP3 encoding with the verification decode running alongside it.

One ffmpeg process encodes float PCM with libmp3lame and writes the packets twice through the
`tee` muxer: to the MP3 file (seekable, so it gets its LAME/Info header with the gapless
delay and padding) and to a pipe. A second ffmpeg decodes the piped packets while the encoder
is still running, and a meter measures the decoded audio as it arrives. So the encoded file is
measured without a second pass over it: on 2 cores the decode and the meter run beside LAME.

The piped stream is the file's audio frames exactly (checked by hash once both are complete),
minus the file's first frame, the Info header. Without that header the decoder does not trim
LAME's encoder delay, so the decoded audio starts `LAME_DELAY` samples late: those are
dropped, and anything past the programme's length (LAME's end padding) is ignored.
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

import numpy as np

from podcast.audio import ffmpeg
from podcast.audio.loudness import Meter
from podcast.audio.settings import AudioSettings
from podcast.errors import AudioError, ToolError

log = logging.getLogger("podcast.audio")

# LAME's encoder delay (576) plus the MP3 decoder's (529), in samples: what a decoder skips
# when the Info header says so. Checked on every encode (see _check_alignment).
LAME_DELAY = 1105
_MP3_FRAME = 1152
_PIPE_BLOCK = 1 << 16


def encoder_args(rate: int, channels: int, settings: AudioSettings, out: Path | str,
                 *, tee_pipe: bool = False) -> list[str]:  # fmt: skip
    """ffmpeg arguments: float PCM on stdin -> CBR MP3 at `out` (and also on stdout)."""
    args = [
        "-f", "f32le", "-ar", str(rate), "-ac", str(channels), "-i", "pipe:0",
        "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate(channels)}k",
        "-compression_level", str(settings.encoder_quality),
        "-map_metadata", "-1", "-id3v2_version", "0", "-write_id3v1", "0",
    ]  # fmt: skip
    if not tee_pipe:
        return [*args, "-f", "mp3", "-y", str(out)]
    # tee's own escaping: \ : | [ ] are special inside the slave list
    target = str(out)
    for ch in "\\:|[]":
        target = target.replace(ch, "\\" + ch)
    return [*args, "-map", "0:a", "-f", "tee", "-y",
            f"[f=mp3:id3v2_version=0:write_id3v1=0]{target}|[f=mp3:id3v2_version=0:write_id3v1=0]pipe\\:1"]  # fmt: skip


def decoder_args(rate: int, channels: int) -> list[str]:
    return ["-f", "mp3", "-i", "pipe:0", "-f", "f32le", "-ac", str(channels), "-ar", str(rate),
            "pipe:1"]  # fmt: skip


class _Worker(threading.Thread):
    """A thread that remembers the exception it died of, and calls `on_error` when it does
    (to kill the processes, so that no other thread stays blocked on a pipe)."""

    def __init__(self, name: str, target: Callable[[], None], on_error: Callable[[], None]):
        super().__init__(name=name, daemon=True)
        self._fn, self._on_error = target, on_error
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised by the caller
            self.error = exc
            self._on_error()


def encode_measured(pcm: Iterable[np.ndarray], rate: int, channels: int, total: int,
                    settings: AudioSettings, out: Path, meter: Meter) -> None:  # fmt: skip
    """Encode the chunks of `pcm` (float32 (frames, channels), `total` frames in all) to `out`
    and feed `meter` with the decoded MP3 as it is made, aligned to the input (frame 0 of the
    meter is frame 0 of `pcm`). Raises ToolError/AudioError if a process fails or the decoded
    stream is not the file's audio."""
    enc = ffmpeg.Process(encoder_args(rate, channels, settings, out, tee_pipe=True),
                         stdin=True, stdout=True)  # fmt: skip
    try:
        dec = ffmpeg.Process(decoder_args(rate, channels), stdin=True, stdout=True)
    except BaseException:
        enc.kill()
        raise
    piped = hashlib.sha256()
    sizes = {"piped": 0, "decoded": 0}

    def stop() -> None:
        for p in (enc, dec):
            if p.proc.poll() is None:
                p.proc.kill()

    def relay() -> None:
        try:
            while block := enc.stdout.read(_PIPE_BLOCK):
                piped.update(block)
                sizes["piped"] += len(block)
                dec.stdin.write(block)
        finally:
            _close(dec.stdin)

    def measure() -> None:
        skip, width = LAME_DELAY, 4 * channels
        carry = b""
        while block := dec.stdout.read(_PIPE_BLOCK * 4):
            block = carry + block
            usable = len(block) - len(block) % width
            carry = block[usable:]
            x = np.frombuffer(block, "<f4", count=usable // 4).reshape(-1, channels)
            sizes["decoded"] += len(x)
            if skip:
                cut = min(skip, len(x))
                x, skip = x[cut:], skip - cut
            room = total - meter.frames
            if room > 0 and len(x):
                meter.feed(x[:room])

    workers = [_Worker("mp3-relay", relay, stop), _Worker("mp3-meter", measure, stop)]
    for w in workers:
        w.start()
    try:
        try:
            for chunk in pcm:
                enc.stdin.write(np.ascontiguousarray(chunk, "<f4").tobytes())
        finally:
            _close(enc.stdin)
        for w in workers:
            w.join()
        for w in workers:
            if w.error is not None:
                raise w.error
        enc.finish()
        dec.finish()
    except BaseException as exc:
        # a process that died on its own says why; then nothing may be left running
        message = _dead_message(enc, dec) if isinstance(exc, OSError) else None
        stop()
        for w in workers:
            w.join()
        enc.kill()
        dec.kill()
        ours = [w.error for w in workers if w.error and not isinstance(w.error, OSError | ValueError)]
        if ours and ours[0] is not exc:
            raise ours[0] from None
        if message:
            raise ToolError(message) from None
        raise
    _check_alignment(out, sizes["piped"], piped.hexdigest(), sizes["decoded"], total, rate)


def _close(stream: IO[bytes]) -> None:
    try:
        stream.close()
    except OSError:
        pass


def _dead_message(*procs: ffmpeg.Process) -> str | None:
    for p in procs:
        try:
            code = p.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            continue
        if code not in (0, -9):
            return ffmpeg.failure_message(p.cmd, code, p.stderr_text())
    return None


def _check_alignment(out: Path, piped: int, digest: str, decoded: int, total: int,
                     rate: int) -> None:  # fmt: skip
    """The piped bytes must be the file's audio frames (the file = Info frame + those bytes),
    and the decoded stream must be the input delayed by LAME_DELAY, plus under one frame of
    padding; otherwise the measurement would not be of this file."""
    size = out.stat().st_size
    h = hashlib.sha256()
    with open(out, "rb") as f:
        f.seek(max(0, size - piped))
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    if size < piped or h.hexdigest() != digest:
        raise AudioError(str(out), "the verification stream differs from the encoded file")
    extra = decoded - total
    if not LAME_DELAY <= extra < LAME_DELAY + 2 * _MP3_FRAME:
        raise AudioError(
            str(out),
            f"encoded file decodes to {decoded - LAME_DELAY} frames, expected {total} "
            f"({(decoded - LAME_DELAY - total) / rate:+.3f} s)",
        )
