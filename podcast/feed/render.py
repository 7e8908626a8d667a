"""feed.xml: RSS 2.0 built with feedgen, its podcast (iTunes) extension and our own extensions.

Deterministic: items newest first (then by guid), lastBuildDate and pubDate from the newest
episode (never the clock), fixed generator text, so the same input gives the same bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import EpisodeError
from ..models import PublishedEpisode
from ..project import FEED_FILENAME, Project
from .text import (
    UNREVIEWED_NOTE,
    clip,
    description_html,
    published_at,
    sort_newest_first,
    xml_text,
)
from .urls import file_url, page_url, resolve, show_artwork_name

log = logging.getLogger("podcast")

GENERATOR = "podcast"
MP3_TYPE = "audio/mpeg"
# (file kind, MIME type, rel): VTT last, since simple parsers keep only the last transcript.
TRANSCRIPT_TYPES = (
    ("srt", "application/x-subrip", None),
    ("json", "application/json", None),
    ("html", "text/html", None),
    ("txt", "text/plain", None),
    ("vtt", "text/vtt", "captions"),
)
REVIEW_PURPOSE = "transcript-review"
# Podcast Taxonomy Project groups of the roles people most often have on this kind of show.
# Checked against taxonomy.json in github.com/Podcastindex-org/podcast-namespace (commit
# ac6997ac, read 2026-12-06); tests/test_feed_taxonomy.py pins a copy. The namespace treats
# `role` and `group` case-insensitively, so they are written in lower case.
ROLE_GROUPS = {
    "host": "cast", "co-host": "cast", "guest host": "cast", "guest": "cast",
    "narrator": "cast", "announcer": "cast", "reporter": "cast", "voice actor": "cast",
    "producer": "creative direction", "executive producer": "creative direction",
    "director": "creative direction", "associate producer": "creative direction",
    "writer": "writing", "editor": "writing", "researcher": "writing",
    "transcriber": "writing", "translator": "writing",
    "audio engineer": "audio production", "audio editor": "audio post-production",
    "composer": "audio post-production", "sound designer": "audio post-production",
    "cover art designer": "visuals", "graphic designer": "visuals",
}


def render_feed(project: Project, episodes: Sequence[PublishedEpisode], out_dir: Path) -> Path:
    """Write out_dir/feed.xml for the episodes (all files already in out_dir). Returns its path."""
    path = out_dir / FEED_FILENAME
    path.write_bytes(build_feed(project, episodes, out_dir))
    return path


def build_feed(project: Project, episodes: Sequence[PublishedEpisode], out_dir: Path) -> bytes:
    """The feed's bytes (UTF-8 XML). Raises EpisodeError when an episode's MP3 is missing."""
    from feedgen.feed import FeedGenerator

    from . import extensions as ext

    ordered = sort_newest_first(episodes)
    fg = FeedGenerator()
    fg.load_extension("podcast")  # feedgen's iTunes tags
    fg.register_extension("apple", ext.AppleExtension, ext.AppleEntryExtension)
    fg.register_extension("podcastindex", ext.PodcastIndexExtension,
                          ext.PodcastIndexEntryExtension)
    fg.register_extension("psc", ext.PodloveChaptersExtension, ext.PodloveChaptersEntryExtension)
    _channel(fg, project, ordered)
    for episode in ordered:
        _item(fg.add_entry(order="append"), project, episode, out_dir)
    xml = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return xml if ordered else _without_last_build_date(xml)


def _channel(fg: Any, project: Project, ordered: list[PublishedEpisode]) -> None:
    show = project.show
    base = show.base_url
    fg.title(xml_text(show.title))
    fg.description(xml_text(show.description))
    # feedgen takes the RSS <link> from the last link added: the self link goes first.
    fg.link(href=project.feed_url, rel="self", type="application/rss+xml")
    fg.link(href=base, rel="alternate")
    fg.language(show.language)
    fg.generator(GENERATOR)
    if show.copyright:
        fg.copyright(xml_text(show.copyright))
    art = file_url(base, show_artwork_name(show.artwork))
    fg.image(url=art, title=xml_text(show.title), link=base)
    if ordered:
        newest = published_at(ordered[0])
        fg.lastBuildDate(newest)
        fg.pubDate(newest)
    it = fg.podcast
    it.itunes_image(art)
    it.itunes_author(xml_text(show.author))
    it.itunes_owner(name=xml_text(show.owner.name), email=show.owner.email)
    it.itunes_category({"cat": show.category, **({"sub": show.subcategory}
                                                  if show.subcategory else {})})
    it.itunes_type(show.type)
    if show.new_feed_url:
        it.itunes_new_feed_url(show.new_feed_url)
    fg.apple.explicit(show.explicit)
    pi = fg.podcastindex
    pi.guid(project.show_guid)
    pi.locked(show.locked, show.owner.email)
    if show.license:
        pi.license(clip(show.license, 128))
    for host in show.hosts:
        pi.person(_person_tag(host.name, host.role, host.href, host.img))


def _person_tag(name: str, role: str, href: str | None = None, img: str | None = None) -> Any:
    from .extensions import PersonTag

    role = (role or "host").strip().lower()
    group = ROLE_GROUPS.get(role, "")
    return PersonTag(clip(name, 128), role, group, href, img)


def _mp3_size(episode: PublishedEpisode, out_dir: Path) -> tuple[str, int]:
    rel = episode.file("mp3")
    if not rel:
        raise EpisodeError(episode.slug, "no 'mp3' in PublishedEpisode.files; cannot write the feed")
    path = resolve(out_dir, rel)
    if path is None or not path.is_file():
        raise EpisodeError(episode.slug, f"{rel} is not in the output folder {out_dir}")
    return rel, path.stat().st_size


def _item(entry: Any, project: Project, ep: PublishedEpisode, out_dir: Path) -> None:
    base = project.show.base_url
    cfg = ep.config
    mp3, size = _mp3_size(ep, out_dir)
    page = ep.file("page")
    has_transcript = any(ep.file(kind) for kind, _, _ in TRANSCRIPT_TYPES)
    # The episode page shows the transcript inline; without one, the HTML transcript.
    transcript_page = (page or ep.file("html")) if has_transcript else None
    entry.title(xml_text(ep.title))
    if page:
        entry.link(href=page_url(base, page))
    entry.description(description_html(
        getattr(cfg, "description", "") or "",
        page_url(base, transcript_page) if transcript_page else None,
        ep.reviewed or not has_transcript,
    ))
    entry.guid(ep.guid, permalink=False)
    entry.enclosure(file_url(base, mp3), str(size), MP3_TYPE)
    entry.pubDate(published_at(ep))
    _itunes_item(entry, ep, base)
    _podcastindex_item(entry.podcastindex, project, ep, base, has_transcript)
    for ch in ep.chapters:
        image = ch.image if ch.image and ch.image.startswith(("https://", "http://")) else None
        entry.psc.chapter(ch.start, xml_text(ch.title), ch.url, image)


def _itunes_item(entry: Any, ep: PublishedEpisode, base: str) -> None:
    cfg = ep.config
    it = entry.podcast
    it.itunes_duration(int(round(ep.audio.duration)))
    art = ep.artwork_url or ep.file("artwork")
    if art:
        it.itunes_image(file_url(base, art))
    number, season = getattr(cfg, "number", None), getattr(cfg, "season", None)
    if season is not None:
        it.itunes_season(season)
    if number is not None:
        it.itunes_episode(number)
    it.itunes_episode_type(getattr(cfg, "episode_type", None) or "full")
    explicit = getattr(cfg, "explicit", None)
    if explicit is not None:
        entry.apple.explicit(explicit)


def _podcastindex_item(pi: Any, project: Project, ep: PublishedEpisode, base: str,
                       has_transcript: bool) -> None:
    cfg = ep.config
    language = ep.transcript.language if ep.transcript and ep.transcript.language else None
    for kind, mime, rel in TRANSCRIPT_TYPES:
        path = ep.file(kind)
        if path:
            pi.transcript(file_url(base, path), mime, language, rel)
    chapters = ep.file("chapters")
    if chapters:
        pi.chapters(file_url(base, chapters))
    hosts = {h.name: h for h in project.show.hosts}
    for speaker in ep.speakers:
        if not speaker.named:
            continue  # consent does not cover the name: not in the feed at all
        host = hosts.get(speaker.name)
        pi.person(_person_tag(speaker.display_name, "host" if speaker.host else "guest",
                              host.href if host else None, host.img if host else None))
    season, number = getattr(cfg, "season", None), getattr(cfg, "number", None)
    if season is not None:
        pi.season(season)
    if number is not None:
        pi.episode(number)
    for bite in _soundbites(ep):
        pi.soundbite(*bite)
    if has_transcript and not ep.reviewed:
        pi.txt(UNREVIEWED_NOTE, REVIEW_PURPOSE)


def _soundbites(ep: PublishedEpisode) -> list[tuple[float, float, str]]:
    """episode.yaml soundbites (raw-recording times) on the published timeline."""
    out = []
    for bite in getattr(ep.config, "soundbites", ()) or ():
        start = ep.audio.timeline.raw_to_published(bite.start)
        duration = min(bite.duration, ep.audio.duration - start)
        if duration <= 0:
            log.warning("episodes/%s: soundbite at %.1f s is past the end; left out",
                        ep.slug, bite.start)
            continue
        out.append((round(start, 3), round(duration, 3), clip(bite.title, 128)))
    return out


def _without_last_build_date(xml: bytes) -> bytes:
    """feedgen stamps lastBuildDate with the clock; an empty feed has no date to use."""
    from lxml import etree

    root = etree.fromstring(xml)
    for el in root.findall("channel/lastBuildDate"):
        el.getparent().remove(el)
    return etree.tostring(root, pretty_print=True, encoding="UTF-8", xml_declaration=True)
