"""Check a published feed.xml against every rule the renderer follows.

Read with a safe lxml parser (no network, no entity expansion). Each Problem's `where` is
`feed.xml` for the channel or `feed.xml: episode SLUG` for an item; `field` is the rule.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from ..artwork import check_artwork
from ..models import Problem
from ..project import FEED_FILENAME, Project
from .categories import check_category
from .namespaces import ATOM_NS, ITUNES_NS, PODCAST_NS, PSC_NS
from .schema import validate_feed
from .urls import resolve, url_to_relpath

IT = f"{{{ITUNES_NS}}}"
PC = f"{{{PODCAST_NS}}}"
ATOM = f"{{{ATOM_NS}}}"
TRANSCRIPT_MIME = {".srt": "application/x-subrip", ".json": "application/json",
                   ".html": "text/html", ".txt": "text/plain", ".vtt": "text/vtt"}
PSC_TIME = re.compile(r"^(\d{2,}):([0-5]\d):([0-5]\d)(\.\d{1,3})?$")
DURATION_TOLERANCE_S = 1.0


@dataclass
class FeedChecker:
    project: Project
    out_dir: Path
    problems: list[Problem] = field(default_factory=list)

    # ------------------------------------------------------------ plumbing
    def error(self, where: str, rule: str, message: str, fix: str = "") -> None:
        self.problems.append(Problem("error", where, rule, message, fix))

    def warn(self, where: str, rule: str, message: str, fix: str = "") -> None:
        self.problems.append(Problem("warning", where, rule, message, fix))

    def file_for(self, url: str) -> Path | None:
        rel = url_to_relpath(self.project.show.base_url, url)
        return resolve(self.out_dir, rel) if rel is not None else None

    def run(self) -> list[Problem]:
        from lxml import etree

        path = self.out_dir / FEED_FILENAME
        if not path.is_file():
            return []
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        try:
            root = etree.parse(str(path), parser).getroot()
        except etree.XMLSyntaxError as e:
            self.error(FEED_FILENAME, "well-formed", f"is not well-formed XML: {e}",
                       "publish again; never edit feed/ by hand")
            return self.problems
        channel = root.find("channel")
        if root.tag != "rss" or channel is None:
            self.error(FEED_FILENAME, "rss", "has no <rss><channel>", "publish again")
            return self.problems
        items = channel.findall("item")
        self.check_channel(channel, items)
        guids: dict[str, str] = {}
        for item in items:
            self.check_item(item, guids)
        self.check_urls(root)
        for err in validate_feed(root):
            where = FEED_FILENAME if err.where == "channel" else f"{FEED_FILENAME}: {err.where}"
            self.error(where, "podcast-namespace-xsd", f"{err.element}: {err.message}",
                       "the element must validate against the namespace's podcast.xsd")
        return self.problems

    # ------------------------------------------------------------ channel
    def check_channel(self, ch: Any, items: list[Any]) -> None:
        w, show = FEED_FILENAME, self.project.show
        for tag in ("title", "link", "language", f"{IT}author"):
            if not (ch.findtext(tag) or "").strip():
                self.error(w, _name(tag), f"channel has no <{_name(tag)}>", "set it in show.yaml")
        self.check_description(w, ch.findtext("description") or "")
        if ch.findtext("link") != show.base_url:
            self.error(w, "link", f"channel link is {ch.findtext('link')!r}, not base_url "
                       f"{show.base_url!r}", "publish again after changing base_url")
        self.check_self_link(ch)
        self.check_image(w, ch.find(f"{IT}image"), required=True)
        self.check_categories(ch)
        if ch.findtext(f"{IT}explicit") not in ("true", "false"):
            self.error(w, "explicit", "itunes:explicit must be 'true' or 'false'",
                       "set explicit: true/false in show.yaml")
        owner = ch.find(f"{IT}owner")
        if owner is None or not owner.findtext(f"{IT}email") or not owner.findtext(f"{IT}name"):
            self.error(w, "owner", "itunes:owner needs a name and an email", "set owner in show.yaml")
        kind = ch.findtext(f"{IT}type")
        if kind not in ("episodic", "serial"):
            self.error(w, "itunes-type", f"itunes:type is {kind!r}", "use episodic or serial")
        if kind == "serial":
            for item in items:
                if not item.findtext(f"{IT}episode"):
                    self.error(self.item_where(item), "serial-numbers", "itunes:type is serial "
                               "but this episode has no itunes:episode", "add 'number: N'")
        self.check_show_guid(ch)
        self.check_dates(ch, items)

    def check_description(self, where: str, text: str) -> None:
        size = len(text.encode("utf-8"))
        if not text.strip():
            self.error(where, "description", "the description is empty", "write one")
        elif size > 4000:
            self.error(where, "description", f"is {size} bytes; Apple allows 4000",
                       f"shorten it by {size - 4000} bytes")

    def check_self_link(self, ch: Any) -> None:
        links = [a.get("href") for a in ch.findall(f"{ATOM}link") if a.get("rel") == "self"]
        if links != [self.project.feed_url]:
            self.error(FEED_FILENAME, "self-link", f"atom:link rel=self is {links}, expected "
                       f"{self.project.feed_url}", "publish again")

    def check_image(self, where: str, el: Any, required: bool) -> None:
        if el is None:
            if required:
                self.error(where, "artwork", "no itunes:image", "set artwork in show.yaml")
            return
        href = el.get("href") or ""
        path = self.file_for(href)
        if path is None or not path.is_file():
            return  # reported by the URL rule (or lives elsewhere)
        for message in check_artwork(path):
            self.error(where, "artwork", f"{href}: {message}", "replace the artwork and publish")

    def check_categories(self, ch: Any) -> None:
        cats = ch.findall(f"{IT}category")
        if not cats:
            self.error(FEED_FILENAME, "category", "no itunes:category", "set category in show.yaml")
        for cat in cats:
            subs = cat.findall(f"{IT}category") or [None]
            for sub in subs:
                sub_text = sub.get("text") if sub is not None else None
                for rule, message, fix in check_category(cat.get("text") or "", sub_text):
                    self.error(FEED_FILENAME, rule, message, fix)

    def check_show_guid(self, ch: Any) -> None:
        guid = ch.findtext(f"{PC}guid")
        if guid != self.project.show_guid:
            self.error(FEED_FILENAME, "podcast-guid", f"podcast:guid is {guid!r}, but the show's "
                       f"is {self.project.show_guid}", "podcast:guid must never change: set "
                       "'guid' in show.yaml to the published value")
        locked = ch.find(f"{PC}locked")
        if locked is None or locked.get("owner") != self.project.show.owner.email:
            self.error(FEED_FILENAME, "locked", "podcast:locked is missing or its owner is not "
                       "the owner's email", "publish again")

    def check_dates(self, ch: Any, items: list[Any]) -> None:
        dates = [_date(i.findtext("pubDate")) for i in items]
        for item, date in zip(items, dates, strict=True):
            if date is None:
                self.error(self.item_where(item), "pubdate", f"pubDate "
                           f"{item.findtext('pubDate')!r} is not an RFC 2822 date", "publish again")
        known = [d for d in dates if d is not None]
        if known != sorted(known, reverse=True):
            self.error(FEED_FILENAME, "item-order", "items are not newest first",
                       "publish again")
        newest = max(known) if known else None
        for tag in ("lastBuildDate", "pubDate"):
            value = ch.findtext(tag)
            if newest is not None and _date(value) != newest:
                self.error(FEED_FILENAME, tag, f"channel {tag} is {value!r}, not the newest "
                           "episode's pubDate (it must never be the build time)", "publish again")

    # ------------------------------------------------------------ items
    def item_where(self, item: Any) -> str:
        enc = item.find("enclosure")
        rel = url_to_relpath(self.project.show.base_url, enc.get("url", "")) if enc is not None else None
        name = rel.split("/", 1)[0] if rel and "/" in rel else (item.findtext("guid") or "?")
        return f"{FEED_FILENAME}: episode {name}"

    def check_item(self, item: Any, guids: dict[str, str]) -> None:
        w = self.item_where(item)
        if not (item.findtext("title") or "").strip():
            self.error(w, "title", "the item has no title", "set title in episode.yaml")
        self.check_guid(w, item, guids)
        duration = self.check_enclosure(w, item)
        self.check_duration(w, item, duration)
        self.check_description(w, item.findtext("description") or "")
        self.check_image(w, item.find(f"{IT}image"), required=False)
        self.check_numbers(w, item)
        self.check_transcripts(w, item)
        self.check_chapters(w, item, duration)

    def check_guid(self, w: str, item: Any, guids: dict[str, str]) -> None:
        guid_el = item.find("guid")
        if guid_el is None or not (guid_el.text or "").strip():
            self.error(w, "guid", "the item has no guid", "set guid in episode.yaml")
            return
        if guid_el.get("isPermaLink") != "false":
            self.error(w, "guid", "guid must have isPermaLink=\"false\"", "publish again")
        if guid_el.text in guids:
            self.error(w, "guid-unique", f"guid {guid_el.text!r} is also used by "
                       f"{guids[guid_el.text]}", "give every episode its own guid")
        guids[guid_el.text] = w

    def check_enclosure(self, w: str, item: Any) -> float | None:
        """Checks the enclosure; returns the MP3's measured duration when it can."""
        enc = item.find("enclosure")
        if enc is None:
            self.error(w, "enclosure", "the item has no enclosure", "publish again")
            return None
        if enc.get("type") != "audio/mpeg":
            self.error(w, "enclosure-type", f"type is {enc.get('type')!r}", "use audio/mpeg")
        url = enc.get("url", "")
        if not url.startswith(self.project.show.base_url):
            self.error(w, "enclosure", f"{url!r} is not under base_url "
                       f"{self.project.show.base_url}", "publish again")
            return None
        path = self.file_for(url)
        if path is None or not path.is_file():
            return None  # reported by the URL rule
        size = path.stat().st_size
        if enc.get("length") != str(size):
            self.error(w, "enclosure-length", f"length is {enc.get('length')} but "
                       f"{path.name} is {size} bytes", "publish again (apps use it to "
                       "verify downloads)")
        return _mp3_duration(path)

    def check_duration(self, w: str, item: Any, measured: float | None) -> None:
        text = item.findtext(f"{IT}duration")
        if not text or not text.isdigit() or int(text) <= 0:
            self.error(w, "duration", f"itunes:duration is {text!r}; it must be whole seconds",
                       "publish again")
            return
        if measured is not None and abs(int(text) - measured) > DURATION_TOLERANCE_S:
            self.error(w, "duration", f"itunes:duration is {text} s but the MP3 lasts "
                       f"{measured:.1f} s", "publish again")

    def check_numbers(self, w: str, item: Any) -> None:
        for tag in ("episode", "season"):
            value = item.findtext(f"{IT}{tag}")
            if value is not None and (not value.isdigit() or int(value) < 1):
                self.error(w, f"itunes-{tag}", f"itunes:{tag} {value!r} is not a non-zero "
                           "integer", f"set a {tag} number of 1 or more")
        kind = item.findtext(f"{IT}episodeType")
        if kind is not None and kind not in ("full", "trailer", "bonus"):
            self.error(w, "episode-type", f"itunes:episodeType {kind!r}",
                       "use full, trailer or bonus")

    def check_transcripts(self, w: str, item: Any) -> None:
        tags = item.findall(f"{PC}transcript")
        for i, t in enumerate(tags):
            url = t.get("url", "")
            ext = Path(url.split("?", 1)[0]).suffix.lower()
            if ext in TRANSCRIPT_MIME and t.get("type") != TRANSCRIPT_MIME[ext]:
                self.error(w, "transcripts", f"{url} has type {t.get('type')!r}, expected "
                           f"{TRANSCRIPT_MIME[ext]}", "publish again")
            if t.get("type") == "text/vtt":
                if i != len(tags) - 1:
                    self.error(w, "transcripts", "the VTT transcript must come last (simple "
                               "parsers keep only the last one)", "publish again")
                if t.get("rel") != "captions":
                    self.error(w, "transcripts", "the VTT transcript needs rel=\"captions\"",
                               "publish again")
        if tags and "href=" not in (item.findtext("description") or ""):
            self.error(w, "transcript-link", "the description has no link to the transcript",
                       "publish again")

    def check_chapters(self, w: str, item: Any, duration: float | None) -> None:
        for el in item.findall(f"{PC}chapters"):
            if el.get("type") != "application/json+chapters":
                self.error(w, "chapters", f"podcast:chapters type is {el.get('type')!r}",
                           "use application/json+chapters")
            path = self.file_for(el.get("url", ""))
            if path is not None and path.is_file() and not _chapters_json_ok(path):
                self.error(w, "chapters", f"{path.name} is not a JSON chapters file with "
                           "'version' and 'chapters'", "publish again")
        starts = []
        for ch in item.iterfind(f"{{{PSC_NS}}}chapters/{{{PSC_NS}}}chapter"):
            m = PSC_TIME.match(ch.get("start", ""))
            if not m or not ch.get("title"):
                self.error(w, "psc-chapters", f"psc:chapter start={ch.get('start')!r} "
                           f"title={ch.get('title')!r} is not valid", "publish again")
                continue
            starts.append(int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3]) + float(m[4] or 0))
        if starts != sorted(starts):
            self.error(w, "psc-chapters", "psc:chapter starts are not in order", "publish again")
        if duration is not None and starts and max(starts) >= duration:
            self.error(w, "psc-chapters", "a chapter starts after the end of the audio",
                       "check the chapter times")

    # ------------------------------------------------------------ URLs
    def check_urls(self, root: Any) -> None:
        """Every URL under base_url in any attribute or text resolves to a file in out_dir."""
        base = self.project.show.base_url
        seen: set[str] = set()
        for el in root.iter():
            if el.tag == f"{IT}new-feed-url":
                continue
            values = list(el.attrib.values()) + ([el.text.strip()] if el.text else [])
            for value in values:
                if not value.startswith(base) or value in seen:
                    continue
                seen.add(value)
                path = self.file_for(value)
                if path is None or not path.is_file():
                    where = self.item_where(_item_of(el)) if _item_of(el) is not None else FEED_FILENAME
                    self.error(where, "url-resolves", f"{value} (<{_name(el.tag)}>) is not a "
                               f"file in {self.out_dir.name}/", "publish again, or fix the path")


def _name(tag: str) -> str:
    for ns, prefix in ((IT, "itunes:"), (PC, "podcast:"), (ATOM, "atom:"), (f"{{{PSC_NS}}}", "psc:")):
        if tag.startswith(ns):
            return prefix + tag[len(ns):]
    return tag


def _item_of(el: Any) -> Any:
    return next((a for a in [el, *el.iterancestors()] if a.tag == "item"), None)


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo is not None else None


def _mp3_duration(path: Path) -> float | None:
    from mutagen import MutagenError
    from mutagen.mp3 import MP3

    try:
        info = MP3(str(path)).info
        return float(info.length) if info is not None else None
    except (MutagenError, OSError):
        return None


def _chapters_json_ok(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "version" in data and isinstance(data.get("chapters"), list)
