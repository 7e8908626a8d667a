"""The sample show in the repository (show.yaml, artwork.jpg, episodes/) is valid and usable.

Measures the committed files themselves: they decode, last about a minute, start and end with
room tone, carry hand-set chapter and turn times that fall in pauses, and are small. The slow
tests regenerate them with scripts/make_sample_show.py and run Whisper tiny.en over them.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from podcast.artwork import check_artwork
from podcast.project import load_project, podcast_guid

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "make_sample_show.py"
RATE = 16000
WINDOW = 0.05  # seconds per level-measurement window
SILENT_DBFS = -45.0  # room tone is about -60 dBFS; speech is -20 to -30 dBFS RMS
SPEECH_DBFS = -40.0


@pytest.fixture(scope="module")
def project():
    return load_project(ROOT)


def sources(project) -> list[tuple[str, str, Path]]:
    return [(ep.slug, sid, path) for ep in project.episodes for sid, path in ep.sources()]


@cache
def decode(path: Path) -> np.ndarray:
    """Whole file as mono float32 at RATE, decoded with PyAV."""
    import av

    chunks = []
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        for frame in container.decode(audio=0):
            chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
        chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(chunks)


def levels(audio: np.ndarray) -> np.ndarray:
    """RMS level in dBFS of consecutive WINDOW-long windows."""
    n = int(WINDOW * RATE)
    frames = audio[: len(audio) // n * n].reshape(-1, n)
    return 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-12)


def level_at(audio: np.ndarray, start: float, end: float) -> float:
    part = audio[int(start * RATE) : int(end * RATE)]
    return float(20 * np.log10(np.sqrt(np.mean(part**2)) + 1e-12))


def load_script():
    spec = importlib.util.spec_from_file_location("make_sample_show", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_sample_show"] = module
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ configuration


def test_sample_show_loads_without_problems_or_warnings(project):
    assert project.warnings == ()
    assert len(project.episodes) >= 3
    assert project.show.guid == podcast_guid(project.show.base_url + "feed.xml")
    assert project.show.transcription.allow_unreviewed is False
    assert project.show.category == "Health & Fitness" and project.show.subcategory == "Medicine"
    for host in (project.show.owner.email, project.show.contact.email):
        assert host.endswith(("@example.nhs.uk", "@example.org"))


def test_every_episode_has_fixed_guid_and_full_consent_records(project):
    guids = [ep.config.guid for ep in project.episodes]
    assert all(guids) and len(set(guids)) == len(guids)
    for ep in project.episodes:
        assert ep.config.date.year == 2026
        assert ep.config.speakers, ep.slug
        for s in ep.config.speakers:
            c = s.consent
            assert c is not None and c.withdrawn is None, (ep.slug, s.id)
            assert re.fullmatch(r"NCT-CF-2026-\d{3}", c.reference)
            assert c.expires is None or c.expires.year >= 2030
            assert {"audio", "transcript"} <= set(c.scope)


def test_sample_covers_multitrack_mixed_and_privacy_cases(project):
    by_slug = {ep.slug: ep.config for ep in project.episodes}
    multitrack = [c for c in by_slug.values() if c.tracks and len(c.tracks) == 2]
    assert multitrack and multitrack[0].questions
    assert any(c.audio and isinstance(c.chapters, tuple) for c in by_slug.values())
    private = [c for c in by_slug.values() if c.redact]
    assert private
    unnamed = [s for s in private[0].speakers if "name" not in s.consent.scope]
    assert unnamed and unnamed[0].role == "Patient"
    automatic = [c for c in by_slug.values() if c.chapters == "auto" and not c.questions]
    assert automatic and len(automatic[0].speakers) == 2 and automatic[0].turns
    assert any(s.host for s in automatic[0].speakers)


def test_yaml_quotes_what_the_script_says(project):
    """Questions and redacted terms must be words actually spoken in the recordings."""
    script = load_script()
    spoken = {ep.slug: [line.text for line in ep.lines] for ep in script.EPISODES}
    assert set(spoken) == {ep.slug for ep in project.episodes}
    for ep in project.episodes:
        said = " ".join(spoken[ep.slug])
        for q in ep.config.questions:
            assert q.text in spoken[ep.slug], (ep.slug, q.text)
        for term in ep.config.redact:
            assert term in said, (ep.slug, term)
        for s in ep.config.speakers:
            if "name" not in s.consent.scope:
                assert s.name.split()[0] in said, "the withheld name is said, so it gets bleeped"


# ------------------------------------------------------------------ artwork


def test_artwork_passes_the_check_and_is_small(project):
    from PIL import Image

    path = ROOT / project.show.artwork
    assert check_artwork(path) == []
    assert path.stat().st_size < 200_000
    with Image.open(path) as im:
        assert im.mode == "RGB" and 1400 <= im.size[0] == im.size[1] <= 3000
        # NHS blue (#005eb8) background, measured in a corner
        assert all(
            abs(a - b) <= 6 for a, b in zip(im.getpixel((10, 10)), (0, 94, 184), strict=True)
        )


# ------------------------------------------------------------------ audio


def test_committed_audio_is_compressed_and_small(project):
    files = [path for _, _, path in sources(project)]
    assert {p.suffix for p in files} <= {".opus", ".ogg", ".mp3"}
    # about 1.1 MB for episodes 1-3 (61-79 s each) and 1.0 MB for episode 4 (7.7 min, 16 kbps)
    assert sum(p.stat().st_size for p in files) < 2_250_000


def automatic(ep) -> bool:
    """The episode's chapters are found automatically (no chapters: list, no questions:)."""
    return ep.config.chapters == "auto" and not ep.config.questions


def test_every_recording_decodes_and_lasts_about_a_minute(project):
    """About a minute each, except the automatic-chapters episode: at most one automatic
    chapter per 150 s, so its three topics need at least 450 s of speech."""
    for ep in project.episodes:
        low, high = (450, 600) if automatic(ep) else (45, 120)
        for sid, path in ep.sources():
            seconds = len(decode(path)) / RATE
            assert low <= seconds <= high, (ep.slug, sid, seconds)


def test_ffprobe_agrees_on_duration_and_formats(project):
    if shutil.which("ffprobe") is None:
        pytest.skip(
            "Debian ffprobe is not installed (apt-get install ffmpeg): independent check skipped"
        )
    seen = set()
    for slug, sid, path in sources(project):
        out = subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-show_entries",
                "format=duration:stream=codec_name,sample_rate,channels",
                "-of",
                "json",
                str(path),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        info = json.loads(out.stdout)
        stream = info["streams"][0]
        seen.add((stream["codec_name"], int(stream["sample_rate"]), stream["channels"]))
        duration = float(info["format"]["duration"])
        assert abs(duration - len(decode(path)) / RATE) < 0.1, (slug, sid)
    # decoding is exercised with more than one codec, rate and channel layout
    assert {c for c, _, _ in seen} == {"opus", "mp3"}
    assert len({r for _, r, _ in seen}) >= 2 and {1, 2} <= {ch for _, _, ch in seen}


def test_recordings_start_and_end_with_room_tone(project):
    for slug, sid, path in sources(project):
        audio = decode(path)
        head, tail = (
            level_at(audio, 0.1, 0.9),
            level_at(audio, len(audio) / RATE - 1.2, len(audio) / RATE - 0.1),
        )
        for where, db in (("start", head), ("end", tail)):
            assert -80 < db < SILENT_DBFS, (slug, sid, where, db)  # quiet, but not digital silence
        assert levels(audio).max() > -30, (slug, sid)


def test_tracks_are_aligned_and_each_holds_one_voice_with_bleed(project):
    for ep in project.episodes:
        if not ep.config.tracks:
            continue
        audio = {sid: decode(path) for sid, path in ep.sources()}
        lengths = {len(a) for a in audio.values()}
        assert max(lengths) - min(lengths) < 0.05 * RATE
        n = min(lengths)
        lv = {sid: levels(a[:n]) for sid, a in audio.items()}
        a, b = lv.values()
        # where one microphone has speech the other holds only bleed, at least 15 dB down
        loud_a = a > SPEECH_DBFS + 5
        assert loud_a.sum() > 100
        assert np.median(a[loud_a] - b[loud_a]) > 15
        loud_b = b > SPEECH_DBFS + 5
        assert np.median(b[loud_b] - a[loud_b]) > 15
        # ... but the bleed is there for the gate to remove
        assert np.median(b[loud_a]) > -75


def _starts_in_a_pause(audio: np.ndarray, start: float) -> tuple[float, float]:
    """(level of the 0.3 s from `start`, loudest level in the 2.5 s after it)."""
    quiet = level_at(audio, start, start + 0.3)
    after = levels(audio[int(start * RATE) : int((start + 2.5) * RATE)]).max()
    return quiet, float(after)


def test_hand_set_chapters_and_turns_fall_in_pauses_before_speech(project):
    checked = 0
    for ep in project.episodes:
        if ep.config.audio is None:
            continue
        audio = decode(ep.folder / ep.config.audio)
        starts = []
        if isinstance(ep.config.chapters, tuple):
            starts += [c.start for c in ep.config.chapters]
        starts += [t.start for t in ep.config.turns]
        for start in starts:
            if start == 0:
                continue
            quiet, after = _starts_in_a_pause(audio, start)
            assert quiet < SILENT_DBFS and after > SPEECH_DBFS, (ep.slug, start, quiet, after)
            checked += 1
    assert checked >= 10


def test_soundbites_are_inside_speech(project):
    for ep in project.episodes:
        for sb in ep.config.soundbites:
            mixed = sum(
                decode(path)[: int((sb.start + sb.duration) * RATE)] for _, path in ep.sources()
            )
            assert len(mixed) / RATE >= sb.start + sb.duration
            assert level_at(mixed, sb.start, sb.start + sb.duration) > SPEECH_DBFS


# ------------------------------------------------------------------ corrected transcripts


def words_of(text: str, script) -> list[str]:
    return [w for w in (script._norm(x) for x in text.split()) if w]


def test_committed_transcripts_are_the_script_with_speakers_and_times(project):
    """Each episode carries the reviewed transcript (transcript.vtt): word for word what was
    said, each cue voiced by the right person (by role when unnamed), in time order, inside
    the recording."""
    from podcast.transcribe.vtt import read_transcript

    script = load_script()
    by_slug = {ep.slug: ep for ep in script.EPISODES}
    for ep in project.episodes:
        path = ep.folder / ep.config.transcript
        shown = {
            (s.name if "name" in s.consent.scope else s.role): s.id for s in ep.config.speakers
        }
        t = read_transcript(path, shown)
        lines = by_slug[ep.slug].lines
        said = words_of(" ".join(line.text for line in lines), script)
        assert words_of(" ".join(seg.text for seg in t.segments), script) == said, ep.slug
        turns = [script.SPEAKER_OF[line.speaker] for line in lines]
        turns = [sp for i, sp in enumerate(turns) if i == 0 or sp != turns[i - 1]]
        heard = [seg.speaker for seg in t.segments]
        heard = [sp for i, sp in enumerate(heard) if i == 0 or sp != heard[i - 1]]
        assert heard == turns, ep.slug
        starts = [seg.start for seg in t.segments]
        assert starts == sorted(starts) and starts[0] >= 0
        seconds = len(decode(ep.sources()[0][1])) / RATE
        assert t.segments[-1].end <= seconds, ep.slug
        text = path.read_text(encoding="utf-8")
        for s in ep.config.speakers:
            if "name" not in s.consent.scope:
                assert f"<v {s.name}>" not in text  # shown by role, even in the private file


def test_correct_review_copy_puts_back_the_scripted_words():
    script = load_script()
    ep = script.EPISODES[2]
    said = [w for line in ep.lines for w in line.text.split()]
    # a machine copy with misheard, missing and extra words, cut into cues of 7 words
    heard = [w for w in said if w != "Little"]
    heard = ["this", "historian"] + heard[2:]
    heard[20] = "throw"
    heard.insert(30, "um")
    cues = [heard[i : i + 7] for i in range(0, len(heard), 7)]
    machine = "WEBVTT\n\nNOTE podcast-transcript\nkeep me\n\n" + "\n\n".join(
        f"00:00:{i:02d}.000 --> 00:00:{i + 1:02d}.000\n<v Helen Marsh>" + " ".join(c)
        for i, c in enumerate(cues)
    )
    fixed = script.correct_review_copy(machine, ep)
    blocks = script._cues(fixed)
    assert blocks[1] == ["NOTE podcast-transcript", "keep me"]
    times = [b[0] for b in blocks if "-->" in b[0]]
    assert times and set(times) <= {
        f"00:00:{i:02d}.000 --> 00:00:{i + 1:02d}.000" for i in range(len(cues))
    }
    body = " ".join(b[1].removeprefix("<v Helen Marsh>") for b in blocks if "-->" in b[0])
    assert body.split() == said


def test_automatic_chapters_of_the_long_interview_start_where_its_topics_do(project):
    """Episode 4's committed transcript, run through the automatic chapter finder with its
    default options, gives one chapter per scripted topic, each starting within 2 s of the
    host's question that opens the topic, with a title naming the topic."""
    from podcast.chapters.auto import auto_chapters
    from podcast.chapters.text import timed_words
    from podcast.transcribe.vtt import read_transcript

    script = load_script()
    by_slug = {ep.slug: ep for ep in script.EPISODES}
    checked = 0
    for ep in filter(automatic, project.episodes):
        names = {s.name: s.id for s in ep.config.speakers}
        transcript = read_transcript(ep.folder / ep.config.transcript, names)
        lines = by_slug[ep.slug].lines
        # the script's turns (speaker changes) are the episode.yaml turns, in order
        changes = [
            i for i, line in enumerate(lines) if i == 0 or line.speaker != lines[i - 1].speaker
        ]
        assert len(changes) == len(ep.config.turns), ep.slug
        opening = {}  # topic -> start of the turn that opens it, in the recording
        for turn, i in zip(ep.config.turns, changes, strict=True):
            j = i
            while j < len(lines) and lines[j].speaker == lines[i].speaker:
                if lines[j].topic:
                    opening[lines[j].topic] = 0.0 if turn.start == 0 else turn.start + 0.5
                j += 1
        assert len(opening) >= 3, ep.slug
        # transcript times start where the speech does: the lead silence is trimmed
        trimmed = script.LEAD_S - transcript.segments[0].start
        assert 0 <= trimmed <= script.LEAD_S
        content = len(decode(ep.sources()[0][1])) / RATE - trimmed
        hosts = [s.id for s in ep.config.speakers if s.host]
        found = auto_chapters(timed_words(transcript), content, interviewer_ids=hosts)
        assert len(found) == len(opening), (ep.slug, found)
        stop = {"the", "and", "his", "her", "of", "a"}
        for (start, title), (topic, truth) in zip(found, opening.items(), strict=True):
            truth = max(0.0, truth - trimmed)
            assert abs(start - truth) <= 2.0, (ep.slug, topic, start, truth)
            assert 0 < len(title) <= 48 and title == title.strip(), title
            topic_words = {w.lower() for w in topic.split()} - stop
            title_words = {w.lower() for w in title.split()} - stop
            # a word of the topic, or one with the same stem (walking, walk)
            assert any(a[:4] == b[:4] for a in topic_words for b in title_words), (topic, title)
        assert len({title for _, title in found}) == len(found)
        checked += 1
    assert checked == 1


# ------------------------------------------------------------------ regeneration (slow)


@pytest.mark.slow
def test_script_regenerates_the_committed_files(tmp_path, project):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng): cannot regenerate")

    def run(out: str, *only: str) -> None:
        args = [a for name in only for a in ("--only", name)]
        subprocess.run(
            [
                sys.executable,
                str(SCRIPT),
                "--root",
                str(tmp_path / out),
                *args,
                "--timings",
                str(tmp_path / f"{out}.json"),
            ],
            check=True,
            capture_output=True,
        )

    run("a")
    run("b", "artwork", "03-finding-my-words")  # a second run of a part, for determinism
    made = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.*"))
    committed = [Path(project.show.artwork)] + [p.relative_to(ROOT) for _, _, p in sources(project)]
    assert sorted(committed) == made
    again = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.*"))
    assert len(again) == 2
    for rel in again:  # deterministic: two runs give the same bytes
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    for rel in made:
        if rel.suffix in (".opus", ".ogg", ".mp3"):
            # same content as committed (bytes may differ with other espeak-ng/ffmpeg versions)
            made_s, committed_s = len(decode(tmp_path / "a" / rel)), len(decode(ROOT / rel))
            assert abs(made_s - committed_s) < 0.3 * RATE, rel
    timings = json.loads((tmp_path / "a.json").read_text())
    assert {t["slug"] for t in timings} == {ep.slug for ep in project.episodes}


def best_match(phrase: str, text: str) -> float:
    """Similarity (0-1) of `phrase` to the most alike run of as many words in `text`."""
    from difflib import SequenceMatcher

    # compared letter by letter, so "physiotherapist" for "physiotherapy team" is a near miss,
    # not two wrong words (tiny.en's int8 output varies a little between CPUs)
    want, words = phrase.split(), text.split()
    return max(
        SequenceMatcher(None, phrase, " ".join(words[i : i + len(want) + extra])).ratio()
        for i in range(max(1, len(words) - len(want) + 1))
        for extra in (-1, 0, 1)
    )


@pytest.mark.slow
def test_whisper_tiny_understands_the_sample_speech(project):
    """The synthesised speech is clear enough for the bundled tiny.en model: the privacy terms
    are recognised (so redaction has something to find) and the questions are heard."""
    jiwer = pytest.importorskip("jiwer")
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    from podcast.transcribe.models_registry import bundled_model_dir

    script = load_script()
    text_of = {ep.slug: " ".join(line.text for line in ep.lines) for ep in script.EPISODES}
    model = BatchedInferencePipeline(
        WhisperModel(str(bundled_model_dir()), device="cpu", compute_type="int8", cpu_threads=2)
    )

    def norm(s: str) -> str:
        s = s.lower().replace("30", "thirty").replace("12", "twelve").replace("8", "eight")
        return re.sub(r"\s+", " ", re.sub(r"[^a-z' ]", " ", s)).strip()

    for ep in project.episodes:
        if ep.slug.startswith(("02", "04")):
            continue  # keep the test short: the interview and the privacy episode
        mixed = sum(decode(path) for _, path in ep.sources())
        segments, _ = model.transcribe(
            mixed.astype(np.float32),
            beam_size=5,
            initial_prompt=", ".join(ep.config.transcription.glossary or ()),
        )
        heard = norm(" ".join(s.text for s in segments))
        wer = jiwer.wer(norm(text_of[ep.slug]), heard)
        assert wer < 0.2, (ep.slug, wer, heard)
        for q in ep.config.questions:
            assert best_match(norm(q.text), heard) >= 0.85, (ep.slug, q.text, heard)
        for term in ep.config.redact:
            assert norm(term) in heard, (ep.slug, term)
