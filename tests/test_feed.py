"""feed.xml read back by two real podcast clients' parsers (feedparser, gPodder's podcastparser),
validated against the Podcasting 2.0 XSD, and re-rendered byte for byte."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from lxml import etree
from test_feed_support import BASE, NASTY, make_project, standard_output

from podcast.errors import EpisodeError
from podcast.feed import build_feed, check_output, render_feed
from podcast.feed.schema import validate_element, validate_feed
from podcast.project import podcast_guid

PC = "{https://podcastindex.org/namespace/1.0}"
IT = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PSC = "{http://podlove.org/simple-chapters}"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    out = tmp_path_factory.mktemp("show") / "feed"
    project, episodes = standard_output(out)
    path = render_feed(project, episodes, out)
    return project, episodes, out, path


@pytest.fixture(scope="module")
def fp(published):
    import feedparser

    parsed = feedparser.parse(published[3].read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


@pytest.fixture(scope="module")
def pp(published):
    import podcastparser

    path = published[3]
    with path.open("rb") as f:
        return podcastparser.parse(path.as_uri(), f)


def ffprobe_duration(path: Path) -> float:
    exe = shutil.which("ffprobe")
    if not exe:
        pytest.skip("Debian's ffprobe is missing (apt-get install ffmpeg): cannot measure "
                    "the MP3 independently")
    out = subprocess.run([exe, "-v", "error", "-show_entries", "format=duration", "-of",
                          "default=nw=1:nk=1", str(path)], check=True, capture_output=True,
                         text=True)
    return float(out.stdout)


def by_guid(entries, key):
    return {e[key]: e for e in entries}


def test_feedparser_reads_every_episode(published, fp):
    project, episodes, out, _ = published
    entries = by_guid(fp.entries, "id")
    assert set(entries) == {e.guid for e in episodes}
    for ep in episodes:
        entry = entries[ep.guid]
        mp3 = out / ep.file("mp3")
        (enc,) = entry.enclosures
        assert enc.href == BASE + ep.file("mp3")
        assert int(enc.length) == mp3.stat().st_size
        assert enc.type == "audio/mpeg"
        assert abs(int(entry.itunes_duration) - ffprobe_duration(mp3)) <= 1.0
        assert entry.guidislink is False
        assert entry.title == ep.title
        assert entry.link == BASE + ep.slug + "/"
        assert parsedate_to_datetime(entry.published).timestamp() == \
            ep.published_at.timestamp()
        # feedparser keeps only the last podcast:transcript: the VTT captions, by design
        if ep.file("vtt"):
            assert entry.podcast_transcript == {
                "url": BASE + ep.file("vtt"), "type": "text/vtt", "language": "en",
                "rel": "captions"}
        else:
            assert "podcast_transcript" not in entry
        if ep.chapters:
            assert entry.podcast_chapters["url"] == BASE + ep.file("chapters")
            got = [(c.title, c.start_parsed.total_seconds()) for c in entry.psc_chapters.chapters]
            assert got == [(c.title, c.start) for c in ep.chapters]
        # feedparser flattens podcast:person to the last one's attributes and drops the name
        named = [s for s in ep.speakers if s.named]
        assert entry.podcast_person["role"] == ("host" if named[-1].host else "guest")


def test_podcastparser_reads_every_episode(published, pp):
    project, episodes, out, _ = published
    entries = by_guid(pp["episodes"], "guid")
    assert set(entries) == {e.guid for e in episodes}
    for ep in episodes:
        entry = entries[ep.guid]
        mp3 = out / ep.file("mp3")
        (enc,) = entry["enclosures"]
        assert enc == {"url": BASE + ep.file("mp3"), "file_size": mp3.stat().st_size,
                       "mime_type": "audio/mpeg"}
        assert abs(entry["total_time"] - ffprobe_duration(mp3)) <= 1.0
        assert entry["title"] == ep.title
        assert entry["published"] == int(ep.published_at.timestamp())
        # gPodder reads the inline Podlove Simple Chapters (whole seconds)
        assert entry.get("chapters", []) == [
            {"start": int(c.start), "title": c.title, **({"href": c.url} if c.url else {})}
            for c in ep.chapters]
        # podcastparser 0.6.11 knows the podcast namespace only by its old GitHub URI, so it
        # ignores podcast:transcript/chapters/person under https://podcastindex.org/namespace/1.0
        assert "transcript_url" not in entry and "chapters_json_url" not in entry
        assert "persons" not in entry
    assert pp["itunes_categories"] == [["Health & Fitness", "Medicine"]]
    assert pp["itunes_owner"] == {"name": "Comms Team", "email": "comms@example.org"}
    assert pp["explicit"] is False and pp["type"] == "episodic"
    assert pp["cover_url"] == BASE + "artwork.png"
    assert pp["link"] == BASE


def test_declaration_first_and_official_namespace(published):
    data = published[3].read_bytes()
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<rss ")
    root = etree.fromstring(data)
    assert root.nsmap["podcast"] == "https://podcastindex.org/namespace/1.0"
    assert root.nsmap["psc"] == "http://podlove.org/simple-chapters"


def test_channel_tags(published):
    project, episodes, out, path = published
    root = etree.parse(str(path)).getroot()
    ch = root.find("channel")
    assert ch.findtext("title") == "Test Stories"
    assert ch.findtext("link") == BASE
    assert ch.findtext("language") == "en-GB"
    assert ch.find("{http://www.w3.org/2005/Atom}link").attrib == {
        "href": BASE + "feed.xml", "rel": "self", "type": "application/rss+xml"}
    assert ch.findtext(f"{IT}explicit") == "false"
    assert ch.findtext(f"{IT}type") == "episodic"
    assert ch.find(f"{IT}image").get("href") == BASE + "artwork.png"
    assert ch.findtext(f"{PC}guid") == project.show_guid
    assert ch.find(f"{PC}locked").attrib == {"owner": "comms@example.org"}
    assert ch.findtext(f"{PC}locked") == "yes"
    assert ch.findtext(f"{PC}license") == "cc-by-4.0"
    assert [(p.text, p.get("role")) for p in ch.findall(f"{PC}person")] == [("Alex Host", "host")]
    assert ch.find(f"{IT}new-feed-url") is None
    # dates come from the newest episode, never from the clock
    newest = max(e.published_at for e in episodes)
    for tag in ("lastBuildDate", "pubDate"):
        assert parsedate_to_datetime(ch.findtext(tag)) == newest
    assert ch.findtext("generator") == "podcast"


def test_items_newest_first_then_by_guid(published):
    project, episodes, out, path = published
    root = etree.parse(str(path)).getroot()
    got = [i.findtext("guid") for i in root.iter("item")]
    expected = sorted(episodes, key=lambda e: (-e.published_at.timestamp(), e.guid))
    assert got == [e.guid for e in expected]
    # 02 (12:00+01:00) and 03 (11:00Z) are the same instant: the guid decides
    assert {got[0], got[1]} == {episodes[1].guid, episodes[2].guid}


def test_item_transcripts_persons_numbers_and_soundbites(published):
    project, episodes, out, path = published
    root = etree.parse(str(path)).getroot()
    items = {i.findtext("guid"): i for i in root.iter("item")}
    first = items[episodes[0].guid]
    types = [(t.get("type"), t.get("rel")) for t in first.findall(f"{PC}transcript")]
    assert types == [("application/x-subrip", None), ("application/json", None),
                     ("text/html", None), ("text/plain", None), ("text/vtt", "captions")]
    assert [(p.text, p.get("role"), p.get("group")) for p in first.findall(f"{PC}person")] == [
        ("Alex Host", "host", "cast"), ("Dr Sam Guest", "guest", "cast")]
    assert first.findtext(f"{IT}episode") == "1" and first.findtext(f"{PC}episode") == "1"
    assert first.findtext(f"{IT}season") == "1" and first.findtext(f"{PC}season") == "1"
    assert first.find(f"{IT}image").get("href") == BASE + "01-welcome/artwork.png"
    # soundbite given at 0.5 s of the raw recording: 0.25 s trimmed, 1 s intro -> 1.25 s
    bite = first.find(f"{PC}soundbite")
    assert (bite.get("startTime"), bite.get("duration"), bite.text) == ("1.250", "2.000", "A moment")
    starts = [c.get("start") for c in first.iter(f"{PSC}chapter")]
    assert starts == ["00:00:00.000", "00:00:01.250", "00:00:02.500"]
    bonus = items[episodes[2].guid]
    assert bonus.findtext(f"{IT}episodeType") == "bonus"
    assert bonus.findtext(f"{IT}explicit") == "true"
    assert bonus.find(f"{PC}transcript") is None and bonus.find(f"{PC}chapters") is None
    assert "Read the transcript" not in bonus.findtext("description")


def test_names_withheld_never_reach_the_feed(published):
    text = published[3].read_text(encoding="utf-8")
    assert "Pat Secret" not in text and "Patient" not in text


def test_unreviewed_transcript_is_marked(published):
    project, episodes, out, path = published
    root = etree.parse(str(path)).getroot()
    items = {i.findtext("guid"): i for i in root.iter("item")}
    unreviewed = items[episodes[1].guid]
    (txt,) = unreviewed.findall(f"{PC}txt")
    assert txt.get("purpose") == "transcript-review"
    assert "not yet been checked" in txt.text
    assert "not yet been checked" in unreviewed.findtext("description")
    reviewed = items[episodes[0].guid]
    assert reviewed.find(f"{PC}txt") is None
    assert "not yet been checked" not in reviewed.findtext("description")


def test_escaping_round_trips_in_every_parser(published, fp, pp):
    project, episodes, out, path = published
    nasty = episodes[1]
    assert nasty.title.endswith(NASTY)
    root = etree.parse(str(path)).getroot()
    assert [i.findtext("title") for i in root.iter("item")][0] == nasty.title
    assert by_guid(fp.entries, "id")[nasty.guid].title == nasty.title
    assert by_guid(pp["episodes"], "guid")[nasty.guid]["title"] == nasty.title
    # the description is HTML whose text is the episode's text: no markup was injected
    html = by_guid(fp.entries, "id")[nasty.guid].summary
    doc = etree.fromstring(f"<div>{html}</div>".encode(), etree.XMLParser())
    assert doc.find("p").text == "Visit " + NASTY
    assert doc.find(".//script") is None
    assert b"<script>" not in path.read_bytes()


def test_podcast_elements_validate_against_the_xsd(published):
    root = etree.parse(str(published[3])).getroot()
    assert validate_feed(root) == []
    names = {etree.QName(e).localname for e in root.iter(f"{PC}*")}
    assert names >= {"guid", "locked", "license", "person", "transcript", "chapters", "season",
                     "episode", "soundbite", "txt"}


@pytest.mark.parametrize("xml, fragment", [
    ('<podcast:season xmlns:podcast="{ns}">1</podcast:season>', "name"),
    ('<podcast:locked xmlns:podcast="{ns}" owner="a@b.c">maybe</podcast:locked>', "'yes', 'no'"),
    ('<podcast:transcript xmlns:podcast="{ns}" url="u"/>', "type"),
    ('<podcast:guid xmlns:podcast="{ns}">not-a-uuid</podcast:guid>', "pattern"),
    ('<podcast:person xmlns:podcast="{ns}">' + "x" * 129 + "</podcast:person>", "length"),
    ('<podcast:bogus xmlns:podcast="{ns}"/>', "not declared"),
])
def test_xsd_rejects_invalid_podcast_elements(xml, fragment):
    el = etree.fromstring(xml.replace("{ns}", PC.strip("{}")))
    problems = validate_element(el)
    assert problems and fragment in " ".join(problems).lower()


def test_podcast_guid_check_value():
    assert podcast_guid("https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert podcast_guid("podnews.net/rss/") == "9b024349-ccf0-5f69-a609-6b82873eab3c"


def test_re_render_is_byte_identical(published, tmp_path):
    project, episodes, out, path = published
    first = path.read_bytes()
    again = build_feed(project, tuple(reversed(episodes)), out)
    assert again == first


def test_published_output_passes_every_check(published):
    project, episodes, out, path = published
    assert check_output(project, out) == []


def test_every_url_under_base_url_is_a_file(published):
    project, episodes, out, path = published
    root = etree.parse(str(path)).getroot()
    urls = {v for el in root.iter() for v in [*el.attrib.values(), el.text or ""]
            if v.startswith(BASE)}
    assert len(urls) > 20
    for url in urls:
        rel = url[len(BASE):] or "index.html"
        rel = rel + "index.html" if rel.endswith("/") else rel
        assert (out / rel).is_file(), url


def test_empty_feed_has_no_clock_date(tmp_path):
    project = make_project(tmp_path)
    first = build_feed(project, (), tmp_path)
    root = etree.fromstring(first)
    assert root.find("channel/item") is None
    assert root.find("channel/lastBuildDate") is None
    assert build_feed(project, (), tmp_path) == first


def test_missing_mp3_is_an_episode_error(published, tmp_path):
    project, episodes, out, path = published
    broken = dataclasses.replace(episodes[0], files=(("mp3", "01-welcome/missing.mp3"),))
    with pytest.raises(EpisodeError, match="01-welcome.*missing.mp3"):
        build_feed(project, (broken,), out)


def test_host_roles_map_to_taxonomy_groups(published):
    from test_feed_support import show_config

    project, episodes, out, path = published
    show = show_config(hosts=[{"name": "A", "role": "Producer"}, {"name": "B", "role": "Host"},
                              {"name": "C", "role": "Clinical lead"}])
    root = etree.fromstring(build_feed(dataclasses.replace(project, show=show), (), out))
    people = [(p.text, p.get("role"), p.get("group")) for p in
              root.find("channel").findall(f"{PC}person")]
    assert people == [("A", "producer", "creative direction"), ("B", "host", "cast"),
                      ("C", "clinical lead", None)]
    assert validate_feed(root) == []


def test_new_feed_url_and_serial_type(published, tmp_path):
    from test_feed_support import show_config

    project, episodes, out, path = published
    show = show_config(new_feed_url="https://new.example.org/feed.xml", type="serial",
                       explicit=True)
    moved = dataclasses.replace(project, show=show)
    root = etree.fromstring(build_feed(moved, episodes[:2], out))
    ch = root.find("channel")
    assert ch.findtext(f"{IT}new-feed-url") == "https://new.example.org/feed.xml"
    assert ch.findtext(f"{IT}type") == "serial"
    assert ch.findtext(f"{IT}explicit") == "true"
