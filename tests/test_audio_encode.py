"""Encoding with the verification decode running alongside: what the meter measured must be
what a decoder reads from the finished file, sample-aligned."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from podcast.audio.decode import stream_decode
from podcast.audio.encode import LAME_DELAY, encode_measured
from podcast.audio.loudness import Meter
from podcast.audio.settings import AudioSettings
from podcast.errors import ToolError

RATE = 44100


def _programme(seconds: float, channels: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    tone = 0.2 * np.sin(2 * np.pi * 330 * t) * (1 + np.sin(2 * np.pi * 0.7 * t)) / 2
    x = tone[:, None] + 0.02 * rng.standard_normal((n, channels))
    return x.astype(np.float32)


def _chunks(x: np.ndarray, size: int = 10_000):
    for a in range(0, len(x), size):
        yield x[a : a + size]


@pytest.mark.parametrize("channels", [1, 2])
def test_meter_measures_the_file_a_decoder_reads(tmp_path: Path, channels: int) -> None:
    x = _programme(12.0, channels)
    click = 5 * RATE + 1234
    burst = np.arange(2000)
    x[click : click + 2000] = (0.95 * np.sin(2 * np.pi * 1000 * burst / RATE))[:, None]
    # ...a loud 45 ms burst: its true peaks are reported where it is
    out = tmp_path / "out.mp3"
    live = Meter(RATE, channels, report_above_db=-3.0)
    encode_measured(_chunks(x), RATE, channels, len(x), AudioSettings(), out, live)

    after = Meter(RATE, channels, report_above_db=-3.0)
    decoded = 0
    for chunk in stream_decode(out, rate=RATE, channels=channels):
        after.feed(chunk)
        decoded += len(chunk)
    assert decoded == len(x)  # the file's Info header trims delay and padding exactly
    assert live.frames == len(x)
    a, b = live.result(), after.result()
    assert a.integrated == pytest.approx(b.integrated, abs=1e-3)
    assert a.true_peak == pytest.approx(b.true_peak, abs=1e-3)
    assert a.lra == pytest.approx(b.lra, abs=1e-3)
    assert live.overs and live.overs == after.overs
    assert all(click - 100 < pos < click + 2100 for pos, _ in live.overs)


def test_output_path_with_tee_special_characters(tmp_path: Path) -> None:
    """The tee muxer treats : | [ ] \\ specially; a file name holding them still works."""
    x = _programme(2.0, 1)
    out = tmp_path / "ep:1|take[2]\\final.mp3"
    meter = Meter(RATE, 1)
    encode_measured(_chunks(x), RATE, 1, len(x), AudioSettings(), out, meter)
    assert out.stat().st_size > 10_000
    assert [p.name for p in tmp_path.iterdir()] == [out.name]
    assert meter.frames == len(x)


def test_encoder_failure_is_a_tool_error_not_a_hang(tmp_path: Path) -> None:
    x = _programme(3.0, 2)
    out = tmp_path / "missing-folder" / "out.mp3"
    with pytest.raises(ToolError, match="ffmpeg"):
        encode_measured(_chunks(x), RATE, 2, len(x), AudioSettings(), out, Meter(RATE, 2))


def test_an_error_in_our_own_stream_stops_both_processes(tmp_path: Path) -> None:
    def broken():
        yield _programme(1.0, 2)
        raise RuntimeError("limiter failed")

    with pytest.raises(RuntimeError, match="limiter failed"):
        encode_measured(broken(), RATE, 2, RATE * 5, AudioSettings(), tmp_path / "o.mp3", Meter(RATE, 2))


def test_short_stream_is_caught(tmp_path: Path) -> None:
    """If the decoded length does not match the promised length the measurement is refused."""
    from podcast.errors import AudioError

    x = _programme(2.0, 1)
    with pytest.raises(AudioError, match="decodes to"):
        encode_measured(_chunks(x), RATE, 1, len(x) + RATE, AudioSettings(), tmp_path / "o.mp3", Meter(RATE, 1))


def test_lame_delay_is_what_the_info_header_trims(tmp_path: Path) -> None:
    """The constant the live meter relies on, checked against the bundled ffmpeg's LAME."""
    from podcast.audio import ffmpeg
    from podcast.audio.encode import encoder_args

    x = np.zeros((RATE, 1), np.float32)
    x[20_000] = 0.5
    raw = tmp_path / "raw.mp3"
    ffmpeg.run(encoder_args(RATE, 1, AudioSettings(), raw, tee_pipe=False)[:-4] + ["-write_xing", "0", "-f", "mp3", str(raw)],
               input=x.tobytes())  # fmt: skip
    y = np.concatenate(list(stream_decode(raw, rate=RATE, channels=1, strict=False)))
    assert int(np.argmax(np.abs(y[:, 0]))) - 20_000 == LAME_DELAY


def test_a_failing_meter_does_not_leave_the_encoder_blocked(tmp_path: Path) -> None:
    """If measuring fails half way, every process is stopped and the error comes out (no pipe
    left full with nobody reading it)."""
    import signal

    class Broken(Meter):
        def feed(self, x: np.ndarray) -> None:
            if self.frames > RATE:
                raise ArithmeticError("meter failed")
            super().feed(x)

    def alarm(*_: object) -> None:
        raise TimeoutError("encode_measured hung")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(60)
    try:
        x = _programme(30.0, 2)
        with pytest.raises(ArithmeticError, match="meter failed"):
            encode_measured(_chunks(x), RATE, 2, len(x), AudioSettings(), tmp_path / "o.mp3", Broken(RATE, 2))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
