"""Emails, postcodes, dates of birth in context, and listed terms."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .numbers import TEENS, TENS, UNITS
from .words import Tok, clean

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


def find_emails(toks: Sequence[Tok]) -> list[tuple[str, list[int]]]:
    forms = [_email_form(clean(t.raw)) for t in toks]
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
        spoken = any(clean(toks[i].raw) in ("at", "dot") for i in range(lo, hi + 1))
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


def find_postcodes(toks: Sequence[Tok]) -> list[tuple[str, list[int]]]:
    pieces = [_postcode_piece(clean(t.raw)) for t in toks]
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


def find_dobs(toks: Sequence[Tok]) -> list[tuple[str, list[int]]]:
    cleans = [clean(t.raw) for t in toks]
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
    w = clean(word).casefold()
    w = re.sub(r"'s$|'$", "", w)
    return w.replace(".", "")


def find_terms(
    toks: Sequence[Tok], terms: Iterable[str], reason: str
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
