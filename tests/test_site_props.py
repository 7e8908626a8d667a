"""Property test: whatever text a show, an episode or a transcript holds, the page shows it
literally and no markup is injected (the element structure is the same as for plain text)."""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_site_sample import Config, make_mp3, make_project, mastered

from podcast.models import Chapter, PublishedEpisode, Segment, Speaker, Transcript
from podcast.site.pages import episode_view
from podcast.site.render import _page, environment, show_view

# Printable text, including markup characters, quotes, RTL and emoji; no control characters
# (XML/HTML cannot carry most of them) and no surrogates.
TEXT = (
    st.text(
        alphabet=st.one_of(
            st.sampled_from(list("<>&\"'/=;`!-[]{}() \u200f\u202eשלוםمرحبا🎙️👩🏽‍⚕️")),
            st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp")),
        ),
        min_size=1,
        max_size=40,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("props")
    project = make_project(root / "show")
    out = root / "feed"
    mp3 = make_mp3(out / "ep" / "ep.mp3", 2.0)
    return project, out, mastered(mp3, 2.0), environment()


def render(
    stage, title: str, description: str, name: str, role: str, said: str, chapter: str
) -> lxml.html.HtmlElement:
    project, out, audio, env = stage
    ep = PublishedEpisode(
        slug="ep",
        guid="g",
        title=title,
        audio=audio,
        transcript=Transcript((Segment(0.1, 1.5, said, "s"),), language="en"),
        chapters=(Chapter(0.0, chapter),),
        speakers=(Speaker("s", name, role, name, True, False),),
        files=(("mp3", "ep/ep.mp3"),),
        config=Config(dt.date(2026, 1, 2), description),
    )
    show = show_view(project, "artwork.png", None)
    view = episode_view(ep, show.base_url, "artwork.png", out)
    html = _page(
        env,
        "episode.html",
        {"show": show, "episodes": (view,)},
        root="../",
        page=view.page,
        episode=view,
    )
    return lxml.html.fromstring(html)


def shape(doc: lxml.html.HtmlElement) -> list[str]:
    return [str(e.tag) for e in doc.iter()]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=TEXT, description=TEXT, name=TEXT, role=TEXT, said=TEXT, chapter=TEXT)
def test_no_markup_is_injected(stage, title, description, name, role, said, chapter) -> None:
    doc = render(stage, title, description, name, role, said, chapter)
    plain = render(stage, "t", "d", "n", "r", "s", "c")
    assert shape(doc) == shape(plain)
    assert doc.xpath("//h1")[0].text_content() == title
    assert doc.xpath("//title")[0].text_content() == f"{title} – Clinic Voices"
    assert doc.xpath("//meta[@property='og:title']/@content") == [title]
    assert doc.xpath("//meta[@name='description']/@content") == [description]
    assert doc.xpath("//p[contains(@class, 'transcript__text')]")[0].text_content() == said
    assert doc.xpath("//span[contains(@class, 'transcript__speaker')]")[0].text_content() == name
    assert doc.xpath("//h2[contains(@class, 'transcript__chapter')]")[0].text_content() == chapter
    assert doc.xpath("//ul[contains(@class, 'people')]/li/strong")[0].text_content() == name
