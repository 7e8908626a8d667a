"""What the templates show: plain view values built from PublishedEpisode and the show config.

Templates never do arithmetic on times or paths; everything they print is prepared here,
so the same view feeds the episode page, the index and the search index. Times on the page
are on the *published* timeline (what the player shows): transcript times are shifted by the
intro's length, chapters already are.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from podcast.models import Chapter, PublishedEpisode, Speaker

from .format import fragment_time

DOWNLOADS = (
    ("mp3", "Audio", "MP3"),
    ("vtt", "Transcript as subtitles", "WebVTT"),
    ("srt", "Transcript as subtitles", "SRT"),
    ("txt", "Transcript as plain text", "TXT"),
    ("json", "Transcript with word timings", "JSON"),
    ("html", "Transcript as a web page", "HTML"),
    ("chapters", "Chapters", "JSON"),
)
"""(file kind, what it is, format name) in the order the downloads list shows them."""

SUMMARY_CHARS = 300


@dataclass(frozen=True)
class Download:
    label: str
    format: str
    href: str  # relative to the page
    size: int | None


@dataclass(frozen=True)
class ChapterView:
    number: int
    title: str
    start: float
    href: str  # media fragment link, relative to the page
    anchor: str  # id of the chapter heading in the transcript ("" when it has none)
    url: str | None = None


@dataclass(frozen=True)
class ParagraphView:
    id: str
    speaker: str  # "" for non-speech such as [Music]
    start: float
    end: float
    text: str
    href: str  # media fragment link
    kind: str = "speech"


@dataclass(frozen=True)
class Section:
    """A run of transcript paragraphs under one chapter heading (heading "" = before any)."""

    anchor: str
    heading: str
    start: float
    href: str
    paragraphs: tuple[ParagraphView, ...]


@dataclass(frozen=True)
class Person:
    name: str  # display name (the role when the person is not named)
    role: str
    named: bool
    host: bool


@dataclass(frozen=True)
class EpisodeView:
    slug: str
    title: str
    date: dt.date | None
    duration: float
    description: tuple[str, ...]  # paragraphs
    summary: str
    page: str  # path of the page under the output folder, e.g. "intro/index.html"
    page_dir: str  # "intro"
    url: str  # absolute canonical URL of the page
    audio_href: str  # relative to the page
    audio_url: str  # absolute
    number: int | None
    episode_type: str
    people: tuple[Person, ...]
    chapters: tuple[ChapterView, ...]
    sections: tuple[Section, ...]
    has_transcript: bool
    reviewed: bool
    transcript_source: str
    transcript_language: str
    downloads: tuple[Download, ...]
    waveform_href: str | None
    waveform_size: tuple[int, int] | None
    waveform_alt: str
    artwork_url: str | None  # absolute URL for sharing, episode artwork first


def split_paragraphs(text: str) -> tuple[str, ...]:
    """Blank-line separated paragraphs with runs of whitespace collapsed."""
    parts = re.split(r"\n\s*\n", text or "")
    return tuple(p for p in (" ".join(part.split()) for part in parts) if p)


def summarise(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The first paragraph, cut at a word boundary to at most `limit` characters."""
    first = next(iter(split_paragraphs(text)), "")
    if len(first) <= limit:
        return first
    cut = first[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.-")
    return cut + "…"


def episode_date(ep: PublishedEpisode) -> dt.date | None:
    day = getattr(ep.config, "date", None)
    if isinstance(day, dt.date):
        return day
    return ep.published_at.date() if ep.published_at else None


def sort_key(ep: PublishedEpisode) -> tuple:
    """Newest first: publication time, then date, then episode number, then slug."""
    when = ep.published_at or (
        dt.datetime.combine(episode_date(ep) or dt.date.min, dt.time(), dt.UTC)
    )
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    number = getattr(ep.config, "number", None)
    return (-when.timestamp(), -(number if number is not None else -1), ep.slug)


def newest_first(episodes: Sequence[PublishedEpisode]) -> tuple[PublishedEpisode, ...]:
    return tuple(sorted(episodes, key=sort_key))


def _page_path(ep: PublishedEpisode) -> str:
    return ep.file("page") or f"{ep.slug}/index.html"


def relative(target: str, page_dir: str) -> str:
    """A path under the output folder, as a link from a page in `page_dir` ("" = the root)."""
    return posixpath.relpath(target, page_dir or ".")


def people(speakers: Sequence[Speaker]) -> tuple[Person, ...]:
    hosts_first = sorted(speakers, key=lambda s: (not s.host,))
    return tuple(Person(s.display_name, s.role, s.named, s.host) for s in hosts_first)


def _chapters(chapters: Sequence[Chapter], audio_href: str) -> tuple[ChapterView, ...]:
    shown = [c for c in sorted(chapters, key=lambda c: c.start) if c.toc]
    return tuple(
        ChapterView(
            number=i,
            title=c.title,
            start=c.start,
            href=f"{audio_href}#t={fragment_time(c.start)}",
            anchor=f"chapter-{i}",
            url=c.url,
        )
        for i, c in enumerate(shown, start=1)
    )


def _sections(
    ep: PublishedEpisode, chapters: tuple[ChapterView, ...], audio_href: str
) -> tuple[Section, ...]:
    if ep.transcript is None:
        return ()
    from podcast.transcribe.paragraphs import display_names, paragraphs

    offset = ep.audio.timeline.intro
    paras = paragraphs(
        ep.transcript,
        display_names(ep.speakers),
        offset=offset,
        chapter_starts=[c.start - offset for c in chapters],
    )
    groups: dict[int, list[ParagraphView]] = {}
    for n, p in enumerate(paras, start=1):
        view = ParagraphView(
            id=f"p{n}",
            speaker=p.speaker,
            start=p.start,
            end=p.end,
            text=p.text,
            href=f"{audio_href}#t={fragment_time(p.start)}",
            kind=p.kind,
        )
        groups.setdefault(p.chapter, []).append(view)
    sections = []
    for index in sorted(groups):
        chapter = chapters[index] if 0 <= index < len(chapters) else None
        first = groups[index][0]
        sections.append(
            Section(
                anchor=chapter.anchor if chapter else "transcript-start",
                heading=chapter.title if chapter else "",
                start=chapter.start if chapter else first.start,
                href=chapter.href if chapter else first.href,
                paragraphs=tuple(groups[index]),
            )
        )
    return tuple(sections)


def _downloads(ep: PublishedEpisode, page_dir: str, out_dir: Path) -> tuple[Download, ...]:
    out = []
    for kind, label, fmt in DOWNLOADS:
        path = ep.file(kind)
        if not path:
            continue
        size: int | None = ep.audio.size_bytes if kind == "mp3" else None
        on_disk = out_dir / path
        if size is None and on_disk.is_file():
            size = on_disk.stat().st_size
        out.append(Download(label, fmt, relative(path, page_dir), size))
    return tuple(out)


def png_size(path: Path) -> tuple[int, int] | None:
    """Width and height from a PNG's header, or None when it is missing or not a PNG."""
    try:
        with path.open("rb") as f:
            head = f.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def waveform_alt(duration: float, chapters: Sequence[ChapterView]) -> str:
    """The waveform picture in words: what it shows and where the chapter marks fall."""
    from .format import clock, spoken_duration

    text = (
        f"Waveform of the whole episode, {spoken_duration(duration)} long, "
        "showing how loud the sound is from start to finish"
    )
    if not chapters:
        return text + "."
    marks = "; ".join(f"{c.number}, {c.title}, at {clock(c.start)}" for c in chapters)
    noun = "mark" if len(chapters) == 1 else "marks"
    return f"{text}, with {len(chapters)} numbered chapter {noun}: {marks}."


def episode_view(
    ep: PublishedEpisode, base_url: str, show_artwork: str | None, out_dir: Path
) -> EpisodeView:
    page = _page_path(ep)
    page_dir = posixpath.dirname(page)
    mp3 = ep.file("mp3") or posixpath.join(page_dir, ep.audio.path.name)
    audio_href = relative(mp3, page_dir)
    chapters = _chapters(ep.chapters, audio_href)
    waveform = ep.file("waveform")
    artwork = ep.file("artwork") or ep.artwork_url or show_artwork
    description = str(getattr(ep.config, "description", "") or "")
    transcript = ep.transcript
    return EpisodeView(
        slug=ep.slug,
        title=ep.title,
        date=episode_date(ep),
        duration=ep.audio.duration,
        description=split_paragraphs(description),
        summary=summarise(description),
        page=page,
        page_dir=page_dir,
        url=base_url + (page_dir + "/" if page.endswith("index.html") else page),
        audio_href=audio_href,
        audio_url=base_url + mp3,
        number=getattr(ep.config, "number", None),
        episode_type=str(getattr(ep.config, "episode_type", "full") or "full"),
        people=people(ep.speakers),
        chapters=chapters,
        sections=_sections(ep, chapters, audio_href),
        has_transcript=transcript is not None and bool(transcript.segments),
        reviewed=ep.reviewed,
        transcript_source=transcript.source if transcript else "",
        transcript_language=transcript.language if transcript else "",
        downloads=_downloads(ep, page_dir, out_dir),
        waveform_href=relative(waveform, page_dir) if waveform else None,
        waveform_size=png_size(out_dir / waveform) if waveform else None,
        waveform_alt=waveform_alt(ep.audio.duration, chapters),
        artwork_url=base_url + artwork if artwork else None,
    )
