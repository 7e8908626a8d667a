"""Speaker attribution: turns, tracks, stereo channels, diarisation, and the error without them."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from podcast.errors import TranscriptError
from podcast.models import PreparedAudio, Segment, Speaker, Timeline, Word
from podcast.transcribe import TranscribeSettings, speakers, transcribe
from podcast.transcribe.audio_stream import blocks, envelope
from podcast.transcribe.sources import drop_bleed, overlap_ratio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from speaker_eval import word_accuracy  # noqa: E402

RATE = 16000
EVAL = ROOT.parent / "shared" / "eval" / "audio"


def person(id_: str, host: bool = False) -> Speaker:
    return Speaker(
        id=id_,
        name=id_.title(),
        role="Host" if host else "Guest",
        display_name=id_.title(),
        host=host,
    )


def write_wav(path: Path, samples: np.ndarray) -> Path:
    data = np.atleast_2d(samples)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(data.shape[0])
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(data.T, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def prepared(path: Path, duration: float, channels: int = 1, tracks: tuple = ()) -> PreparedAudio:
    return PreparedAudio(
        path=path,
        sample_rate=RATE,
        channels=channels,
        duration=duration,
        timeline=Timeline(),
        tracks=tracks,
    )


def eval_file(name: str) -> Path:
    path = EVAL / name
    if not path.is_file():
        pytest.skip(f"LOUD SKIP: eval file {path} is missing (shared/eval not beside the checkout)")
    return path


def segment(*spec: tuple[str, float, float]) -> Segment:
    ws = tuple(Word(start=s, end=e, text=t, probability=0.9) for t, s, e in spec)
    return Segment(start=ws[0].start, end=ws[-1].end, text="".join(w.text for w in ws), words=ws)


# fast ---------------------------------------------------------------------------------------


def test_split_at_speaker_change_pause_and_long_sentence():
    seg = segment(
        (" Hi.", 0.0, 0.4),
        (" Hello", 0.5, 0.9),
        (" there.", 0.9, 1.2),
        (" So", 3.0, 3.2),
        (" yes.", 3.2, 3.5),
    )
    parts = speakers.split(seg, ["ann", "bob", "bob", "bob", "bob"])
    assert [(p.speaker, p.text, p.start, p.end) for p in parts] == [
        ("ann", " Hi.", 0.0, 0.4),
        ("bob", " Hello there.", 0.5, 1.2),
        ("bob", " So yes.", 3.0, 3.5),  # after a 1.8 s pause
    ]


def test_turns_name_every_word(tmp_path):
    audio = prepared(tmp_path / "x.wav", 10.0)
    plan = speakers.plan(
        audio,
        [person("ann", True), person("bob")],
        turns=[(0.0, "ann"), (2.0, "bob"), (4.0, "ann")],
    )
    out = speakers.attribute(
        [segment((" one", 0.5, 1.0), (" two", 2.1, 2.5), (" three", 4.2, 4.6))], plan, audio.path
    )
    assert [(s.speaker, s.text) for s in out] == [
        ("ann", " one"),
        ("bob", " two"),
        ("ann", " three"),
    ]


def test_one_speaker_is_trivially_that_speaker(tmp_path):
    audio = prepared(tmp_path / "x.wav", 10.0)
    plan = speakers.plan(audio, [person("ann", True)])
    out = speakers.attribute([segment((" one", 0.5, 1.0))], plan, audio.path)
    assert out[0].speaker == "ann"


def test_plan_errors_name_the_problem(tmp_path):
    mono = prepared(tmp_path / "x.wav", 10.0)
    two = [person("ann", True), person("bob")]
    with pytest.raises(TranscriptError, match="unknown speaker"):
        speakers.plan(mono, two, turns=[(0.0, "carol")])
    with pytest.raises(TranscriptError, match="needs a stereo recording"):
        speakers.plan(mono, two, speakers_by_channel=("ann", "bob"))


def test_mixed_track_without_extra_or_turns_is_a_clear_error(tmp_path):
    code = (
        "import sys; sys.modules['resemblyzer'] = None\n"
        "from pathlib import Path\n"
        "from podcast.models import PreparedAudio, Speaker, Timeline\n"
        "from podcast.transcribe.speakers import plan, SpeakerAttributionError\n"
        "a = PreparedAudio(Path('mix.wav'), 16000, 1, 10.0, Timeline())\n"
        "s = [Speaker('ann', 'Ann', 'Host', 'Ann', host=True), Speaker('bob', 'Bob', 'Guest', 'Bob')]\n"
        "try:\n    plan(a, s)\nexcept SpeakerAttributionError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "mix.wav" in out.stdout
    assert "turns:" in out.stdout and "pip install 'podcast[speakers]'" in out.stdout


def two_tracks(tmp_path: Path, overlap: bool = False) -> tuple[Path, Path, Path]:
    """ann speaks (tone bursts) in 0-2 s and 4-6 s, bob in 2-4 s; each mic hears the other at -26 dB."""
    t = np.arange(RATE * 6) / RATE
    ann_on = ((t < 2) | (t >= 4)) | (overlap & (t < 4))
    bob_on = (t >= 2) & (t < 4) | (overlap & (t < 2))
    ann = 0.3 * np.sin(2 * np.pi * 180 * t) * ann_on
    bob = 0.3 * np.sin(2 * np.pi * 260 * t) * bob_on
    a = write_wav(tmp_path / "ann.wav", ann + 0.05 * bob)
    b = write_wav(tmp_path / "bob.wav", bob + 0.05 * ann)
    mix = write_wav(tmp_path / "mix.wav", (ann + bob) / 2)
    return a, b, mix


def test_tracks_give_each_word_to_the_loudest_track(tmp_path):
    a, b, mix = two_tracks(tmp_path)
    audio = prepared(mix, 6.0, tracks=(("ann", a), ("bob", b)))
    plan = speakers.plan(audio, [person("ann", True), person("bob")])
    assert plan.method == "tracks"
    seg = segment(
        (" Hello", 0.5, 1.0),
        (" there.", 1.0, 1.5),
        (" Hi", 2.5, 3.0),
        (" ann.", 3.0, 3.5),
        (" Bye.", 4.5, 5.0),
    )
    out = speakers.attribute([seg], plan, mix)
    assert [(s.speaker, s.text) for s in out] == [
        ("ann", " Hello there."),
        ("bob", " Hi ann."),
        ("ann", " Bye."),
    ]


def test_overlap_measure_and_bleed_removal(tmp_path):
    a, b, _ = two_tracks(tmp_path)
    env = np.stack([envelope(a), envelope(b)])
    assert overlap_ratio(env) < 0.05  # bleed at -26 dB is not overlap
    a2, b2, _ = two_tracks(tmp_path, overlap=True)
    assert overlap_ratio(np.stack([envelope(a2), envelope(b2)])) > 0.5
    # on ann's track, a word during bob's turn (2-4 s) is bob's bleed
    kept = drop_bleed(
        [segment((" mine", 0.5, 1.0), (" his", 2.5, 3.0), (" mine", 4.5, 5.0))], 0, env
    )
    assert [s.text for s in kept] == [" mine", " mine"]


# slow: real model on real recordings ---------------------------------------------------------


@pytest.mark.slow
def test_stereo_one_speaker_per_channel():
    path = eval_file("stereo_diarization.wav")
    t = transcribe(
        prepared(path, 5.0, channels=2),
        TranscribeSettings(),
        [person("left", True), person("right")],
        speakers_by_channel=("left", "right"),
    )
    said = {
        who: " ".join(s.text for s in t.segments if s.speaker == who).lower()
        for who in ("left", "right")
    }
    assert "wizard" in said["left"] and "curtain" in said["left"] and "horizon" not in said["left"]
    assert (
        "horizon" in said["right"] and "distant" in said["right"] and "wizard" not in said["right"]
    )


@pytest.mark.slow
def test_separate_track_files(tmp_path):
    """The same two voices as one file per speaker (the multitrack case)."""
    path = eval_file("stereo_diarization.wav")
    stereo = np.concatenate(list(blocks(path, "stereo")), axis=1)
    left = write_wav(tmp_path / "left.wav", stereo[0])
    right = write_wav(tmp_path / "right.wav", stereo[1])
    mix = write_wav(tmp_path / "mix.wav", stereo.mean(axis=0))
    audio = prepared(mix, 5.0, tracks=(("left", left), ("right", right)))
    t = transcribe(audio, TranscribeSettings(), [person("left", True), person("right")])
    said = {
        who: " ".join(s.text for s in t.segments if s.speaker == who).lower()
        for who in ("left", "right")
    }
    assert "wizard" in said["left"] and "horizon" in said["right"]


def pyannote_turns() -> list[tuple[float, str]]:
    rows = eval_file("pyannote_sample.turns.tsv").read_text().splitlines()[1:]
    return [(float(r.split("\t")[0]), r.split("\t")[2]) for r in rows]


@pytest.mark.slow
def test_manual_turns_on_a_real_conversation():
    path = eval_file("pyannote_sample.wav")
    t = transcribe(
        prepared(path, 30.0),
        TranscribeSettings(),
        [person("Diane", True), person("Sheila")],
        turns=pyannote_turns(),
    )
    accuracy, n, _ = word_accuracy(
        t, EVAL / "pyannote_sample.rttm", {"Diane": "speaker90", "Sheila": "speaker91"}
    )
    assert n > 50 and accuracy >= 0.95


@pytest.mark.slow
def test_diarisation_of_a_mixed_two_person_call():
    pytest.importorskip("resemblyzer", reason="LOUD SKIP: podcast[speakers] extra not installed")
    path = eval_file("pyannote_sample.wav")
    t = transcribe(
        prepared(path, 30.0), TranscribeSettings(), [person("Diane", True), person("Sheila")]
    )
    assert {s.speaker for s in t.segments} == {"Diane", "Sheila"}
    accuracy, n, _ = word_accuracy(
        t, EVAL / "pyannote_sample.rttm", {"Diane": "speaker90", "Sheila": "speaker91"}
    )
    assert n > 50 and accuracy >= 0.8


def test_diarised_clusters_are_named_by_who_talks_first_for_two_seconds():
    from podcast.transcribe.diarise import naming_order

    ws = [Word(0.0, 0.5, " Hello", 0.9)] + [
        Word(1 + i * 0.5, 1.5 + i * 0.5, " x", 0.9) for i in range(10)
    ]
    labels = [1] + [0] * 6 + [1] * 4  # cluster 1 said one early word, cluster 0 then talks
    assert naming_order(labels, ws) == [0, 1]
