"""Read a WebVTT (or SRT) transcript, as a person corrected it, back into a Transcript.

Validation is strict and every message names the file and line, for example
`episodes/x/transcript.vtt:12: cue timing '00:01.000 --> 00:00.500' ends before it starts`.
Speakers come from `<v Name>` voice spans (SRT: a leading "Name: "); a cue without one
continues the previous speaker. Names map back to speaker ids through `names_to_ids`
(built with `ids_by_name`); an unknown name is an error so a typo cannot lose a speaker.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from podcast.errors import TranscriptError
from podcast.models import Segment, Speaker, Transcript, Word
from podcast.transcribe.paragraphs import UNKNOWN_SPEAKER, spread

AMBIGUOUS = "\x00ambiguous"
_TIME = re.compile(r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})")
_TAGS = frozenset({"c", "i", "b", "u", "v", "lang", "ruby", "rt"})
_BRACKETED = re.compile(r"\[[^\[\]]+\]")


def _key(name: str) -> str:
    return " ".join(name.split()).casefold().rstrip(":")


def ids_by_name(speakers: Sequence[Speaker]) -> dict[str, str]:
    """Name -> speaker id for reading transcripts back: each speaker's display name, role,
    id, and the name of a person who consented to be named, are accepted (case-insensitive).
    A name shared by two speakers maps to AMBIGUOUS and is reported if a transcript uses it."""
    out: dict[str, str] = {}
    keys: dict[str, str] = {}
    for s in speakers:
        for name in (s.display_name, s.role, s.name if s.named else "", s.id):
            if name.strip():
                k = keys.setdefault(_key(name), " ".join(name.split()))
                out[k] = s.id if out.get(k, s.id) == s.id else AMBIGUOUS
    return out


@dataclass(frozen=True)
class _Cue:
    line: int  # line number of the timing line
    start: float
    end: float
    parts: tuple[tuple[str | None, str, int], ...]  # (voice name or None, text, line)


class _Reader:
    def __init__(self, path: str, names_to_ids: Mapping[str, str]):
        self.path = path
        self.names = {_key(k): v for k, v in names_to_ids.items()}
        self.shown = sorted(k for k, v in names_to_ids.items() if v != AMBIGUOUS)

    def fail(self, line: int, message: str) -> TranscriptError:
        return TranscriptError(f"{self.path}:{line}: {message}")

    def seconds(self, line: int, stamp: str, timing: str, sep: str = ".") -> float:
        other = "," if sep == "." else "."
        m = None if other in stamp else _TIME.fullmatch(stamp.replace(sep, "."))
        if not m:
            example = "00:00:01" + sep + "500"
            raise self.fail(
                line, f"cue timing '{timing}': '{stamp}' is not a valid time (write e.g. {example})"
            )
        h, mi, s, ms = m.groups()
        return int(h or 0) * 3600 + int(mi) * 60 + int(s) + int(ms) / 1000

    def timing(
        self, line: int, text: str, prev: _Cue | None, sep: str = "."
    ) -> tuple[float, float]:
        m = re.fullmatch(r"(\S+)[ \t]+-->[ \t]+(\S+)(?:[ \t].*)?", text.strip())
        if not m:
            raise self.fail(
                line,
                f"cue timing '{text.strip()}' is not valid "
                f"(write e.g. 00:00:01{sep}000 --> 00:00:04{sep}000)",
            )
        timing = f"{m.group(1)} --> {m.group(2)}"
        start = self.seconds(line, m.group(1), timing, sep)
        end = self.seconds(line, m.group(2), timing, sep)
        if end < start:
            raise self.fail(line, f"cue timing '{timing}' ends before it starts")
        if end == start:
            raise self.fail(line, f"cue timing '{timing}' has zero length")
        if prev is not None and start < prev.start:
            raise self.fail(
                line,
                f"cue timing '{timing}' starts before the previous cue (line {prev.line}); "
                "cues must be in time order",
            )
        return start, end

    def speaker(self, line: int, name: str) -> str:
        k = _key(name)
        found = self.names.get(k)
        if found == AMBIGUOUS:
            raise self.fail(line, f"speaker '{name}' is ambiguous: two speakers share that name")
        if found is not None:
            return found
        if k == _key(UNKNOWN_SPEAKER):
            return ""
        raise self.fail(
            line,
            f"unknown speaker '{name}' (known: {', '.join(self.shown) or 'none'}; "
            "speakers are listed in episode.yaml)",
        )


def _blocks(lines: Sequence[str], first: int) -> Iterator[list[tuple[int, str]]]:
    """Blank-line separated blocks of (line number, text), from index `first`."""
    block: list[tuple[int, str]] = []
    for i in range(first, len(lines)):
        if lines[i].strip():
            block.append((i + 1, lines[i]))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _split_lines(text: str) -> list[str]:
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _payload(r: _Reader, line: int, text: str, voice: str | None) -> list[tuple[str | None, str]]:
    """Split one line of cue text at voice spans, checking tags; returns (voice, text) parts."""
    parts: list[tuple[str | None, str]] = []
    buf: list[str] = []
    pos = 0
    while True:
        lt = text.find("<", pos)
        buf.append(text[pos : len(text) if lt < 0 else lt])
        if lt < 0:
            break
        gt = text.find(">", lt)
        if gt < 0:
            raise r.fail(line, "'<' in cue text must be written as &lt;")
        tag = text[lt + 1 : gt]
        pos = gt + 1
        if tag[:1].isdigit():
            r.seconds(line, tag, f"<{tag}>")
            continue
        name = re.split(r"[.\s]", tag.lstrip("/"), maxsplit=1)[0]
        if name not in _TAGS:
            raise r.fail(
                line,
                f"unknown tag '<{tag}>' in cue text (write '<' as &lt;; allowed tags: "
                "<v Name>, <i>, <b>, <u>, <c>, <lang>, <ruby>, <rt>)",
            )
        if name == "v" and not tag.startswith("/"):
            m = re.fullmatch(r"v(?:\.[^\s.]+)*[ \t\f]+(.*)", tag, re.S)
            annotation = html.unescape(m.group(1)) if m else ""
            if not annotation.strip():
                raise r.fail(line, "voice span '<v>' has no speaker name (write <v Name>)")
            parts.append((voice, "".join(buf)))
            buf, voice = [], annotation.strip()
    parts.append((voice, "".join(buf)))
    return [(v, html.unescape(t)) for v, t in parts if t.strip()]


def _cue(r: _Reader, block: list[tuple[int, str]], prev: _Cue | None) -> _Cue:
    (n0, first), rest = block[0], block[1:]
    if "-->" not in first:
        if not rest or "-->" not in rest[0][1]:
            raise r.fail(
                n0,
                f"text outside a cue: '{first.strip()[:60]}' (a blank line ends a cue: remove "
                "the blank line above it, or give it a timing line such as "
                "'00:00:01.000 --> 00:00:04.000')",
            )
        (n0, first), rest = rest[0], rest[1:]
    start, end = r.timing(n0, first, prev)
    parts: list[tuple[str | None, str, int]] = []
    voice: str | None = None
    for n, text in rest:
        if "-->" in text:
            raise r.fail(n, "cue text contains '-->': is a blank line missing before this cue?")
        got = _payload(r, n, text, voice)
        parts += [(v, t, n) for v, t in got]
        voice = got[-1][0] if got else voice
    return _Cue(n0, start, end, tuple(parts))


def _check_block(r: _Reader, block: list[tuple[int, str]], seen_cue: bool) -> bool:
    """True if the block is a cue; False for NOTE/STYLE/REGION blocks (checked and skipped)."""
    n, first = block[0]
    word = first.split(None, 1)[0] if first.split() else ""
    if word == "NOTE":
        bad = [m for m, t in block if "-->" in t]
        if bad:
            raise r.fail(bad[0], "a NOTE must not contain '-->' (is a blank line missing?)")
        return False
    if word in ("STYLE", "REGION") and "-->" not in first:
        if seen_cue:
            raise r.fail(n, f"{word} blocks must come before the first cue")
        return False
    return True


def parse_vtt(
    text: str, *, path: str, names_to_ids: Mapping[str, str], language: str = ""
) -> Transcript:
    """Parse WebVTT text into a Transcript(source="human"); `path` is used in messages."""
    r = _Reader(path, names_to_ids)
    lines = _split_lines(text)
    head = lines[0] if lines else ""
    if not re.fullmatch(r"WEBVTT(?:[ \t].*)?", head):
        raise r.fail(1, f"a WebVTT file must start with 'WEBVTT' (found '{head[:40]}')")
    i = 1
    while i < len(lines) and lines[i].strip():
        if "-->" in lines[i]:
            raise r.fail(i + 1, "a blank line is missing after the 'WEBVTT' header")
        i += 1
    cues: list[_Cue] = []
    for block in _blocks(lines, i):
        if _check_block(r, block, bool(cues)):
            cues.append(_cue(r, block, cues[-1] if cues else None))
    return _transcript(r, cues, language)


def _transcript(r: _Reader, cues: Sequence[_Cue], language: str) -> Transcript:
    segments: list[Segment] = []
    speaker = ""
    for cue in cues:
        if not cue.parts:
            continue  # a cue whose text was deleted: nothing was said there
        shares = spread([t for _, t, _ in cue.parts], cue.start, cue.end)
        for (voice, text, line), share in zip(cue.parts, shares, strict=True):
            tokens = text.split()
            if voice is None and len(cue.parts) == 1 and _BRACKETED.fullmatch(" ".join(tokens)):
                segments.append(Segment(cue.start, cue.end, " ".join(tokens), kind="nonspeech"))
                continue
            if voice is not None:
                speaker = r.speaker(line, voice)
            words = tuple(
                Word(t.start, t.end, " " + t.text) for t in spread(tokens, share.start, share.end)
            )
            seg_text = "".join(w.text for w in words)
            segments.append(Segment(share.start, share.end, seg_text, speaker, words))
    duration = max((s.end for s in segments), default=0.0)
    return Transcript(tuple(segments), language, source="human", duration=duration)


def parse_srt(
    text: str, *, path: str, names_to_ids: Mapping[str, str], language: str = ""
) -> Transcript:
    """Parse SRT text ("Name: " at a change of speaker) into a Transcript(source="human")."""
    r = _Reader(path, names_to_ids)
    cues: list[_Cue] = []
    for block in _blocks(_split_lines(text), 0):
        rest = block[1:] if block[0][1].strip().isdigit() else block
        if not rest or "-->" not in rest[0][1]:
            raise r.fail(
                block[0][0], "expected a cue timing line like '00:00:01,000 --> 00:00:04,000'"
            )
        n0 = rest[0][0]
        start, end = r.timing(n0, rest[0][1], cues[-1] if cues else None, sep=",")
        body = " ".join(t.strip() for _, t in rest[1:])
        m = re.match(r"([^:]{1,60}):\s+(.*)", body)
        voice = None
        if m and _key(m.group(1)) in r.names | {_key(UNKNOWN_SPEAKER): ""}:
            voice, body = m.group(1), m.group(2)
        parts = ((voice, body, rest[1][0]),) if body.strip() else ()
        cues.append(_Cue(n0, start, end, parts))
    return _transcript(r, cues, language)


def read_transcript(
    path: Path, names_to_ids: Mapping[str, str], *, display: str | None = None, language: str = ""
) -> Transcript:
    """Read a .vtt or .srt file; errors name `display` (default: the path) and the line."""
    shown = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise TranscriptError(f"{shown}: cannot be read ({e.strerror or e})") from e
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise TranscriptError(f"{shown}:{line}: not UTF-8 text (save the file as UTF-8)") from e
    parse = parse_srt if path.suffix.lower() == ".srt" else parse_vtt
    return parse(text, path=shown, names_to_ids=names_to_ids, language=language)
