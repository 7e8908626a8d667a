"""AudioSettings: every knob of the audio stage, validated. YAML names are the field names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from podcast.errors import ConfigError

CHANNEL_MODES = ("auto", "mono", "stereo")
MONO_BITRATES = (64, 80, 96)  # MPEG-1 layer III CBR rates in the allowed band
STEREO_BITRATES = (96, 112, 128, 160, 192)


@dataclass(frozen=True)
class AudioSettings:
    channels: str = "auto"
    """"auto" (mono when every source is mono, else stereo), "mono" or "stereo"."""
    target_lufs_stereo: float = -16.0
    """Integrated loudness target (LUFS, ITU-R BS.1770-4) for stereo output."""
    target_lufs_mono: float = -19.0
    """Integrated loudness target for mono output (plays as dual mono, so 3 LU lower)."""
    true_peak_dbtp: float = -1.0
    """Highest true peak allowed in the encoded MP3 (dBTP)."""
    loudness_tolerance: float = 0.5
    """Allowed |measured - target| on the encoded file (LU); outside it we re-encode."""
    bitrate_stereo: int = 128
    """MP3 CBR bitrate for stereo (kbps): 96-192."""
    bitrate_mono: int = 64
    """MP3 CBR bitrate for mono (kbps): 64-96."""
    sample_rate: int = 44100
    """Working and output sample rate (Hz). Podcast apps expect 44100."""
    encoder_quality: int = 7
    """LAME algorithm quality (-q): 0 best/slowest .. 9 fastest. 7 ("fast, ok quality") is
    transparent enough for speech at 128/64 kbps CBR and encodes ~1.7x faster than 5, which
    the 100x-real-time target needs on 2 shared cores; raise it for music-heavy shows."""
    highpass_hz: float = 80.0
    """High-pass (rumble) filter corner in Hz; 0 turns it off."""
    trim_silence: bool = True
    """Trim leading and trailing silence from the recording."""
    silence_threshold_db: float = -50.0
    """Level (dBFS, 10 ms RMS) below which audio counts as silence for trimming."""
    trim_pad_s: float = 0.3
    """Seconds of silence kept before the first and after the last sound when trimming."""
    fade_ms: int = 1500
    """Fade length of intro/outro music (fade-in of the intro, fade-out of the outro) in ms."""
    intro_crossfade_s: float = 0.0
    """Seconds the intro's tail overlaps the start of the content (0: no overlap)."""
    outro_crossfade_s: float = 0.0
    """Seconds the outro's start overlaps the end of the content (0: no overlap)."""
    bleep_hz: float = 1000.0
    """Frequency of the tone that replaces muted (redacted) audio in "bleep" mode."""
    bleep_level_db: float = -20.0
    """Level of the bleep tone before loudness normalisation (dBFS, sine peak)."""
    gate_bleed: bool = True
    """Multitrack: attenuate a speaker's track while another speaker is clearly louder."""
    gate_depth_db: float = -24.0
    """Multitrack: how far the bleed gate attenuates (dB)."""

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ConfigError(problems)

    def problems(self, where: str = "audio") -> list[str]:
        p: list[str] = []
        if self.channels not in CHANNEL_MODES:
            p.append(
                f"{where}.channels: must be one of {', '.join(CHANNEL_MODES)}, not {self.channels!r}"
            )
        if self.bitrate_mono not in MONO_BITRATES:
            p.append(
                f"{where}.bitrate_mono: must be one of {MONO_BITRATES} kbps, not {self.bitrate_mono!r}"
            )
        if self.bitrate_stereo not in STEREO_BITRATES:
            p.append(
                f"{where}.bitrate_stereo: must be one of {STEREO_BITRATES} kbps, not {self.bitrate_stereo!r}"
            )
        checks = (
            ("target_lufs_stereo", -30.0, -10.0),
            ("target_lufs_mono", -30.0, -10.0),
            ("true_peak_dbtp", -9.0, 0.0),
            ("loudness_tolerance", 0.1, 3.0),
            ("sample_rate", 22050, 48000),
            ("encoder_quality", 0, 9),
            ("highpass_hz", 0.0, 300.0),
            ("silence_threshold_db", -90.0, -20.0),
            ("trim_pad_s", 0.0, 10.0),
            ("fade_ms", 0, 30000),
            ("intro_crossfade_s", 0.0, 30.0),
            ("outro_crossfade_s", 0.0, 30.0),
            ("bleep_hz", 100.0, 8000.0),
            ("bleep_level_db", -60.0, 0.0),
            ("gate_depth_db", -80.0, 0.0),
        )
        for name, lo, hi in checks:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not lo <= v <= hi:
                p.append(f"{where}.{name}: must be a number from {lo} to {hi}, not {v!r}")
        if self.sample_rate not in (22050, 32000, 44100, 48000):
            p.append(
                f"{where}.sample_rate: must be 22050, 32000, 44100 or 48000, not {self.sample_rate!r}"
            )
        for name in ("trim_silence", "gate_bleed"):
            if not isinstance(getattr(self, name), bool):
                p.append(f"{where}.{name}: must be true or false")
        return list(dict.fromkeys(p))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "audio") -> AudioSettings:
        """Build from a YAML mapping; unknown keys are errors with a 'did you mean' hint."""
        import difflib

        names = [f.name for f in fields(cls)]
        problems = []
        for key in data:
            if key not in names:
                hint = difflib.get_close_matches(str(key), names, n=1)
                problems.append(
                    f"{where}.{key}: unknown setting"
                    + (f" (did you mean {hint[0]!r}?)" if hint else "")
                )
        if problems:
            raise ConfigError(problems)
        try:
            return cls(**dict(data))
        except ConfigError as exc:
            raise ConfigError([p.replace("audio.", f"{where}.", 1) for p in exc.problems]) from None

    def output_channels(self, source_channels: tuple[int, ...]) -> int:
        if self.channels == "mono":
            return 1
        if self.channels == "stereo":
            return 2
        return 1 if all(c == 1 for c in source_channels) else 2

    def target_lufs(self, channels: int) -> float:
        return self.target_lufs_mono if channels == 1 else self.target_lufs_stereo

    def bitrate(self, channels: int) -> int:
        return self.bitrate_mono if channels == 1 else self.bitrate_stereo
