"""Our feedgen extensions, registered with `FeedGenerator.register_extension`.

- `podcastindex`: the Podcasting 2.0 namespace (https://podcastindex.org/namespace/1.0).
- `psc`: Podlove Simple Chapters inline in each item (gPodder reads these).
- `apple`: itunes:explicit as `true`/`false`, which Apple asks for; feedgen 1.0's podcast
  extension only writes the retired `yes`/`no`/`clean`.

Each extension only stores values and writes elements in `extend_rss`, the feedgen way.
Values are written in the order they were added, so output is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import lxml.etree  # noqa: F401  feedgen.util uses lxml.etree without importing it
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem

from .namespaces import ITUNES_NS, PODCAST_NS, PSC_NS


@dataclass(frozen=True)
class PersonTag:
    name: str
    role: str = "host"
    group: str = "cast"
    href: str | None = None
    img: str | None = None


def _person(parent, p: PersonTag) -> None:
    el = xml_elem(f"{{{PODCAST_NS}}}person", parent)
    el.attrib["role"] = p.role
    if p.group:  # omitted for roles we cannot place in the taxonomy (apps then assume cast)
        el.attrib["group"] = p.group
    if p.href:
        el.attrib["href"] = p.href
    if p.img:
        el.attrib["img"] = p.img
    el.text = p.name


def _decimal(seconds: float) -> str:
    return f"{seconds:.3f}"


class PodcastIndexExtension(BaseExtension):
    """Channel-level podcast:* tags."""

    def __init__(self) -> None:
        self._guid: str | None = None
        self._locked: tuple[bool, str] | None = None
        self._license: tuple[str, str | None] | None = None
        self._persons: list[PersonTag] = []

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def guid(self, value: str) -> None:
        self._guid = value

    def locked(self, locked: bool, owner: str) -> None:
        self._locked = (locked, owner)

    def license(self, name: str, url: str | None = None) -> None:
        self._license = (name, url)

    def person(self, person: PersonTag) -> None:
        self._persons.append(person)

    def extend_rss(self, rss_feed):
        channel = rss_feed[0]
        if self._guid:
            xml_elem(f"{{{PODCAST_NS}}}guid", channel).text = self._guid
        if self._locked:
            el = xml_elem(f"{{{PODCAST_NS}}}locked", channel, owner=self._locked[1])
            el.text = "yes" if self._locked[0] else "no"
        if self._license:
            el = xml_elem(f"{{{PODCAST_NS}}}license", channel)
            if self._license[1]:
                el.attrib["url"] = self._license[1]
            el.text = self._license[0]
        for p in self._persons:
            _person(channel, p)
        return rss_feed


class PodcastIndexEntryExtension(BaseEntryExtension):
    """Item-level podcast:* tags."""

    def __init__(self) -> None:
        self._transcripts: list[dict[str, str]] = []
        self._chapters: str | None = None
        self._persons: list[PersonTag] = []
        self._season: int | None = None
        self._episode: int | None = None
        self._soundbites: list[tuple[float, float, str]] = []
        self._txt: list[tuple[str, str]] = []

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def transcript(self, url: str, type: str, language: str | None = None,
                   rel: str | None = None) -> None:
        attrs = {"url": url, "type": type}
        if language:
            attrs["language"] = language
        if rel:
            attrs["rel"] = rel
        self._transcripts.append(attrs)

    def chapters(self, url: str) -> None:
        self._chapters = url

    def person(self, person: PersonTag) -> None:
        self._persons.append(person)

    def season(self, number: int) -> None:
        self._season = number

    def episode(self, number: int) -> None:
        self._episode = number

    def soundbite(self, start: float, duration: float, title: str = "") -> None:
        self._soundbites.append((start, duration, title))

    def txt(self, text: str, purpose: str) -> None:
        self._txt.append((text, purpose))

    def extend_rss(self, entry):
        for attrs in self._transcripts:
            xml_elem(f"{{{PODCAST_NS}}}transcript", entry, **attrs)
        if self._chapters:
            xml_elem(f"{{{PODCAST_NS}}}chapters", entry, url=self._chapters,
                     type="application/json+chapters")
        for p in self._persons:
            _person(entry, p)
        if self._season is not None:
            # The namespace's XSD requires `name` (the tag document calls it optional).
            el = xml_elem(f"{{{PODCAST_NS}}}season", entry)
            el.attrib["name"] = f"Season {self._season}"
            el.text = str(self._season)
        if self._episode is not None:
            xml_elem(f"{{{PODCAST_NS}}}episode", entry).text = str(self._episode)
        for start, duration, title in self._soundbites:
            el = xml_elem(f"{{{PODCAST_NS}}}soundbite", entry, startTime=_decimal(start),
                          duration=_decimal(duration))
            el.text = title
        for text, purpose in self._txt:
            xml_elem(f"{{{PODCAST_NS}}}txt", entry, purpose=purpose).text = text
        return entry


def psc_time(seconds: float) -> str:
    """Podlove normal play time, HH:MM:SS.mmm."""
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


class PodloveChaptersExtension(BaseExtension):
    def extend_ns(self) -> dict[str, str]:
        return {"psc": PSC_NS}


class PodloveChaptersEntryExtension(BaseEntryExtension):
    def __init__(self) -> None:
        self._chapters: list[dict[str, str]] = []

    def extend_ns(self) -> dict[str, str]:
        return {"psc": PSC_NS}

    def chapter(self, start: float, title: str, href: str | None = None,
                image: str | None = None) -> None:
        attrs = {"start": psc_time(start), "title": title}
        if href:
            attrs["href"] = href
        if image:
            attrs["image"] = image
        self._chapters.append(attrs)

    def extend_rss(self, entry):
        if self._chapters:
            group = xml_elem(f"{{{PSC_NS}}}chapters", entry, version="1.2")
            for attrs in self._chapters:
                xml_elem(f"{{{PSC_NS}}}chapter", group, **attrs)
        return entry


class AppleExtension(BaseExtension):
    def __init__(self) -> None:
        self._explicit: bool | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS}

    def explicit(self, value: bool) -> None:
        self._explicit = value

    def extend_rss(self, rss_feed):
        if self._explicit is not None:
            el = xml_elem(f"{{{ITUNES_NS}}}explicit", rss_feed[0])
            el.text = "true" if self._explicit else "false"
        return rss_feed


class AppleEntryExtension(BaseEntryExtension):
    def __init__(self) -> None:
        self._explicit: bool | None = None

    def explicit(self, value: bool) -> None:
        self._explicit = value

    def extend_rss(self, entry):
        if self._explicit is not None:
            el = xml_elem(f"{{{ITUNES_NS}}}explicit", entry)
            el.text = "true" if self._explicit else "false"
        return entry
