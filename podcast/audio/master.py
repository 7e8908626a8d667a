"""Mastering: exact gain + true-peak limiter + MP3 encode, measuring the encoded file.

Pass 1 (done in `prepare`) measured the programme's integrated loudness. Here one streaming
pass applies the gain, mutes (bleep/silence), intro/outro music and the limiter, piping float
PCM into libmp3lame; the MP3 is decoded and measured (BS.1770-4 loudness and 4x true peak)
while it is being encoded (see `encode`). If the file misses the target by more than half the
tolerance or peaks above the ceiling, the gain/ceiling are corrected and it is encoded again
(at most 4 times).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from podcast.audio import ffmpeg
from podcast.audio.decode import stream_decode
from podcast.audio.encode import encode_measured, encoder_args
from podcast.audio.limiter import TruePeakLimiter
from podcast.audio.loudness import Loudness, Meter
from podcast.audio.predict import Layout, block_frames, load_envelope, solve_gain
from podcast.audio.settings import AudioSettings
from podcast.audio.wavfile import read_frames, wav_info
from podcast.errors import AudioError, ConfigError
from podcast.models import Chapter, MasteredAudio, PreparedAudio, Timeline

log = logging.getLogger("podcast.audio")

CHUNK = 1 << 16
MAX_ATTEMPTS = 5
MAX_MUSIC_S = 120.0
CALIBRATION_S = 15  # seconds of excerpts encoded up front to learn the codec's loudness offset
MP3_HEADROOM_DB = 0.8  # first limiter ceiling sits this far under the limit (MP3 overshoot)
TP_SAFETY_DB = 0.1  # our meter must read at least this far under the limit
MAX_PATCHES = 20_000  # more encoder overshoots than this: lower the whole ceiling instead
_RAMP_S = 0.005  # edges of mutes


@dataclass(frozen=True)
class _Plan:
    rate: int
    channels: int
    content_frames: int
    intro: np.ndarray | None  # gained, faded music (frames, ch)
    outro: np.ndarray | None
    intro_at: int  # published frame where each part starts
    content_at: int
    outro_at: int
    total: int
    timeline: Timeline


def master(
    prepared: PreparedAudio,
    settings: AudioSettings,
    out_mp3: Path,
    *,
    mutes: Sequence[tuple[float, float]] = (),
    mute_mode: str = "bleep",
    intro: Path | None = None,
    outro: Path | None = None,
    title: str | None = None,
    show: str = "",
    author: str = "",
    date: str = "",
    comment: str = "",
    artwork: Path | None = None,
    chapters: Sequence[Chapter] = (),
) -> MasteredAudio:
    """Master `prepared` into a verified CBR MP3 at `out_mp3`.

    mutes: (start, end) seconds on the content timeline, replaced by a tone ("bleep") or
    silence ("silence"). intro/outro: music files (short) faded and levelled to the target.
    If `title` is given, ID3 tags are written (chapters on the content timeline; they are
    shifted by the intro here). Raises AudioError if the target cannot be met.
    """
    if mute_mode not in ("bleep", "silence"):
        raise ConfigError([f"mute_mode: must be 'bleep' or 'silence', not {mute_mode!r}"])
    out_mp3 = Path(out_mp3)
    out_mp3.parent.mkdir(parents=True, exist_ok=True)
    info = wav_info(prepared.path)
    if info is None:
        raise AudioError(str(prepared.path), "is not a float32/16-bit WAV written by prepare()")
    channels = prepared.channels
    target = settings.target_lufs(channels)
    input_lufs = prepared.input_lufs
    if input_lufs is None or not math.isfinite(input_lufs):
        input_lufs = _measure_wav(prepared.path)
    if not math.isfinite(input_lufs):
        raise AudioError(str(prepared.path), "programme is silent; nothing to master")
    plan = _plan(prepared, info.frames, settings, target, intro, outro)
    spans = _mute_spans(mutes, plan.rate, plan.content_frames)
    ceiling = settings.true_peak_dbtp - MP3_HEADROOM_DB
    offset = _codec_offset(
        prepared.path, plan, settings, target - input_lufs, ceiling, tmp_dir=out_mp3.parent
    )
    gain_db = _first_gain(prepared, plan, spans, mute_mode, settings, target - offset, ceiling,
                          target - input_lufs - offset)  # fmt: skip
    tmp = out_mp3.with_name(out_mp3.name + ".part")
    try:
        found = _encode_verified(prepared.path, plan, spans, mute_mode, settings, target, gain_db,
                                 ceiling, tmp)  # fmt: skip
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if title is not None:
        from podcast.audio.tags import write_tags

        write_tags(tmp, title=title, show=show, author=author, date=date, comment=comment,
                   artwork=artwork, duration=plan.total / plan.rate,
                   chapters=shift_chapters(chapters, plan.timeline))  # fmt: skip
    os.replace(tmp, out_mp3)
    return MasteredAudio(
        path=out_mp3,
        duration=plan.total / plan.rate,
        size_bytes=out_mp3.stat().st_size,
        sha256=_sha256(out_mp3),
        channels=channels,
        sample_rate=plan.rate,
        bitrate_kbps=settings.bitrate(channels),
        integrated_lufs=round(found.integrated, 2),
        true_peak_dbtp=round(found.true_peak, 2),
        target_lufs=target,
        input_lufs=round(input_lufs, 2),
        timeline=plan.timeline,
        loudness_range=round(found.lra, 2),
    )


def _encode_verified(path: Path, plan: _Plan, spans: Sequence[tuple[int, int]], mode: str,
                     settings: AudioSettings, target: float, gain_db: float, ceiling: float,
                     tmp: Path) -> Loudness:  # fmt: skip
    """Encode, measure the MP3, correct and encode again until it meets the target."""
    tried: list[tuple[float, float, float]] = []  # (gain, ceiling, measured LUFS)
    patches: list[list[tuple[int, float]]] = []  # per correction: (published frame, extra dB)
    peak_limit = settings.true_peak_dbtp - TP_SAFETY_DB
    for attempt in range(1, MAX_ATTEMPTS + 1):
        found, overs = _encode(path, plan, spans, mode, settings, gain_db, ceiling, patches, tmp,
                               peak_limit)  # fmt: skip
        log.debug("%s: attempt %d gain %+.2f dB ceiling %.2f dBTP -> %.2f LUFS, %.2f dBTP, %d overs",
                  tmp.name, attempt, gain_db, ceiling, found.integrated, found.true_peak, len(overs))  # fmt: skip
        peak_ok = found.true_peak <= peak_limit
        if peak_ok and abs(found.integrated - target) <= settings.loudness_tolerance / 2:
            return found
        tried.append((gain_db, ceiling, found.integrated))
        if not peak_ok:
            if 0 < len(overs) <= MAX_PATCHES:
                # the encoder overshot in a few places: pull just those down next time
                patches.append([(pos, peak_limit - db - 0.3) for pos, db in overs])
            else:
                ceiling -= found.true_peak - peak_limit + 0.2
        gain_db = _next_gain(tried, target)
    raise AudioError(
        str(path),
        f"could not master to {target:g} LUFS / {settings.true_peak_dbtp:g} dBTP in "
        f"{MAX_ATTEMPTS} attempts (last: {found.integrated:.2f} LUFS, {found.true_peak:.2f} dBTP)",
    )


def _first_gain(prepared: PreparedAudio, plan: _Plan, spans: Sequence[tuple[int, int]], mode: str,
                settings: AudioSettings, target: float, ceiling: float, plain: float) -> float:  # fmt: skip
    """Gain predicted to hit the target after limiting and mutes (plain gain if no envelope)."""
    env = load_envelope(prepared.path, plan.rate, plan.content_frames)
    if env is None:
        return plain
    b = block_frames(plan.rate)
    layout = Layout.empty(-(-plan.total // b), plan.rate)
    layout.add(plan.content_at // b, env, scaled=True)
    amp = 10 ** (settings.bleep_level_db / 20) if mode == "bleep" else 0.0
    for s, e in spans:
        layout.mute((plan.content_at + s) // b, -(-(plan.content_at + e) // b), amp, plan.channels)
    for at, music in ((plan.intro_at, plan.intro), (plan.outro_at, plan.outro)):
        if music is not None:
            m = Meter(plan.rate, plan.channels, true_peak=False, envelope=b)
            m.feed(music)
            layout.add(at // b, m.envelope(), scaled=False)
    gain = solve_gain(layout, target, ceiling, plain)
    log.debug("predicted gain %+.2f dB (plain %+.2f dB)", gain, plain)
    return gain


def _codec_offset(path: Path, plan: _Plan, settings: AudioSettings, gain_db: float,
                  ceiling: float, tmp_dir: Path) -> float:  # fmt: skip
    """How much louder (LU, usually negative: LAME reads ~0.2-0.45 LU quieter) a few seconds of
    this programme measure after encoding. Excerpts from across the content, ~1% of a long file."""
    rate = plan.rate
    n = plan.content_frames
    size = min(n, CALIBRATION_S * rate // 3)
    starts = sorted({max(0, min(n - size, round(f * n) - size // 2)) for f in (0.2, 0.5, 0.8)})
    pcm = []
    for a in starts:
        limiter = TruePeakLimiter(rate, plan.channels, ceiling)
        x = _content(path, plan, (), "silence", settings, 10 ** (gain_db / 20), a, a + size)
        head = limiter.process(x)
        pcm += [head, limiter.flush(size - len(head))]
    y = np.concatenate([p for p in pcm if len(p)])
    before = Meter(rate, plan.channels, true_peak=False)
    before.feed(y)
    mp3 = tmp_dir / f".calibrate-{os.getpid()}.mp3"
    try:
        ffmpeg.run(
            encoder_args(rate, plan.channels, settings, mp3),
            input=np.ascontiguousarray(y, "<f4").tobytes(),
        )
        after = Meter(rate, plan.channels, true_peak=False)
        for chunk in stream_decode(mp3, rate=rate, channels=plan.channels):
            after.feed(chunk)
    finally:
        mp3.unlink(missing_ok=True)
    offset = after.integrated() - before.integrated()
    if not math.isfinite(offset) or abs(offset) > 3:
        return 0.0
    log.debug("codec offset %+.2f LU over %.0f s of excerpts", offset, len(y) / rate)
    return offset


def _next_gain(tried: Sequence[tuple[float, float, float]], target: float) -> float:
    """Secant step: with heavy limiting 1 dB more gain yields less than 1 LU more loudness,
    so use the slope seen between the last two attempts (same ceiling), clamped to 0.3..1."""
    gain, ceiling, got = tried[-1]
    slope = 1.0
    if len(tried) >= 2:
        g0, c0, l0 = tried[-2]
        if c0 == ceiling and abs(gain - g0) > 0.05:
            slope = min(1.0, max(0.3, (got - l0) / (gain - g0)))
    return gain + (target - got) / slope


def shift_chapters(chapters: Sequence[Chapter], timeline: Timeline) -> tuple[Chapter, ...]:
    """Chapters on the content timeline -> the published file's timeline."""
    from dataclasses import replace

    out = []
    for c in chapters:
        end = None if c.end is None else timeline.content_to_published(c.end)
        out.append(replace(c, start=timeline.content_to_published(c.start), end=end))
    return tuple(out)


# -- planning -------------------------------------------------------------------------------
def _plan(prepared: PreparedAudio, frames: int, settings: AudioSettings, target: float,
          intro: Path | None, outro: Path | None) -> _Plan:  # fmt: skip
    rate, ch = prepared.sample_rate, prepared.channels
    fade = round(settings.fade_ms / 1000 * rate)
    i_mus = (
        _music(intro, rate, ch, target, fade_in=round(0.02 * rate), fade_out=fade)
        if intro
        else None
    )
    o_mus = _music(outro, rate, ch, target, fade_in=fade, fade_out=fade) if outro else None
    n_i = 0 if i_mus is None else len(i_mus)
    n_o = 0 if o_mus is None else len(o_mus)
    x_i = min(n_i, frames, round(settings.intro_crossfade_s * rate)) if n_i else 0
    x_o = min(n_o, frames, round(settings.outro_crossfade_s * rate)) if n_o else 0
    content_at = n_i - x_i
    outro_at = content_at + frames - x_o
    total = max(content_at + frames, outro_at + n_o)
    tl = Timeline(lead_trim=prepared.timeline.lead_trim, intro=content_at / rate,
                  content=frames / rate, outro=(total - content_at - frames) / rate)  # fmt: skip
    return _Plan(rate, ch, frames, i_mus, o_mus, 0, content_at, outro_at, total, tl)


def _music(
    path: Path, rate: int, channels: int, target: float, *, fade_in: int, fade_out: int
) -> np.ndarray:
    """Decode a short music file, level it to `target` LUFS and fade its ends."""
    chunks, n = [], 0
    for c in stream_decode(Path(path), rate=rate, channels=channels):
        chunks.append(c)
        n += len(c)
        if n > MAX_MUSIC_S * rate:
            raise AudioError(str(path), f"intro/outro music is longer than {MAX_MUSIC_S:g} s")
    if not chunks:
        raise AudioError(str(path), "music file holds no audio")
    x = np.concatenate(chunks).astype(np.float32)
    meter = Meter(rate, channels, true_peak=False)
    meter.feed(x)
    lufs = meter.integrated()
    if not math.isfinite(lufs):
        raise AudioError(str(path), "music file is silent")
    x *= np.float32(10 ** ((target - lufs) / 20))
    fade_in, fade_out = min(fade_in, len(x) // 2), min(fade_out, len(x) // 2)
    if fade_in:
        x[:fade_in] *= np.linspace(0, 1, fade_in, dtype=np.float32)[:, None]
    if fade_out:
        x[-fade_out:] *= np.linspace(1, 0, fade_out, dtype=np.float32)[:, None]
    return x


def _mute_spans(
    mutes: Sequence[tuple[float, float]], rate: int, frames: int
) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    for start, end in sorted(mutes):
        a, b = max(0, round(start * rate)), min(frames, round(end * rate))
        if b > a:
            if spans and a <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], b))
            else:
                spans.append((a, b))
    return tuple(spans)


# -- the mastering pass ---------------------------------------------------------------------
def _content(path: Path, plan: _Plan, spans: Sequence[tuple[int, int]], mode: str,
             settings: AudioSettings, gain: float, a: int, b: int) -> np.ndarray:  # fmt: skip
    """Gained content frames [a, b) (content timeline) with mutes applied."""
    info = wav_info(path)
    assert info is not None
    x = read_frames(path, info, a, b - a) * np.float32(gain)
    ramp = max(1, round(_RAMP_S * plan.rate))
    amp = 10 ** (settings.bleep_level_db / 20)
    for s, e in spans:
        lo, hi = max(a, s - ramp), min(b, e + ramp)
        if lo >= hi:
            continue
        t = np.arange(lo, hi)
        # mute weight: 1 inside [s, e), ramps of `ramp` samples either side
        w = np.clip(np.minimum(t - (s - ramp), (e + ramp) - t) / ramp, 0.0, 1.0).astype(np.float32)
        seg = x[lo - a : hi - a]
        seg *= (1 - w)[:, None]
        if mode == "bleep":
            tone = amp * np.sin(2 * np.pi * settings.bleep_hz * (t - s) / plan.rate)
            seg += (w * tone).astype(np.float32)[:, None]
    return x


def _published(path: Path, plan: _Plan, spans: Sequence[tuple[int, int]], mode: str,
               settings: AudioSettings, gain_db: float) -> Iterator[np.ndarray]:  # fmt: skip
    gain = 10 ** (gain_db / 20)
    for a in range(0, plan.total, CHUNK):
        b = min(plan.total, a + CHUNK)
        out = np.zeros((b - a, plan.channels), np.float32)
        for at, n, src in (
            (plan.content_at, plan.content_frames, None),
            (plan.intro_at, 0 if plan.intro is None else len(plan.intro), plan.intro),
            (plan.outro_at, 0 if plan.outro is None else len(plan.outro), plan.outro),
        ):
            lo, hi = max(a, at), min(b, at + n)
            if lo >= hi:
                continue
            if src is None:
                part = _content(path, plan, spans, mode, settings, gain, lo - at, hi - at)
            else:
                part = src[lo - at : hi - at]
            out[lo - a : hi - a] += part
        yield out


def _encode(path: Path, plan: _Plan, spans: Sequence[tuple[int, int]], mode: str,
            settings: AudioSettings, gain_db: float, ceiling: float,
            patches: Sequence[Sequence[tuple[int, float]]], out: Path,
            peak_limit: float) -> tuple[Loudness, list[tuple[int, float]]]:  # fmt: skip
    """Limit and encode the programme to `out`, measuring the encoded audio as it is made
    (BS.1770-4 loudness and 4x true peak); also where its true peak exceeds `peak_limit`."""
    limiter = TruePeakLimiter(plan.rate, plan.channels, ceiling)
    for group in patches:
        limiter.add_patches(np.array([p for p, _ in group]), np.array([g for _, g in group]))

    def limited() -> Iterator[np.ndarray]:
        sent = 0
        for chunk in _published(path, plan, spans, mode, settings, gain_db):
            y = limiter.process(chunk)
            sent += len(y)
            yield y
        yield limiter.flush(plan.total - sent)

    meter = Meter(plan.rate, plan.channels, report_above_db=peak_limit)
    encode_measured(limited(), plan.rate, plan.channels, plan.total, settings, out, meter)
    if limiter.max_reduction_db < -0.01:
        log.debug("limiter: max %.1f dB, %.2f%% of samples", limiter.max_reduction_db,
                  100 * limiter.limited_samples / max(1, plan.total))  # fmt: skip
    return meter.result(), meter.overs


def _measure_wav(path: Path) -> float:
    info = wav_info(path)
    assert info is not None
    meter = Meter(info.rate, info.channels, true_peak=False)
    for a in range(0, info.frames, CHUNK):
        meter.feed(read_frames(path, info, a, min(CHUNK, info.frames - a)))
    return meter.integrated()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
