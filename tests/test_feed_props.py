"""Property: whatever text people type into titles, descriptions, names and chapter titles, the
feed stays well-formed and every parser reads back exactly that text, with no markup injected."""

from __future__ import annotations

import dataclasses
import re

import pytest
from feedparser.mixin import _FeedParserMixin
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_feed_support import make_png, make_project, published_episode, show_config

from podcast.feed import build_feed
from podcast.feed.schema import validate_feed
from podcast.models import Chapter, Speaker

looks_like_html = _FeedParserMixin.looks_like_html
PC = "{https://podcastindex.org/namespace/1.0}"
PSC = "{http://podlove.org/simple-chapters}"

# Everything XML 1.0 can carry (the renderer drops the rest), including markup characters,
# quotes, ampersands, "]]>", right-to-left text, emoji and line breaks.
xml_chars = st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\t\n\r",
                          blacklist_characters="\ufffe\uffff")
markup = st.sampled_from(["<script>alert(1)</script>", "&amp;", "&", "]]>", "\"", "'", "<b>",
                         "שלום", "مرحبا", "🎧", "\u202e", "<![CDATA[x]]>", "<!--", "&#x41;"])
text = st.lists(st.one_of(markup, st.text(xml_chars, max_size=12)), min_size=1, max_size=6) \
    .map("".join).map(str.strip).filter(bool)
short = text.map(lambda s: s[:100].strip()).filter(bool)


def feedparser_reads(text: str) -> str:
    """feedparser 6 "repairs" text that is all Latin-1 and would be valid UTF-8 as bytes
    (mixin.py: 'address common error where people take data that is already utf-8...'),
    and sanitises titles that look like HTML. No feed can prevent either."""
    try:
        return text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    out = tmp_path_factory.mktemp("props") / "feed"
    out.mkdir()
    (out / "index.html").write_text("<!doctype html><title>x</title>\n")
    make_png(out / "artwork.png")
    ep = published_episode(out, "01-a", seconds=1.0, when=None, chapters=(Chapter(0.0, "x"),))
    return out, ep


def parse_all(xml: bytes):
    import feedparser
    import podcastparser

    root = etree.fromstring(xml)  # raises if not well-formed
    fp = feedparser.parse(xml)
    assert not fp.bozo, fp.get("bozo_exception")
    import io

    pp = podcastparser.parse("https://example.org/podcast/feed.xml", io.BytesIO(xml))
    return root, fp, pp


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(show_title=text, ep_title=text, description=text, host=short, guest=short,
       chapter=text, author=text)
def test_any_text_round_trips(base, show_title, ep_title, description, host, guest, chapter,
                              author):
    out, ep = base
    show = show_config(title=show_title, author=author,
                       hosts=[{"name": host, "role": "host"}])
    cfg = ep.config.model_copy(update={"title": ep_title, "description": description})
    speakers = (Speaker("h", host, "Interviewer", host, named=True, host=True),
                Speaker("g", guest, "Guest", guest, named=True))
    episode = dataclasses.replace(ep, title=cfg.title, config=cfg, speakers=speakers,
                                  chapters=(Chapter(0.0, chapter),))
    xml = build_feed(make_project(out.parent, show), (episode,), out)
    root, fp, pp = parse_all(xml)
    item = root.find("channel/item")

    # lxml: exact values
    assert root.findtext("channel/title") == show.title
    assert root.findtext("channel/{http://www.itunes.com/dtds/podcast-1.0.dtd}author") == author
    assert item.findtext("title") == episode.title
    assert [p.text for p in item.findall(f"{PC}person")] == [host, guest]
    assert item.find(f"{PSC}chapters/{PSC}chapter").get("title") == chapter
    assert validate_feed(root) == []

    # the description HTML: its paragraphs' text is the input, no element but p and a
    html = etree.fromstring(f"<div>{item.findtext('description')}</div>".encode())
    assert {el.tag for el in html.iter()} <= {"div", "p", "a"}
    texts = [p.text or "" for p in html.findall("p") if p.find("a") is None]
    lines = description.replace("\r\n", "\n").replace("\r", "\n")
    assert texts == [p.strip() for p in re.split(r"\n[ \t]*\n", lines) if p.strip()]

    # feedparser: titles, as its two heuristics allow (see feedparser_reads)
    entry = fp.entries[0]
    for got, sent in ((fp.feed.title, show.title), (entry.title, episode.title)):
        assert got == feedparser_reads(sent) or looks_like_html(sent)
    assert entry.psc_chapters.chapters[0].title == chapter

    # podcastparser (gPodder): titles squash whitespace; chapters verbatim
    squash = " ".join
    assert pp["title"] == squash(show.title.split())
    assert pp["itunes_author"] == squash(author.split())
    assert pp["episodes"][0]["title"] == squash(episode.title.split())
    assert pp["episodes"][0]["chapters"][0]["title"] == chapter


def test_characters_xml_cannot_carry_are_dropped():
    from podcast.feed.text import xml_text

    assert xml_text("a\x00b\x0bc\x91d\ufffee\tf\ng") == "abcde\tf\ng"
