"""check_show (before processing) and check_output (the last published feed): each rule fails
when broken, and names the rule, the episode and the fix."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest
from test_feed_support import (
    episode_config,
    make_png,
    make_project,
    show_config,
    standard_output,
)

from podcast.feed import check_output, check_show, render_feed
from podcast.feed.categories import apple_categories, check_category
from podcast.project import EpisodeSource


def fields(problems, level="error"):
    return sorted({p.field for p in problems if p.level == level})


# ------------------------------------------------------------------ categories


def test_category_list_has_apple_sub_categories():
    cats = apple_categories()
    assert len(cats) == 19
    assert sum(len(s) for s in cats.values()) == 91
    assert cats["Health & Fitness"] == ("Alternative Health", "Fitness", "Medicine",
                                        "Mental Health", "Nutrition", "Sexuality")
    assert cats["Government"] == () and "True Crime" in cats


@pytest.mark.parametrize("cat, sub, field, hint", [
    ("health & fitness", None, "category", "did you mean 'Health & Fitness'?"),
    ("Helth & Fitnes", None, "category", "did you mean 'Health & Fitness'?"),
    ("Health & Fitness", "medicine", "subcategory", "did you mean 'Medicine'?"),
    ("Science", "Medicine", "subcategory", "use one of: Astronomy"),
    ("Technology", "Gadgets", "subcategory", "remove 'subcategory'"),
    ("Health", None, "category", "did you mean"),
])
def test_category_errors_are_case_sensitive_with_hints(cat, sub, field, hint):
    ((got_field, message, fix),) = check_category(cat, sub)
    assert got_field == field
    assert hint in fix
    if cat == "Science":
        assert "belongs to 'Health & Fitness'" in message


def test_wrong_case_category_and_sub_category_both_reported():
    problems = check_category("Health & fitness", "Mental health")
    assert [(f, fix) for f, _, fix in problems] == [
        ("category", "did you mean 'Health & Fitness'?"),
        ("subcategory", "did you mean 'Mental Health'?")]


def test_valid_categories_pass():
    assert check_category("Health & Fitness", "Mental Health") == []
    assert check_category("True Crime", None) == []
    assert check_category("Society & Culture", "Documentary") == []


# ------------------------------------------------------------------ check_show


@pytest.fixture
def show_root(tmp_path):
    make_png(tmp_path / "artwork.png")
    return tmp_path


def source(root: Path, slug: str, **cfg) -> EpisodeSource:
    folder = root / "episodes" / slug
    folder.mkdir(parents=True, exist_ok=True)
    return EpisodeSource(slug, folder, episode_config(**cfg), f"guid-{slug}")


def test_good_show_has_no_problems(show_root):
    eps = (source(show_root, "01-a", number=1), source(show_root, "02-b", number=2))
    assert check_show(make_project(show_root, episodes=eps)) == []


def test_show_rules(show_root):
    show = show_config(category="Health & fitness", subcategory="Medicine",
                       description="é" * 2001, type="serial",
                       new_feed_url="https://example.org/podcast/feed.xml")
    eps = (source(show_root, "01-a"), source(show_root, "02-b", number=0, season=0),
           source(show_root, "03-c", number=3), source(show_root, "04-d", number=3))
    problems = check_show(make_project(show_root, show, eps))
    by_where = {(p.where, p.field) for p in problems if p.level == "error"}
    assert ("show.yaml", "category") in by_where
    assert ("show.yaml", "description") in by_where  # 2001 characters but 4002 bytes
    assert ("show.yaml", "new_feed_url") in by_where
    assert ("episodes/01-a/episode.yaml", "number") in by_where  # serial needs numbers
    assert ("episodes/02-b/episode.yaml", "number") in by_where  # Apple: non-zero
    assert ("episodes/02-b/episode.yaml", "season") in by_where
    dupes = [p for p in problems if p.level == "warning" and p.field == "number"]
    assert [p.where for p in dupes] == ["episodes/04-d/episode.yaml"]
    desc = next(p for p in problems if p.field == "description")
    assert "4002 bytes" in desc.message and "shorten it by 2 bytes" in desc.fix


def test_description_limit_counts_bytes_not_characters(show_root):
    fits = show_config(description="é" * 2000)  # 4000 bytes
    assert check_show(make_project(show_root, fits)) == []


def test_episode_description_over_limit_with_transcript_link(show_root):
    eps = (source(show_root, "01-a", description="x" * 3950),)
    problems = check_show(make_project(show_root, episodes=eps))
    assert [(p.where, p.field) for p in problems] == [("episodes/01-a/episode.yaml",
                                                      "description")]


def test_artwork_rules_reuse_podcast_artwork(tmp_path):
    from PIL import Image

    Image.new("CMYK", (1400, 1400)).save(tmp_path / "artwork.jpg")
    show = show_config(artwork="artwork.jpg")
    problems = check_show(make_project(tmp_path, show))
    assert fields(problems) == ["artwork"]
    assert "CMYK" in problems[0].message
    make_png(tmp_path / "small.png", size=600)
    problems = check_show(make_project(tmp_path, show_config(artwork="small.png")))
    assert "600x600" in problems[0].message


# ------------------------------------------------------------------ check_output


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("built") / "feed"
    project, episodes = standard_output(out)
    render_feed(project, episodes, out)
    return project, episodes, out


@pytest.fixture
def out(built, tmp_path):
    """A fresh copy of the published folder that a test may break."""
    project, episodes, source = built
    folder = tmp_path / "feed"
    shutil.copytree(source, folder)
    moved = tuple(dataclasses.replace(e, audio=dataclasses.replace(
        e.audio, path=folder / e.file("mp3"))) for e in episodes)
    return dataclasses.replace(project, root=tmp_path), moved, folder


def edit_feed(out: Path, old: str, new: str, count: int = 1) -> None:
    path = out / "feed.xml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_no_feed_no_problems(tmp_path):
    assert check_output(make_project(tmp_path), tmp_path / "nothing") == []


def test_enclosure_length_must_equal_the_file_size(out):
    project, episodes, folder = out
    with (folder / episodes[0].file("mp3")).open("ab") as f:
        f.write(b"\0" * 10)
    problems = check_output(project, folder)
    (p,) = [p for p in problems if p.field == "enclosure-length"]
    assert p.where == "feed.xml: episode 01-welcome"
    assert "publish again" in p.fix


def test_missing_file_is_reported_with_its_url(out):
    project, episodes, folder = out
    (folder / "01-welcome" / "transcript.srt").unlink()
    shutil.rmtree(folder / "03-bonus")
    problems = check_output(project, folder)
    missing = [p for p in problems if p.field == "url-resolves"]
    assert {p.where for p in missing} == {"feed.xml: episode 01-welcome",
                                          "feed.xml: episode 03-bonus"}
    assert any("transcript.srt" in p.message for p in missing)


def test_duplicate_guids(out):
    project, episodes, folder = out
    twins = (episodes[0], dataclasses.replace(episodes[1], guid=episodes[0].guid))
    render_feed(project, twins, folder)
    assert "guid-unique" in fields(check_output(project, folder))


@pytest.mark.parametrize("old, new, rule", [
    ("<itunes:duration>4</itunes:duration>", "<itunes:duration>40</itunes:duration>", "duration"),
    ("<itunes:duration>4</itunes:duration>", "", "duration"),
    ('text="Medicine"', 'text="Surgery"', "subcategory"),
    ("<itunes:explicit>false</itunes:explicit>", "<itunes:explicit>no</itunes:explicit>",
     "explicit"),
    ("<podcast:guid>", "<podcast:guid>0", "podcast-guid"),
    ("<lastBuildDate>Sun, 01 Feb", "<lastBuildDate>Mon, 02 Feb", "lastBuildDate"),
    ('isPermaLink="false"', 'isPermaLink="true"', "guid"),
    ('type="text/vtt" language="en" rel="captions"', 'type="text/vtt" language="en"',
     "transcripts"),
    ('<podcast:season name="Season 1">', "<podcast:season>", "podcast-namespace-xsd"),
    ('start="00:00:01.250"', 'start="1.25s"', "psc-chapters"),
    ("<itunes:episode>1</itunes:episode>", "<itunes:episode>0</itunes:episode>",
     "itunes-episode"),
    ("</channel>", "<item><title>x</title></channel>", "well-formed"),
    ('url="https://example.org/podcast/01-welcome/01-welcome.mp3"',
     'url="https://elsewhere.example/01-welcome.mp3"', "enclosure"),
])
def test_each_broken_rule_is_reported(out, old, new, rule):
    project, episodes, folder = out
    edit_feed(folder, old, new)
    problems = check_output(project, folder)
    assert rule in fields(problems), problems
    assert all(p.message and p.where.startswith("feed.xml") for p in problems)


def test_items_out_of_order(out):
    project, episodes, folder = out
    text = (folder / "feed.xml").read_text(encoding="utf-8")
    items = re.findall(r"    <item>.*?</item>\n", text, flags=re.S)
    text = text.replace(items[0], "").replace(items[-1], items[-1] + items[0])
    (folder / "feed.xml").write_text(text, encoding="utf-8")
    assert "item-order" in fields(check_output(project, folder))


def test_vtt_must_be_last(out):
    project, episodes, folder = out
    text = (folder / "feed.xml").read_text(encoding="utf-8")
    vtt = re.search(r"\s*<podcast:transcript [^>]*transcript.vtt[^>]*/>", text)[0]
    text = text.replace(vtt, "", 1).replace("<podcast:transcript ", vtt.strip() + "\n<podcast:transcript ", 1)
    (folder / "feed.xml").write_text(text, encoding="utf-8")
    problems = [p for p in check_output(project, folder) if p.field == "transcripts"]
    assert problems and "last" in problems[0].message


def test_serial_feed_needs_numbers(out):
    project, episodes, folder = out
    edit_feed(folder, "<itunes:type>episodic</itunes:type>", "<itunes:type>serial</itunes:type>")
    problems = [p for p in check_output(project, folder) if p.field == "serial-numbers"]
    assert [p.where for p in problems] == ["feed.xml: episode 03-bonus"]
