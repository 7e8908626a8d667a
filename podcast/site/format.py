"""Small text formatters shared by the site templates and the report (times, dates, sizes)."""

from __future__ import annotations

import datetime as dt
import math


def _hms(seconds: float) -> tuple[int, int, int]:
    total = max(0, int(math.floor(seconds + 1e-6)))
    return total // 3600, (total % 3600) // 60, total % 60


def clock(seconds: float) -> str:
    """754.9 -> '12:34'; 3723 -> '1:02:03' (what a reader sees beside a paragraph)."""
    h, m, s = _hms(seconds)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def iso_duration(seconds: float) -> str:
    """754.9 -> 'PT12M34S': a valid HTML duration string for <time datetime>."""
    h, m, s = _hms(seconds)
    out = "PT"
    if h:
        out += f"{h}H"
    if m:
        out += f"{m}M"
    if s or out == "PT":
        out += f"{s}S"
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def spoken_duration(seconds: float) -> str:
    """754.9 -> '12 minutes 34 seconds'; 3723 -> '1 hour 2 minutes' (seconds dropped past an hour)."""
    h, m, s = _hms(seconds)
    if h:
        return _plural(h, "hour") + (f" {_plural(m, 'minute')}" if m else "")
    if m:
        return _plural(m, "minute") + (f" {_plural(s, 'second')}" if s else "")
    return _plural(s, "second")


def fragment_time(seconds: float) -> str:
    """Seconds for a media fragment (#t=754 or #t=754.5), never in exponent notation."""
    value = round(max(0.0, seconds), 1)
    return str(int(value)) if value == int(value) else f"{value:.1f}"


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(day: dt.date) -> str:
    """GOV.UK date style: '5 November 2026'."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def file_size(size: int) -> str:
    """1536 -> '2 KB'; 3_400_000 -> '3.2 MB' (GOV.UK attachment style)."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{math.ceil(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"
