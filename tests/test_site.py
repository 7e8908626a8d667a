"""The static website, parsed with lxml: structure, links, escaping, sharing tags, theme
override, determinism. The sample show comes from test_site_sample.py."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
import pytest
from test_site_sample import (
    HOSTILE,
    build,
    first_episode,
    make_mp3,
    make_project,
    mastered,
    shared_site,
)

from podcast.models import PublishedEpisode
from podcast.site import format as fmt
from podcast.site.render import render_site
from podcast.site.search import GLOBAL_NAME

PAGES = ("index.html", "01-cardiology/index.html", "02-hostile/index.html", "accessibility.html")


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory):
    return shared_site(tmp_path_factory)


def parse(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


def texts(doc: lxml.html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in doc.xpath(xpath)]


def cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def test_writes_every_page_and_static_file(sample_site) -> None:
    out, _, _ = sample_site
    for page in PAGES:
        assert (out / page).is_file(), page
    for name in ("style.css", "print.css", "player.js", "artwork-320.png"):
        assert (out / "static" / name).is_file(), name
    assert (out / "search-index.js").is_file()
    assert (out / "artwork.png").is_file()


def test_every_local_link_and_source_exists(sample_site) -> None:
    out, _, _ = sample_site
    checked = 0
    for page in PAGES:
        doc = parse(out / page)
        ids = set(doc.xpath("//@id"))
        for attr in doc.xpath("//@href | //@src"):
            parts = urlsplit(attr)
            if parts.scheme in ("http", "https", "mailto"):
                continue
            if not parts.path:
                assert parts.fragment in ids, f"{page}: #{parts.fragment} has no target"
                continue
            target = (out / page).parent / unquote(parts.path)
            assert target.is_file(), f"{page}: {attr} -> {target} missing"
            checked += 1
    assert checked > 40


def test_index_lists_episodes_newest_first_with_subscribe_links(sample_site) -> None:
    out, _, _ = sample_site
    doc = parse(out / "index.html")
    assert texts(doc, "//h1") == ["Clinic Voices"]
    titles = texts(doc, f"//li[{cls('episode-list__item')}]//h3")
    assert titles == [" ".join(HOSTILE.split()), "Inside the heart clinic"]
    meta = texts(doc, f"//p[{cls('episode-list__meta')}]")
    assert meta[1].startswith("1 October 2026") and "12 seconds" in meta[1]
    assert "Transcript not yet checked" in meta[0]
    links = {
        a.text_content(): a.get("href")
        for a in doc.xpath("//section[@aria-labelledby='subscribe-heading']//a")
    }
    assert links == {
        "RSS feed": "feed.xml",
        "Apple Podcasts": "https://podcasts.apple.com/gb/podcast/id123",
        "Spotify": "https://open.spotify.com/show/abc",
        "Pocket Casts": "https://pca.st/xyz",
    }
    assert "https://example.nhs.uk/podcast/feed.xml" in texts(doc, "//code")
    img = doc.xpath(f"//img[{cls('show-intro__artwork')}]")[0]
    assert img.get("src") == "static/artwork-320.png"
    assert texts(doc, f"//li[{cls('episode-list__item')}][2]//p[{cls('body')}]") == [
        "A morning with the cardiology team."
    ]


def test_episode_page_has_player_chapters_people_transcript_downloads(sample_site) -> None:
    out, _, _ = sample_site
    doc = parse(out / "01-cardiology/index.html")
    audio = doc.xpath("//audio")[0]
    assert audio.get("controls") is not None and audio.get("preload") == "metadata"
    assert audio.get("autoplay") is None
    assert doc.xpath("//audio/source/@src") == ["01-cardiology.mp3"]
    assert doc.xpath(f"//a[{cls('chapters__play')}]/@href") == [
        "01-cardiology.mp3#t=0",
        "01-cardiology.mp3#t=4",
        "01-cardiology.mp3#t=8",
    ]
    assert texts(doc, f"//a[{cls('chapters__play')}]")[1] == "Play from 0:04 A morning in clinic"
    chapter_links = [
        a.get("href") for a in doc.xpath("//a") if a.text_content() == "Link for chapter 2"
    ]
    assert chapter_links == ["https://example.nhs.uk/cardiology"]
    assert texts(doc, "//section[@id='transcript']//h2")[1:] == [
        "Introductions",
        "A morning in clinic",
        "A patient's view",
    ]
    assert texts(doc, "//ul[contains(@class, 'people')]/li") == [
        "Asha Patel, Presenter (host)",
        "Tom Reed, Consultant cardiologist",
        "Patient",
    ]
    speakers = texts(doc, f"//span[{cls('transcript__speaker')}]")
    assert speakers == ["Asha Patel", "Tom Reed", "Asha Patel", "Tom Reed", "Patient"]
    assert "Jo Bloggs" not in (out / "01-cardiology/index.html").read_text(encoding="utf-8")
    paras = doc.xpath(f"//div[{cls('transcript__para')}]")
    assert len(paras) == 6
    assert [p.get("data-start") for p in paras] == ["0.2", "2.0", "4.1", "6.0", "8.1", "9.1"]
    assert doc.xpath("//div[@id='p4']//time/@datetime") == ["PT6S"]
    assert texts(doc, "//div[@id='p4']//p[2]") == [
        "We start with the echocardiogram list at eight."
    ]
    downloads = texts(doc, "//section[@aria-labelledby='downloads-heading']//li")
    assert [d.split(" (")[1].split(",")[0] for d in downloads] == [
        "MP3",
        "WebVTT",
        "SRT",
        "TXT",
        "JSON",
        "HTML",
        "JSON",
    ]
    assert "../feed.xml" in doc.xpath("//section[@aria-labelledby='downloads-heading']//a/@href")
    img = doc.xpath(f"//img[{cls('waveform__image')}]")[0]
    assert img.get("width") == "1200" and img.get("height") == "240"
    assert "3 numbered chapter marks" in img.get(
        "alt"
    ) and "A morning in clinic, at 0:04" in img.get("alt")
    assert not doc.xpath(f"//div[{cls('warning-text')}]")
    assert texts(doc, "//dl//dd") == ["1 October 2026", "12 seconds"]


def test_unchecked_transcript_is_flagged_and_missing_files_left_out(sample_site) -> None:
    out, _, _ = sample_site
    doc = parse(out / "02-hostile/index.html")
    warning = texts(doc, f"//div[{cls('warning-text')}]")
    assert (
        len(warning) == 1
        and "generated automatically" in warning[0]
        and "not been checked" in warning[0]
    )
    hrefs = doc.xpath("//section[@aria-labelledby='downloads-heading']//a/@href")
    assert hrefs == [
        "02-hostile.mp3",
        "transcript.vtt",
        "transcript.txt",
        "transcript.json",
        "../feed.xml",
    ]
    assert not doc.xpath("//figure") and not doc.xpath("//img")


def test_transcript_times_are_on_the_published_timeline(sample_site) -> None:
    """Episode 2 has a 2 s intro: content time 0.0 is 2.0 in the MP3, and the intro chapter,
    which has no speech, gets no transcript heading."""
    out, _, _ = sample_site
    doc = parse(out / "02-hostile/index.html")
    assert [p.get("data-start") for p in doc.xpath(f"//div[{cls('transcript__para')}]")] == [
        "2.0",
        "4.6",
    ]
    assert doc.xpath(f"//a[{cls('transcript__time')}]/@href")[0] == "02-hostile.mp3#t=2"
    assert len(doc.xpath(f"//h2[{cls('transcript__chapter')}]")) == 1
    assert texts(doc, f"//span[{cls('transcript__speaker')}]") == [
        " ".join(HOSTILE.split()),
        "Speaker",
    ]


def test_hostile_text_appears_literally(sample_site) -> None:
    out, _, _ = sample_site
    for page in PAGES:
        doc = parse(out / page)
        scripts = doc.xpath("//script/@src")
        assert not doc.xpath("//script[not(@src)]"), page
        assert all(s.endswith(("player.js", "search-index.js")) for s in scripts), page
        assert not doc.xpath("//b | //i"), page
    doc = parse(out / "02-hostile/index.html")
    assert doc.xpath("//h1")[0].text_content() == HOSTILE
    assert doc.xpath("//title")[0].text_content() == HOSTILE + " – Clinic Voices"
    assert doc.xpath("//meta[@property='og:title']/@content") == [HOSTILE]
    assert doc.xpath(f"//p[{cls('transcript__text')}]")[0].text_content() == HOSTILE
    assert (
        doc.xpath(f"//p[{cls('transcript__text')}]")[1].text_content()
        == "unknown speaker & <i>friends</i>"
    )
    assert texts(doc, f"//p[{cls('body')}][@dir='auto']")[:2] == [" ".join(HOSTILE.split())] * 2


def test_sharing_tags(sample_site) -> None:
    out, _, _ = sample_site
    doc = parse(out / "01-cardiology/index.html")

    def meta(prop: str) -> str:
        return doc.xpath(f"//meta[@property='{prop}' or @name='{prop}']/@content")[0]

    assert doc.xpath("//link[@rel='canonical']/@href") == [
        "https://example.nhs.uk/podcast/01-cardiology/"
    ]
    assert doc.xpath("//link[@rel='alternate'][@type='application/rss+xml']/@href") == [
        "https://example.nhs.uk/podcast/feed.xml"
    ]
    assert meta("description") == "A morning with the cardiology team."
    assert meta("og:image") == "https://example.nhs.uk/podcast/artwork.png"
    assert meta("og:url") == "https://example.nhs.uk/podcast/01-cardiology/"
    assert meta("og:title") == "Inside the heart clinic"
    assert meta("og:audio") == "https://example.nhs.uk/podcast/01-cardiology/01-cardiology.mp3"
    assert meta("article:published_time") == "2026-10-01"
    index = parse(out / "index.html")
    assert index.xpath("//link[@rel='canonical']/@href") == ["https://example.nhs.uk/podcast/"]
    assert index.xpath("//title")[0].text_content() == "Clinic Voices"


def test_accessibility_statement(sample_site) -> None:
    out, _, _ = sample_site
    doc = parse(out / "accessibility.html")
    body = " ".join(doc.text_content().split())
    assert "Accessibility statement for Clinic Voices" in texts(doc, "//h1")
    assert "mailto:access@example.nhs.uk" in doc.xpath("//a/@href")
    assert "call 01234 567890" in body
    assert (
        "partially compliant with the Web Content Accessibility Guidelines version 2.2 AA" in body
    )
    assert "02-hostile/index.html" in doc.xpath("//a/@href")
    assert "It was last updated on 5 November 2026" in body
    for heading in (
        "Feedback and contact information",
        "Enforcement procedure",
        "Compliance status",
        "How we tested this website",
        "Preparation of this accessibility statement",
    ):
        assert heading in texts(doc, "//h2 | //h3"), heading


def test_statement_is_fully_compliant_when_every_transcript_is_checked(tmp_path: Path) -> None:
    project = make_project(tmp_path / "show")
    out = tmp_path / "feed"
    render_site(project, (first_episode(out, waveform=False),), out)
    body = " ".join(parse(out / "accessibility.html").text_content().split())
    assert "fully compliant with the Web Content Accessibility Guidelines version 2.2 AA" in body
    assert "partially" not in body
    # no show.contact: falls back to the owner
    assert "mailto:access@example.nhs.uk" in parse(out / "accessibility.html").xpath("//a/@href")


def test_search_index_is_a_script_assigning_one_global(sample_site) -> None:
    out, _, _ = sample_site
    text = (out / "search-index.js").read_text(encoding="ascii")
    m = re.search(rf"^window\.{GLOBAL_NAME} = (.*);\n\Z", text, re.MULTILINE | re.DOTALL)
    assert m, text[:200]
    data = json.loads(m.group(1))
    assert [e["slug"] for e in data["episodes"]] == ["02-hostile", "01-cardiology"]
    ep = data["episodes"][1]
    assert ep["url"] == "01-cardiology/index.html" and ep["date"] == "2026-10-01"
    hits = [p for p in ep["paragraphs"] if "echocardiogram" in p[3]]
    assert hits == [["p4", 6.0, "Tom Reed", "We start with the echocardiogram list at eight."]]
    page_ids = set(parse(out / "01-cardiology/index.html").xpath("//@id"))
    assert {p[0] for p in ep["paragraphs"]} <= page_ids
    assert data["episodes"][0]["title"] == HOSTILE and "</script>" not in text


def test_output_is_deterministic(tmp_path: Path) -> None:
    first, _, _ = build(tmp_path / "a")
    second, _, _ = build(tmp_path / "b")
    names = sorted(
        p.relative_to(first) for p in first.rglob("*") if p.is_file() and p.suffix != ".mp3"
    )
    assert len(names) > 20
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_theme_overrides_templates_and_static_files(tmp_path: Path) -> None:
    theme = tmp_path / "show" / "mytheme"
    (theme / "templates").mkdir(parents=True)
    (theme / "static").mkdir()
    (theme / "templates" / "_footer.html").write_text(
        '<footer class="footer"><p>Custom footer for {{ show.title }}</p>'
        '<a href="{{ root }}accessibility.html">Accessibility</a></footer>\n',
        encoding="utf-8",
    )
    (theme / "static" / "style.css").write_text("body { color: #000; }\n", encoding="utf-8")
    (theme / "static" / "logo.svg").write_text(
        "<svg xmlns='http://www.w3.org/2000/svg'/>\n", encoding="utf-8"
    )
    out, _, _ = build(tmp_path, theme="mytheme")
    assert texts(parse(out / "01-cardiology/index.html"), "//footer/p") == [
        "Custom footer for Clinic Voices"
    ]
    assert (out / "static/style.css").read_text(encoding="utf-8") == "body { color: #000; }\n"
    assert (out / "static/logo.svg").is_file() and (out / "static/player.js").is_file()


def test_missing_optional_fields_leave_sections_out(tmp_path: Path) -> None:
    project = make_project(tmp_path / "show")
    out = tmp_path / "feed"
    mp3 = make_mp3(out / "bare" / "bare.mp3", 2.0)
    ep = PublishedEpisode(
        slug="bare",
        guid="g",
        title="Bare",
        audio=mastered(mp3, 2.0),
        transcript=None,
        chapters=(),
        speakers=(),
        files=(("mp3", "bare/bare.mp3"),),
    )
    render_site(project, (ep,), out)
    doc = parse(out / "bare/index.html")
    assert not doc.xpath("//section[@aria-labelledby='chapters-heading']")
    assert not doc.xpath("//*[@id='people-heading']")
    assert texts(doc, "//dl//dt") == ["Length"]
    assert (
        "There is no transcript for this episode yet"
        in texts(doc, "//section[@id='transcript']//p")[0]
    )
    assert not doc.xpath("//div[@data-search]")
    assert doc.xpath("//meta[@name='description']/@content") == ["Bare"]
    assert "does not have a transcript yet" in parse(out / "accessibility.html").text_content()


def test_two_episodes_with_one_page_are_refused(tmp_path: Path) -> None:
    from podcast.errors import PodcastError

    project = make_project(tmp_path / "show")
    out = tmp_path / "feed"
    ep = first_episode(out, waveform=False)
    with pytest.raises(PodcastError, match="01-cardiology/index.html: written twice"):
        render_site(project, (ep, dataclasses.replace(ep, guid="other")), out)


def test_no_external_resources_in_markup(sample_site) -> None:
    """Only links (a/@href) may point elsewhere; nothing the browser loads by itself does."""
    out, _, _ = sample_site
    for page in PAGES:
        doc = parse(out / page)
        loaded = doc.xpath(
            "//script/@src | //img/@src | //link[@rel='stylesheet']/@href | //source/@src"
            " | //audio/@src | //iframe/@src | //link[@rel='preload']/@href"
        )
        assert loaded and not [u for u in loaded if urlsplit(u).scheme or u.startswith("//")], page
    css = (out / "static/style.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css and "@font-face" not in css


@pytest.mark.parametrize(
    ("seconds", "clock", "iso", "spoken"),
    [
        (0, "0:00", "PT0S", "0 seconds"),
        (1.0, "0:01", "PT1S", "1 second"),
        (754.9, "12:34", "PT12M34S", "12 minutes 34 seconds"),
        (3600, "1:00:00", "PT1H", "1 hour"),
        (3723.2, "1:02:03", "PT1H2M3S", "1 hour 2 minutes"),
    ],
)
def test_time_formats(seconds: float, clock: str, iso: str, spoken: str) -> None:
    assert fmt.clock(seconds) == clock
    assert fmt.iso_duration(seconds) == iso
    assert fmt.spoken_duration(seconds) == spoken


def test_fragment_and_size_formats() -> None:
    assert fmt.fragment_time(754.0) == "754" and fmt.fragment_time(754.46) == "754.5"
    assert fmt.fragment_time(1e-9) == "0"
    assert fmt.file_size(500) == "500 bytes" and fmt.file_size(1536) == "2 KB"
    assert fmt.file_size(3_400_000) == "3.2 MB"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{% if %}", r"_footer.html, line 1: cannot render"),
        ("{{ show.no_such_field }}", r"cannot render .*no_such_field"),
    ],
)
def test_broken_theme_template_is_a_clear_error(
    tmp_path: Path, template: str, message: str
) -> None:
    from podcast.errors import PodcastError

    theme = tmp_path / "show" / "broken"
    theme.mkdir(parents=True)
    (theme / "_footer.html").write_text(template, encoding="utf-8")
    with pytest.raises(PodcastError, match=message):
        build(tmp_path, theme="broken")


def test_a_show_with_no_episodes_yet(tmp_path: Path) -> None:
    project = make_project(tmp_path / "show")
    out = tmp_path / "feed"
    written = render_site(project, (), out)
    assert {p.relative_to(out).as_posix() for p in written} >= {
        "index.html",
        "accessibility.html",
        "search-index.js",
        "static/style.css",
    }
    doc = parse(out / "index.html")
    assert "No episodes have been published yet." in texts(doc, "//p")
    assert not doc.xpath("//div[@data-search]")
    assert "fully compliant" in parse(out / "accessibility.html").text_content()
