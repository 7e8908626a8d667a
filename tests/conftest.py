"""Shared fixtures: a small show written into tmp_path, with real generated files."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite tests/golden files.")


def write_tone_wav(path: Path, seconds: float = 2.0, rate: int = 16000, freq: float = 440.0,
                   amplitude: float = 0.3, channels: int = 1) -> Path:
    """A real PCM WAV file (stdlib only)."""
    import math
    import struct

    frames = bytearray()
    for i in range(int(seconds * rate)):
        v = int(amplitude * 32767 * math.sin(2 * math.pi * freq * i / rate))
        frames += struct.pack("<h", v) * channels
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return path


def write_artwork(path: Path, size: int = 1400, mode: str = "RGB", fmt: str | None = None) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, (size, size), (0, 94, 184) if mode == "RGB" else 0).save(path, format=fmt)
    return path


def espeak(text: str, path: Path, voice: str = "en-gb", speed: int = 150) -> Path:
    """Synthesised speech as a WAV (Debian espeak-ng); skips loudly without it."""
    exe = shutil.which("espeak-ng")
    if not exe:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng): speech fixtures unavailable")
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([exe, "-v", voice, "-s", str(speed), "-w", str(path), text], check=True,
                   capture_output=True)
    return path


SHOW: dict[str, Any] = {
    "title": "Test Stories",
    "description": "Stories in their own words.",
    "author": "Test Trust",
    "owner": {"name": "Comms Team", "email": "comms@example.org"},
    "language": "en-GB",
    "base_url": "https://example.org/podcast/",
    "artwork": "artwork.png",
    "category": "Health & Fitness",
    "subcategory": "Medicine",
    "guid": "5d6f1a2b-1111-5222-8333-944455556666",
    "transcription": {"allow_unreviewed": True},
}


def episode_yaml(title: str = "First episode", audio: str = "recording.wav", **extra: Any) -> dict:
    data: dict[str, Any] = {
        "title": title,
        "date": "2026-03-01",
        "description": "An episode.",
        "audio": audio,
        "speakers": [{
            "id": "host", "name": "Alex Host", "role": "Interviewer", "host": True,
            "consent": {"reference": "CF-1", "date": "2026-01-01",
                        "scope": ["audio", "transcript", "name"]},
        }],
    }
    data.update(extra)
    return data


class ShowBuilder:
    def __init__(self, root: Path):
        self.root = root

    def show(self, **overrides: Any) -> Path:
        data = {**SHOW, **overrides}
        write_artwork(self.root / "artwork.png")
        path = self.root / "show.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    def episode(self, slug: str, data: dict | None = None, *, audio: Path | None = None,
                text: str | None = None) -> Path:
        folder = self.root / "episodes" / slug
        folder.mkdir(parents=True, exist_ok=True)
        data = data if data is not None else episode_yaml()
        if text is not None:
            (folder / "episode.yaml").write_text(text, encoding="utf-8")
        else:
            (folder / "episode.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        name = data.get("audio") if isinstance(data, dict) else None
        if audio is not None and name:
            shutil.copyfile(audio, folder / name)
        elif name and not (folder / name).exists():
            write_tone_wav(folder / name)
        return folder


@pytest.fixture
def show(tmp_path: Path) -> ShowBuilder:
    builder = ShowBuilder(tmp_path / "show")
    builder.root.mkdir()
    builder.show()
    return builder
