"""The waveform picture on each episode page: loudness over the whole episode with numbered
chapter marks, drawn with Pillow.

The audio is decoded by imageio-ffmpeg's ffmpeg to 8 kHz mono 16-bit PCM and read as a
stream, a block at a time, so memory stays small however long the episode is. Each column
of the picture shows the peak (light) and RMS (dark) level of its stretch of audio. The page
gives the text alternative (podcast.site.pages.waveform_alt); the numbers on the marks match
the numbered chapter list.
"""

from __future__ import annotations

import logging
import shlex
import subprocess
from collections.abc import Sequence
from pathlib import Path

from podcast.errors import AudioError, ToolError
from podcast.models import Chapter

from .format import clock

log = logging.getLogger("podcast")

WIDTH = 1200
HEIGHT = 240
TOP = 30  # band for chapter numbers
BOTTOM = 26  # band for the time axis
RATE = 8000
BLOCK_BYTES = 1 << 16

WHITE = (255, 255, 255)
TEXT = (11, 12, 12)  # #0b0c0c
PEAK = (86, 148, 202)  # #5694ca
RMS = (29, 112, 184)  # #1d70b8
GRID = (177, 180, 182)  # #b1b4b6
TICKS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600)


def column_levels(
    audio_path: Path, duration: float, width: int = WIDTH
) -> tuple[list[float], list[float]]:
    """(peak, rms) per column, each 0..1, from a streamed decode of the file."""
    import imageio_ffmpeg
    import numpy as np

    total = max(1, int(round(duration * RATE)))
    peak = np.zeros(width, dtype=np.float64)
    power = np.zeros(width, dtype=np.float64)
    count = np.zeros(width, dtype=np.int64)
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-nostdin",
        "-v",
        "error",
        "-i",
        str(audio_path),
        "-map",
        "0:a:0",
        "-ac",
        "1",
        "-ar",
        str(RATE),
        "-f",
        "s16le",
        "-",
    ]
    log.debug("waveform: %s", shlex.join(cmd))
    seen = 0
    leftover = b""
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        while block := proc.stdout.read(BLOCK_BYTES):
            block = leftover + block
            usable = len(block) - len(block) % 2
            leftover = block[usable:]
            samples = np.frombuffer(block[:usable], dtype="<i2").astype(np.float64) / 32768.0
            if samples.size == 0:
                continue
            cols = np.minimum((seen + np.arange(samples.size)) * width // total, width - 1)
            starts = np.concatenate(([0], np.flatnonzero(np.diff(cols)) + 1))
            where = cols[starts]
            peak[where] = np.maximum(peak[where], np.maximum.reduceat(np.abs(samples), starts))
            power[where] += np.add.reduceat(samples * samples, starts)
            count[where] += np.diff(np.concatenate((starts, [samples.size])))
            seen += samples.size
        stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        code = proc.wait()
    if code != 0:
        raise ToolError(
            f"{audio_path}: ffmpeg could not decode it for the waveform: {stderr.strip()}"
        )
    if seen == 0:
        raise AudioError(str(audio_path), "no audio samples to draw a waveform from")
    rms = np.sqrt(power / np.maximum(count, 1))
    return [float(v) for v in peak], [float(v) for v in rms]


def _tick_step(duration: float) -> int:
    for step in TICKS:
        if duration / step <= 8:
            return step
    return TICKS[-1] * max(1, int(duration // (TICKS[-1] * 8)) + 1)


def draw(
    peaks: Sequence[float],
    rms: Sequence[float],
    chapters: Sequence[Chapter],
    duration: float,
    out_png: Path,
) -> Path:
    """Draw the picture from per-column levels and save it as PNG (same input, same bytes)."""
    from PIL import Image, ImageDraw, ImageFont

    width = len(peaks)
    im = Image.new("RGB", (width, HEIGHT), WHITE)
    pen = ImageDraw.Draw(im)
    font = ImageFont.load_default(size=15)
    mid = TOP + (HEIGHT - TOP - BOTTOM) / 2
    half = (HEIGHT - TOP - BOTTOM) / 2 - 2
    top_level = max(max(peaks, default=0.0), 1e-9)
    for x, (p, r) in enumerate(zip(peaks, rms, strict=True)):
        hp, hr = half * p / top_level, half * r / top_level
        pen.line([(x, mid - hp), (x, mid + hp)], fill=PEAK)
        pen.line([(x, mid - hr), (x, mid + hr)], fill=RMS)
    pen.line([(0, mid), (width, mid)], fill=GRID)
    axis = HEIGHT - BOTTOM
    pen.line([(0, axis), (width, axis)], fill=GRID)
    step = _tick_step(duration)
    for t in range(0, int(duration) + 1, step):
        x = min(width - 1, round(t / duration * width)) if duration > 0 else 0
        pen.line([(x, axis), (x, axis + 5)], fill=TEXT)
        label = clock(t)
        w = pen.textlength(label, font=font)
        pen.text((min(max(x - w / 2, 0), width - w), axis + 6), label, fill=TEXT, font=font)
    shown = [c for c in sorted(chapters, key=lambda c: c.start) if c.toc]
    for number, chapter in enumerate(shown, start=1):
        x = min(width - 2, round(chapter.start / duration * width)) if duration > 0 else 0
        pen.line([(x, TOP - 4), (x, axis)], fill=TEXT, width=2)
        label = str(number)
        w = pen.textlength(label, font=font)
        left = min(x, width - w - 8)
        pen.rectangle([(left, 4), (left + w + 8, TOP - 4)], fill=TEXT)
        pen.text((left + 4, 6), label, fill=WHITE, font=font)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    im.save(out_png, "PNG", optimize=True)
    return out_png


def render_waveform(
    audio_path: Path, chapters: Sequence[Chapter], duration: float, out_png: Path
) -> Path:
    """Write the episode's waveform PNG with chapter marks (chapters and duration on the
    published timeline, i.e. of the file at `audio_path`). Returns `out_png`."""
    if duration <= 0:
        raise AudioError(str(audio_path), f"cannot draw a waveform of {duration} seconds")
    peaks, rms = column_levels(audio_path, duration)
    return draw(peaks, rms, chapters, duration, out_png)
