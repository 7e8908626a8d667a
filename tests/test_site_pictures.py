"""The waveform picture (measured from its pixels) and the private processing report."""

from __future__ import annotations

import math
from pathlib import Path

import lxml.html
import pytest
from markupsafe import Markup
from test_site_sample import HOSTILE, first_episode, make_mp3

from podcast.errors import AudioError, ToolError
from podcast.models import Chapter, Segment, Word
from podcast.site.report import write_report
from podcast.site.waveform import HEIGHT, WIDTH, render_waveform


def column_heights(png: Path) -> list[int]:
    """How many waveform-blue pixels each column has."""
    from PIL import Image

    with Image.open(png) as im:
        px = im.convert("RGB").load()
        w, h = im.size
        return [
            sum(1 for y in range(h) if px[x, y] in ((86, 148, 202), (29, 112, 184)))
            for x in range(w)
        ]


def test_waveform_follows_the_loudness_and_marks_chapters(tmp_path: Path) -> None:
    from PIL import Image

    mp3 = make_mp3(tmp_path / "a.mp3", 12.0)  # swells at 1.5 s and 7.5 s, quiet at 4.5 s and 10.5 s
    png = render_waveform(mp3, (Chapter(0.0, "One"), Chapter(6.0, "Two")), 12.0, tmp_path / "w.png")
    with Image.open(png) as im:
        assert im.format == "PNG" and im.size == (WIDTH, HEIGHT)
        px = im.convert("RGB").load()
    heights = column_heights(png)
    loud = heights[int(WIDTH * 1.5 / 12)]
    quiet = heights[int(WIDTH * 4.5 / 12)]
    assert loud > 3 * quiet > 0, (loud, quiet)
    x = int(WIDTH * 6.0 / 12)
    assert px[x, HEIGHT // 2 + 20] == (11, 12, 12)  # the chapter line
    assert px[x + 40, HEIGHT // 2 + 20] != (11, 12, 12)


def test_waveform_is_deterministic(tmp_path: Path) -> None:
    mp3 = make_mp3(tmp_path / "a.mp3", 3.0)
    a = render_waveform(mp3, (), 3.0, tmp_path / "a.png").read_bytes()
    b = render_waveform(mp3, (), 3.0, tmp_path / "b.png").read_bytes()
    assert a == b


def test_waveform_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"not audio at all" * 100)
    with pytest.raises(ToolError, match="bad.mp3"):
        render_waveform(bad, (), 3.0, tmp_path / "x.png")
    with pytest.raises(AudioError):
        render_waveform(bad, (), 0.0, tmp_path / "x.png")


def test_report(tmp_path: Path) -> None:
    ep = first_episode(tmp_path / "feed", waveform=False)
    before = [-30 + 5 * math.sin(i / 3) for i in range(12)]
    before[3] = float("-inf")
    after = [-19 + math.sin(i / 3) for i in range(12)]
    low = [w for s in ep.transcript.segments for w in s.words if w.probability < 0.5]
    low.append(
        Segment(9.1, 11.6, "maybe invented", flags=("possible_hallucination",), avg_logprob=-1.2)
    )
    path = write_report(
        tmp_path / "reports",
        ep,
        loudness_before=before,
        loudness_after=after,
        figures={"Noise floor (dBFS)": -62.25, "Note": HOSTILE},
        low_confidence=low,
        extra_sections={
            "Review list": "line one\n" + HOSTILE,
            "Redactions": Markup("<ul><li>none</li></ul>"),
        },
    )
    assert path == tmp_path / "reports" / "01-cardiology" / "report.html"
    doc = lxml.html.fromstring(path.read_bytes())
    assert not doc.xpath("//script") and not doc.xpath("//link[@rel='stylesheet']")
    lines = doc.xpath("//*[local-name()='polyline']/@points")
    assert [len(p.split()) for p in lines] == [12, 12]
    ys = [float(pt.split(",")[1]) for pt in lines[0].split()]
    assert ys[3] == max(ys)  # silence drawn at the floor
    desc = doc.xpath("//*[local-name()='desc']")[0].text_content()
    assert "target -19.0 LUFS" in desc and f"after: {sorted(after)[6]:.1f} LUFS" in desc
    figures = {
        r.xpath("th")[0].text_content(): r.xpath("td")[0].text_content()
        for r in doc.xpath("//table[not(thead)]//tr")
    }
    assert figures["Integrated loudness"] == "-19.0 LUFS" and figures["True peak"] == "-1.5 dBTP"
    assert figures["Noise floor (dBFS)"] == "-62.25" and figures["Note"] == HOSTILE
    rows = doc.xpath("//h2[contains(., 'unsure')]/following-sibling::table[1]//tbody/tr")
    assert len(rows) == len(low)
    starts = [r.xpath("td/time/@datetime")[0] for r in rows]
    assert starts == sorted(starts, key=lambda d: int(d[2:-1]))
    seg_row = [r for r in rows if r.xpath("td")[1].text_content() == "maybe invented"][0]
    assert seg_row.xpath("td")[3].text_content() == "possible_hallucination"
    assert seg_row.xpath("td")[2].text_content() == f"{100 * math.exp(-1.2):.0f}%"
    assert rows[0].xpath("td")[2].text_content() == "42%"
    review = doc.xpath("//h2[.='Review list']/following-sibling::div[1]")[0]
    assert review.text_content() == "line one\n" + HOSTILE
    assert doc.xpath("//h2[.='Redactions']/following-sibling::ul[1]/li")[0].text_content() == "none"
    assert "Private" in doc.xpath("//div[contains(@class, 'warning-text')]")[0].text_content()


def test_report_with_words_only_and_no_loudness(tmp_path: Path) -> None:
    ep = first_episode(tmp_path / "feed", waveform=False)
    path = write_report(
        tmp_path / "r",
        ep,
        loudness_before=(),
        loudness_after=(),
        figures={},
        low_confidence=(Word(1.0, 2.0, " hm", 0.2),),
        extra_sections={},
    )
    doc = lxml.html.fromstring(path.read_bytes())
    assert doc.xpath("//td[.='hm']")


def test_episode_report_measures_before_and_after(tmp_path: Path) -> None:
    """The pipeline's entry point: loudness of the prepared WAV (before) and the MP3 (after)
    is measured, and the quieter recording is drawn lower on the chart."""
    import dataclasses
    import subprocess

    from test_site_sample import ffmpeg

    from podcast.models import PreparedAudio, Redaction
    from podcast.site.report import write_episode_report

    wav = tmp_path / "prepared.wav"
    subprocess.run(
        [
            ffmpeg(),
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "aevalsrc=0.05*sin(2*PI*330*t):s=48000:d=12",
            "-ac",
            "1",
            str(wav),
        ],
        check=True,
    )
    ep = first_episode(tmp_path / "feed", waveform=False)
    ep = dataclasses.replace(ep, reviewed=False, redactions=(Redaction(2.0, 2.5, "phone"),))
    prepared = PreparedAudio(wav, 48000, 1, 12.0, ep.audio.timeline)
    path = write_episode_report(
        tmp_path / "reports",
        ep,
        prepared=prepared,
        human=False,
        warnings=("episodes/x: something odd",),
    )
    doc = lxml.html.fromstring(path.read_bytes())
    before, after = (
        [float(pt.split(",")[1]) for pt in points.split()]
        for points in doc.xpath("//*[local-name()='polyline']/@points")
    )
    assert len(before) == len(after) == 12
    assert sum(before) / 12 > sum(after) / 12 + 20  # larger y = quieter: about 22 dB quieter
    review = doc.xpath("//h2[.='Transcript review']/following-sibling::div[1]")[0].text_content()
    assert "WITHOUT a check" in review
    assert (
        "0:02–0:02  phone"
        in doc.xpath("//h2[.='Redactions']/following-sibling::div[1]")[0].text_content()
    )
    assert doc.xpath("//h2[.='Warnings from this run']/following-sibling::div[1]")[
        0
    ].text_content() == ("episodes/x: something odd")
