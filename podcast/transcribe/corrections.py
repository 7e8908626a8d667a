"""Human corrections win: the review copy, reading a committed correction, re-timing it.

`podcast transcribe SLUG` writes the machine transcript to episodes/<slug>/transcript.vtt
(`write_for_review`) with a NOTE block that records the sha256 of the machine output and
of the audio it came from. A person corrects and commits the file. Publish reads it with
`load_committed` (never writing to it): a file whose content no longer matches the
recorded machine hash is human-edited; audio whose hash changed since gives a warning and
the correction is kept. `retime` moves a corrected transcript's words onto the audio using
the machine transcript's word timings wherever the wording still matches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from podcast.errors import TranscriptError
from podcast.models import Segment, Transcript, Word
from podcast.transcribe.formats import to_vtt
from podcast.transcribe.paragraphs import Token, align, timed_tokens
from podcast.transcribe.vtt import read_transcript

REVIEW_NAME = "transcript.vtt"
NOTE_MARK = "NOTE podcast-transcript"
_HELP = (  # lines of at most 65 characters, like the cues
    "Machine transcript for a person to correct. Fix the words and",
    "the <v Name> speakers; keep the times if you can (publish",
    "re-times edited words to the audio). Then commit this file:",
    "publish uses it and never overwrites it. Keep this note.",
)


@dataclass(frozen=True)
class ReviewRecord:
    """What the NOTE block of a review copy records."""

    machine_sha256: str  # body_sha256 of the file as written by the machine
    audio_sha256: str  # the audio the machine transcribed
    offset: float = 0.0  # seconds added to every time in the file (0: content timeline)
    language: str = ""
    engine: str = ""
    model: str = ""


@dataclass(frozen=True)
class Committed:
    """A transcript found in the episode folder."""

    path: Path
    transcript: Transcript  # times on the content timeline (the file's offset removed)
    human_edited: bool  # content differs from the machine output (or no record at all)
    audio_changed: bool  # the audio differs from the one that was transcribed
    file_sha256: str  # sha256 of the file's bytes, e.g. for a reviewer's sign-off
    record: ReviewRecord | None
    warnings: tuple[str, ...] = ()


def _display(path: Path) -> str:
    parent = path.parent
    if parent.parent.name == "episodes":
        return f"episodes/{parent.name}/{path.name}"
    return str(path)


def _lines(text: str) -> list[str]:
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _note_span(lines: list[str]) -> tuple[int, int] | None:
    """(first, last+1) line indexes of the podcast NOTE block and the blank line after it."""
    for i, line in enumerate(lines):
        if line.rstrip() == NOTE_MARK:
            j = i
            while j < len(lines) and lines[j].strip():
                j += 1
            return i, min(j + 1, len(lines))
    return None


def body_sha256(text: str) -> str:
    """sha256 of a transcript file's content without the podcast NOTE block, with line
    endings normalised, so the hash can live inside the file it describes."""
    lines = _lines(text)
    span = _note_span(lines)
    if span:
        del lines[span[0] : span[1]]
    body = "\n".join(lines).rstrip() + "\n"
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def read_record(text: str) -> ReviewRecord | None:
    """The ReviewRecord in a file's podcast NOTE block, or None if it has none."""
    lines = _lines(text)
    span = _note_span(lines)
    if not span:
        return None
    fields: dict[str, str] = {}
    block = [line.strip() for line in lines[span[0] : span[1]]]
    for k, line in enumerate(block):
        m = re.fullmatch(r"([a-z0-9-]+):(?: (.*))?", line)
        if m:  # "key: value", or "key:" with the value on the next line
            value = m.group(2) if m.group(2) is not None else ""
            if not value and k + 1 < len(block) and ":" not in block[k + 1]:
                value = block[k + 1]
            fields[m.group(1)] = value
    if "machine-sha256" not in fields:
        return None
    try:
        offset = float(fields.get("offset", "0") or 0)
    except ValueError:
        offset = 0.0
    return ReviewRecord(
        fields["machine-sha256"],
        fields.get("audio-sha256", ""),
        offset,
        fields.get("language", ""),
        fields.get("engine", ""),
        fields.get("model", ""),
    )


def review_text(
    transcript: Transcript, names: Mapping[str, str], *, audio_sha256: str, offset: float = 0.0
) -> str:
    """The review copy: the WebVTT plus a NOTE block holding its ReviewRecord."""
    plain = to_vtt(transcript, names, offset=offset)
    record = [  # hashes on their own line to keep every line within 65 characters
        "machine-sha256:",
        body_sha256(plain),
        "audio-sha256:",
        audio_sha256,
        f"offset: {offset:.3f}",
        f"language: {transcript.language}",
        f"engine: {transcript.engine}",
        f"model: {transcript.model}",
    ]
    note = "\n".join((NOTE_MARK[len("NOTE ") :], *_HELP, *record))
    return to_vtt(transcript, names, offset=offset, note=note)


def _backup_path(path: Path, stamp: str | None) -> Path:
    base = f"{path.name}.bak-{stamp}" if stamp else f"{path.name}.bak"
    n = 0 if stamp else 1
    while True:
        candidate = path.with_name(base if n == 0 else f"{base}-{n}")
        if not candidate.exists():
            return candidate
        n += 1


def write_for_review(
    transcript: Transcript,
    names: Mapping[str, str],
    episode_dir: Path,
    *,
    audio_sha256: str,
    force: bool = False,
    offset: float = 0.0,
    filename: str = REVIEW_NAME,
    today: dt.date | None = None,
    stamp: str | None = None,
) -> Path:
    """Write episode_dir/<filename> (transcript.vtt) for a person to correct; return its path.

    An existing file is never overwritten (it may hold corrections) unless `force`, and
    then it is first copied to transcript.vtt.bak-<n>, or .bak-<stamp> / .bak-<today>
    (plus -<n> if that exists too): a backup is never overwritten either.
    Writing the very same content again is a no-op. `offset` (seconds) is added to every
    time in the file and recorded, so a person can check times against the published MP3;
    load_committed takes it off again.
    """
    path = episode_dir / filename
    stamp = stamp or (today.isoformat() if today else None)
    text = review_text(transcript, names, audio_sha256=audio_sha256, offset=offset)
    data = text.encode("utf-8")
    if path.exists():
        old = path.read_bytes()
        if old == data:
            return path
        if not force:
            raise TranscriptError(
                f"{_display(path)}: already exists and may hold human corrections, so it is "
                "not overwritten; use --force to regenerate it (the old file is kept as a backup)"
            )
        with open(_backup_path(path, stamp), "xb") as backup:
            backup.write(old)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def _shift(t: Transcript, by: float) -> Transcript:
    if not by:
        return t

    def mv(x: float) -> float:
        return max(0.0, x + by)

    segs = tuple(
        replace(
            s,
            start=mv(s.start),
            end=mv(s.end),
            words=tuple(replace(w, start=mv(w.start), end=mv(w.end)) for w in s.words),
        )
        for s in t.segments
    )
    return replace(t, segments=segs, duration=max((s.end for s in segs), default=0.0))


def load_committed(
    episode_dir: Path,
    names_to_ids: Mapping[str, str],
    *,
    audio_sha256: str | None,
    language: str = "",
    filename: str = REVIEW_NAME,
) -> Committed | None:
    """The committed transcript of an episode (<filename>, else the same name as .srt), or None.

    Only reads. Raises TranscriptError (file:line: ...) for a file that does not parse.
    `audio_sha256` is the current audio's hash (None: not checked).
    """
    first = episode_dir / filename
    path = next((p for p in (first, first.with_suffix(".srt")) if p.is_file()), None)
    if path is None:
        return None
    shown = _display(path)
    data = path.read_bytes()
    text = data.decode("utf-8", errors="replace")
    record = read_record(text)
    lang = (record.language if record else "") or language
    transcript = read_transcript(path, names_to_ids, display=shown, language=lang)
    edited = record is None or body_sha256(text) != record.machine_sha256
    changed = bool(record and audio_sha256 and record.audio_sha256 != audio_sha256)
    warnings: tuple[str, ...] = ()
    if changed:
        warnings = (
            f"{shown}: the audio changed after this transcript was made; the correction is "
            "kept - check its timings, or regenerate it with "
            f"`podcast transcribe {episode_dir.name} --force` (the old file is kept as a backup)",
        )
    transcript = _shift(transcript, -(record.offset if record else 0.0))
    transcript = replace(
        transcript,
        source="human" if edited else "machine",
        engine=record.engine if record else "",
        model=record.model if record else "",
    )
    file_hash = hashlib.sha256(data).hexdigest()
    return Committed(path, transcript, edited, changed, file_hash, record, warnings)


def retime(corrected: Transcript, machine: Transcript) -> Transcript:
    """Re-time a corrected transcript to the audio.

    Corrected and machine words are aligned (difflib on case- and punctuation-blind
    tokens); matching and one-for-one replaced words take the machine word's times, the
    rest are interpolated between their aligned neighbours. Speakers, wording and
    non-speech markers of the correction are kept. Without machine words, returns the
    correction unchanged.
    """
    machine_tokens: list[Token] = [
        tok
        for seg in sorted(machine.segments, key=lambda s: s.start)
        if seg.kind != "nonspeech"
        for tok in timed_tokens(seg)
    ]
    speech = [i for i, s in enumerate(corrected.segments) if s.kind != "nonspeech"]
    texts = [(i, t) for i in speech for t in corrected.segments[i].text.split()]
    if not machine_tokens or not texts:
        return corrected
    end = max(corrected.duration, machine.duration, machine_tokens[-1].end)
    timed = align([t for _, t in texts], machine_tokens, 0.0, end)
    # a word that took a machine word's times keeps its confidence; an interpolated one was
    # never heard at that time, so it gets 0 (redaction then widens its mute to be safe)
    heard = {
        (round(w.start, 3), round(w.end, 3)): w.probability
        for seg in machine.segments
        for w in seg.words
    }
    by_seg: dict[int, list[Word]] = {}
    for (i, _), tok in zip(texts, timed, strict=True):
        probability = heard.get((round(tok.start, 3), round(tok.end, 3)), 0.0)
        by_seg.setdefault(i, []).append(Word(tok.start, tok.end, " " + tok.text, probability))
    segments = []
    for i, seg in enumerate(corrected.segments):
        words = by_seg.get(i)
        if not words:
            segments.append(seg)
            continue
        segments.append(
            Segment(
                min(w.start for w in words),
                max(w.end for w in words),
                "".join(w.text for w in words),
                seg.speaker,
                tuple(words),
                kind=seg.kind,
                flags=seg.flags,
            )
        )
    duration = max([corrected.duration, *(s.end for s in segments)])
    return replace(corrected, segments=tuple(segments), duration=duration)
