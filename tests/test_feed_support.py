"""Builders for the feed tests (no tests here): a published output folder with real files.

The MP3s are real (imageio-ffmpeg's ffmpeg), the artwork real PNGs (Pillow), the transcript
and chapter files real text. Nothing waits for the other stages: PublishedEpisode values are
built here the way the pipeline builds them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

from podcast.config import EpisodeConfig, ShowConfig
from podcast.models import (
    Chapter,
    MasteredAudio,
    PublishedEpisode,
    Segment,
    Speaker,
    Timeline,
    Transcript,
)
from podcast.project import EpisodeSource, Project, podcast_guid

BASE = "https://example.org/podcast/"
NASTY = "<script>alert('x')</script> & \"quotes\" 'apos' שלום עולם 🎧 ]]> &amp;"

SHOW: dict[str, Any] = {
    "title": "Test Stories",
    "description": "Stories in their own words.",
    "author": "Test Trust",
    "owner": {"name": "Comms Team", "email": "comms@example.org"},
    "language": "en-GB",
    "base_url": BASE,
    "artwork": "artwork.png",
    "category": "Health & Fitness",
    "subcategory": "Medicine",
    "hosts": [{"name": "Alex Host", "role": "host", "href": "https://example.org/alex"}],
    "license": "cc-by-4.0",
}


def make_mp3(path: Path, seconds: float, freq: int = 440) -> Path:
    import imageio_ffmpeg

    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-f", "lavfi",
           "-i", f"sine=frequency={freq}:duration={seconds}", "-ac", "1", "-ar", "44100",
           "-b:a", "64k", str(path)]
    subprocess.run(cmd, check=True, capture_output=True)
    return path


def make_png(path: Path, size: int = 1400, mode: str = "RGB") -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, (size, size), (0, 94, 184) if mode == "RGB" else 0).save(path)
    return path


def mp3_duration(path: Path) -> float:
    from mutagen.mp3 import MP3

    return float(MP3(str(path)).info.length)


def show_config(**overrides: Any) -> ShowConfig:
    return ShowConfig.model_validate({**SHOW, **overrides})


def make_project(root: Path, show: ShowConfig | None = None,
                 episodes: tuple[EpisodeSource, ...] = ()) -> Project:
    show = show or show_config()
    guid = show.guid or podcast_guid(show.base_url + "feed.xml")
    return Project(root, show, episodes, guid)


def episode_config(**data: Any) -> EpisodeConfig:
    base = {"title": "An episode", "date": "2026-01-05", "description": "About it.",
            "audio": "recording.wav"}
    return EpisodeConfig.model_validate({**base, **data})


SPEAKERS = (
    Speaker("host", "Alex Host", "Interviewer", "Alex Host", named=True, host=True),
    Speaker("guest", "Dr Sam Guest", "Consultant", "Dr Sam Guest", named=True),
    Speaker("pt", "Pat Secret", "Patient", "Patient", named=False),
)
TRANSCRIPT_KINDS = ("vtt", "srt", "json", "txt", "html")


def _transcript_files(folder: Path, slug: str, text: str) -> list[tuple[str, str]]:
    bodies = {
        "vtt": f"WEBVTT\n\n00:00.000 --> 00:01.000\n<v Alex Host>{text}\n",
        "srt": f"1\n00:00:00,000 --> 00:00:01,000\nAlex Host: {text}\n",
        "json": json.dumps({"version": "1.0.0", "segments": [
            {"speaker": "Alex Host", "startTime": 0, "endTime": 1, "body": text}]}),
        "txt": f"Alex Host: {text}\n",
        "html": f"<!doctype html><title>t</title><p>{text}</p>\n",
    }
    files = []
    for kind in TRANSCRIPT_KINDS:
        (folder / f"transcript.{kind}").write_text(bodies[kind], encoding="utf-8")
        files.append((kind, f"{slug}/transcript.{kind}"))
    return files


def published_episode(out: Path, slug: str, *, seconds: float, when: dt.datetime | None,
                      transcripts: bool = True, chapters: tuple[Chapter, ...] = (),
                      artwork: bool = False, reviewed: bool = True, title: str | None = None,
                      speakers: tuple[Speaker, ...] = SPEAKERS, guid: str | None = None,
                      timeline: Timeline | None = None, **cfg: Any) -> PublishedEpisode:
    """Write the episode's files into out/<slug>/ and return its PublishedEpisode."""
    folder = out / slug
    mp3 = make_mp3(folder / f"{slug}.mp3", seconds, freq=300 + 10 * len(slug))
    data = mp3.read_bytes()
    duration = mp3_duration(mp3)
    files = [("mp3", f"{slug}/{slug}.mp3")]
    (folder / "index.html").write_text("<!doctype html><title>page</title>\n", encoding="utf-8")
    files.append(("page", f"{slug}/index.html"))
    if transcripts:
        files += _transcript_files(folder, slug, "Hello & welcome")
    if chapters:
        (folder / "chapters.json").write_text(json.dumps({"version": "1.2.0", "chapters": [
            {"startTime": c.start, "title": c.title} for c in chapters]}), encoding="utf-8")
        files.append(("chapters", f"{slug}/chapters.json"))
    if artwork:
        make_png(folder / "artwork.png")
        files.append(("artwork", f"{slug}/artwork.png"))
    timeline = timeline or Timeline(content=duration)
    audio = MasteredAudio(mp3, duration, len(data), hashlib.sha256(data).hexdigest(), 1, 44100,
                          64, -19.0, -1.5, -19.0, -25.0, timeline)
    config = episode_config(title=title or slug, **cfg)
    transcript = Transcript((Segment(0.0, 1.0, "Hello & welcome", "host"),), "en") \
        if transcripts else None
    return PublishedEpisode(
        slug=slug, guid=guid or f"urn:uuid:{hashlib.md5(slug.encode()).hexdigest()}",
        title=config.title, audio=audio, transcript=transcript, chapters=chapters,
        speakers=speakers, files=tuple(files), reviewed=reviewed, config=config,
        published_at=when)


def standard_output(out: Path) -> tuple[Project, tuple[PublishedEpisode, ...]]:
    """Three episodes covering every feature, written into `out` with the show's files."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.html").write_text("<!doctype html><title>show</title>\n", encoding="utf-8")
    make_png(out / "artwork.png")
    utc = dt.UTC
    eps = (
        published_episode(
            out, "01-welcome", seconds=4.0, when=dt.datetime(2026, 1, 5, 9, 30, tzinfo=utc),
            chapters=(Chapter(0.0, "Intro"), Chapter(1.25, "The ward & the team"),
                      Chapter(2.5, "Questions", url="https://example.org/q")),
            artwork=True, number=1, season=1, description="Welcome.\n\nSecond paragraph.",
            soundbites=[{"start": 0.5, "duration": 2.0, "title": "A moment"}],
            timeline=Timeline(lead_trim=0.25, intro=1.0, content=2.0)),
        published_episode(
            out, "02-clinic", seconds=3.0,
            when=dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            reviewed=False, title="Clinic " + NASTY, description="Visit " + NASTY,
            number=2, season=1),
        published_episode(
            out, "03-bonus", seconds=2.0, when=dt.datetime(2026, 2, 1, 11, 0, tzinfo=utc),
            transcripts=False, episode_type="bonus", speakers=SPEAKERS[:1], explicit=True),
    )
    return make_project(out.parent), eps
