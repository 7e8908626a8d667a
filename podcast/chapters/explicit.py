"""Chapters given in episode.yaml: times on the raw recording, shifted to the published file."""

from __future__ import annotations

from collections.abc import Sequence

from podcast.chapters.validate import ChapterError, clock
from podcast.config import ChapterConfig
from podcast.models import Chapter, Timeline


def explicit_chapters(items: Sequence[ChapterConfig], timeline: Timeline, *, content: float,
                      where: str = "episode.yaml") -> tuple[Chapter, ...]:
    """episode.yaml `chapters:` -> Chapters on the *content* timeline.

    A time inside the trimmed leading silence moves to the start of the content. A time
    past the end of the recording, or before the chapter listed above it, raises
    ChapterError naming the chapter (its index in the list and its title).
    """
    out: list[Chapter] = []
    for i, item in enumerate(items):
        if i and item.start < items[i - 1].start:
            raise ChapterError(where, i, item.title, f"starts at {clock(item.start)}, before the "
                               f"chapter above it ({items[i - 1].title!r} at "
                               f"{clock(items[i - 1].start)}): list chapters in time order")
        start = timeline.raw_to_content(item.start)
        if content > 0 and start >= content:
            raise ChapterError(where, i, item.title, f"starts at {clock(item.start)}, past the end "
                               f"of the recording ({clock(content + timeline.lead_trim)})")
        if out and start - out[-1].start < 1.0:
            why = " (both fall in the silence trimmed from the start)" if start == 0.0 else ""
            raise ChapterError(where, i, item.title,
                               f"starts at the same time as {out[-1].title!r}{why}")
        out.append(Chapter(start=start, title=item.title, url=item.url, image=item.image,
                           toc=item.toc))
    return tuple(out)
