"""Nothing private leaks into feed/: an allow-list of published files and a text scan.

`check_published_files(out_dir, slugs)` lists every file under the output folder that is not
one of the files the site is made of (see LAYOUT: feed.xml, pages, static/, per-episode MP3,
transcripts, chapters, artwork, waveform). Anything else — episode.yaml, WAV/FLAC sources,
reports, redaction lists, stray folders, symlinks — is a problem.

`find_text(out_dir, needles)` searches every published file, text and binary (ID3 tags in the
MP3s too), for strings that must not be there: redacted details, names withheld by consent.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable
from pathlib import Path

TOP_FILES = frozenset({"feed.xml", "index.html", "accessibility.html", "search-index.js"})
ART_RE = re.compile(r"artwork\.(jpg|jpeg|png)")
TRANSCRIPTS = ("vtt", "srt", "json", "txt", "html")
# chapter images listed in episode.yaml are published beside the episode
CHAPTER_IMAGE_RE = re.compile(r"[\w.-]+\.(jpg|jpeg|png|webp|gif)")


def _allowed_in_episode(slug: str, name: str) -> bool:
    return (
        name in ("index.html", f"{slug}.mp3", "chapters.json", "waveform.png")
        or name in {f"transcript.{ext}" for ext in TRANSCRIPTS}
        or bool(ART_RE.fullmatch(name))
        or bool(CHAPTER_IMAGE_RE.fullmatch(name))
    )


def _problem(out_dir: Path, rel: str, slugs: Collection[str]) -> str | None:
    parts = rel.split("/")
    if any(p.startswith(".") for p in parts):
        return "hidden file or folder"
    if len(parts) == 1:
        if parts[0] in TOP_FILES or ART_RE.fullmatch(parts[0]):
            return None
        return "not a published file"
    if parts[0] == "static":
        return None
    if parts[0] in slugs:
        if len(parts) == 2 and _allowed_in_episode(parts[0], parts[1]):
            return None
        return "not a published file of this episode"
    return "folder is not a published episode"


def check_published_files(out_dir: Path, slugs: Iterable[str]) -> list[str]:
    """One message per file under out_dir that may not be published ([] when all is well)."""
    slug_set = frozenset(slugs)
    problems = []
    name = out_dir.name or str(out_dir)
    for path in sorted(out_dir.rglob("*")):
        rel = path.relative_to(out_dir).as_posix()
        if path.is_symlink():
            problems.append(f"{name}/{rel}: symbolic link (may point at private files)")
            continue
        if path.is_dir():
            continue
        why = _problem(out_dir, rel, slug_set)
        if why:
            problems.append(f"{name}/{rel}: {why}")
    for slug in sorted(slug_set):
        if not (out_dir / slug / f"{slug}.mp3").is_file():
            problems.append(f"{name}/{slug}/{slug}.mp3: missing (a published episode needs it)")
    return problems


def _variants(needle: str) -> set[bytes]:
    import json

    forms = {
        needle,
        html.escape(needle),
        html.escape(needle, quote=False),
        json.dumps(needle)[1:-1],
    }
    for quote in ("&#x27;", "&#39;", "&apos;", "\\u0027", "’"):
        forms |= {f.replace("'", quote) for f in list(forms)}
    out: set[bytes] = set()
    for f in forms:
        for enc in ("utf-8", "utf-16-le", "utf-16-be"):
            out.add(f.lower().encode(enc))
    return out


_SPOKEN_DIGITS = {
    w.encode(): str(i).encode()
    for i, w in enumerate("zero one two three four five six seven eight nine".split())
} | {b"oh": b"0"}
_SPOKEN_RE = re.compile(rb"\b(" + b"|".join(_SPOKEN_DIGITS) + rb")\b")


def _digits_squeezed(data: bytes) -> bytes:
    """Lower-case file bytes with digit words as digits and separators between them removed
    (NULs too, so UTF-16 text reads as ASCII)."""
    data = _SPOKEN_RE.sub(lambda m: _SPOKEN_DIGITS[m.group(1)], data.replace(b"\x00", b""))
    return re.sub(rb"[\s,.\-]", b"", data)


def find_text(out_dir: Path, needles: Iterable[str]) -> list[str]:
    """'file: contains NEEDLE' for every published file containing a forbidden string.

    Case-insensitive; looks for UTF-8 and UTF-16 (ID3) encodings and HTML/JSON escapes. A needle
    made of digits (an NHS or phone number) is also found with spaces, dashes, commas, full stops
    or line breaks between them, and with its digits written as words ("nine four three")."""
    wanted: list[tuple[str, set[bytes], bool]] = []
    for n in needles:
        n = n.strip()
        if not n:
            continue
        digits = re.fullmatch(r"[\d\s+-]+", n) is not None
        forms = _variants(re.sub(r"[\s-]", "", n) if digits else n)
        wanted.append((n, forms, digits))
    hits = []
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file() and not p.is_symlink()):
        data = path.read_bytes().lower()
        squeezed = _digits_squeezed(data) if any(w[2] for w in wanted) else b""
        for n, forms, digits in wanted:
            if any(f in (squeezed if digits else data) for f in forms):
                hits.append(f"{path.relative_to(out_dir).as_posix()}: contains {n!r}")
    return hits
