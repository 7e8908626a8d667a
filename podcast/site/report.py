"""The private per-episode processing report: reports/<slug>/report.html.

For the comms team, never published: loudness over time before and after mastering (an
inline SVG chart with a table of the same numbers), the measured figures, the transcript's
low-confidence words, and sections other stages add (the consent stage's review and
redaction lists). One self-contained HTML file with the site's stylesheet inlined, so it
opens from file:// with no request to anywhere.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podcast.models import PreparedAudio, PublishedEpisode, Segment, Transcript, Word

from . import format as fmt
from .render import STATIC_DIR, environment

FLOOR_LUFS = -60.0
CHART_W, CHART_H = 900, 320
PAD_L, PAD_R, PAD_T, PAD_B = 56, 16, 16, 44
MAX_TABLE_ROWS = 120
TICKS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 900, 1800)


@dataclass(frozen=True)
class Flagged:
    start: float  # published timeline
    text: str
    confidence: float | None  # 0..1
    flags: str


@dataclass(frozen=True)
class Chart:
    before: str  # SVG polyline points
    after: str
    target_y: float | None
    y_ticks: tuple[tuple[float, str], ...]
    x_ticks: tuple[tuple[float, str], ...]
    description: str
    rows: tuple[tuple[str, str, str], ...]  # time, before, after


def _clean(values: Sequence[float]) -> list[float]:
    return [v if isinstance(v, int | float) and math.isfinite(v) else FLOOR_LUFS for v in values]


def _y(lufs: float) -> float:
    lufs = min(0.0, max(FLOOR_LUFS, lufs))
    return PAD_T + (CHART_H - PAD_T - PAD_B) * (lufs / FLOOR_LUFS)


def _points(values: Sequence[float], step: float, duration: float) -> str:
    span = CHART_W - PAD_L - PAD_R
    return " ".join(
        f"{PAD_L + span * min(1.0, i * step / duration):.1f},{_y(v):.1f}"
        for i, v in enumerate(values)
    )


def _median(values: Sequence[float]) -> float | None:
    audible = sorted(v for v in values if v > FLOOR_LUFS)
    return audible[len(audible) // 2] if audible else None


def chart(
    before: Sequence[float], after: Sequence[float], step: float, target: float | None
) -> Chart:
    b, a = _clean(before), _clean(after)
    duration = max(len(b), len(a), 1) * step
    span = CHART_W - PAD_L - PAD_R
    x_ticks = []
    tick = next((t for t in TICKS if duration / t <= 10), 3600)
    for t in range(0, int(duration) + 1, tick):
        x_ticks.append((PAD_L + span * t / duration, fmt.clock(t)))
    y_ticks = tuple((_y(v), f"{v:.0f}") for v in range(0, int(FLOOR_LUFS) - 1, -10))
    mb, ma = _median(b), _median(a)
    desc = (
        f"Short-term loudness, one value every {step:g} s, over {fmt.spoken_duration(duration)}. "
        f"Median before mastering: {'silent' if mb is None else f'{mb:.1f} LUFS'}; "
        f"after: {'silent' if ma is None else f'{ma:.1f} LUFS'}"
        + (f"; target {target:.1f} LUFS." if target is not None else ".")
    )
    every = max(1, math.ceil(max(len(b), len(a)) / MAX_TABLE_ROWS))
    rows = tuple(
        (
            fmt.clock(i * step),
            f"{b[i]:.1f}" if i < len(b) else "",
            f"{a[i]:.1f}" if i < len(a) else "",
        )
        for i in range(0, max(len(b), len(a)), every)
    )
    return Chart(
        before=_points(b, step, duration),
        after=_points(a, step, duration),
        target_y=_y(target) if target is not None else None,
        y_ticks=y_ticks,
        x_ticks=tuple(x_ticks),
        description=desc,
        rows=rows,
    )


def flagged(items: Sequence[Word | Segment], offset: float) -> tuple[Flagged, ...]:
    out = []
    for item in items:
        if isinstance(item, Word):
            out.append(Flagged(item.start + offset, item.text.strip(), item.probability, ""))
        else:
            conf = math.exp(item.avg_logprob) if item.avg_logprob else None
            out.append(Flagged(item.start + offset, item.text.strip(), conf, ", ".join(item.flags)))
    return tuple(sorted(out, key=lambda f: (f.start, f.text)))


def measured(
    episode: PublishedEpisode, figures: Mapping[str, str | float]
) -> tuple[tuple[str, str], ...]:
    audio = episode.audio
    rows: dict[str, str] = {
        "Integrated loudness": f"{audio.integrated_lufs:.1f} LUFS",
        "Target loudness": f"{audio.target_lufs:.1f} LUFS",
        "True peak": f"{audio.true_peak_dbtp:.1f} dBTP",
    }
    if audio.input_lufs is not None:
        rows["Loudness before mastering"] = f"{audio.input_lufs:.1f} LUFS"
    if audio.loudness_range is not None:
        rows["Loudness range"] = f"{audio.loudness_range:.1f} LU"
    rows.update(
        {
            "Length": f"{fmt.clock(audio.duration)} ({audio.duration:.2f} s)",
            "Format": f"MP3, {audio.bitrate_kbps} kbps, {audio.sample_rate} Hz, "
            f"{'mono' if audio.channels == 1 else 'stereo'}",
            "File size": f"{fmt.file_size(audio.size_bytes)} ({audio.size_bytes} bytes)",
            "SHA-256": audio.sha256,
            "Transcript": "none"
            if episode.transcript is None
            else (
                f"{episode.transcript.source}, {'checked' if episode.reviewed else 'not checked'}"
            ),
            "Redactions": str(len(episode.redactions)),
        }
    )
    for key, value in figures.items():
        rows[key] = f"{value:.2f}" if isinstance(value, float) else str(value)
    return tuple(rows.items())


def write_report(
    reports_dir: Path,
    episode: PublishedEpisode,
    *,
    loudness_before: Sequence[float],
    loudness_after: Sequence[float],
    figures: Mapping[str, str | float],
    low_confidence: Sequence[Word | Segment],
    extra_sections: Mapping[str, str],
    step: float = 1.0,
) -> Path:
    """Write reports_dir/<slug>/report.html and return its path.

    loudness_before/after: short-term loudness (LUFS) every `step` seconds, before and after
    mastering (-inf or NaN for silence). low_confidence: Words (probability) or Segments
    (avg_logprob, flags) on the content timeline. extra_sections: heading -> text; plain
    strings are escaped and keep their line breaks, markupsafe.Markup is inserted as HTML.
    """
    from markupsafe import Markup

    env = _report_environment()
    offset = episode.audio.timeline.intro
    html = env.get_template("report.html").render(
        episode=episode,
        css=Markup((STATIC_DIR / "style.css").read_text(encoding="utf-8").replace("</", "<\\/")),
        chart=chart(loudness_before, loudness_after, step, episode.audio.target_lufs),
        chart_w=CHART_W,
        chart_h=CHART_H,
        pad_l=PAD_L,
        pad_r=PAD_R,
        pad_t=PAD_T,
        pad_b=PAD_B,
        figures=measured(episode, figures),
        low_confidence=flagged(low_confidence, offset),
        sections=tuple(
            (title, body, isinstance(body, Markup)) for title, body in extra_sections.items()
        ),
    )
    target = reports_dir / episode.slug / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(html.encode("utf-8"))
    return target


LOW_WORD_PROB = 0.5
"""Words below this probability are listed (the transcription guard's own threshold)."""
FLAGS_SHOWN = ("possible_hallucination",)


def low_confidence_items(transcript: Transcript | None) -> tuple[Word | Segment, ...]:
    """Machine words below LOW_WORD_PROB, plus whole segments flagged as possibly invented."""
    if transcript is None:
        return ()
    items: list[Word | Segment] = []
    for seg in transcript.segments:
        if any(flag in seg.flags for flag in FLAGS_SHOWN):
            items.append(seg)
        items += [w for w in seg.words if w.probability < LOW_WORD_PROB]
    return tuple(items)


def _review_text(episode: PublishedEpisode, human: bool) -> str:
    if episode.transcript is None:
        return "This episode has no transcript."
    if human:
        return "The transcript is the committed, corrected file in the episode folder."
    sign_off = getattr(episode.config, "review", None)
    if episode.reviewed and sign_off is not None:
        return f"Machine transcript approved by {sign_off.by} on {sign_off.date}."
    if episode.reviewed:
        return "Machine transcript, treated as checked."
    return (
        "Machine transcript published WITHOUT a check (transcription.allow_unreviewed). "
        "Read it, correct it if needed, then run `podcast approve`."
    )


def _redaction_text(episode: PublishedEpisode) -> str:
    if not episode.redactions:
        return "Nothing was redacted."
    offset = episode.audio.timeline.intro
    return "\n".join(
        f"{fmt.clock(r.start + offset)}–{fmt.clock(r.end + offset)}  {r.reason}  -> {r.replacement}"
        for r in sorted(episode.redactions, key=lambda r: (r.start, r.end))
    )


def write_episode_report(
    reports_dir: Path,
    episode: PublishedEpisode,
    *,
    prepared: PreparedAudio,
    human: bool,
    warnings: Sequence[str] = (),
    review: Any = None,  # noqa: ARG001 (the pipeline passes podcast.review; the sign-off is on config)
    step: float = 1.0,
    extra_sections: Mapping[str, str] | None = None,
) -> Path:
    """The report for one computed episode: measures loudness over time of the prepared
    programme (before) and the published MP3 (after), lists low-confidence words, the
    review status, redactions and this run's warnings. Raises PodcastError subclasses when
    a file cannot be decoded."""
    from podcast.audio.loudness import FLOOR, loudness_series

    lead = round(episode.audio.timeline.intro / step)
    before = (FLOOR,) * lead + loudness_series(prepared.path, step)
    after = loudness_series(episode.audio.path, step)
    sections: dict[str, str] = {
        "Transcript review": _review_text(episode, human),
        "Redactions": _redaction_text(episode),
        "Warnings from this run": "\n".join(warnings) if warnings else "None.",
    }
    sections.update(extra_sections or {})
    figures: dict[str, str | float] = {
        "Published timeline": (
            f"intro {episode.audio.timeline.intro:.2f} s, content {episode.audio.timeline.content:.2f} s, "
            f"outro {episode.audio.timeline.outro:.2f} s, leading silence trimmed "
            f"{episode.audio.timeline.lead_trim:.2f} s"
        ),
        "Chapters": str(len(episode.chapters)),
    }
    return write_report(
        reports_dir,
        episode,
        loudness_before=before,
        loudness_after=after,
        figures=figures,
        low_confidence=low_confidence_items(episode.transcript),
        extra_sections=sections,
        step=step,
    )


@functools.cache
def _report_environment() -> Any:
    """One jinja2 environment per process: templates are compiled once, not per report."""
    return environment()
