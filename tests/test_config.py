"""show.yaml / episode.yaml validation: every problem at once, each naming file and field."""

from __future__ import annotations

import pytest
import yaml
from conftest import episode_yaml

from podcast.config import parse_time
from podcast.errors import ConfigError
from podcast.project import load_project, podcast_guid


def problems(root) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_project(root)
    return list(info.value.problems)


def test_valid_show_loads(show):
    show.episode("ep-1")
    project = load_project(show.root)
    assert [e.slug for e in project.episodes] == ["ep-1"]
    assert project.show.base_url == "https://example.org/podcast/"
    assert project.feed_url == "https://example.org/podcast/feed.xml"


def test_podcast_guid_check_value():
    assert podcast_guid("https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert podcast_guid("podnews.net/rss/") == "9b024349-ccf0-5f69-a609-6b82873eab3c"


def test_unknown_key_gets_did_you_mean(show):
    show.episode("ep-1", episode_yaml(titel="x"))
    (msg,) = problems(show.root)
    assert msg == "episodes/ep-1/episode.yaml: titel: unknown key (did you mean 'title'?)"


def test_nested_unknown_key_names_the_path(show):
    data = episode_yaml()
    data["speakers"][0]["consent"]["scopes"] = ["audio"]
    show.episode("ep-1", data)
    msgs = problems(show.root)
    assert "episodes/ep-1/episode.yaml: speakers[0].consent.scopes: unknown key (did you mean 'scope'?)" in msgs


def test_every_problem_reported_in_one_run(show):
    bad = episode_yaml(date="not a date")
    del bad["title"]
    show.episode("ep-1", bad)
    show.episode("ep-2", episode_yaml(colour="blue"))
    msgs = problems(show.root)
    assert any(m.startswith("episodes/ep-1/episode.yaml: title: is required") for m in msgs)
    assert any(m.startswith("episodes/ep-1/episode.yaml: date:") for m in msgs)
    assert any(m.startswith("episodes/ep-2/episode.yaml: colour: unknown key") for m in msgs)


def test_invalid_yaml_names_line(show):
    show.episode("ep-1", text="title: [unclosed\ndate: 2026-01-01\n")
    (msg,) = problems(show.root)
    assert msg.startswith("episodes/ep-1/episode.yaml:") and "invalid YAML" in msg


def test_yaml_is_loaded_safely(show):
    show.episode("ep-1", text="title: !!python/object/apply:os.system ['echo hacked']\n")
    (msg,) = problems(show.root)
    assert "invalid YAML" in msg


def test_audio_path_may_not_leave_the_folder(show):
    show.episode("ep-1", episode_yaml(audio="../../secret.wav"))
    msgs = problems(show.root)
    assert any("audio: '../../secret.wav' is outside the episode folder" in m for m in msgs)


def test_missing_and_empty_audio(show):
    folder = show.episode("ep-1", episode_yaml(audio="gone.wav"))
    (folder / "gone.wav").unlink()
    empty = show.episode("ep-2", episode_yaml(audio="empty.wav"))
    (empty / "empty.wav").write_bytes(b"")
    msgs = problems(show.root)
    assert any(m.startswith("episodes/ep-1/episode.yaml: audio: file 'gone.wav' not found") for m in msgs)
    assert any("'empty.wav' is empty (0 bytes)" in m for m in msgs)


def test_audio_and_tracks_are_exclusive(show):
    show.episode("ep-1", episode_yaml(tracks={"host": "recording.wav"}))
    msgs = problems(show.root)
    assert any("exactly one of 'audio'" in m for m in msgs)


def test_tracks_must_name_known_speakers(show):
    data = episode_yaml(tracks={"nobody": "a.wav"})
    del data["audio"]
    show.episode("ep-1", data)
    msgs = problems(show.root)
    assert any("tracks: 'nobody' is not a speaker id" in m for m in msgs)


def test_duplicate_guids(show):
    show.episode("ep-1", episode_yaml(guid="same"))
    show.episode("ep-2", episode_yaml(guid="same"))
    (msg,) = problems(show.root)
    assert msg.startswith("episodes/ep-2/episode.yaml: guid: 'same' is also the guid of episodes/ep-1")


def test_missing_guid_is_derived_with_a_warning(show):
    show.episode("ep-1")
    project = load_project(show.root)
    assert project.episodes[0].guid  # stable UUIDv5 of the show guid and the folder name
    assert project.episodes[0].guid == load_project(show.root).episodes[0].guid
    assert any("renaming the folder would change it" in w.lower() for w in project.warnings)


def test_speaker_without_consent_is_an_error(show):
    data = episode_yaml()
    del data["speakers"][0]["consent"]
    show.episode("ep-1", data)
    (msg,) = problems(show.root)
    assert "speakers[0].consent" in msg and "'host'" in msg


def test_unknown_consent_scope(show):
    data = episode_yaml()
    data["speakers"][0]["consent"]["scope"] = ["audio", "video"]
    show.episode("ep-1", data)
    msgs = problems(show.root)
    assert any("speakers[0].consent.scope[1]" in m for m in msgs)


def test_show_artwork_wrong_size_and_type(show):
    from conftest import write_artwork

    write_artwork(show.root / "artwork.png", size=600)
    msgs = problems(show.root)
    assert any(m.startswith("show.yaml: artwork:") and "600x600" in m for m in msgs)
    (show.root / "artwork.png").write_text("not an image")
    msgs = problems(show.root)
    assert any("not a readable image" in m for m in msgs)


def test_artwork_cmyk_and_wrong_extension(show):
    from conftest import write_artwork

    write_artwork(show.root / "art.jpg", mode="CMYK", fmt="JPEG")
    show.show(artwork="art.jpg")
    msgs = problems(show.root)
    assert any("CMYK" in m for m in msgs)
    write_artwork(show.root / "art2.jpg", fmt="PNG")
    show.show(artwork="art2.jpg")
    msgs = problems(show.root)
    assert any("extension" in m for m in msgs)


def test_show_yaml_problems(show):
    (show.root / "show.yaml").write_text(yaml.safe_dump({"title": "x", "base_url": "ftp://x"}))
    msgs = problems(show.root)
    assert "show.yaml: description: is required" in msgs
    assert any(m.startswith("show.yaml: base_url:") for m in msgs)


def test_serial_show_needs_numbers(show):
    show.show(type="serial")
    show.episode("ep-1")
    (msg,) = problems(show.root)
    assert "number: is required because show.yaml has type: serial" in msg


@pytest.mark.parametrize("text,seconds", [
    ("75", 75.0), (75, 75.0), ("1:15", 75.0), ("01:01:15", 3675.0), ("0:05.5", 5.5), (2.5, 2.5),
])
def test_parse_time(text, seconds):
    assert parse_time(text) == seconds


@pytest.mark.parametrize("text", ["1:75", "abc", "-3", True, "1:2:3:4"])
def test_parse_time_rejects(text):
    with pytest.raises(ValueError):
        parse_time(text)


def test_chapter_time_errors_name_the_chapter(show):
    show.episode("ep-1", episode_yaml(chapters=[{"start": "1:99", "title": "Bad"}]))
    (msg,) = problems(show.root)
    assert msg.startswith("episodes/ep-1/episode.yaml: chapters[0].start:")
