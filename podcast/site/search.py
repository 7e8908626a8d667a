"""The client-side search index, shipped as search-index.js.

Browsers refuse to fetch JSON from file://, so the index is a script that assigns one global
(`window.PODCAST_SEARCH_INDEX`). player.js reads it on the index page to search every
episode. The JSON is ASCII-only with sorted keys, so the bytes are stable and no character
in a transcript can end the script early ("<" is written as \\u003c).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from .pages import EpisodeView

GLOBAL_NAME = "PODCAST_SEARCH_INDEX"
VERSION = 1


def search_index(views: Sequence[EpisodeView]) -> dict:
    """{"version": 1, "episodes": [{slug, title, url, date, paragraphs: [[id, start, speaker, text]]}]}.

    `url` is relative to the site root and names the file (index.html), so links work from
    file://; a paragraph is found at url + "#" + id.
    """
    episodes = []
    for v in views:
        paragraphs = [
            [p.id, round(p.start, 2), p.speaker, p.text]
            for section in v.sections
            for p in section.paragraphs
        ]
        episodes.append(
            {
                "slug": v.slug,
                "title": v.title,
                "url": v.page,
                "date": v.date.isoformat() if v.date else "",
                "summary": v.summary,
                "paragraphs": paragraphs,
            }
        )
    return {"version": VERSION, "episodes": episodes}


def search_index_js(views: Sequence[EpisodeView]) -> str:
    data = json.dumps(search_index(views), ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    data = data.replace("<", "\\u003c")  # only inside strings: safe even if inlined in HTML
    return (
        "/* Search index for the podcast site, written by `podcast publish`. */\n"
        f"window.{GLOBAL_NAME} = {data};\n"
    )
