"""The Podcasting 2.0 JSON chapters file (version 1.2.0), byte-for-byte deterministic.

Spec: https://github.com/Podcastindex-org/podcast-namespace/blob/main/chapters/jsonChapters.md
Serve it as `application/json+chapters` and link it with `<podcast:chapters>`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from podcast.models import Chapter

VERSION = "1.2.0"
MEDIA_TYPE = "application/json+chapters"


def _seconds(value: float) -> float | int:
    value = round(float(value), 3)
    return int(value) if value == int(value) else value


def _link(value: str | None, base_url: str | None) -> str | None:
    if not value:
        return None
    if value.startswith(("http://", "https://")):
        return value
    return urljoin(base_url, value) if base_url else None


def chapters_document(chapters: Sequence[Chapter], *, title: str | None = None,
                      podcast_name: str | None = None, author: str | None = None,
                      file_name: str | None = None,
                      base_url: str | None = None) -> dict[str, Any]:
    """The chapters file as a dict. Relative chapter images are resolved against
    `base_url` (the URL of the episode's folder) and left out when it is not given."""
    doc: dict[str, Any] = {"version": VERSION}
    for key, value in (("author", author), ("title", title), ("podcastName", podcast_name),
                       ("fileName", file_name)):
        if value:
            doc[key] = value
    items = []
    for ch in sorted(chapters, key=lambda c: c.start):
        item: dict[str, Any] = {"startTime": _seconds(ch.start)}
        if ch.end is not None:
            item["endTime"] = _seconds(ch.end)
        item["title"] = ch.title
        img = _link(ch.image, base_url)
        if img:
            item["img"] = img
        url = _link(ch.url, None)
        if url:
            item["url"] = url
        if not ch.toc:
            item["toc"] = False
        items.append(item)
    doc["chapters"] = items
    return doc


def chapters_json(chapters: Sequence[Chapter], **meta: Any) -> str:
    """The chapters file's text: 2-space indented JSON, UTF-8, ending with a newline."""
    return json.dumps(chapters_document(chapters, **meta), indent=2, ensure_ascii=False) + "\n"


def write_chapters_json(chapters: Sequence[Chapter], path: Path, *, title: str | None = None,
                        podcast_name: str | None = None, author: str | None = None,
                        file_name: str | None = None, base_url: str | None = None) -> Path:
    """Write the Podcasting 2.0 chapters file to `path` (same input, same bytes)."""
    path = Path(path)
    text = chapters_json(chapters, title=title, podcast_name=podcast_name, author=author,
                         file_name=file_name, base_url=base_url)
    path.write_bytes(text.encode("utf-8"))
    return path
