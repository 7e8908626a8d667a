"""Human corrections win: review copies, never overwriting, backups, edit detection, re-timing."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time

import pytest
import webvtt

from podcast.errors import TranscriptError
from podcast.models import Segment, Speaker, Transcript, Word
from podcast.transcribe import corrections, formats
from podcast.transcribe.corrections import load_committed, retime, write_for_review
from podcast.transcribe.vtt import ids_by_name, parse_vtt

SPEAKERS = (
    Speaker("amy", "Amy Ng", "Host", "Amy Ng", host=True),
    Speaker("p1", "Jo Bloggs", "Patient", "Patient", named=False),
)
NAMES = {s.id: s.display_name for s in SPEAKERS}
IDS = ids_by_name(SPEAKERS)
AUDIO = "a" * 64


def seg(start, text, speaker, step=0.5):
    toks = text.split()
    ws = tuple(
        Word(start + i * step, start + i * step + 0.4, " " + t, 0.9) for i, t in enumerate(toks)
    )
    return Segment(start, ws[-1].end, "".join(w.text for w in ws), speaker, ws)


def machine() -> Transcript:
    return Transcript(
        (
            seg(0.0, "Welcome to the ward podcast. I'm Amy and today we meet a patient.", "amy"),
            Segment(7.0, 9.0, "[Music]", kind="nonspeech"),
            seg(10.0, "Thanks Amy. I came in with a broken hip in January.", "p1"),
            seg(16.0, "How was the care on Ward Seven?", "amy"),
            seg(20.0, "The nurses were brilliant, really kind.", "p1"),
        ),
        "en",
        engine="faster-whisper",
        model="tiny.en",
    )


@pytest.fixture
def episode(tmp_path):
    d = tmp_path / "episodes" / "042-ward"
    d.mkdir(parents=True)
    return d


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_review_copy_is_valid_vtt_with_a_machine_record(episode):
    path = write_for_review(machine(), NAMES, episode, audio_sha256=AUDIO)
    assert path == episode / "transcript.vtt"
    text = path.read_text(encoding="utf-8")
    captions = webvtt.read(str(path), strict=True).captions
    assert max(len(line) for line in text.split("\n")) <= 65
    assert captions[0].voice == "Amy Ng"
    record = corrections.read_record(text)
    assert record == corrections.ReviewRecord(
        corrections.body_sha256(text), AUDIO, 0.0, "en", "faster-whisper", "tiny.en"
    )
    committed = load_committed(episode, IDS, audio_sha256=AUDIO)
    assert committed is not None
    assert not committed.human_edited and not committed.audio_changed and not committed.warnings
    assert committed.transcript.source == "machine" and committed.transcript.model == "tiny.en"
    assert committed.file_sha256 == sha(path)
    assert committed.transcript.text == machine().text


def test_existing_transcript_is_never_overwritten(episode):
    path = write_for_review(machine(), NAMES, episode, audio_sha256=AUDIO)
    path.write_text(path.read_text().replace("brilliant", "wonderful"), encoding="utf-8")
    before = sha(path)
    with pytest.raises(TranscriptError, match=r"^episodes/042-ward/transcript.vtt: already exists"):
        write_for_review(machine(), NAMES, episode, audio_sha256=AUDIO)
    assert sha(path) == before
    assert sorted(p.name for p in episode.iterdir()) == ["transcript.vtt"]


def test_writing_identical_content_again_is_a_no_op(episode):
    path = write_for_review(machine(), NAMES, episode, audio_sha256=AUDIO)
    mtime = path.stat().st_mtime_ns
    time.sleep(0.01)
    assert write_for_review(machine(), NAMES, episode, audio_sha256=AUDIO) == path
    assert path.stat().st_mtime_ns == mtime


def test_force_keeps_every_old_file_as_a_backup(episode):
    path = write_for_review(machine(), NAMES, episode, audio_sha256=AUDIO)
    versions = []
    for word in ("wonderful", "superb"):
        path.write_text(path.read_text().replace("brilliant", word), encoding="utf-8")
        versions.append(path.read_bytes())
        write_for_review(machine(), NAMES, episode, audio_sha256="b" * 64, force=True)
    path.write_text(path.read_text().replace("brilliant", "stamped"), encoding="utf-8")
    stamped = path.read_bytes()
    write_for_review(machine(), NAMES, episode, audio_sha256="c" * 64, force=True, stamp="20261125")
    names = sorted(p.name for p in episode.iterdir())
    assert names == [
        "transcript.vtt",
        "transcript.vtt.bak-1",
        "transcript.vtt.bak-2",
        "transcript.vtt.bak-20261125",
    ]
    assert (episode / "transcript.vtt.bak-1").read_bytes() == versions[0]
    assert (episode / "transcript.vtt.bak-2").read_bytes() == versions[1]
    assert (episode / "transcript.vtt.bak-20261125").read_bytes() == stamped
    assert "brilliant" in path.read_text()
    assert corrections.read_record(path.read_text()).audio_sha256 == "c" * 64
    # the pipeline's spelling: a date from the caller, a configured file name
    path.write_text(path.read_text().replace("brilliant", "dated"), encoding="utf-8")
    dated = path.read_bytes()
    for audio in ("f" * 64, "0" * 64):
        write_for_review(
            machine(),
            NAMES,
            episode,
            audio_sha256=audio,
            force=True,
            filename="transcript.vtt",
            today=dt.date(2026, 11, 25),
        )
    assert (episode / "transcript.vtt.bak-2026-11-25").read_bytes() == dated
    assert (episode / "transcript.vtt.bak-2026-11-25-1").exists()
    assert len(list(episode.iterdir())) == 6


def test_human_edits_are_detected_but_line_endings_are_not_edits(episode):
    path = write_for_review(machine(), NAMES, episode, audio_sha256=AUDIO)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))  # an editor on Windows
    assert not load_committed(episode, IDS, audio_sha256=AUDIO).human_edited
    path.write_text(path.read_text().replace("Ward Seven", "Ward 7"), encoding="utf-8")
    committed = load_committed(episode, IDS, audio_sha256=AUDIO)
    assert committed.human_edited and committed.transcript.source == "human"
    assert "Ward 7" in committed.transcript.text


def test_a_transcript_without_record_is_human_and_srt_is_accepted(episode):
    (episode / "transcript.srt").write_text(formats.to_srt(machine(), NAMES), encoding="utf-8")
    committed = load_committed(episode, IDS, audio_sha256=AUDIO)
    assert committed.human_edited and committed.record is None and not committed.audio_changed
    assert [s.speaker for s in committed.transcript.segments if s.kind == "speech"][:2] == [
        "amy",
        "p1",
    ]
    assert load_committed(episode.parent, IDS, audio_sha256=AUDIO) is None  # no transcript there
    assert load_committed(episode, IDS, audio_sha256=AUDIO, filename="fixed.vtt") is None
    (episode / "transcript.srt").rename(episode / "fixed.srt")  # a configured file name
    other = load_committed(episode, IDS, audio_sha256=AUDIO, filename="fixed.vtt")
    assert other.path == episode / "fixed.srt" and other.human_edited


def test_changed_audio_warns_and_keeps_the_correction(episode):
    path = write_for_review(machine(), NAMES, episode, audio_sha256=AUDIO)
    path.write_text(path.read_text().replace("brilliant", "wonderful"), encoding="utf-8")
    committed = load_committed(episode, IDS, audio_sha256="d" * 64)
    assert committed.audio_changed
    assert committed.warnings and committed.warnings[0].startswith(
        "episodes/042-ward/transcript.vtt: "
    )
    assert "podcast transcribe 042-ward --force" in committed.warnings[0]
    assert "wonderful" in committed.transcript.text


def test_broken_correction_names_the_file_and_line(episode):
    path = write_for_review(machine(), NAMES, episode, audio_sha256=AUDIO)
    lines = path.read_text().split("\n")
    n = next(i for i, ln in enumerate(lines) if "-->" in ln and i > 20)
    lines[n] = "00:00:20.000 --> 00:00:19.000"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(TranscriptError) as err:
        load_committed(episode, IDS, audio_sha256=AUDIO)
    assert str(err.value).startswith(f"episodes/042-ward/transcript.vtt:{n + 1}: cue timing ")


def test_publish_never_modifies_a_committed_transcript(episode, tmp_path):
    path = write_for_review(machine(), NAMES, episode, audio_sha256=AUDIO, offset=4.0)
    path.write_text(path.read_text().replace("brilliant", "wonderful"), encoding="utf-8")
    before, mtime = sha(path), path.stat().st_mtime_ns
    out = tmp_path / "feed"
    out.mkdir()
    for _ in range(2):  # two publishes
        committed = load_committed(episode, IDS, audio_sha256="e" * 64)
        fixed = retime(committed.transcript, machine())
        for kind, text in formats.render_all(fixed, NAMES, offset=4.0):
            (out / f"transcript.{kind}").write_text(text, encoding="utf-8")
        with pytest.raises(TranscriptError):
            write_for_review(machine(), NAMES, episode, audio_sha256="e" * 64)
    assert sha(path) == before and path.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in episode.iterdir()) == ["transcript.vtt"]
    assert "wonderful" in (out / "transcript.txt").read_text()


def test_offset_in_the_review_copy_is_undone_on_load(episode):
    path = write_for_review(machine(), NAMES, episode, audio_sha256=AUDIO, offset=12.5)
    assert "00:00:12.500 --> " in path.read_text()
    t = load_committed(episode, IDS, audio_sha256=AUDIO).transcript
    assert t.segments[0].start == pytest.approx(0.0)
    assert t.segments[-1].start == pytest.approx(20.0)


def _edited_vtt() -> str:
    """What a person might do: fix words, split and merge cues, fix a speaker, and
    (carelessly) shift all cue times by +3 s."""
    return (
        "WEBVTT\n\n"
        "00:00:03.000 --> 00:00:06.000\n<v Amy Ng>Welcome to the Ward podcast. I'm Amy, and\n\n"
        "00:00:06.000 --> 00:00:09.000\ntoday we meet Jo.\n\n"
        "00:00:10.000 --> 00:00:12.000\n[Music]\n\n"
        "00:00:13.000 --> 00:00:19.000\n<v Patient>Thanks, Amy. I came in with a fractured hip in "
        "January last year.\n\n"
        "00:00:19.000 --> 00:00:22.000\n<v Amy Ng>How was the care on Ward 7?\n\n"
        "00:00:23.000 --> 00:00:27.000\n<v Patient>The nurses were brilliant.\n"
    )


def test_retime_moves_corrected_words_onto_the_machine_timings():
    m = machine()
    corrected = parse_vtt(_edited_vtt(), path="t.vtt", names_to_ids=IDS)
    fixed = retime(corrected, m)
    mwords = {
        (w.text.strip().strip(".,?").lower(), round(w.start, 3)): w
        for s in m.segments
        for w in s.words
    }
    words = [(s, w) for s in fixed.segments for w in s.words]
    # same wording and speakers as the correction
    assert [(s.speaker, w.text) for s, w in words] == [
        (s.speaker, w.text) for s in corrected.segments for w in s.words
    ]
    # unchanged words got the machine's exact times (the +3 s shift is gone)
    welcome = words[0][1]
    assert (welcome.start, welcome.end) == (0.0, 0.4)
    nurses = next(w for _, w in words if w.text == " nurses")
    assert (nurses.start, nurses.end) == (20.5, 20.9)
    # one-for-one replacements take the replaced word's time: "broken" -> "fractured", "Seven?" -> "7?"
    fractured = next(w for _, w in words if w.text == " fractured")
    assert (fractured.start, fractured.end) == (
        mwords[("broken", 13.5)].start,
        mwords[("broken", 13.5)].end,
    )
    seven = next(w for _, w in words if w.text == " 7?")
    assert (seven.start, seven.end) == (19.0, 19.4)
    # inserted words ("last year.") fall between their neighbours, in order, with some length
    january = next(w for _, w in words if w.text == " January")
    last = next(w for _, w in words if w.text == " last")
    how = next(w for _, w in words if w.text == " How")
    assert january.end <= last.start < last.end <= how.start
    # every word: ordered, non-negative length, inside its segment; non-speech untouched
    starts = [w.start for _, w in words]
    assert starts == sorted(starts)
    for s, w in words:
        assert s.start <= w.start <= w.end <= s.end
    # words that took a machine word's times keep its confidence; inserted words were never
    # heard there, so they carry 0 (redaction widens its mute around them)
    assert seven.probability > 0 and welcome.probability > 0
    assert last.probability == 0.0
    music = [s for s in fixed.segments if s.kind == "nonspeech"][0]
    assert (music.start, music.end) == (10.0, 12.0)
    assert fixed.source == "human"


def test_retime_without_machine_words_keeps_the_correction():
    corrected = parse_vtt(_edited_vtt(), path="t.vtt", names_to_ids=IDS)
    assert retime(corrected, Transcript((), "en")) is corrected


def test_retime_scales_to_an_hour_of_speech():
    # an hour at 150 words a minute, words drawn Zipf-like from 3,000 (as in speech,
    # "the" is ~5% of all words), plus a stretch of only common words
    rng = random.Random(7)
    vocab = [f"w{k}" for k in range(3000)]
    weights = [1 / (k + 1) for k in range(3000)]
    drawn = rng.choices(vocab, weights, k=8500) + ["the", "and", "kind"] * 170
    words, t = [], 0.0
    for w in drawn:
        words.append(Word(t, t + 0.3, " " + w))
        t += 0.4
    segs = tuple(
        Segment(ws[0].start, ws[-1].end, "".join(w.text for w in ws), "amy", tuple(ws))
        for ws in (words[i : i + 20] for i in range(0, len(words), 20))
    )
    m = Transcript(segs, "en")
    edited = tuple(
        Segment(s.start + 1, s.end + 1, s.text.replace(" kind", " very kind"), "amy") for s in segs
    )
    t0 = time.perf_counter()
    fixed = retime(Transcript(edited, "en", source="human"), m)
    elapsed = time.perf_counter() - t0
    assert elapsed < 5.0, elapsed
    first = fixed.segments[0].words[0]
    assert (first.start, first.end) == (0.0, 0.3)
    machine_times = {(w.start, w.end, w.text) for s in segs for w in s.words}
    fixed_words = [w for s in fixed.segments for w in s.words]
    exact = sum((w.start, w.end, w.text) in machine_times for w in fixed_words)
    inserted = sum(s.text.count(" very ") for s in edited)
    assert exact == len(fixed_words) - inserted  # every unedited word got its machine time
    assert all(a.end <= b.start for a, b in zip(fixed_words, fixed_words[1:], strict=False))
