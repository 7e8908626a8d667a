"""Write one Transcript as WebVTT, SRT, Podcasting 2.0 JSON, plain text and HTML.

Every writer takes the same transcript and the same `names` (speaker id -> display name,
already resolved for consent), so every file agrees. `offset` (seconds) moves all times
onto the published timeline (e.g. the length of the intro music). Output is deterministic:
same input, same text; "\\n" line endings; callers write it as UTF-8.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from podcast.models import Transcript
from podcast.transcribe.paragraphs import Token, paragraphs, speaker_label, timed_tokens

VTT_LINE = 65  # characters per WebVTT cue line, counted on the raw line incl. "<v Name>"
SRT_LINE = 42  # characters per SRT line
SRT_LINES = 2  # lines per SRT card
MIN_CUE_MS = 300  # an overlapped cue keeps at least this long on screen
CUE_PAUSE = 1.5  # seconds of silence between words that always ends a cue
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ckb"})

MEDIA_TYPES = {
    "vtt": "text/vtt",
    "srt": "application/x-subrip",
    "json": "application/json",
    "txt": "text/plain",
    "html": "text/html",
}
"""Output kind -> MIME type, as the feed's <podcast:transcript type=...> wants it."""


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    speaker: str  # display label; "" for non-speech
    lines: tuple[tuple[str, ...], ...]  # tokens of each line
    prefix: str = ""  # SRT "Name: " on the first line


def _ms(t: float) -> int:
    return max(0, round(t * 1000))


def vtt_time(ms: int) -> str:
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def srt_time(ms: int) -> str:
    return vtt_time(ms).replace(".", ",")


def clock(t: float) -> str:
    """Seconds -> "M:SS" or "H:MM:SS" for people to read."""
    s = max(0, int(t))
    h, m, s = s // 3600, s // 60 % 60, s % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def iso_duration(t: float) -> str:
    """Seconds -> a valid HTML duration string such as "PT1H2M3S" for <time datetime>."""
    s = max(0, int(t))
    h, m, s = s // 3600, s // 60 % 60, s % 60
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if h or m else "") + f"{s}S"


def vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _chunk(
    tokens: Sequence[Token],
    width: int,
    max_lines: int,
    first_extra: int,
    extra: int,
    esc: Callable[[str], str],
) -> list[list[list[Token]]]:
    """Greedily fill cues of up to `max_lines` lines of at most `width` characters.

    `first_extra`/`extra` are characters taken on the first line of the first/later cues
    (a voice tag or "Name: "). A cue also ends at a long pause and at a sentence end once
    it is at least half full. A single token longer than a line stands alone.
    """
    cues: list[list[list[Token]]] = []
    cur: list[list[Token]] = [[]]

    def used(lines: list[list[Token]], k: int) -> int:
        lead = (first_extra if not cues else extra) if k == 0 else 0
        return lead + len(esc(" ".join(t.text for t in lines[k])))

    for tok in tokens:
        line = cur[-1]
        if line and tok.start - line[-1].end >= CUE_PAUSE:
            cues.append(cur)
            cur = [[]]
            line = cur[-1]
        line.append(tok)
        if len(line) > 1 and used(cur, len(cur) - 1) > width:
            line.pop()
            if len(cur) < max_lines:
                cur.append([tok])
            else:
                cues.append(cur)
                cur = [[tok]]
        filled = sum(used(cur, k) for k in range(len(cur)))
        if tok.text[-1:] in ".?!" and filled * 2 >= width * max_lines:
            cues.append(cur)
            cur = [[]]
    if cur[0]:
        cues.append(cur)
    return cues


def _balanced(
    tokens: Sequence[Token],
    width: int,
    max_lines: int,
    first_extra: int,
    extra: int,
    esc: Callable[[str], str],
) -> list[list[list[Token]]]:
    """`_chunk`, but with lines of even length where that needs no more lines (so a long
    sentence does not end in a short orphan line)."""
    greedy = _chunk(tokens, width, max_lines, first_extra, extra, esc)
    n_lines = sum(len(cue) for cue in greedy)
    if n_lines < 2:
        return greedy
    total = len(esc(" ".join(t.text for t in tokens))) + first_extra + extra * (len(greedy) - 1)
    best = greedy
    for target in range(-(-total // n_lines), width):
        trial = _chunk(tokens, target, max_lines, first_extra, extra, esc)
        if sum(len(cue) for cue in trial) <= n_lines and len(trial) <= len(greedy):
            best = trial
            break
    return best


def build_cues(
    transcript: Transcript,
    names: Mapping[str, str],
    *,
    offset: float = 0.0,
    width: int = VTT_LINE,
    max_lines: int = 1,
    srt_names: bool = False,
) -> tuple[Cue, ...]:
    """Caption cues, in time order, never overlapping (an overlap is cut at the next start).

    For WebVTT each cue's first line carries the `<v Name>` tag within `width`; for SRT
    (`srt_names=True`) "Name: " starts the first card after each change of speaker.
    """
    cues: list[Cue] = []
    last_speaker: str | None = None
    esc: Callable[[str], str] = str if srt_names else vtt_escape
    for seg in sorted(transcript.segments, key=lambda s: s.start):
        tokens = timed_tokens(seg)
        if not tokens:
            continue
        speech = seg.kind != "nonspeech"
        label = speaker_label(seg.speaker, names) if speech else ""
        if srt_names:
            prefix = f"{label}: " if speech and label != last_speaker else ""
            first_extra, extra = len(prefix), 0
            last_speaker = label if speech else None
        else:
            prefix = ""
            tag = len(f"<v {vtt_escape(label)}>") if speech else 0
            first_extra = extra = tag
        for k, lines in enumerate(_balanced(tokens, width, max_lines, first_extra, extra, esc)):
            toks = [t for line in lines for t in line]
            cues.append(
                Cue(
                    _ms(offset + toks[0].start),
                    _ms(offset + max(t.end for t in toks)),
                    label,
                    tuple(tuple(t.text for t in line) for line in lines),
                    prefix if k == 0 else "",
                )
            )
    return _untangle(cues)


def _untangle(cues: list[Cue]) -> tuple[Cue, ...]:
    """Order cues by start and cut each at the next one's start (overlapping speech),
    keeping at least MIN_CUE_MS of each cue (or its whole length if shorter)."""
    out: list[Cue] = []
    for cue in sorted(cues, key=lambda c: c.start_ms):
        start, end = cue.start_ms, cue.end_ms
        if out:
            prev = out[-1]
            keep = prev.start_ms + max(1, min(MIN_CUE_MS, prev.end_ms - prev.start_ms))
            if prev.end_ms > start:
                cut = max(start, keep)
                out[-1] = Cue(prev.start_ms, cut, prev.speaker, prev.lines, prev.prefix)
            start = max(start, out[-1].end_ms)
        end = max(end, start + max(1, min(MIN_CUE_MS, cue.end_ms - cue.start_ms)))
        out.append(Cue(start, end, cue.speaker, cue.lines, cue.prefix))
    return tuple(out)


def to_vtt(
    transcript: Transcript,
    names: Mapping[str, str],
    *,
    offset: float = 0.0,
    note: str | None = None,
    width: int = VTT_LINE,
) -> str:
    """WebVTT with a `<v Name>` voice span on every speech cue and one line per cue."""
    out = ["WEBVTT", ""]
    if note:
        lines = [ln.replace("-->", "->").rstrip() for ln in note.splitlines() if ln.strip()]
        out += ["NOTE " + lines[0], *lines[1:], ""]
    for cue in build_cues(transcript, names, offset=offset, width=width):
        text = vtt_escape(" ".join(cue.lines[0]))
        voice = f"<v {vtt_escape(cue.speaker)}>" if cue.speaker else ""
        out += [f"{vtt_time(cue.start_ms)} --> {vtt_time(cue.end_ms)}", voice + text, ""]
    return "\n".join(out)


def to_srt(
    transcript: Transcript,
    names: Mapping[str, str],
    *,
    offset: float = 0.0,
    width: int = SRT_LINE,
    max_lines: int = SRT_LINES,
) -> str:
    """SRT: numbered cards of at most `max_lines` lines of `width` characters, with
    "Name: " at each change of speaker."""
    out: list[str] = []
    cues = build_cues(
        transcript, names, offset=offset, width=width, max_lines=max_lines, srt_names=True
    )
    for n, cue in enumerate(cues, start=1):
        lines = [" ".join(line).replace("-->", "->") for line in cue.lines]
        lines[0] = cue.prefix + lines[0]
        out += [str(n), f"{srt_time(cue.start_ms)} --> {srt_time(cue.end_ms)}", *lines, ""]
    return "\n".join(out)


def to_json(
    transcript: Transcript,
    names: Mapping[str, str],
    *,
    offset: float = 0.0,
    words: bool | None = None,
) -> str:
    """Podcasting 2.0 JSON: {"version": "1.0.0", "segments": [...]}.

    `words=None` (default) writes one entry per word when every speech segment has word
    timings (the spec's most precise form, for word-by-word highlighting), otherwise one
    entry per segment. Non-speech markers have no "speaker" key.
    """
    speech = [s for s in transcript.segments if s.kind != "nonspeech"]
    per_word = all(s.words for s in speech) if words is None else words
    entries = []
    for seg in sorted(transcript.segments, key=lambda s: s.start):
        tokens = timed_tokens(seg)
        if not tokens:
            continue
        label = speaker_label(seg.speaker, names) if seg.kind != "nonspeech" else None
        if per_word and seg.kind != "nonspeech":
            groups = [[t] for t in tokens]
        else:
            groups = [list(tokens)]
        for group in groups:
            entry: dict[str, object] = {} if label is None else {"speaker": label}
            entry["startTime"] = round(offset + group[0].start, 3)
            entry["endTime"] = round(offset + max(t.end for t in group), 3)
            entry["body"] = " ".join(t.text for t in group)
            entries.append(entry)
    doc = {"version": "1.0.0", "segments": entries}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def to_text(
    transcript: Transcript,
    names: Mapping[str, str],
    *,
    title: str | None = None,
    note: str | None = None,
    pause: float = 2.0,
) -> str:
    """Plain text: an optional "Transcript: <title>" header and note, then one paragraph per
    block, each speech paragraph starting "Name: ", separated by blank lines."""
    out: list[str] = []
    if title:
        out += [f"Transcript: {' '.join(title.split())}", ""]
    if note:
        out += [" ".join(note.split()), ""]
    for p in paragraphs(transcript, names, pause=pause):
        out += [f"{p.speaker}: {p.text}" if p.kind == "speech" else p.text, ""]
    return "\n".join(out)


def to_html(
    transcript: Transcript,
    names: Mapping[str, str],
    *,
    offset: float = 0.0,
    title: str | None = None,
    note: str | None = None,
    pause: float = 2.0,
) -> str:
    """A small, complete HTML5 document in the Podcasting 2.0 transcript form:
    `<cite>Name:</cite>`, `<time>` (paragraph start), `<p>` (text) per paragraph."""
    esc = html.escape
    heading = f"Transcript: {' '.join(title.split())}" if title else "Transcript"
    lang = esc(transcript.language or "en")
    rtl = ' dir="rtl"' if lang.split("-")[0].lower() in RTL_LANGUAGES else ""
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"{rtl}>',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(heading)}</title>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{esc(heading)}</h1>",
    ]
    if note:
        out.append(f'<p class="note">{esc(note)}</p>')
    for p in paragraphs(transcript, names, offset=offset, pause=pause):
        if p.kind == "speech":
            out.append(f"<cite>{esc(p.speaker)}:</cite>")
        out.append(f'<time datetime="{iso_duration(p.start)}">{clock(p.start)}</time>')
        out.append(f'<p dir="auto">{esc(p.text)}</p>')
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out)


KINDS = ("vtt", "srt", "json", "txt", "html")
"""Published transcript kinds, which are also the file extensions: transcript.<kind>."""


def render_all(
    transcript: Transcript,
    names: Mapping[str, str],
    *,
    offset: float = 0.0,
    title: str | None = None,
    note: str | None = None,
) -> tuple[tuple[str, str], ...]:
    """Every published format as (kind, text) pairs in KINDS order; the caller writes each
    (UTF-8) to transcript.<kind> in the episode's output folder."""
    return (
        ("vtt", to_vtt(transcript, names, offset=offset)),
        ("srt", to_srt(transcript, names, offset=offset)),
        ("json", to_json(transcript, names, offset=offset)),
        ("txt", to_text(transcript, names, title=title, note=note)),
        ("html", to_html(transcript, names, offset=offset, title=title, note=note)),
    )


render_vtt = to_vtt
"""Alias of to_vtt (the name the pipeline uses for the text a reviewer signs off)."""
