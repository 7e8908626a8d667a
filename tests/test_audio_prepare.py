"""prepare(): decoding every common format, trimming, multitrack mixing, and bad input."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from test_audio_helpers import decode, lufs_of, rms_db, sha256, speechlike, write_audio

from podcast.audio.decode import probe
from podcast.audio.prepare import prepare
from podcast.audio.settings import AudioSettings
from podcast.audio.wavfile import WavWriter, read_frames, wav_info
from podcast.errors import AudioError, ConfigError

S = AudioSettings()

FORMATS = [
    # (file name, rate, channels, extra ffmpeg output args)
    ("pcm16.wav", 44100, 2, ["-c:a", "pcm_s16le"]),
    ("pcm24.wav", 96000, 1, ["-c:a", "pcm_s24le"]),
    ("f32.wav", 48000, 2, ["-c:a", "pcm_f32le"]),
    ("s32.wav", 22050, 1, ["-c:a", "pcm_s32le"]),
    ("narrow.wav", 8000, 1, ["-c:a", "pcm_s16le"]),
    ("surround.wav", 48000, 6, ["-c:a", "pcm_s16le"]),
    ("a.flac", 44100, 2, []),
    ("a.mp3", 44100, 2, ["-c:a", "libmp3lame", "-b:a", "128k"]),
    ("a.m4a", 48000, 2, ["-c:a", "aac", "-b:a", "96k"]),
    ("a.ogg", 44100, 1, ["-c:a", "libvorbis"]),
    ("a.opus", 48000, 1, ["-c:a", "libopus", "-b:a", "32k"]),
]


@pytest.mark.parametrize("name,rate,channels,codec", FORMATS, ids=[f[0] for f in FORMATS])
def test_decodes_common_formats(
    tmp_path: Path, name: str, rate: int, channels: int, codec: list[str]
) -> None:
    x = speechlike(4.0, rate, seed=3, channels=channels) * 0.3
    lead = np.zeros((rate, channels), np.float32)  # 1 s of digital silence first
    src = write_audio(tmp_path / name, np.concatenate([lead, x]), rate, codec=codec)
    before = sha256(src)
    p = prepare(src, S, tmp_path / "work")
    assert sha256(src) == before, "source file was modified"
    assert p.sample_rate == 44100
    assert p.channels == (1 if channels == 1 else 2)
    assert p.path.exists() and p.path.parent == tmp_path / "work"
    info = wav_info(p.path)
    assert info is not None and info.rate == 44100 and info.channels == p.channels
    assert abs(info.frames / 44100 - p.duration) < 1e-6
    # 1 s lead silence minus the 0.3 s pad (codec delay can add a few ms)
    assert 0.65 <= p.timeline.lead_trim <= 0.75, p.timeline
    assert 3.6 <= p.duration <= 4.7
    assert p.input_lufs is not None and -40 < p.input_lufs < -10


def test_trim_offsets_are_exact(tmp_path: Path) -> None:
    rate = 44100
    x = speechlike(3.0, rate, seed=5)
    x[:2000] = 0  # ensure a clean onset inside the speech
    quiet = (
        np.random.default_rng(1).standard_normal((int(2.5 * rate), 1)).astype(np.float32) * 1e-4
    )  # -80 dBFS hiss
    src = write_audio(
        tmp_path / "t.wav",
        np.concatenate([quiet, x, quiet[:rate]]),
        rate,
        codec=["-c:a", "pcm_f32le"],
    )
    p = prepare(src, S, tmp_path / "w")
    first_sound = 2.5 + 2000 / rate
    assert p.timeline.lead_trim == pytest.approx(first_sound - S.trim_pad_s, abs=0.011)
    # the programme starts exactly at lead_trim in the source
    prog = read_frames(p.path, wav_info(p.path), 0, rate)  # type: ignore[arg-type]
    src_x = decode(src)[int(round(p.timeline.lead_trim * rate)) :][:rate]
    from scipy.signal import correlate

    lag = int(np.argmax(correlate(prog[:, 0], src_x[:, 0], mode="full"))) - (len(src_x) - 1)
    assert abs(lag) <= 2
    # trailing: ends at most pad + 10 ms after the last sound
    last_sound = 2.5 + 3.0
    end = p.timeline.lead_trim + p.duration
    assert last_sound - 0.3 < end <= last_sound + S.trim_pad_s + 0.011


def test_trim_can_be_turned_off(tmp_path: Path) -> None:
    x = np.concatenate([np.zeros((44100, 1), np.float32), speechlike(2.0)])
    src = write_audio(tmp_path / "t.wav", x, 44100, codec=["-c:a", "pcm_s16le"])
    p = prepare(src, AudioSettings(trim_silence=False), tmp_path / "w")
    assert p.timeline.lead_trim == 0.0
    assert p.duration == pytest.approx(3.0, abs=1e-3)


def test_highpass_removes_rumble(tmp_path: Path) -> None:
    rate = 44100
    t = np.arange(3 * rate) / rate
    rumble = (0.3 * np.sin(2 * np.pi * 30 * t)).astype(np.float32)[:, None]
    src = write_audio(
        tmp_path / "r.wav", rumble + speechlike(3.0) * 0.1, rate, codec=["-c:a", "pcm_f32le"]
    )
    p = prepare(src, AudioSettings(trim_silence=False), tmp_path / "w")
    y = read_frames(p.path, wav_info(p.path), 0, 3 * rate)[:, 0]  # type: ignore[arg-type]
    spec = np.abs(np.fft.rfft(y)) / len(y)
    freqs = np.fft.rfftfreq(len(y), 1 / rate)
    at30 = spec[np.argmin(np.abs(freqs - 30))]
    assert 20 * np.log10(at30 / 0.15) < -12  # 2-pole 80 Hz high-pass: ~ -17 dB at 30 Hz


def test_channels_auto_and_forced(tmp_path: Path) -> None:
    src = write_audio(tmp_path / "m.wav", speechlike(2.0) * 0.3, 44100, codec=["-c:a", "pcm_s16le"])
    assert prepare(src, S, tmp_path / "a").channels == 1
    assert prepare(src, AudioSettings(channels="stereo"), tmp_path / "b").channels == 2
    st = write_audio(
        tmp_path / "s.wav", speechlike(2.0, channels=2) * 0.3, 44100, codec=["-c:a", "pcm_s16le"]
    )
    assert prepare(st, AudioSettings(channels="mono"), tmp_path / "c").channels == 1


# -- multitrack -----------------------------------------------------------------------------
def _two_speakers(tmp_path: Path) -> tuple[Path, Path, int]:
    """A talks 0.5-3.5 s (quietly, -38 LUFS), B talks 4-7 s (loudly, -16 LUFS). B's mic picks
    up A at -30 LUFS (14 dB under B's own voice); A's mic picks up B at -60 LUFS."""
    rate = 44100
    n = 8 * rate
    a_voice = np.zeros((n, 1), np.float32)
    b_voice = np.zeros((n, 1), np.float32)
    a_voice[int(0.5 * rate) : int(3.5 * rate)] = speechlike(3.0, seed=11)
    b_voice[4 * rate : 7 * rate] = speechlike(3.0, seed=12)
    a_voice = a_voice * np.float32(10 ** ((-38 - lufs_of(a_voice, rate)) / 20))
    b_voice = b_voice * np.float32(10 ** ((-16 - lufs_of(b_voice, rate)) / 20))
    bleed = np.float32(10 ** (-18 / 20))
    a_path = write_audio(
        tmp_path / "a.flac", a_voice + b_voice * bleed * 0.05, rate
    )  # A's mic is far from B
    b_path = write_audio(
        tmp_path / "b.wav", b_voice + a_voice * bleed * 20, rate, codec=["-c:a", "pcm_s24le"]
    )
    return a_path, b_path, rate


def test_multitrack_levels_gates_and_mixes(tmp_path: Path) -> None:
    a_path, b_path, rate = _two_speakers(tmp_path)
    hashes = (sha256(a_path), sha256(b_path))
    p = prepare((("ann", a_path), ("bob", b_path)), S, tmp_path / "w")
    assert (sha256(a_path), sha256(b_path)) == hashes
    assert [spk for spk, _ in p.tracks] == ["ann", "bob"]
    assert p.channels == 1
    lead = p.timeline.lead_trim
    assert lead == pytest.approx(0.5 - S.trim_pad_s, abs=0.02)
    prog = read_frames(p.path, wav_info(p.path), 0, int(p.duration * rate))[:, 0]  # type: ignore[arg-type]

    def span(x: np.ndarray, a: float, b: float) -> np.ndarray:
        return x[int((a - lead) * rate) : int((b - lead) * rate)]

    # levelled: the quiet and the loud speaker end up within 2 dB in the programme (input: 22 dB apart)
    a_lvl, b_lvl = (
        lufs_of(span(prog, 0.5, 3.5)[:, None], rate),
        lufs_of(span(prog, 4, 7)[:, None], rate),
    )
    assert abs(a_lvl - b_lvl) < 2.0, (a_lvl, b_lvl)
    # gated: in B's cleaned track, A's bleed (during A's speech) is far below B's own voice
    tracks = dict(p.tracks)
    bob = read_frames(tracks["bob"], wav_info(tracks["bob"]), 0, int(p.duration * rate))[:, 0]  # type: ignore[arg-type]
    bleed_ratio = rms_db(span(bob, 1.0, 3.0)) - rms_db(span(bob, 4.5, 6.5))
    assert bleed_ratio < -30, bleed_ratio  # raw bleed is -14 dB; the gate adds >= 16 dB
    # per-speaker tracks are on the programme's timeline and as long
    for _, path in p.tracks:
        assert wav_info(path).frames == wav_info(p.path).frames  # type: ignore[union-attr]


def test_gate_can_be_disabled(tmp_path: Path) -> None:
    a_path, b_path, rate = _two_speakers(tmp_path)
    p = prepare((("ann", a_path), ("bob", b_path)), AudioSettings(gate_bleed=False), tmp_path / "w")
    bob = read_frames(
        dict(p.tracks)["bob"], wav_info(dict(p.tracks)["bob"]), 0, int(p.duration * rate)
    )[:, 0]  # type: ignore[arg-type]
    lead = p.timeline.lead_trim
    ratio = rms_db(bob[int((1 - lead) * rate) : int((3 - lead) * rate)]) - rms_db(
        bob[int((4.5 - lead) * rate) : int((6.5 - lead) * rate)]
    )
    assert -17 < ratio < -11  # the -14 dB bleed is left alone


def test_one_speaker_per_channel(tmp_path: Path) -> None:
    rate = 44100
    n = 6 * rate
    x = np.zeros((n, 2), np.float32)
    x[rate : 3 * rate, 0] = speechlike(2.0, seed=1)[:, 0] * 0.05
    x[3 * rate : 5 * rate, 1] = speechlike(2.0, seed=2)[:, 0] * 0.5
    src = write_audio(tmp_path / "call.wav", x, rate, codec=["-c:a", "pcm_s16le"])
    p = prepare(src, S, tmp_path / "w", channel_speakers=("host", "guest"))
    assert [s for s, _ in p.tracks] == ["host", "guest"] and p.channels == 1
    with pytest.raises(AudioError, match="call.wav"):
        prepare(src, S, tmp_path / "w2", channel_speakers=("a", "b", "c"))


# -- bad input ------------------------------------------------------------------------------
def _expect_audio_error(src: Path, tmp_path: Path, match: str) -> None:
    before = sha256(src) if src.exists() else None
    with pytest.raises(AudioError, match=match) as err:
        prepare(src, S, tmp_path / "w")
    assert str(src) in str(err.value) and err.value.path == str(src)
    assert "\n" not in str(err.value)
    if before is not None:
        assert sha256(src) == before


def test_missing_file(tmp_path: Path) -> None:
    _expect_audio_error(tmp_path / "nope.wav", tmp_path, "not found")


def test_zero_length_file(tmp_path: Path) -> None:
    (tmp_path / "empty.wav").write_bytes(b"")
    _expect_audio_error(tmp_path / "empty.wav", tmp_path, "empty")


def test_text_file_named_wav(tmp_path: Path) -> None:
    (tmp_path / "notes.wav").write_text("these are my interview notes, not audio\n" * 20)
    _expect_audio_error(tmp_path / "notes.wav", tmp_path, "not a readable audio file")


def test_truncated_wav(tmp_path: Path) -> None:
    src = write_audio(tmp_path / "t.wav", speechlike(4.0) * 0.3, 44100, codec=["-c:a", "pcm_s16le"])
    data = src.read_bytes()
    src.write_bytes(data[: len(data) // 2 // 2 * 2])  # header still promises 4 s
    _expect_audio_error(src, tmp_path, "truncated")


@pytest.mark.parametrize("ext,codec", [(".flac", []), (".mp3", ["-c:a", "libmp3lame"])])
def test_truncated_compressed(tmp_path: Path, ext: str, codec: list[str]) -> None:
    src = write_audio(tmp_path / f"t{ext}", speechlike(6.0) * 0.3, 44100, codec=codec)
    data = src.read_bytes()
    src.write_bytes(data[: len(data) // 2 + 7])
    _expect_audio_error(src, tmp_path, "truncated|corrupt")


def test_garbage_inside_audio(tmp_path: Path) -> None:
    src = write_audio(tmp_path / "g.m4a", speechlike(4.0) * 0.3, 44100, codec=["-c:a", "aac"])
    data = bytearray(src.read_bytes())
    src.write_bytes(bytes(data[: len(data) // 3]))  # moov atom at the end is lost
    _expect_audio_error(src, tmp_path, "not a readable audio file|truncated|corrupt")


def test_all_silent_recording(tmp_path: Path) -> None:
    hiss = (
        np.random.default_rng(0).standard_normal((3 * 44100, 1)).astype(np.float32) * 3e-4
    )  # ~ -70 dBFS
    src = write_audio(tmp_path / "silent.wav", hiss, 44100, codec=["-c:a", "pcm_s16le"])
    _expect_audio_error(src, tmp_path, "silent")


def test_silent_track_in_multitrack(tmp_path: Path) -> None:
    ok = write_audio(tmp_path / "a.wav", speechlike(2.0) * 0.3, 44100, codec=["-c:a", "pcm_s16le"])
    dead = write_audio(
        tmp_path / "b.wav", np.zeros((2 * 44100, 1), np.float32), 44100, codec=["-c:a", "pcm_s16le"]
    )
    with pytest.raises(AudioError, match="b.wav.*silent"):
        prepare((("a", ok), ("b", dead)), S, tmp_path / "w")
    assert not list((tmp_path / "w").glob("raw-*"))


def test_probe_reports_format(tmp_path: Path) -> None:
    src = write_audio(tmp_path / "x.flac", speechlike(1.0, 48000, channels=2) * 0.3, 48000)
    info = probe(src)
    assert (info.codec, info.sample_rate, info.channels) == ("flac", 48000, 2)
    assert info.duration == pytest.approx(1.0, abs=0.01)


# -- working WAV files and settings ---------------------------------------------------------
def test_wav_writer_trims_in_place_and_reads_back(tmp_path: Path) -> None:
    x = np.arange(2000, dtype=np.float32).reshape(1000, 2) / 4000
    for start, end in [(0, 1000), (1, 999), (250, 600), (0, 0)]:
        w = WavWriter(tmp_path / f"w{start}.wav", 16000, 2)
        w.write(x[:300])
        w.write(x[300:])
        assert w.close(start, end) == end - start
        info = wav_info(w.path)
        assert info is not None and info.frames == end - start and info.rate == 16000
        np.testing.assert_array_equal(read_frames(w.path, info, 0, end - start), x[start:end])
        if end > start:  # an independent reader agrees
            np.testing.assert_allclose(decode(w.path, 16000, 2), x[start:end], atol=1e-7)


def test_rf64_for_files_over_4_gib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import podcast.audio.wavfile as wavfile

    monkeypatch.setattr(wavfile, "RF64_ABOVE", 0)  # pretend every file is huge
    x = np.linspace(-0.5, 0.5, 2000, dtype=np.float32).reshape(1000, 2)
    w = WavWriter(tmp_path / "big.wav", 16000, 2)
    w.write(x)
    w.close(100, 900)
    assert (tmp_path / "big.wav").read_bytes()[:4] == b"RF64"
    info = wav_info(tmp_path / "big.wav")
    assert info is not None and info.frames == 800
    np.testing.assert_array_equal(read_frames(w.path, info, 0, 800), x[100:900])
    np.testing.assert_allclose(decode(w.path, 16000, 2), x[100:900], atol=1e-7)


def test_wav_header_is_valid_riff(tmp_path: Path) -> None:
    w = WavWriter(tmp_path / "h.wav", 44100, 1)
    w.write(np.zeros((100, 1), np.float32))
    w.close(10, 90)
    raw = (tmp_path / "h.wav").read_bytes()
    assert raw[:4] == b"RIFF" and struct.unpack("<I", raw[4:8])[0] == len(raw) - 8


def test_settings_validation() -> None:
    with pytest.raises(ConfigError) as err:
        AudioSettings(channels="quad", bitrate_mono=128, bitrate_stereo=64, encoder_quality=12)
    text = str(err.value)
    for field in ("channels", "bitrate_mono", "bitrate_stereo", "encoder_quality"):
        assert f"audio.{field}" in text
    with pytest.raises(ConfigError, match="did you mean 'bitrate_mono'"):
        AudioSettings.from_mapping({"bitrate_mon": 64})
    s = AudioSettings.from_mapping({"bitrate_mono": 96, "channels": "mono"})
    assert s.bitrate(1) == 96 and s.target_lufs(1) == -19.0 and s.target_lufs(2) == -16.0
    assert s.output_channels((2,)) == 1
    assert (
        AudioSettings().output_channels((1, 1)) == 1
        and AudioSettings().output_channels((1, 2)) == 2
    )
