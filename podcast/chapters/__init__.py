"""Chapters: from episode.yaml times, from the interviewer's questions, or found automatically.

`chapters_for` is the stage the pipeline calls. It returns chapters on the *published*
timeline (intro music, then the content, then outro music), validated and with end times,
plus warnings (a planned question that was not found, ...) that `--strict` turns into errors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from podcast.chapters.auto import DEFAULT_OPTIONS, AutoOptions, auto_chapters
from podcast.chapters.explicit import explicit_chapters
from podcast.chapters.jsonfile import MEDIA_TYPE, chapters_json, write_chapters_json
from podcast.chapters.questions import THRESHOLD, place, title_from_question
from podcast.chapters.text import split_words, stem, timed_words
from podcast.chapters.validate import MAX_TITLE, ChapterError, clock, validate, with_ends
from podcast.config import EpisodeConfig
from podcast.models import Chapter, Timeline, Transcript

__all__ = [
    "MEDIA_TYPE", "AutoOptions", "ChapterError", "ChapterResult", "chapters_for",
    "chapters_json", "validate", "write_chapters_json",
]

MIN_MUSIC = 1.0
"""Intro or outro music shorter than this (seconds) gets no chapter of its own."""
SNAP_TO_START = 5.0
"""A first question asked within this many seconds of the start begins the episode's first
chapter at 0 instead of leaving a tiny introduction chapter before it."""


@dataclass(frozen=True)
class ChapterResult:
    chapters: tuple[Chapter, ...]  # published timeline, sorted, with end times
    warnings: tuple[str, ...] = ()
    method: str = "auto"  # "explicit" | "questions" | "auto" | "none"


def chapters_for(config: EpisodeConfig, transcript: Transcript | None, *, duration: float,
                 timeline: Timeline, interviewer_ids: Sequence[str] = (),
                 intro_title: str = "Introduction", intro_music_title: str = "Intro music",
                 outro_music_title: str = "Outro music", slug: str = "",
                 options: AutoOptions = DEFAULT_OPTIONS) -> ChapterResult:
    """The episode's chapters on the published timeline.

    `duration` is the published file's length (intro + content + outro; 0 = timeline.total).
    `interviewer_ids` are the speaker ids who ask the questions (default: the speakers
    marked `host: true`). Raises ChapterError for explicit chapters that cannot be
    published (past the end, out of order, same time, bad title).
    """
    where = f"episodes/{slug}/episode.yaml" if slug else "episode.yaml"
    duration = duration if duration > 0 else timeline.total
    content = timeline.content if timeline.content > 0 else max(
        duration - timeline.intro - timeline.outro, 0.0)
    hosts = tuple(interviewer_ids) or tuple(s.id for s in config.speakers if s.host)
    warnings: list[str] = []
    if config.chapters == "none":
        if config.questions:
            warnings.append(f"{where}: questions: ignored because chapters is 'none'")
        return ChapterResult((), tuple(warnings), "none")
    if isinstance(config.chapters, tuple):
        method = "explicit"
        if config.questions:
            warnings.append(f"{where}: questions: ignored because chapters are listed")
        body = list(explicit_chapters(config.chapters, timeline, content=content, where=where))
    elif config.questions:
        method = "questions"
        body = _from_questions(config, transcript, hosts, intro_title, where, warnings)
    else:
        method = "auto"
        body = _automatic(config, transcript, content, hosts, options, where, warnings)
    body = _inside(body, content, method, where, warnings)
    chapters = _published(body, timeline, content, intro_music_title, outro_music_title)
    validate(chapters, duration, where=where)
    warnings += _redaction_warnings(chapters, config.redact, where)
    return ChapterResult(with_ends(chapters, duration), tuple(warnings), method)


def _from_questions(config: EpisodeConfig, transcript: Transcript | None, hosts: Sequence[str],
                    intro_title: str, where: str, warnings: list[str]) -> list[Chapter]:
    for i, q in enumerate(config.questions):
        if q.title is not None and len(q.title) > MAX_TITLE:
            raise ChapterError(where, i, q.title[:40] + "...", f"the title is {len(q.title)} "
                               f"characters long (at most {MAX_TITLE})", field="questions")
    words = timed_words(transcript)
    if not words:
        warnings.append(f"{where}: questions: there is no transcript to find them in; "
                        "no question chapters made")
        return [Chapter(0.0, config.title)]
    placements = place([q.text for q in config.questions], words, hosts)
    body: list[Chapter] = []
    for p in placements:
        q = config.questions[p.question]
        if p.start is None:
            why = (f"matched only at {clock(p.out_of_order)} in the transcript, out of the "
                   "planned order (check the order of questions:)" if p.out_of_order is not None
                   else f"not found in the transcript (best match {p.score:.0%}, needs "
                   f"{THRESHOLD:.0%})")
            warnings.append(f"{where}: questions[{p.question}] {_short(q.text)!r}: {why}; "
                            "no chapter made for it")
            continue
        body.append(Chapter(p.start, q.title or title_from_question(q.text)))
    if not body:
        return [Chapter(0.0, config.title)]
    if body[0].start <= SNAP_TO_START:
        body[0] = replace(body[0], start=0.0)
    else:
        body.insert(0, Chapter(0.0, intro_title))
    return body


def _automatic(config: EpisodeConfig, transcript: Transcript | None, content: float,
               hosts: Sequence[str], options: AutoOptions, where: str,
               warnings: list[str]) -> list[Chapter]:
    words = timed_words(transcript)
    if not words:
        warnings.append(f"{where}: chapters: automatic chapters need a transcript; "
                        "the episode has one chapter")
        return [Chapter(0.0, config.title)]
    content = content or words[-1].end
    private = [*config.redact, *(s.name for s in config.speakers)]
    exclude = frozenset(w for term in private for n in split_words(term) for w in (n, stem(n)))
    found = auto_chapters(words, content, interviewer_ids=hosts, options=options,
                          exclude=exclude)
    if len(found) == 1:  # one chapter is the whole episode: it has a title already
        return [Chapter(0.0, config.title)]
    return [Chapter(start, title) for start, title in found]


def _inside(body: list[Chapter], content: float, method: str, where: str,
            warnings: list[str]) -> list[Chapter]:
    """Drop found chapters that start too close to the end of the content to be useful."""
    if method == "explicit" or content <= 0:
        return body
    kept = [ch for ch in body if ch.start < content - 1.0 or ch.start == 0.0]
    for ch in body:
        if ch not in kept:
            warnings.append(f"{where}: chapter {ch.title!r} at {clock(ch.start)} is at the very "
                            "end of the recording; left out")
    return kept


def _published(body: Sequence[Chapter], timeline: Timeline, content: float,
               intro_music_title: str, outro_music_title: str) -> list[Chapter]:
    out: list[Chapter] = []
    if timeline.intro >= MIN_MUSIC:
        out.append(Chapter(0.0, intro_music_title))
    for ch in body:
        start = timeline.content_to_published(ch.start)
        if not out and start < MIN_MUSIC:
            start = 0.0
        out.append(replace(ch, start=start))
    outro = timeline.content_to_published(content)
    if timeline.outro >= MIN_MUSIC and content > 0 and (not out or outro - out[-1].start >= 1.0):
        out.append(Chapter(outro, outro_music_title))
    return out


def _redaction_warnings(chapters: Sequence[Chapter], terms: Sequence[str],
                        where: str) -> list[str]:
    out = []
    for ch in chapters:
        for term in terms:
            if term.strip() and re.search(rf"\b{re.escape(term.strip())}\b", ch.title, re.I):
                out.append(f"{where}: chapter {ch.title!r} names {term!r}, which is listed "
                           "under redact: change the title")
    return out


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
