"""Decode, clean and mix: sources -> one programme WAV on the content timeline.

Single file: decode (any format/rate/bit depth, downmixed) -> high-pass -> trim silence.
Multitrack (one file per speaker, or one speaker per channel): decode each track, level it to
a common loudness, gate the bleed of other voices with smoothed gain sharing (each track's gain
follows its share of the total level, as in a Dugan automixer), mix, trim. Everything streams
in chunks; only the working WAVs on disk grow with the recording's length.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from podcast.audio.decode import SourceInfo, check_complete, probe, stream_decode
from podcast.audio.loudness import Meter
from podcast.audio.predict import block_frames, save_envelope
from podcast.audio.settings import AudioSettings
from podcast.audio.wavfile import WavWriter, read_frames, wav_info
from podcast.errors import AudioError
from podcast.models import PreparedAudio, Timeline

log = logging.getLogger("podcast.audio")

Sources = str | Path | Sequence[tuple[str, str | Path]]
TRACK_REF_LUFS = -23.0  # each speaker's track is levelled to this before mixing
MAX_TRACK_GAIN_DB = 30.0
_FRAME_S = 0.01  # 10 ms analysis frames
# Gain sharing: g_i = p_i^k / sqrt(sum_j p_j^2k) for mean-square levels p. k = 1.5 turns a
# voice that is 14 dB down in a track (bleed) into 35 dB down, keeps equal crosstalk at -3 dB
# each (total power unchanged) and shares room tone equally in pauses.
SHARE_EXPONENT = 1.5


class SilenceTracker:
    """Finds the first and last 10 ms frame above a level, in one streaming pass."""

    def __init__(self, rate: int, threshold_db: float):
        self.frame = max(1, round(rate * _FRAME_S))
        self.limit = 10 ** (threshold_db / 10)
        self.first: int | None = None
        self.last: int | None = None
        self._carry: np.ndarray | None = None
        self._done = 0  # frames (10 ms) seen

    def feed(self, x: np.ndarray) -> None:
        x = np.concatenate([self._carry, x]) if self._carry is not None and len(self._carry) else x
        whole = len(x) // self.frame
        if whole:
            ms = np.square(x[: whole * self.frame]).reshape(whole, -1).mean(axis=1)
            above = np.flatnonzero(ms > self.limit)
            if len(above):
                if self.first is None:
                    self.first = self._done + int(above[0])
                self.last = self._done + int(above[-1])
            self._done += whole
        self._carry = x[whole * self.frame :]

    def bounds(self, total: int, pad: int) -> tuple[int, int]:
        """Sample range [start, end) to keep: first to last sound, padded."""
        assert self.first is not None and self.last is not None
        start = max(0, self.first * self.frame - pad)
        end = min(total, (self.last + 1) * self.frame + pad)
        return start, end


@dataclass(frozen=True)
class _Track:
    speaker: str
    info: SourceInfo
    channel: int | None = None  # take only this channel of the file (one speaker per channel)


def prepare(
    sources: Sources,
    settings: AudioSettings,
    workdir: Path,
    *,
    channel_speakers: Sequence[str] | None = None,
) -> PreparedAudio:
    """Decode, clean and mix `sources` into `workdir/programme.wav` (float32).

    `sources` is one file, or a sequence of (speaker_id, path) tracks recorded together.
    `channel_speakers` names the speaker on each channel of a single file (e.g. a call
    recorded host-left, guest-right); that file is then treated as one track per channel.
    Raises AudioError(path, reason) for missing, empty, unreadable, truncated or silent audio.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if isinstance(sources, str | Path):
        info = probe(Path(sources))
        if channel_speakers:
            if info.channels < len(channel_speakers):
                raise AudioError(
                    str(info.path),
                    f"has {info.channels} channel(s) but {len(channel_speakers)} channel speakers were given",
                )
            tracks = tuple(_Track(s, info, i) for i, s in enumerate(channel_speakers))
            return _prepare_multitrack(tracks, settings, workdir)
        return _prepare_single(info, settings, workdir)
    tracks = tuple(_Track(str(spk), probe(Path(p))) for spk, p in sources)
    if not tracks:
        raise AudioError(str(workdir), "no audio tracks given")
    if len(tracks) == 1:
        return _prepare_single(tracks[0].info, settings, workdir)
    return _prepare_multitrack(tracks, settings, workdir)


def _filters(settings: AudioSettings, channel: int | None = None) -> list[str]:
    chain = []
    if channel is not None:
        chain.append(f"pan=mono|c0=c{channel}")
    if settings.highpass_hz > 0:
        chain.append(f"highpass=f={settings.highpass_hz:g}:poles=2")
    return chain


def _decode_into(track: _Track, settings: AudioSettings, writer: WavWriter, meter: Meter,
                 silence: SilenceTracker) -> None:  # fmt: skip
    """Stream one source through ffmpeg (resample, downmix, high-pass) into `writer`,
    metering as it goes; AudioError if truncated or silent. Aborts the writer on failure."""
    rate = settings.sample_rate
    try:
        for chunk in stream_decode(track.info.path, rate=rate, channels=writer.channels,
                                   filters=_filters(settings, track.channel)):  # fmt: skip
            writer.write(chunk)
            meter.feed(chunk)
            silence.feed(chunk)
        check_complete(track.info, writer.frames / rate)
        if silence.first is None:
            raise _silent(track.info.path, settings)
    except BaseException:
        writer.abort()
        raise


def _silent(path: Path, settings: AudioSettings) -> AudioError:
    return AudioError(
        str(path),
        f"recording is silent (nothing above {settings.silence_threshold_db:g} dBFS); "
        "check the microphone was on and the right file was copied",
    )


def _trim_range(silence: SilenceTracker, total: int, settings: AudioSettings) -> tuple[int, int]:
    if not settings.trim_silence:
        return 0, total
    return silence.bounds(total, round(settings.trim_pad_s * settings.sample_rate))


def _prepare_single(info: SourceInfo, settings: AudioSettings, workdir: Path) -> PreparedAudio:
    rate = settings.sample_rate
    channels = settings.output_channels((info.channels,))
    out = workdir / "programme.wav"
    meter = Meter(rate, channels, true_peak=False, envelope=block_frames(rate))
    silence = SilenceTracker(rate, settings.silence_threshold_db)
    writer = WavWriter(out, rate, channels)
    _decode_into(_Track("", info), settings, writer, meter, silence)
    start, end = _trim_range(silence, writer.frames, settings)
    kept = writer.close(start, end)
    save_envelope(out, meter.envelope(), rate, start, end)
    lufs = meter.integrated(start, end)
    log.debug("%s: %d Hz %d ch -> %.1f s kept, lead trim %.2f s, %.1f LUFS",
              info.path, info.sample_rate, info.channels, kept / rate, start / rate, lufs)  # fmt: skip
    return PreparedAudio(
        path=out,
        sample_rate=rate,
        channels=channels,
        duration=kept / rate,
        timeline=Timeline(lead_trim=start / rate, content=kept / rate),
        input_lufs=lufs if math.isfinite(lufs) else None,
    )


def _prepare_multitrack(
    tracks: Sequence[_Track], settings: AudioSettings, workdir: Path
) -> PreparedAudio:
    rate = settings.sample_rate
    ids = [t.speaker for t in tracks]
    if len(set(ids)) != len(ids):
        raise AudioError(str(tracks[0].info.path), f"speaker ids must be unique, got {ids}")
    channels = settings.output_channels(
        tuple(1 if t.channel is not None else t.info.channels for t in tracks)
    )
    raw_paths, gains, length = [], [], 0
    try:
        for i, t in enumerate(tracks):
            raw = workdir / f"raw-{i}.wav"
            raw_paths.append(raw)
            meter = Meter(rate, channels, true_peak=False)
            silence = SilenceTracker(rate, settings.silence_threshold_db)
            writer = WavWriter(raw, rate, channels)
            _decode_into(t, settings, writer, meter, silence)
            frames = writer.close()
            lufs = meter.integrated()
            gain_db = min(MAX_TRACK_GAIN_DB, TRACK_REF_LUFS - lufs) if math.isfinite(lufs) else 0.0
            log.debug(
                "track %s (%s): %.1f LUFS, gain %+.1f dB", t.speaker, t.info.path, lufs, gain_db
            )
            gains.append(10 ** (gain_db / 20))
            length = max(length, frames)
        return _mix(tracks, raw_paths, gains, length, channels, settings, workdir)
    finally:
        for raw in raw_paths:
            raw.unlink(missing_ok=True)


def _safe(name: str) -> str:
    """A speaker id made safe for a file name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:40] or "speaker"


def _share_gains(levels: np.ndarray, settings: AudioSettings) -> np.ndarray:
    """Per-track, per-10ms-frame gains (tracks, frames) from mean-square levels (tracks, frames)."""
    from scipy.ndimage import maximum_filter1d, uniform_filter1d

    if not settings.gate_bleed or len(levels) < 2:
        return np.ones_like(levels)
    p = uniform_filter1d(levels, size=5, axis=1, mode="nearest")  # 50 ms level
    p = maximum_filter1d(
        p, size=31, axis=1, origin=-10, mode="nearest"
    )  # hold ~200 ms after, 100 ms before
    p = (p + 1e-10) ** SHARE_EXPONENT  # noise floor so silence shares equally
    g = p / np.sqrt(np.square(p).sum(axis=0, keepdims=True))  # constant total power
    g = np.maximum(g, 10 ** (settings.gate_depth_db / 20))
    return uniform_filter1d(g, size=5, axis=1, mode="nearest")  # 50 ms gain glide


def _mix(tracks: Sequence[_Track], raw_paths: Sequence[Path], gains: Sequence[float], length: int,
         channels: int, settings: AudioSettings, workdir: Path) -> PreparedAudio:  # fmt: skip
    rate = settings.sample_rate
    frame = max(1, round(rate * _FRAME_S))
    ctx = 40 * frame  # analysis context either side of a chunk (covers the hold/glide filters)
    step = 150 * frame
    infos = []
    for p in raw_paths:
        info = wav_info(p)
        assert info is not None  # written just above by WavWriter
        infos.append(info)
    prog = WavWriter(workdir / "programme.wav", rate, channels)
    outs = [
        WavWriter(workdir / f"track-{i}-{_safe(t.speaker)}.wav", rate, 1)
        for i, t in enumerate(tracks)
    ]
    meter = Meter(rate, channels, true_peak=False, envelope=block_frames(rate))
    silence = SilenceTracker(rate, settings.silence_threshold_db)
    try:
        for pos in range(0, length, step):
            count = min(step, length - pos)
            xs = np.stack([read_frames(p, inf, pos - ctx, step + 2 * ctx) * g
                           for p, inf, g in zip(raw_paths, infos, gains, strict=True)])  # fmt: skip
            nf = xs.shape[1] // frame
            levels = np.square(xs[:, : nf * frame]).reshape(len(xs), nf, -1).mean(axis=2)
            fg = _share_gains(levels, settings)
            # per-sample gains: linear interpolation between 10 ms frame centres
            t = (np.arange(ctx, ctx + count) + 0.5) / frame - 0.5
            sample_g = np.stack([np.interp(t, np.arange(nf), row) for row in fg]).astype(np.float32)
            cleaned = xs[:, ctx : ctx + count] * sample_g[:, :, None]
            mix = cleaned.sum(axis=0)
            prog.write(mix)
            meter.feed(mix)
            silence.feed(mix)
            for w, c in zip(outs, cleaned, strict=True):
                w.write(c.mean(axis=1, keepdims=True))
        if silence.first is None:
            raise _silent(tracks[0].info.path, settings)
    except BaseException:
        prog.abort()
        for w in outs:
            w.abort()
        raise
    start, end = _trim_range(silence, length, settings)
    kept = prog.close(start, end)
    save_envelope(prog.path, meter.envelope(), rate, start, end)
    for w in outs:
        w.close(start, end)
    lufs = meter.integrated(start, end)
    return PreparedAudio(
        path=prog.path,
        sample_rate=rate,
        channels=channels,
        duration=kept / rate,
        timeline=Timeline(lead_trim=start / rate, content=kept / rate),
        tracks=tuple((t.speaker, w.path) for t, w in zip(tracks, outs, strict=True)),
        input_lufs=lufs if math.isfinite(lufs) else None,
    )
