"""The ffmpeg wrapper: bundled binary only, failures carry the command and ffmpeg's words."""

from __future__ import annotations

from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from podcast.audio import ffmpeg
from podcast.audio.loudness import Meter, loudness_series
from podcast.errors import ToolError


def test_uses_the_bundled_binary_not_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert ffmpeg.ffmpeg_exe() == imageio_ffmpeg.get_ffmpeg_exe()
    assert ffmpeg.command(["-version"])[0] == imageio_ffmpeg.get_ffmpeg_exe()
    assert ffmpeg.ffmpeg_version().startswith("ffmpeg version")


def test_failure_names_command_and_stderr(tmp_path: Path) -> None:
    missing = tmp_path / "nope.flac"
    with pytest.raises(ToolError) as err:
        ffmpeg.run(["-i", str(missing), "-f", "null", "-"])
    text = str(err.value)
    assert str(missing) in text and "ffmpeg failed (exit" in text
    assert "No such file" in text


def test_streaming_process_reports_failure(tmp_path: Path) -> None:
    proc = ffmpeg.Process(["-f", "f32le", "-ar", "8000", "-ac", "1", "-i", "pipe:0", "-c:a", "nosuchcodec",
                           str(tmp_path / "x.mp3")], stdin=True, stdout=False)  # fmt: skip
    try:
        proc.stdin.write(np.zeros(800, "<f4").tobytes())
    except BrokenPipeError:
        pass
    with pytest.raises(ToolError, match="nosuchcodec"):
        proc.finish()


def test_short_term_series_tracks_level_changes(tmp_path: Path) -> None:
    from test_audio_helpers import write_audio

    rate = 48000
    t = np.arange(10 * rate) / rate
    x = (np.sin(2 * np.pi * 997 * t) * np.where(t < 5, 0.01, 0.1)).astype(np.float32)[:, None]
    series = loudness_series(
        write_audio(tmp_path / "steps.wav", x, rate, codec=["-c:a", "pcm_f32le"])
    )
    assert len(series) == 10
    # BS.1770 calibration: a 997 Hz sine of peak amplitude a in one channel reads 20*log10(a) - 3.01 LUFS
    assert series[3] == pytest.approx(20 * np.log10(0.01) - 3.01, abs=0.05)
    assert series[9] - series[3] == pytest.approx(20.0, abs=0.3)
    m = Meter(rate, 1, true_peak=False)
    m.feed(x[: 5 * rate])
    assert m.short_term_series()[-1] == pytest.approx(series[4], abs=0.05)
