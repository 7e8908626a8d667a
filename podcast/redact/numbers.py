"""NHS numbers and UK phone numbers, however Whisper writes them (digits, words, mixed)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .words import Tok, clean

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


def _digit_stream(toks: Sequence[Tok]) -> list[str | None]:
    cleans = [clean(t.raw) for t in toks]
    ds = [_token_digits(c) for c in cleans]
    for i, d in enumerate(ds):
        nxt = ds[i + 1] if i + 1 < len(ds) else None
        if d is not None and d.startswith("*"):  # double / triple
            ok = nxt is not None and len(nxt) == 1 and nxt.isdigit()
            if ok:
                ds[i + 1] = (nxt or "") * REPEAT[d[1:]]
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


def find_numbers(toks: Sequence[Tok]) -> list[tuple[str, list[int]]]:
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
    toks: Sequence[Tok], ds: Sequence[str | None], taken: set[int]
) -> list[tuple[str, list[int]]]:
    """Numbers read out after "NHS number", "my number is", "phone", "mobile", ... that fail
    the checks (Whisper dropped or misheard a digit): 9 of 10 right digits still identify.
    Within CONTEXT_S seconds after such a word, when the number words hold CONTEXT_DIGITS
    digits or more, every run of 3 or more digits is redacted."""
    cleans = [clean(t.raw) for t in toks]
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
