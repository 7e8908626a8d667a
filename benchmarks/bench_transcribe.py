"""Transcription benchmarks: speed (RTF), engine ratio, WER, peak memory, speaker accuracy.

    .venv/bin/python benchmarks/bench_transcribe.py [--speed-min 10] [--rtf-min 30] \
        [--memory-hours 1 3] [--out docs/benchmarks-transcription.md]

Long recordings are built from the public eval clips (../shared/eval/audio) that have
reference text, in a fixed order with 0.5-3 s pauses, repeated to length. Every engine in
one section runs on the same file in the same process run, one after the other.
Peak memory is measured in a fresh child process per recording (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import resource
import subprocess
import sys
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from podcast.models import PreparedAudio, Speaker, Timeline, Transcript  # noqa: E402
from podcast.transcribe import TranscribeSettings, transcribe  # noqa: E402
from podcast.transcribe.audio_stream import blocks  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval" / "audio"
RATE = 16000
CPU_SECONDS = [0.0]  # CPU time of the last timed() call, all threads of this process
HOST = Speaker("host", "Host", "Host", "Host", host=True)
# clips whose reference is the whole audible text (stereo overlap, AMI partial and
# ami_tst00 without words are left out of the long file)
LONG_CLIPS = (
    "jfk.flac",
    "librispeech_2412-153948-0000.flac",
    "librivox_sense_and_sensibility_01_0870.wav",
    "librivox_sense_and_sensibility_01_0880.wav",
    "librivox_sense_and_sensibility_01_0890.wav",
    "librivox_sense_and_sensibility_01_0920.wav",
    "librivox_sense_and_sensibility_01_0930.wav",
    "ljspeech_LJ002-0020.wav",
    "ljspeech_LJ002-0035.wav",
    "pocketsphinx_goforward.wav",
    "vosk_test.wav",
    "pyannote_sample.wav",
)


def references() -> dict[str, str]:
    rows = (EVAL / "references.tsv").read_text().splitlines()[1:]
    # bracketed words are in the reference but only partly audible: keep them as words
    refs = {r.split("\t")[0]: r.split("\t")[2].replace("[", "").replace("]", "") for r in rows}
    stm = (EVAL / "pyannote_sample.stm").read_text().splitlines()
    refs["pyannote_sample.wav"] = " ".join(
        " ".join(line.split()[5:]) for line in stm if line.strip()
    )
    return refs


def normaliser() -> Any:
    from whisper.normalizers import EnglishTextNormalizer

    return EnglishTextNormalizer()


def wer(ref: str, hyp: str) -> float:
    import re

    import jiwer

    n = normaliser()
    # a spoken digit string that Whisper writes with hyphens ("1-0-0-0-1") is joined first:
    # the normaliser would otherwise turn each lone "1" into "one" (and count it wrong); the
    # digits are compared one by one below in any case
    ref, hyp = (re.sub(r"(?<=\d)-(?=\d)", "", x) for x in (ref, hyp))
    # the normaliser turns "one zero zero" into "100": compare digits one by one on both sides
    r, h = (" ".join(re.sub(r"(\d)", r" \1 ", n(x)).split()) for x in (ref, hyp))
    return float(jiwer.wer(r, h)) if r.strip() else float(bool(h.strip()))


def load(name: str) -> Any:
    return np.concatenate(list(blocks(EVAL / name)))


def build_long(path: Path, seconds: float) -> str:
    """Write a 16 kHz mono WAV of about `seconds`; return its reference text."""
    clips = [(name, load(name)) for name in LONG_CLIPS]
    refs = references()
    pauses = (0.5, 1.2, 3.0, 0.8, 2.0)
    written, texts, i = 0, [], 0
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        while written < seconds * RATE:
            name, audio = clips[i % len(clips)]
            gap = np.zeros(int(pauses[i % len(pauses)] * RATE), dtype=np.float32)
            piece = np.concatenate([audio, gap])
            w.writeframes((np.clip(piece, -1, 1) * 32767).astype("<i2").tobytes())
            written += len(piece)
            texts.append(refs[name])
            i += 1
    return " ".join(texts)


def prepared(path: Path) -> PreparedAudio:
    with wave.open(str(path)) as w:
        duration = w.getnframes() / w.getframerate()
    return PreparedAudio(
        path=path, sample_rate=RATE, channels=1, duration=duration, timeline=Timeline()
    )


def timed(
    audio: PreparedAudio, settings: TranscribeSettings, speakers: tuple = (HOST,), **kw: Any
) -> tuple[Transcript, float]:
    started, cpu = time.perf_counter(), time.process_time()
    t = transcribe(audio, settings, speakers, **kw)
    CPU_SECONDS[0] = time.process_time() - cpu
    return t, time.perf_counter() - started


def vanilla_faster(path: Path) -> tuple[str, float]:
    """faster-whisper as its README uses it: sequential, beam 5, word timestamps, no VAD."""
    from podcast.transcribe.models_registry import load_faster, resolve

    model = load_faster(resolve("faster-whisper", "default"), "auto", 0)
    started = time.perf_counter()
    segments, _ = model.transcribe(str(path), language="en", beam_size=5, word_timestamps=True)
    text = " ".join(s.text for s in segments)
    return text, time.perf_counter() - started


def speed_section(minutes: float, work: Path) -> dict[str, Any]:
    path = work / f"speech_{minutes:g}min.wav"
    ref = build_long(path, minutes * 60)
    audio = prepared(path)
    rows = {}
    transcribe(prepared_any(EVAL / "jfk.flac"), TranscribeSettings(), (HOST,))  # load models
    transcribe(
        prepared_any(EVAL / "jfk.flac"), TranscribeSettings(engine="openai-whisper"), (HOST,)
    )
    configs = {
        "default (faster-whisper sequential, beam 5, int8, VAD, word timestamps)": TranscribeSettings(),
        "default on one worker with 2 threads (the decoding before workers)": TranscribeSettings(
            workers=1
        ),
        "faster-whisper batched beam 5 (our pipeline, batch: true)": TranscribeSettings(batch=True),
        "openai-whisper beam 5, same weights (our pipeline)": TranscribeSettings(
            engine="openai-whisper"
        ),
    }
    for label, settings in configs.items():
        t, secs = timed(audio, settings)
        rows[label] = row(secs, audio.duration, wer(ref, t.text))
        log(f"{label}: {rows[label]}")
    cpu = time.process_time()
    text, secs = vanilla_faster(path)
    CPU_SECONDS[0] = time.process_time() - cpu
    label = "faster-whisper sequential beam 5 as shipped (no VAD, whole file)"
    rows[label] = row(secs, audio.duration, wer(ref, text))
    log(f"{label}: {rows[label]}")
    return {"duration": audio.duration, "rows": rows}


def row(secs: float, duration: float, error: float) -> dict[str, float]:
    """Wall time, CPU time and real-time factors; `rtf_cpu_2` = CPU seconds / 2 cores / duration,
    what the wall-clock RTF would be on an otherwise idle 2-core machine."""
    cpu = CPU_SECONDS[0]
    return {
        "seconds": secs,
        "cpu_seconds": cpu,
        "rtf": secs / duration,
        "rtf_cpu_2": cpu / 2 / duration,
        "wer": error,
    }


def ratio_section(minutes: float, work: Path, reps: int = 3) -> dict[str, Any]:
    """Default vs openai-whisper, alternated `reps` times; the fastest run of each counts
    (other jobs on a shared machine only ever make a run slower)."""
    path = work / f"speech_{minutes:g}min.wav"
    build_long(path, minutes * 60)
    audio = prepared(path)
    configs = {
        "default": TranscribeSettings(),
        "openai-whisper": TranscribeSettings(engine="openai-whisper"),
    }
    best: dict[str, dict[str, float]] = {}
    for _ in range(reps):
        for label, settings in configs.items():
            _, secs = timed(audio, settings)
            old = best.get(label, {"seconds": float("inf"), "cpu_seconds": float("inf")})
            best[label] = {
                "seconds": min(old["seconds"], secs),
                "cpu_seconds": min(old["cpu_seconds"], CPU_SECONDS[0]),
            }
            log(f"ratio {label}: {secs:.1f} s wall, {CPU_SECONDS[0]:.1f} s CPU")
    return {"duration": audio.duration, "reps": reps, "best": best}


def rtf_section(minutes: float, work: Path) -> dict[str, Any]:
    path = work / f"speech_{minutes:g}min.wav"
    ref = build_long(path, minutes * 60)
    audio = prepared(path)
    t, secs = timed(audio, TranscribeSettings())
    return {"duration": audio.duration, **row(secs, audio.duration, wer(ref, t.text))}


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss
    across fork + exec, so a child started by a big parent would report the parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_child(path: str) -> None:
    """Run in a fresh process: transcribe with the default settings, print peak RSS."""
    audio = prepared(Path(path))
    t, secs = timed(audio, TranscribeSettings())
    result = {"peak_mb": peak_rss_mb(), **row(secs, audio.duration, 0.0)}
    sys.stdout.write(json.dumps({**result, "words": len(t.text.split())}) + "\n")


def memory_section(hours: list[float], work: Path) -> dict[str, Any]:
    out = {}
    for h in hours:
        path = work / f"speech_{h:g}h.wav"
        build_long(path, h * 3600)
        proc = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        out[f"{h:g}"] = json.loads(proc.stdout.strip().splitlines()[-1])
        log(f"memory {h} h: {out[f'{h:g}']}")
        partial = Path("/tmp/bench_transcribe_memory.json")
        partial.write_text(json.dumps(out, indent=1))
        path.unlink()
    return out


def clip_section() -> list[dict[str, Any]]:
    refs = references()
    rows = []
    for name in (*LONG_CLIPS, "ami_ES2011a_headset0_40-46s.wav"):
        t, secs = timed(prepared_any(EVAL / name), TranscribeSettings())
        rows.append(
            {"clip": name, "wer": wer(refs[name], t.text), "hyp": t.text, "ref": refs[name]}
        )
    return rows


def prepared_any(path: Path) -> PreparedAudio:
    n = sum(len(b) for b in blocks(path))
    return PreparedAudio(
        path=path, sample_rate=RATE, channels=1, duration=n / RATE, timeline=Timeline()
    )


def speaker_section() -> list[dict[str, Any]]:
    from speaker_eval import word_accuracy

    rows = []
    people = (
        Speaker("Diane", "Diane", "Guest", "Diane", host=True),
        Speaker("Sheila", "Sheila", "Guest", "Sheila"),
    )
    audio = prepared_any(EVAL / "pyannote_sample.wav")
    named = {"Diane": "speaker90", "Sheila": "speaker91"}
    turns_rows = (EVAL / "pyannote_sample.turns.tsv").read_text().splitlines()[1:]
    turns = [(float(r.split("\t")[0]), r.split("\t")[2]) for r in turns_rows]
    for method, kw in (("diarisation (resemblyzer)", {}), ("manual turns", {"turns": turns})):
        t, secs = timed(audio, TranscribeSettings(), people, **kw)
        best, n, _ = word_accuracy(t, EVAL / "pyannote_sample.rttm")
        as_named, _, _ = word_accuracy(t, EVAL / "pyannote_sample.rttm", named)
        rows.append(
            {
                "clip": "pyannote_sample (2 speakers)",
                "method": method,
                "words": n,
                "best_mapping": best,
                "as_named": as_named,
                "seconds": secs,
            }
        )
    ami = tuple(
        Speaker(i, i, "Guest", i, host=(i == "MEE071"))
        for i in ("MEE071", "MEE073", "FEO070", "FEO072")
    )
    t, secs = timed(prepared_any(EVAL / "ami_tst00.wav"), TranscribeSettings(), ami)
    best, n, _ = word_accuracy(t, EVAL / "ami_tst00.rttm", region=(0.0, 30.0))
    as_named, _, _ = word_accuracy(
        t,
        EVAL / "ami_tst00.rttm",
        {i: i for i in ("MEE071", "MEE073", "FEO070", "FEO072")},
        (0.0, 30.0),
    )
    rows.append(
        {
            "clip": "ami_tst00 (4 speakers)",
            "method": "diarisation (resemblyzer)",
            "words": n,
            "best_mapping": best,
            "as_named": as_named,
            "seconds": secs,
        }
    )
    stereo = EVAL / "stereo_diarization.wav"
    audio = PreparedAudio(
        path=stereo, sample_rate=RATE, channels=2, duration=5.0, timeline=Timeline()
    )
    lr = (Speaker("left", "L", "Host", "L", host=True), Speaker("right", "R", "Guest", "R"))
    t, secs = timed(audio, TranscribeSettings(), lr, speakers_by_channel=("left", "right"))
    text = {w: " ".join(s.text for s in t.segments if s.speaker == w) for w in ("left", "right")}
    rows.append(
        {
            "clip": "stereo_diarization (1 per channel)",
            "method": "speakers_by_channel",
            "text": text,
            "seconds": secs,
        }
    )
    return rows


def log(message: str) -> None:
    logging.getLogger("bench").info(message)


def machine() -> str:
    import os

    import ctranslate2
    import faster_whisper

    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores (shared with other jobs), "
        f"Python {platform.python_version()}, faster-whisper {faster_whisper.__version__}, "
        f"CTranslate2 {ctranslate2.__version__}"
    )


def render(r: dict[str, Any]) -> str:
    """The results as markdown tables (the prose around them is written by hand)."""
    out = [f"Machine: {r.get('machine', '?')}", ""]
    if "speed" in r:
        sp = r["speed"]
        out += [
            f"### Engines side by side ({sp['duration'] / 60:.1f} min of speech, one run)",
            "",
            "| configuration | wall s | RTF (wall) | CPU s | RTF (CPU / 2 cores) | WER |",
            "|---|---|---|---|---|---|",
        ]
        for label, v in sp["rows"].items():
            out.append(
                f"| {label} | {v['seconds']:.1f} | {v['rtf']:.3f} | {v['cpu_seconds']:.1f} | "
                f"{v['rtf_cpu_2']:.3f} | {100 * v['wer']:.1f}% |"
            )
        out.append("")
        rows = {label.split(" (")[0].split(",")[0]: v for label, v in sp["rows"].items()}
        d = next(v for k, v in sp["rows"].items() if k.startswith("default ("))
        shipped = next((v for k, v in rows.items() if "as shipped" in k), None)
        openai = next((v for k, v in rows.items() if k.startswith("openai")), None)
        one = next((v for k, v in rows.items() if "one worker" in k), None)
        if shipped:
            out.append(f"- WER, default against faster-whisper's own sequential beam 5: "
                       f"{100 * (d['wer'] - shipped['wer']):+.2f} points.")  # fmt: skip
        if openai:
            out.append(f"- openai-whisper / default: **{openai['seconds'] / d['seconds']:.1f}x** "
                       f"wall, {openai['cpu_seconds'] / d['cpu_seconds']:.1f}x CPU.")  # fmt: skip
        if one:
            out.append(f"- one worker on 2 threads / default (two workers): "
                       f"{one['seconds'] / d['seconds']:.2f}x wall, "
                       f"{one['cpu_seconds'] / d['cpu_seconds']:.2f}x CPU.")  # fmt: skip
        out.append("")
    if "ratio" in r:
        v = r["ratio"]
        d, o = v["best"]["default"], v["best"]["openai-whisper"]
        out += [
            f"### Default vs openai-whisper, fastest of {v['reps']} alternating runs "
            f"({v['duration'] / 60:.1f} min)",
            "",
            "| engine | wall s | CPU s |",
            "|---|---|---|",
            f"| default (faster-whisper) | {d['seconds']:.1f} | {d['cpu_seconds']:.1f} |",
            f"| openai-whisper, same weights and beam | {o['seconds']:.1f} | {o['cpu_seconds']:.1f} |",
            f"| **ratio** | **{o['seconds'] / d['seconds']:.1f}x** | **{o['cpu_seconds'] / d['cpu_seconds']:.1f}x** |",
            "",
        ]
    if "rtf" in r:
        v = r["rtf"]
        out += [
            f"### Default configuration on {v['duration'] / 60:.1f} min",
            "",
            f"wall {v['seconds']:.1f} s (RTF {v['rtf']:.3f}); CPU {v['cpu_seconds']:.1f} s "
            f"(RTF on 2 idle cores {v['rtf_cpu_2']:.3f}); WER {100 * v['wer']:.1f}%",
            "",
        ]
    if "memory" in r:
        out += [
            "### Peak memory (default configuration, fresh process each)",
            "",
            "| recording | peak RSS MB | wall s | RTF (wall) | RTF (CPU / 2 cores) |",
            "|---|---|---|---|---|",
        ]
        for h, v in r["memory"].items():
            out.append(
                f"| {h} h | {v['peak_mb']:.0f} | {v['seconds']:.0f} | {v['rtf']:.3f} | {v['rtf_cpu_2']:.3f} |"
            )
        out.append("")
    if "clips" in r:
        out += [
            "### WER per clip (default configuration)",
            "",
            "| clip | WER | output |",
            "|---|---|---|",
        ]
        for c in r["clips"]:
            out.append(f"| {c['clip']} | {100 * c['wer']:.1f}% | {c['hyp'].strip()[:90]} |")
        out.append("")
    if "speakers" in r:
        out += [
            "### Speaker attribution (share of words given to a speaker talking then)",
            "",
            "| clip | method | words | best mapping | as named | wall s |",
            "|---|---|---|---|---|---|",
        ]
        for v in r["speakers"]:
            if "words" in v:
                out.append(
                    f"| {v['clip']} | {v['method']} | {v['words']} | {100 * v['best_mapping']:.1f}% | "
                    f"{100 * v['as_named']:.1f}% | {v['seconds']:.1f} |"
                )
            else:
                out.append(
                    f"| {v['clip']} | {v['method']} | {v['text']} | | | {v['seconds']:.1f} |"
                )
        out.append("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--speed-min", type=float, default=30.0)
    parser.add_argument("--rtf-min", type=float, default=30.0)
    parser.add_argument("--ratio-min", type=float, default=2.0)
    parser.add_argument("--memory-hours", type=float, nargs="*", default=[1.0, 3.0])
    parser.add_argument(
        "--skip", nargs="*", default=[], help="sections: speed rtf memory clips speakers"
    )
    parser.add_argument("--json", default="/tmp/bench_transcribe.json")
    parser.add_argument("--work", default="/tmp/bench_transcribe")
    parser.add_argument("--memory-child")
    parser.add_argument("--render", action="store_true", help="print the JSON as markdown")
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    if args.render:
        sys.stdout.write(render(json.loads(Path(args.json).read_text())) + "\n")
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine(), "command": " ".join(sys.argv)}
    if Path(args.json).exists():
        results = {**json.loads(Path(args.json).read_text()), **results}
    sections = {
        "clips": clip_section,
        "speakers": speaker_section,
        "speed": lambda: speed_section(args.speed_min, work),
        "rtf": lambda: rtf_section(args.rtf_min, work),
        "ratio": lambda: ratio_section(args.ratio_min, work),
        "memory": lambda: memory_section(args.memory_hours, work),
    }
    for name, run in sections.items():
        if name in args.skip:
            continue
        started = time.perf_counter()
        results[name] = run()
        results[f"{name}_wall_s"] = time.perf_counter() - started
        Path(args.json).write_text(json.dumps(results, indent=1))
        log(f"section {name} done in {results[f'{name}_wall_s']:.0f} s")


if __name__ == "__main__":
    main()
