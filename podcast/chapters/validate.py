"""Chapter rules every list must pass, and the error that names the broken chapter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from podcast.errors import PodcastError
from podcast.models import Chapter

MAX_TITLE = 128
MIN_SEPARATION = 1.0
"""Two chapters closer than this (seconds) count as 'at the same time'."""


class ChapterError(PodcastError):
    """A chapter that cannot be published. `index` is its position in episode.yaml's
    `chapters:` list (or in the computed list), `title` its title; the pipeline wraps it
    into an EpisodeError naming the episode."""

    def __init__(self, where: str, index: int, title: str, message: str, *,
                 field: str = "chapters"):
        self.where = where
        self.field = field
        self.index = index
        self.title = title
        self.message = message
        super().__init__(f"{where}: {field}[{index}] {title!r}: {message}")


def clock(seconds: float) -> str:
    """75.5 -> '1:15.5'; 3725 -> '1:02:05'."""
    whole = int(seconds)
    frac = seconds - whole
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    text = f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
    if frac >= 0.05:
        text += f"{frac:.1f}"[1:]
    return text


def validate(chapters: Sequence[Chapter], duration: float, *, where: str = "episode.yaml") -> None:
    """Raise ChapterError unless the chapters are sorted, distinct, inside [0, duration)
    and titled (non-empty, at most 128 characters)."""
    previous: Chapter | None = None
    for i, ch in enumerate(chapters):
        title = ch.title.strip()
        if not title:
            raise ChapterError(where, i, ch.title, "the title is empty")
        if len(title) > MAX_TITLE:
            raise ChapterError(where, i, ch.title[:40] + "...",
                               f"the title is {len(title)} characters long (at most {MAX_TITLE})")
        if ch.start < 0:
            raise ChapterError(where, i, title, f"starts at a negative time ({ch.start:g} s)")
        if duration > 0 and ch.start >= duration:
            raise ChapterError(where, i, title, f"starts at {clock(ch.start)}, "
                               f"at or past the end of the episode ({clock(duration)})")
        if previous is not None:
            if ch.start < previous.start:
                raise ChapterError(where, i, title, f"starts at {clock(ch.start)}, before the "
                                   f"chapter above it ({previous.title!r} at {clock(previous.start)}):"
                                   " list chapters in time order")
            if ch.start - previous.start < MIN_SEPARATION:
                raise ChapterError(where, i, title, f"starts at the same time as {previous.title!r}"
                                   f" ({clock(ch.start)})")
        previous = ch


def with_ends(chapters: Sequence[Chapter], duration: float) -> tuple[Chapter, ...]:
    """Each chapter ends where the next starts; the last at the episode's end."""
    out = []
    for i, ch in enumerate(chapters):
        end = chapters[i + 1].start if i + 1 < len(chapters) else duration
        out.append(replace(ch, end=round(end, 3), start=round(ch.start, 3)))
    return tuple(out)
