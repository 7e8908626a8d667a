"""Text going into the feed: XML-safe characters, the item description HTML, dates."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, time
from typing import Any

# Characters XML 1.0 forbids (C0 controls except tab/newline/return, surrogates, U+FFFE/FFFF)
# or discourages (C1 controls: they come from mis-decoded Windows-1252, and parsers such as
# feedparser turn them into other characters).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
UNREVIEWED_NOTE = (
    "This transcript was generated automatically and has not yet been checked by a person."
)
TRANSCRIPT_LINK_TEXT = "Read the transcript"


def xml_text(value: str) -> str:
    """The text with characters XML cannot carry removed (lxml refuses them)."""
    return _NOT_XML.sub("", value)


def clip(value: str, limit: int) -> str:
    """At most `limit` characters, ending in an ellipsis when cut."""
    value = xml_text(value)
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, stripped, empty ones dropped; line ends become \\n
    (HTML parsers turn a lone \\r into \\n anyway)."""
    text = xml_text(text).replace("\r\n", "\n").replace("\r", "\n")
    return [p.strip() for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


def description_html(text: str, transcript_url: str | None, reviewed: bool) -> str:
    """Item description: the episode's text as paragraphs, then the transcript link.

    The episode's text is plain text: it is HTML-escaped here, so `<script>` stays text.
    lxml escapes the whole HTML once more for XML, which every parser undoes.
    """
    parts = [f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs(text)]
    if transcript_url:
        link = f'<a href="{html.escape(transcript_url)}">{TRANSCRIPT_LINK_TEXT}</a>'
        parts.append(f"<p>{link}</p>")
        if not reviewed:
            parts.append(f"<p>{UNREVIEWED_NOTE}</p>")
    return "\n".join(parts)


def as_utc(value: datetime) -> datetime:
    """An aware datetime in UTC; naive values are taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def published_at(episode: Any) -> datetime:
    """PublishedEpisode.published_at, else its episode.yaml date at 00:00 UTC."""
    if episode.published_at is not None:
        return as_utc(episode.published_at)
    date = getattr(episode.config, "date", None)
    if date is None:
        from ..errors import EpisodeError

        raise EpisodeError(episode.slug, "has no publication date (published_at or date)")
    return datetime.combine(date, time(0, 0), tzinfo=UTC)


def sort_newest_first(episodes: Any) -> list[Any]:
    """Newest first by publication time, then by guid: a stable, total order."""
    return sorted(episodes, key=lambda e: (-published_at(e).timestamp(), e.guid))
