"""Find patient-identifiable details in a transcript and replace them, at word timestamps.

Detected (reasons in models.Redaction.reason):
  nhs_number     10 digits with a valid mod-11 check digit, however Whisper writes them:
                 "9434765919", "943 476 5919", "943-476-5919", "nine four three ... nine",
                 "oh"/"zero"/"nought", "double seven", "to"/"for" between digits, mixed, split
                 across words and segments; and any number read out after "NHS number",
                 "my number is" ... that fails the check (Whisper misheard a digit)
  phone          UK numbers: +44 / 0044 then 9-10 digits, or 0 then 10 digits (01, 02, 03, 05, 07,
                 08, 09), and 10-digit 01/08 numbers; written or spoken, "plus four four"; and
                 numbers read out after "phone", "mobile", "call" ... that fail the checks
  email          written (jo.bloggs@nhs.net) or spoken ("jo dot bloggs at nhs dot net")
  postcode       a full UK postcode, in one word or spread over several ("LS1 4AP", "L S one ...")
  date_of_birth  a date after "born", "date of birth", "DOB" or "birthday" (within a few words)
  speaker_name   a name of a speaker who has not consented to be named
  listed         a term from the episode's `redact:` (case-insensitive, whole words, multi-word)

Times: every Redaction covers its words padded by PAD_S on both sides, at least MIN_S long,
plus the pause before and after up to the neighbouring word (at most GAP_S), so no phoneme at
the edge survives the mute in the published audio; times are on the content timeline, like the
transcript. Word times that are guesses are widened: a segment without word timings is muted
whole, and a word with probability exactly 0 (interpolated by a corrected transcript), or words
that tile their cue exactly with probability 1 (shared out by a transcript reader), widen the
mute to the nearest words really heard, within the cue.

Modules: words (the word stream), numbers (NHS and phone numbers), patterns (emails,
postcodes, dates of birth, listed terms), apply (rebuilding the redacted transcript).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..models import Redaction, Segment, Transcript
from .apply import apply_redactions
from .numbers import find_numbers, nhs_number_valid, uk_phone
from .patterns import find_dobs, find_emails, find_postcodes, find_terms
from .words import Tok, WordRedaction, tokens

__all__ = [
    "GAP_S",
    "MIN_S",
    "PAD_S",
    "REPLACEMENT",
    "RedactionResult",
    "WordRedaction",
    "apply_redactions",
    "find_redactions",
    "nhs_number_valid",
    "redact",
    "redact_text",
    "terms_in_text",
    "uk_phone",
    "unused_terms",
]

PAD_S = 0.40  # seconds of padding before and after each redacted run (see docs/consent.md)
GAP_S = 1.0  # a pause next to a redacted word is muted up to this long (up to the next word)
MIN_S = 0.30  # shortest mute: Whisper sometimes gives a word almost no duration
REPLACEMENT = "[redacted]"

REASON_ORDER = (
    "nhs_number",
    "phone",
    "email",
    "postcode",
    "date_of_birth",
    "speaker_name",
    "listed",
)


@dataclass(frozen=True)
class RedactionResult:
    transcript: Transcript  # redacted
    redactions: tuple[Redaction, ...]
    warnings: tuple[str, ...]  # e.g. a `redact:` entry that never occurs


def _merge(found: list[tuple[str, list[int]]]) -> list[tuple[str, list[int]]]:
    """Union detections that share a word; keep the reason that ranks first."""
    items = sorted(found, key=lambda f: (min(f[1]), REASON_ORDER.index(f[0])))
    out: list[tuple[str, list[int]]] = []
    for reason, idx in items:
        if out and min(idx) <= max(out[-1][1]):
            prev_reason, prev = out[-1]
            keep = min(prev_reason, reason, key=REASON_ORDER.index)
            out[-1] = (keep, sorted(set(prev) | set(idx)))
        else:
            out.append((reason, idx))
    return out


def _anchors(
    transcript: Transcript, toks: Sequence[Tok], lo: int, hi: int, start: float, end: float
) -> tuple[float, float]:
    """Interpolated word times are guesses: widen to the nearest words that were really heard
    (or to the segment's edges when there are none)."""
    seg_lo, seg_hi = transcript.segments[toks[lo].seg], transcript.segments[toks[hi].seg]
    k = lo - 1
    while k >= 0 and toks[k].estimated and toks[k].seg == toks[lo].seg:
        k -= 1
    first = toks[k].end if k >= 0 and not toks[k].estimated else seg_lo.start
    k = hi + 1
    while k < len(toks) and toks[k].estimated and toks[k].seg == toks[hi].seg:
        k += 1
    last = toks[k].start if k < len(toks) and not toks[k].estimated else seg_hi.end
    return min(start, max(first, seg_lo.start - GAP_S)), max(end, min(last, seg_hi.end + GAP_S))


def _redaction(
    transcript: Transcript, toks: Sequence[Tok], reason: str, idx: list[int]
) -> WordRedaction:
    chosen = [toks[i] for i in idx]
    timed = all(t.timed for t in chosen)
    if timed:
        start, end = min(t.start for t in chosen), max(t.end for t in chosen)
    else:  # no word timings: mute every segment involved, whole
        segs = [transcript.segments[t.seg] for t in chosen]
        start, end = min(s.start for s in segs), max(s.end for s in segs)
    if end - start < MIN_S:
        mid = (start + end) / 2
        start, end = mid - MIN_S / 2, mid + MIN_S / 2
    prev = toks[min(idx) - 1] if min(idx) > 0 else None
    nxt = toks[max(idx) + 1] if max(idx) + 1 < len(toks) else None
    if timed and any(t.estimated for t in chosen):
        start, end = _anchors(transcript, toks, min(idx), max(idx), start, end)
    new_start, new_end = start - PAD_S, end + PAD_S
    # the pause before and after is silence: mute it too, up to the neighbouring word
    if timed and prev is not None and prev.timed:
        new_start = min(new_start, max(prev.end, start - GAP_S))
    if timed and nxt is not None and nxt.timed:
        new_end = max(new_end, min(nxt.start, end + GAP_S))
    start, end = max(0.0, new_start), new_end
    if transcript.duration > 0:
        end = min(end, transcript.duration)
    return WordRedaction(
        start=round(float(start), 3),
        end=round(float(end), 3),
        reason=reason,
        replacement=REPLACEMENT,
        words=tuple((t.seg, t.idx) for t in chosen),
    )


def find_redactions(
    transcript: Transcript, *, terms: Sequence[str], speakers_unnamed: Sequence[str]
) -> tuple[Redaction, ...]:
    """Every identifiable detail in the transcript, padded for muting, sorted by time.

    `terms` is the episode's `redact:`; `speakers_unnamed` are names of speakers shown by role
    (each is also matched by its given name and surname)."""
    from ..consent import name_variants

    toks = tokens(transcript)
    names: dict[str, None] = {}
    for n in speakers_unnamed:
        names.update(dict.fromkeys(name_variants(n)))
    found = (
        find_numbers(toks)
        + find_emails(toks)
        + find_postcodes(toks)
        + find_dobs(toks)
        + find_terms(toks, names, "speaker_name")
        + find_terms(toks, terms, "listed")
    )
    merged = _merge(found)
    return tuple(
        sorted((_redaction(transcript, toks, r, i) for r, i in merged), key=lambda r: r.start)
    )


def unused_terms(transcript: Transcript, terms: Sequence[str], slug: str) -> tuple[str, ...]:
    """A warning for each `redact:` entry that never occurs in the transcript."""
    toks = tokens(transcript)
    out = []
    for i, term in enumerate(terms):
        if not find_terms(toks, [term], "listed"):
            out.append(
                f"episodes/{slug}/episode.yaml: redact[{i}]: '{term}' does not occur in the "
                "transcript; check its spelling against the transcript (nothing was redacted for it)"
            )
    return tuple(out)


def redact(
    transcript: Transcript, *, slug: str, terms: Sequence[str], speakers_unnamed: Sequence[str]
) -> RedactionResult:
    """find_redactions + apply_redactions + unused_terms, for the pipeline."""
    found = find_redactions(transcript, terms=terms, speakers_unnamed=speakers_unnamed)
    return RedactionResult(
        apply_redactions(transcript, found), found, unused_terms(transcript, terms, slug)
    )


def redact_text(text: str, *, terms: Sequence[str], speakers_unnamed: Sequence[str]) -> str:
    """Redact free text (chapter titles, questions, descriptions) with the same rules."""
    seg = Segment(0.0, 0.0, text)
    t = Transcript((seg,), language="")
    found = find_redactions(t, terms=terms, speakers_unnamed=speakers_unnamed)
    return apply_redactions(t, found).segments[0].text


def terms_in_text(text: str, terms: Iterable[str]) -> tuple[str, ...]:
    """The terms (same matching as `redact:`) that occur in a piece of free text."""
    toks = tokens(Transcript((Segment(0.0, 0.0, text),), language=""))
    return tuple(t for t in terms if find_terms(toks, [t], "listed"))
