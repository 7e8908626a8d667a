"""Nothing private in feed/: the allow-list of published files, and the forbidden-text scan."""

from __future__ import annotations

import os
from pathlib import Path

from podcast.leaks import check_published_files, find_text


def build(out: Path, slugs: tuple[str, ...] = ("ep-1", "ep-2")) -> Path:
    files = [
        "feed.xml",
        "index.html",
        "accessibility.html",
        "search-index.js",
        "artwork.jpg",
        "static/style.css",
        "static/js/player.js",
        "static/icons/rss.svg",
    ]
    for s in slugs:
        files += [f"{s}/index.html", f"{s}/{s}.mp3", f"{s}/chapters.json", f"{s}/waveform.png"]
        files += [f"{s}/transcript.{ext}" for ext in ("vtt", "srt", "json", "txt", "html")]
    files.append(f"{slugs[0]}/artwork.png")
    for f in files:
        p = out / f
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    return out


def test_a_clean_site_passes(tmp_path: Path) -> None:
    out = build(tmp_path / "feed")
    assert check_published_files(out, ["ep-1", "ep-2"]) == []


def test_private_and_unknown_files_are_listed(tmp_path: Path) -> None:
    out = build(tmp_path / "feed")
    bad = [
        "ep-1/episode.yaml",
        "ep-1/recording.wav",
        "ep-1/recording.flac",
        "ep-1/redactions.json",
        "ep-2/ep-1.mp3",
        "ep-2/notes/report.md",
        "reports/ep-1/report.html",
        "publication-log.jsonl",
        "old-episode/index.html",
        ".podcast-cache/x/meta.json",
        "ep-1/.transcript.vtt.swp",
        "episode.yaml",
        "artwork.gif",
    ]
    for f in bad:
        p = out / f
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"secret")
    problems = check_published_files(out, ["ep-1", "ep-2"])
    listed = sorted(p.split(":", 1)[0] for p in problems)
    assert listed == sorted(f"feed/{f}" for f in bad)
    assert "feed/ep-1/episode.yaml: not a published file of this episode" in problems
    assert "feed/old-episode/index.html: folder is not a published episode" in problems


def test_a_withdrawn_episode_folder_is_a_problem(tmp_path: Path) -> None:
    out = build(tmp_path / "feed")
    assert check_published_files(out, ["ep-1"])  # ep-2 is no longer published
    assert all(p.startswith("feed/ep-2/") for p in check_published_files(out, ["ep-1"]))


def test_symlinks_and_missing_mp3(tmp_path: Path) -> None:
    out = build(tmp_path / "feed")
    (tmp_path / "private.yaml").write_text("name: Jo Bloggs")
    os.symlink(tmp_path / "private.yaml", out / "ep-1" / "chapters2.json")
    os.symlink(tmp_path, out / "static" / "up")
    (out / "ep-2" / "ep-2.mp3").unlink()
    problems = check_published_files(out, ["ep-1", "ep-2"])
    assert "feed/ep-1/chapters2.json: symbolic link (may point at private files)" in problems
    assert "feed/static/up: symbolic link (may point at private files)" in problems
    assert "feed/ep-2/ep-2.mp3: missing (a published episode needs it)" in problems
    assert not any("private.yaml" in p for p in problems)  # links are not followed


def test_find_text_in_every_encoding(tmp_path: Path) -> None:
    out = tmp_path / "feed"
    (out / "ep").mkdir(parents=True)
    (out / "ep" / "transcript.txt").write_text("all clear [redacted]", encoding="utf-8")
    (out / "ep" / "index.html").write_text("<p>Mary&#x27;s and O&#39;Brien</p>", encoding="utf-8")
    (out / "search-index.js").write_text('var x = ["jo bloggs"];', encoding="utf-8")
    (out / "ep" / "ep.mp3").write_bytes(b"ID3\x00\x01" + "Ward 7".encode("utf-16-le") + b"\xff\xfb")
    (out / "ep" / "transcript.json").write_text('{"t": "943 476 5919"}', encoding="utf-8")
    (out / "feed.xml").write_text("<x>943-476-5919</x>", encoding="utf-8")
    hits = find_text(out, ["Jo Bloggs", "ward 7", "9434765919", "Mary's", "O'Brien", "absent"])
    assert sorted(hits) == sorted(
        [
            "search-index.js: contains 'Jo Bloggs'",
            "ep/ep.mp3: contains 'ward 7'",
            "ep/transcript.json: contains '9434765919'",
            "feed.xml: contains '9434765919'",
            'ep/index.html: contains "Mary\'s"',
            'ep/index.html: contains "O\'Brien"',
        ]
    )


def test_find_text_sees_digits_written_as_words_or_split(tmp_path: Path) -> None:
    """Whisper writes a number as figures, as words or digit by digit, depending on the voice
    and even on the CPU: every form of it is found."""
    out = tmp_path / "feed"
    (out / "ep").mkdir(parents=True)
    (out / "ep" / "transcript.txt").write_text(
        "My NHS number is nine, four, three, four, seven, six, five, nine, one, nine.", "utf-8"
    )
    (out / "ep" / "transcript.vtt").write_text("00:01.000 --> 00:02.000\n9, 4, 3, 4, 7,\n6, 5, 9, 1, 9.\n")
    (out / "ep" / "transcript.srt").write_text("call oh two oh seven nine four six oh one two three")
    (out / "ep" / "transcript.json").write_text('{"t": "someone phoned at 943 on 476"}')
    hits = find_text(out, ["943 476 5919", "020 7946 0123"])
    assert sorted(hits) == [
        "ep/transcript.srt: contains '020 7946 0123'",
        "ep/transcript.txt: contains '943 476 5919'",
        "ep/transcript.vtt: contains '943 476 5919'",
    ]
