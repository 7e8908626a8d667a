"""A small real show for the site tests: real MP3s (imageio-ffmpeg's ffmpeg), a real PNG
artwork, transcripts with several speakers and chapters, built as PublishedEpisode values
here so the site tests do not wait for the other stages. Imported by test_site*.py and
test_browser*.py; it holds fixtures and builders, and one sanity test of its own."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from podcast.models import (
    Chapter,
    MasteredAudio,
    PublishedEpisode,
    Segment,
    Speaker,
    Timeline,
    Transcript,
    Word,
)
from podcast.project import Project, load_project

HOSTILE = '<script>alert("x")</script> & \'quotes\' "double" עברית مرحبا 🎙️ </p><b>bold?'

SHOW_YAML = """\
title: {title}
description: |
  Conversations with the people who keep the county's clinics running.

  New episodes every month.
author: Example NHS Trust
publisher: Example NHS Trust
owner:
  name: Comms team
  email: comms@example.nhs.uk
contact:
  name: Accessibility team
  email: access@example.nhs.uk
  phone: 01234 567890
base_url: https://example.nhs.uk/podcast
artwork: artwork.png
category: Health & Fitness
language: en-GB
guid: 5d5a0f8e-3a6c-5b8e-9d3a-2f1e4c7b6a90
links:
  apple: https://podcasts.apple.com/gb/podcast/id123
  spotify: https://open.spotify.com/show/abc
  other:
    - name: Pocket Casts
      url: https://pca.st/xyz
    - name: Our feed (listed first already, so left out)
      url: https://example.nhs.uk/podcast/feed.xml
{theme}"""


def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def make_mp3(path: Path, seconds: float) -> Path:
    """A tone whose loudness swells and fades, so the waveform has a shape."""
    expr = "0.6*sin(2*PI*330*t)*(0.55+0.45*sin(2*PI*t/6))"
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            ffmpeg(),
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"aevalsrc={expr}:s=44100:d={seconds}",
            "-ac",
            "1",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "64k",
            str(path),
        ],
        check=True,
    )
    return path


def make_png(path: Path, size: int = 1400) -> Path:
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (size, size), (29, 112, 184))
    ImageDraw.Draw(im).ellipse(
        [size // 4, size // 4, 3 * size // 4, 3 * size // 4], fill=(255, 221, 0)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, "PNG", compress_level=1)
    return path


def make_project(root: Path, *, title: str = "Clinic Voices", theme: str | None = None) -> Project:
    root.mkdir(parents=True, exist_ok=True)
    make_png(root / "artwork.png")
    text = SHOW_YAML.format(title=json.dumps(title), theme=f"theme: {theme}\n" if theme else "")
    (root / "show.yaml").write_text(text, encoding="utf-8")
    return load_project(root)


def _words(start: float, end: float, text: str) -> tuple[Word, ...]:
    tokens = text.split()
    step = (end - start) / len(tokens)
    return tuple(
        Word(start + i * step, start + (i + 1) * step, " " + tok, 0.95 if i % 4 else 0.42)
        for i, tok in enumerate(tokens)
    )


def seg(start: float, end: float, speaker: str, text: str, kind: str = "speech") -> Segment:
    words = _words(start, end, text) if kind == "speech" else ()
    return Segment(start, end, text, speaker, words, kind=kind)


SPEAKERS = (
    Speaker("host", "Asha Patel", "Presenter", "Asha Patel", True, True),
    Speaker("doc", "Tom Reed", "Consultant cardiologist", "Tom Reed", True, False),
    Speaker("pat", "Jo Bloggs", "Patient", "Patient", False, False),
)


def write_files(
    out: Path, slug: str, transcript: Transcript, kinds: tuple[str, ...]
) -> dict[str, str]:
    """Write the transcript downloads the way a simple exporter would; returns kind -> path."""
    files: dict[str, str] = {}
    lines = [f"{s.start:.2f} {s.speaker}: {s.text}" for s in transcript.segments]
    content = {
        "vtt": "WEBVTT\n\n"
        + "\n\n".join(
            f"00:00:{s.start:06.3f} --> 00:00:{s.end:06.3f}\n<v {s.speaker}>{s.text}"
            for s in transcript.segments
        )
        + "\n",
        "srt": "\n".join(lines) + "\n",
        "txt": "\n".join(lines) + "\n",
        "json": json.dumps([s.text for s in transcript.segments]) + "\n",
        "html": "<!DOCTYPE html><title>t</title><p>transcript</p>\n",
        "chapters": json.dumps({"version": "1.2.0", "chapters": []}) + "\n",
    }
    names = {
        "vtt": "transcript.vtt",
        "srt": "transcript.srt",
        "txt": "transcript.txt",
        "json": "transcript.json",
        "html": "transcript.html",
        "chapters": "chapters.json",
    }
    for kind in kinds:
        rel = f"{slug}/{names[kind]}"
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(content[kind], encoding="utf-8")
        files[kind] = rel
    return files


def mastered(path: Path, duration: float, intro: float = 0.0) -> MasteredAudio:
    data = path.read_bytes()
    return MasteredAudio(
        path=path,
        duration=duration,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        channels=1,
        sample_rate=44100,
        bitrate_kbps=64,
        integrated_lufs=-19.0,
        true_peak_dbtp=-1.5,
        target_lufs=-19.0,
        input_lufs=-27.3,
        timeline=Timeline(0.3, intro, duration - intro, 0.0),
    )


class Config:
    """Stands in for podcast.config.EpisodeConfig: the renderer reads only these attributes."""

    def __init__(self, date: dt.date, description: str, number: int | None = None):
        self.date = date
        self.description = description
        self.number = number
        self.episode_type = "full"


def first_episode(out: Path, *, waveform: bool = True) -> PublishedEpisode:
    slug = "01-cardiology"
    mp3 = make_mp3(out / slug / f"{slug}.mp3", 12.0)
    transcript = Transcript(
        segments=(
            seg(0.2, 1.9, "host", "Welcome to Clinic Voices. I'm Asha."),
            seg(2.0, 3.8, "doc", "Thanks Asha, glad to be here at the heart clinic."),
            seg(4.1, 5.9, "host", "What does a normal morning look like?"),
            seg(6.0, 7.8, "doc", "We start with the echocardiogram list at eight."),
            seg(8.1, 9.0, "", "[Music]", kind="nonspeech"),
            seg(9.1, 11.6, "pat", "The nurses explained everything, which helped a lot."),
        ),
        language="en",
        engine="faster-whisper",
        model="tiny.en",
        source="human",
        duration=12.0,
    )
    chapters = (
        Chapter(0.0, "Introductions"),
        Chapter(4.0, "A morning in clinic", url="https://example.nhs.uk/cardiology"),
        Chapter(8.0, "A patient's view"),
    )
    files = write_files(out, slug, transcript, ("vtt", "srt", "txt", "json", "html", "chapters"))
    files["mp3"] = f"{slug}/{slug}.mp3"
    files["page"] = f"{slug}/index.html"
    if waveform:
        from podcast.site.waveform import render_waveform

        render_waveform(mp3, chapters, 12.0, out / slug / "waveform.png")
        files["waveform"] = f"{slug}/waveform.png"
    return PublishedEpisode(
        slug=slug,
        guid="guid-1",
        title="Inside the heart clinic",
        audio=mastered(mp3, 12.0),
        transcript=transcript,
        chapters=chapters,
        speakers=SPEAKERS,
        files=tuple(sorted(files.items())),
        reviewed=True,
        config=Config(
            dt.date(2026, 10, 1),
            "A morning with the cardiology team.\n\nRecorded at the county hospital.",
            1,
        ),
        published_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
    )


def second_episode(out: Path, title: str = HOSTILE) -> PublishedEpisode:
    """Hostile text everywhere, an intro before the content, an unchecked machine transcript,
    no SRT, no waveform."""
    slug = "02-hostile"
    mp3 = make_mp3(out / slug / f"{slug}.mp3", 8.0)
    speakers = (Speaker("x", HOSTILE, HOSTILE + " role", HOSTILE, True, True),)
    transcript = Transcript(
        segments=(
            seg(0.0, 2.5, "x", HOSTILE),
            seg(2.6, 5.5, "", "unknown speaker & <i>friends</i>"),
        ),
        language="en",
        source="machine",
        duration=6.0,
    )
    chapters = (Chapter(0.0, "Intro music"), Chapter(2.0, HOSTILE))
    files = write_files(out, slug, transcript, ("vtt", "txt", "json"))
    files["mp3"] = f"{slug}/{slug}.mp3"
    return PublishedEpisode(
        slug=slug,
        guid="guid-2",
        title=title,
        audio=mastered(mp3, 8.0, intro=2.0),
        transcript=transcript,
        chapters=chapters,
        speakers=speakers,
        files=tuple(sorted(files.items())),
        reviewed=False,
        config=Config(dt.date(2026, 11, 5), HOSTILE + "\n\n" + HOSTILE),
        published_at=dt.datetime(2026, 11, 5, 9, 30, tzinfo=dt.UTC),
    )


def build(
    tmp: Path, *, theme: str | None = None
) -> tuple[Path, Project, tuple[PublishedEpisode, ...]]:
    from podcast.site.render import render_site

    project = make_project(tmp / "show", theme=theme)
    out = tmp / "feed"
    episodes = (first_episode(out), second_episode(out))
    (out / "feed.xml").write_text("<rss/>\n", encoding="utf-8")
    render_site(project, episodes, out)
    return out, project, episodes


_SHARED: dict[str, tuple[Path, Project, tuple[PublishedEpisode, ...]]] = {}


def shared_site(
    factory: pytest.TempPathFactory,
) -> tuple[Path, Project, tuple[PublishedEpisode, ...]]:
    """The sample show rendered once per test session (each test module's `sample_site`
    fixture returns this), into a temporary feed/ folder. Tests must not change it."""
    if "site" not in _SHARED:
        _SHARED["site"] = build(factory.mktemp("site"))
    return _SHARED["site"]


def test_sample_mp3_is_real(tmp_path: Path) -> None:
    import av

    path = make_mp3(tmp_path / "a.mp3", 3.0)
    with av.open(str(path)) as container:
        assert container.format.name == "mp3"
        assert container.streams.audio[0].codec_context.name.startswith("mp3")
        assert abs(float(container.duration) / 1e6 - 3.0) < 0.2
