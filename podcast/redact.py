"""Find patient-identifiable details in a transcript and replace them, at word timestamps.

Detected (reasons in models.Redaction.reason):
  nhs_number     10 digits with a valid mod-11 check digit, however Whisper writes them:
                 "4857773456", "485 777 3456", "485-777-3456", "four eight five ... six",
                 "oh"/"zero"/"nought", "double seven", mixed, split across words and segments
  phone          UK numbers: +44 / 0044 then 9-10 digits, or 0 then 10 digits (01, 02, 03, 05, 07,
                 08, 09), and 10-digit 01/08 numbers; written or spoken, "plus four four"
  email          written (jo.bloggs@nhs.net) or spoken ("jo dot bloggs at nhs dot net")
  postcode       a full UK postcode, in one word or spread over several ("LS1 4AP", "L S one ...")
  date_of_birth  a date after "born", "date of birth", "DOB" or "birthday" (within a few words)
  speaker_name   a name of a speaker who has not consented to be named
  listed         a term from the episode's `redact:` (case-insensitive, whole words, multi-word)

Times: every Redaction is padded by PAD_S on both sides (and made at least MIN_S long) so no
phoneme at the edge survives the mute in the published audio; times are on the content
timeline, like the transcript. A segment without word timings (a human transcript that has no
per-word times) is muted whole: its words are redacted precisely in the text, but nobody knows
where in the cue the word was said.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from .models import Redaction, Segment, Transcript, Word

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
class WordRedaction(Redaction):
    """A Redaction that also knows which words it covers: (segment index, word index).

    For a segment without word timings the word index counts whitespace-separated pieces of the
    segment's text. It never holds the redacted text itself."""

    words: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class RedactionResult:
    transcript: Transcript  # redacted
    redactions: tuple[Redaction, ...]
    warnings: tuple[str, ...]  # e.g. a `redact:` entry that never occurs


@dataclass(frozen=True)
class _Tok:
    seg: int
    idx: int
    raw: str
    start: float
    end: float
    timed: bool
    estimated: bool = False  # a word whose time was interpolated, not heard (probability 0)


# ------------------------------------------------------------------------ tokens


def _tokens(transcript: Transcript) -> list[_Tok]:
    out = []
    for si, seg in enumerate(transcript.segments):
        if seg.words:
            spread = _spread_times(seg)
            out += [
                _Tok(si, wi, w.text, w.start, w.end, True, spread or w.probability == 0.0)
                for wi, w in enumerate(seg.words)
            ]
            continue
        pieces = list(re.finditer(r"\S+", seg.text))
        n = max(len(seg.text), 1)
        span = seg.end - seg.start
        for wi, m in enumerate(pieces):
            a = seg.start + span * m.start() / n
            b = seg.start + span * m.end() / n
            out.append(_Tok(si, wi, m.group(), a, b, False))
    return out


def _spread_times(seg: Segment) -> bool:
    """Word times shared out over a cue by length (a transcript file without word times) rather
    than heard: the words tile the cue exactly, all with probability 1."""
    w = seg.words
    if len(w) < 2 or any(x.probability != 1.0 for x in w):
        return False
    eps = 1e-6
    return (
        abs(w[0].start - seg.start) < eps
        and abs(w[-1].end - seg.end) < eps
        and all(abs(a.end - b.start) < eps for a, b in zip(w, w[1:], strict=False))
    )


EDGE = "\"'“”‘’()[]{}<>,.;:!?…*"


def _clean(raw: str) -> str:
    return raw.strip().lower().replace("’", "'").replace("‘", "'").strip(EDGE)


# ------------------------------------------------------------------------ numbers

UNITS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "nought": "0",
    "nil": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
TEENS = {
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
}
TENS = {
    "twenty": "2",
    "thirty": "3",
    "forty": "4",
    "fifty": "5",
    "sixty": "6",
    "seventy": "7",
    "eighty": "8",
    "ninety": "9",
}
REPEAT = {"double": 2, "treble": 3, "triple": 3}
HOMOPHONES = {"to": "2", "too": "2", "for": "4"}
SEPARATORS = {"-", "–", "—", "/", "dash", "hyphen"}
DIGITS_RE = re.compile(r"^\+?[0-9oO]*[0-9][0-9oO]*(?:[-./()][0-9oO]+)*$")


def _word_digits(parts: list[str]) -> str | None:
    """Digits of a list of number words / digit groups, or None if any part is not one."""
    out = ""
    i = 0
    while i < len(parts):
        p = parts[i]
        nxt = parts[i + 1] if i + 1 < len(parts) else ""
        if p in UNITS:
            out += UNITS[p]
        elif p in TEENS:
            out += TEENS[p]
        elif p in TENS:
            out += TENS[p] + (UNITS[nxt] if nxt in UNITS and nxt not in ("oh", "o") else "0")
            i += 1 if nxt in UNITS and nxt not in ("oh", "o") else 0
        elif p in ("hundred", "thousand"):
            out += "00" if p == "hundred" else "000"
        elif p in REPEAT and nxt in UNITS:
            out += UNITS[nxt] * REPEAT[p]
            i += 1
        elif re.fullmatch(r"[0-9oO]*[0-9][0-9oO]*", p):
            out += p.lower().replace("o", "0")
        else:
            return None
        i += 1
    return out


def _token_digits(clean: str) -> str | None:
    """The digits a single word stands for ('' for a separator), or None."""
    if clean in SEPARATORS:
        return ""
    if clean in ("plus", "+"):
        return "+"
    if clean in REPEAT:
        return "*" + clean  # resolved with the next word
    plus = "+" if clean.startswith("+") else ""
    body = clean.lstrip("+-–")
    if DIGITS_RE.match(body):
        return plus + re.sub(r"[^0-9oO]", "", body).lower().replace("o", "0")
    parts = [p for p in re.split(r"[-–]", body) if p]
    got = _word_digits(parts) if parts else None
    return None if got is None else plus + got


def _digit_stream(toks: Sequence[_Tok]) -> list[str | None]:
    cleans = [_clean(t.raw) for t in toks]
    ds = [_token_digits(c) for c in cleans]
    for i, d in enumerate(ds):
        nxt = ds[i + 1] if i + 1 < len(ds) else None
        if d is not None and d.startswith("*"):  # double / triple
            ok = nxt is not None and len(nxt) == 1 and nxt.isdigit()
            if ok:
                ds[i + 1] = nxt * REPEAT[d[1:]]  # type: ignore[operator]
            ds[i] = "" if ok else None
        elif (
            cleans[i] in TENS
            and nxt is not None
            and len(nxt) == 1
            and nxt.isdigit()
            and cleans[i + 1] not in ("oh", "o")
        ):
            ds[i] = TENS[cleans[i]]  # "forty" "eight" -> 4, 8
    # "to", "too", "for" between two digits are Whisper's spelling of 2 and 4
    for i, c in enumerate(cleans):
        if c in HOMOPHONES and ds[i] is None and 0 < i < len(ds) - 1:
            if ds[i - 1] and ds[i + 1] and ds[i - 1] != "+" and ds[i + 1] != "+":
                ds[i] = HOMOPHONES[c]
    # a separator or '+' only counts between digits
    for i, d in enumerate(ds):
        if d in ("", "+"):
            prev_ok = i > 0 and bool(ds[i - 1])
            next_ok = i + 1 < len(ds) and bool(ds[i + 1]) and ds[i + 1] not in ("+",)
            if d == "+" and not next_ok or d == "" and not (prev_ok and next_ok):
                ds[i] = None
    return ds


def nhs_number_valid(digits: str) -> bool:
    """The NHS number mod-11 check: weights 10..2 on the first nine digits."""
    if not re.fullmatch(r"\d{10}", digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def uk_phone(digits: str) -> bool:
    """A plausible UK phone number (digits, optionally starting with '+')."""
    if digits.startswith(("+44", "0044")):
        national = digits[3:] if digits.startswith("+") else digits[4:]
        national = national[1:] if national.startswith("0") else national
        return bool(re.fullmatch(r"[1235789]\d{8,9}", national))
    if "+" in digits:
        return False
    return bool(re.fullmatch(r"0[1235789]\d{9}", digits) or re.fullmatch(r"0[18]\d{8}", digits))


def _find_numbers(toks: Sequence[_Tok]) -> list[tuple[str, list[int]]]:
    ds = _digit_stream(toks)
    found = []
    i = 0
    while i < len(toks):
        if not ds[i]:
            i += 1
            continue
        best: tuple[str, int] | None = None
        acc = ""
        for j in range(i, len(toks)):
            d = ds[j]
            if d is None or (d.startswith("+") and j > i):
                break
            acc += d
            if len(acc.replace("+", "")) > 14:
                break
            if not d:
                continue
            if nhs_number_valid(acc) and not acc.startswith("0"):
                best = ("nhs_number", j)
            elif uk_phone(acc):
                best = ("phone", j)
            elif nhs_number_valid(acc):
                best = ("nhs_number", j)
        if best:
            lo, hi = _whole_run(ds, i, best[1])
            found.append((best[0], list(range(lo, hi + 1))))
            i = hi + 1
        else:
            i += 1
    return found + _numbers_in_context(toks, ds, {j for _, idx in found for j in idx})


def _whole_run(ds: Sequence[str | None], lo: int, hi: int) -> tuple[int, int]:
    """The whole run of number words around [lo, hi]: Whisper may have heard a digit too many
    and a match can stop short of the last digits actually said."""
    while lo > 0 and ds[lo - 1] is not None:
        lo -= 1
    while hi + 1 < len(ds) and ds[hi + 1] is not None:
        hi += 1
    return lo, hi


def _year(d: str | None) -> bool:
    return bool(d and re.fullmatch(r"(19|20)\d\d", d))


PHONE_WORDS = frozenset("phone mobile telephone landline call ring tel cell".split())
NUMBER_WORDS = frozenset(("number", "num"))
CONTEXT_S = 8.0  # seconds after "number"/"phone" searched for a misheard number
CONTEXT_DIGITS = 7  # digits in the window that make it a number someone read out


def _numbers_in_context(
    toks: Sequence[_Tok], ds: Sequence[str | None], taken: set[int]
) -> list[tuple[str, list[int]]]:
    """Numbers read out after "NHS number", "my number is", "phone", "mobile", ... that fail
    the checks (Whisper dropped or misheard a digit): 9 of 10 right digits still identify.
    Within CONTEXT_S seconds after such a word, when the number words hold CONTEXT_DIGITS
    digits or more, every run of 3 or more digits is redacted."""
    cleans = [_clean(t.raw) for t in toks]
    found: list[tuple[str, list[int]]] = []
    done: set[int] = set(taken)
    for k, c in enumerate(cleans):
        nhs_no = c == "no" and k > 0 and cleans[k - 1] == "nhs"
        if c not in PHONE_WORDS and c not in NUMBER_WORDS and not nhs_no:
            continue
        stop = k + 1
        while stop < len(toks) and toks[stop].start < toks[k].end + CONTEXT_S:
            stop += 1
        window = range(k + 1, stop)
        runs: list[list[int]] = []
        j = window.start
        while j < window.stop:
            if not ds[j]:
                j += 1
                continue
            lo, hi = _whole_run(ds, j, j)
            # years ("in 2019, 2020") are not part of a number read out
            kept = [i for i in range(max(lo, window.start), hi + 1) if not _year(ds[i])]
            if kept:
                runs.append(kept)
            j = hi + 1
        digits = [sum(len((ds[i] or "").replace("+", "")) for i in run) for run in runs]
        if sum(digits) < CONTEXT_DIGITS:
            continue
        for run, n in zip(runs, digits, strict=True):
            idx = [i for i in run if i not in done]
            if n >= 3 and idx:
                first = next((ds[i] for i in run if ds[i]), "")
                phoney = c in PHONE_WORDS or (first or "").startswith(("0", "+"))
                found.append(("phone" if phoney else "nhs_number", idx))
                done.update(idx)
    return found


# ------------------------------------------------------------------------ emails

EMAIL_RE = re.compile(r"[a-z0-9][a-z0-9._%+'-]*@[a-z0-9-]+(\.[a-z0-9-]+)+")
TLDS = frozenset(
    "com net org uk gov nhs ac co io info edu me scot wales cymru ie eu biz email online "
    "health care".split()
)
CONNECT = {"dot": ".", "underscore": "_", "hyphen": "-", "dash": "-"}


def _email_form(clean: str) -> str | None:
    if clean in CONNECT:
        return CONNECT[clean]
    if clean in ("at", "@"):
        return "@"
    if re.fullmatch(r"[a-z0-9._%+'@-]+", clean):
        return clean
    return None


def _find_emails(toks: Sequence[_Tok]) -> list[tuple[str, list[int]]]:
    forms = [_email_form(_clean(t.raw)) for t in toks]
    found = []
    for k, f in enumerate(forms):
        if f is None or "@" not in f:
            continue
        if EMAIL_RE.fullmatch(f):
            found.append(("email", [k]))
            continue
        lo = k
        if f == "@" or f.startswith("@"):
            if k == 0 or forms[k - 1] in (None, ".", "_", "-", "@"):
                continue
            lo = k - 1
        while (
            lo >= 2
            and forms[lo - 1] in (".", "_", "-")
            and forms[lo - 2] not in (None, ".", "_", "-", "@")
            and "@" not in (forms[lo - 2] or "@")
        ):
            lo -= 2
        hi = k
        if f.endswith("@"):
            if k + 1 >= len(forms) or forms[k + 1] in (None, ".", "_", "-", "@"):
                continue
            hi = k + 1
        while (
            hi + 2 < len(forms)
            and forms[hi + 1] == "."
            and forms[hi + 2] not in (None, ".", "_", "-", "@")
            and "@" not in (forms[hi + 2] or "@")
        ):
            hi += 2
        joined = "".join(forms[lo : hi + 1])  # type: ignore[arg-type]
        if not EMAIL_RE.fullmatch(joined):
            continue
        spoken = any(_clean(toks[i].raw) in ("at", "dot") for i in range(lo, hi + 1))
        if spoken and joined.rsplit(".", 1)[-1] not in TLDS:
            continue
        found.append(("email", list(range(lo, hi + 1))))
    return found


# ------------------------------------------------------------------------ postcodes

POSTCODE_RE = re.compile(
    r"(GIR0AA|[A-PR-UWYZ](?:[0-9][0-9]?|[A-HK-Y][0-9][0-9]?|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})"
)


def _postcode_piece(clean: str) -> str | None:
    if clean in UNITS and clean not in ("o", "oh", "nil", "nought"):
        return UNITS[clean]
    c = re.sub(r"[.\-]", "", clean).upper()
    if re.fullmatch(r"[A-Z]{1,2}", c) or (
        re.fullmatch(r"[A-Z0-9]{2,7}", c) and re.search(r"\d", c)
    ):
        return c
    return None


def _find_postcodes(toks: Sequence[_Tok]) -> list[tuple[str, list[int]]]:
    pieces = [_postcode_piece(_clean(t.raw)) for t in toks]
    found = []
    i = 0
    while i < len(toks):
        best = None
        acc = ""
        for j in range(i, min(i + 8, len(toks))):
            p = pieces[j]
            if p is None:
                break
            acc += p
            if len(acc) > 7:
                break
            if POSTCODE_RE.fullmatch(acc) and sum(ch.isdigit() for ch in acc) >= 2:
                best = j
        if best is not None:
            found.append(("postcode", list(range(i, best + 1))))
            i = best + 1
        else:
            i += 1
    return found


# ------------------------------------------------------------------------ dates of birth

MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
ORDINALS = frozenset(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth "
    "thirtieth".split()
)
FILLERS = frozenset("on is was the my it's its it in of um uh er - : date".split())
TRIGGERS = (
    ("born",),
    ("date", "of", "birth"),
    ("dob",),
    ("d.o.b",),
    ("d", "o", "b"),
    ("birthday",),
    ("birth", "date"),
)


def _dateish(clean: str) -> int:
    """2 = a strong date part (month, numeric date, year), 1 = weak (day, number word), 0 = no."""
    if clean in MONTHS or re.fullmatch(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}", clean):
        return 2
    if re.fullmatch(r"(19|20)\d\d", clean) or re.fullmatch(r"'?\d\ds", clean):
        return 2
    parts = [p for p in clean.split("-") if p]
    if re.fullmatch(r"\d{1,2}(st|nd|rd|th)?", clean) or (
        parts and all(p in ORDINALS or p in UNITS or p in TEENS or p in TENS for p in parts)
    ):
        return 1
    if clean in ("hundred", "of", "the"):
        return 1
    return 0


def _find_dobs(toks: Sequence[_Tok]) -> list[tuple[str, list[int]]]:
    cleans = [_clean(t.raw) for t in toks]
    found = []
    for k in range(len(toks)):
        trig = next((t for t in TRIGGERS if tuple(cleans[k : k + len(t)]) == t), None)
        dob_glued = re.fullmatch(r"(dob|d\.o\.b)[:.]?(\d.*)", cleans[k])
        if dob_glued:
            found.append(("date_of_birth", [k]))
            continue
        if trig is None:
            continue
        j = k + len(trig)
        while (
            j < len(toks)
            and j < k + len(trig) + 4
            and cleans[j] in FILLERS
            and not _dateish(cleans[j]) == 2
        ):
            j += 1
        start = j
        strong = 0
        weak = 0
        while j < len(toks) and j < start + 8 and _dateish(cleans[j]):
            strong += _dateish(cleans[j]) == 2
            weak += cleans[j] not in ("of", "the")
            j += 1
        while j > start and cleans[j - 1] in ("of", "the", "hundred"):
            j -= 1
        if j > start and (strong or weak >= 2):
            found.append(("date_of_birth", list(range(start, j))))
    return found


# ------------------------------------------------------------------------ listed terms


def _term_norm(word: str) -> str:
    w = _clean(word).casefold()
    w = re.sub(r"'s$|'$", "", w)
    return w.replace(".", "")


def _find_terms(
    toks: Sequence[_Tok], terms: Iterable[str], reason: str
) -> list[tuple[str, list[int]]]:
    norms = [_term_norm(t.raw) for t in toks]
    text = ""
    owner: list[int] = []
    for i, n in enumerate(norms):
        if not n:
            continue
        if text:
            text += " "
            owner.append(i)
        text += n
        owner += [i] * len(n)
    found = []
    for term in terms:
        words = [_term_norm(w) for w in term.split()]
        words = [w for w in words if w]
        if not words:
            continue
        pattern = r"(?<![\w'])" + r"\s+".join(re.escape(w) for w in words) + r"(?![\w'])"
        for m in re.finditer(pattern, text):
            found.append((reason, sorted(set(owner[m.start() : m.end()]))))
    return found


def terms_in_text(text: str, terms: Iterable[str]) -> tuple[str, ...]:
    """The terms (same matching as `redact:`) that occur in a piece of free text."""
    toks = _tokens(Transcript((Segment(0.0, 0.0, text),), language=""))
    return tuple(t for t in terms if _find_terms(toks, [t], "listed"))


# ------------------------------------------------------------------------ public API


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
    transcript: Transcript, toks: Sequence[_Tok], lo: int, hi: int, start: float, end: float
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
    transcript: Transcript, toks: Sequence[_Tok], reason: str, idx: list[int]
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
    from .consent import name_variants

    toks = _tokens(transcript)
    names: dict[str, None] = {}
    for n in speakers_unnamed:
        names.update(dict.fromkeys(name_variants(n)))
    found = (
        _find_numbers(toks)
        + _find_emails(toks)
        + _find_postcodes(toks)
        + _find_dobs(toks)
        + _find_terms(toks, names, "speaker_name")
        + _find_terms(toks, terms, "listed")
    )
    merged = _merge(found)
    return tuple(
        sorted((_redaction(transcript, toks, r, i) for r, i in merged), key=lambda r: r.start)
    )


def _trail(text: str) -> str:
    m = re.search(r"[.,;:!?]+$", text.strip())
    return m.group() if m else ""


def _ends_sentence(text: str) -> bool:
    """A run of redacted words is split after a full stop, so sentences stay sentences."""
    return bool(re.search(r"[.!?][\"')\]]*$", text.strip()))


Marks = dict[int, tuple[str, int]]  # word index -> (replacement, which redaction)


def _joins(marks: Marks, j: int, text_j: str) -> bool:
    """Word j+1 continues the run ending at word j: redacted too, and not a new sentence of
    another redaction."""
    nxt = marks.get(j + 1)
    return nxt is not None and (nxt[1] == marks[j][1] or not _ends_sentence(text_j))


def _rebuild_words(seg: Segment, marks: Marks) -> Segment:
    words: list[Word] = []
    i = 0
    while i < len(seg.words):
        if i not in marks:
            words.append(seg.words[i])
            i += 1
            continue
        j = i
        while j + 1 < len(seg.words) and _joins(marks, j, seg.words[j].text):
            j += 1
        first, last = seg.words[i], seg.words[j]
        lead = first.text[: len(first.text) - len(first.text.lstrip())]
        words.append(Word(first.start, last.end, lead + marks[i][0] + _trail(last.text), 1.0))
        i = j + 1
    return replace(seg, words=tuple(words), text="".join(w.text for w in words))


def _rebuild_text(seg: Segment, marks: Marks) -> Segment:
    pieces = list(re.finditer(r"\S+", seg.text))
    out = ""
    pos = 0
    i = 0
    while i < len(pieces):
        m = pieces[i]
        out += seg.text[pos : m.start()]
        if i not in marks:
            out += m.group()
            pos = m.end()
            i += 1
            continue
        j = i
        while j + 1 < len(pieces) and _joins(marks, j, pieces[j].group()):
            j += 1
        out += marks[i][0] + _trail(pieces[j].group())
        pos = pieces[j].end()
        i = j + 1
    return replace(seg, text=out + seg.text[pos:])


def _marks(transcript: Transcript, redactions: Sequence[Redaction]) -> dict[int, Marks]:
    marks: dict[int, Marks] = {}
    toks = None
    for n, r in enumerate(redactions):
        if isinstance(r, WordRedaction) and r.words:
            for si, wi in r.words:
                marks.setdefault(si, {})[wi] = (r.replacement, n)
            continue
        toks = toks if toks is not None else _tokens(transcript)
        for t in toks:  # a plain Redaction (e.g. from a cache): words inside its interval
            inside = t.start >= r.start - 1e-6 and t.end <= r.end + 1e-6
            if inside or (not t.timed and t.start < r.end and t.end > r.start):
                marks.setdefault(t.seg, {})[t.idx] = (r.replacement, n)
    return marks


def apply_redactions(transcript: Transcript, redactions: Sequence[Redaction]) -> Transcript:
    """The transcript with each redacted run of words replaced by one "[redacted]" marker.

    Segment text is rebuilt from the words (text == "".join(word texts)); changed segments gain
    the "redacted" flag. Works the same on machine and human transcripts."""
    marks = _marks(transcript, redactions)
    segments = []
    for si, seg in enumerate(transcript.segments):
        m = marks.get(si)
        if not m:
            segments.append(seg)
            continue
        new = _rebuild_words(seg, m) if seg.words else _rebuild_text(seg, m)
        flags = seg.flags if "redacted" in seg.flags else (*seg.flags, "redacted")
        segments.append(replace(new, flags=flags))
    return replace(transcript, segments=tuple(segments))


def unused_terms(transcript: Transcript, terms: Sequence[str], slug: str) -> tuple[str, ...]:
    """A warning for each `redact:` entry that never occurs in the transcript."""
    toks = _tokens(transcript)
    out = []
    for i, term in enumerate(terms):
        if not _find_terms(toks, [term], "listed"):
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
