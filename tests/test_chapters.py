"""Chapters from hand-built transcripts: questions, explicit times, validation, JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from podcast.chapters import (
    ChapterError,
    ChapterResult,
    chapters_for,
    validate,
    write_chapters_json,
)
from podcast.chapters.questions import place, title_from_question
from podcast.chapters.text import stem, timed_words
from podcast.config import EpisodeConfig
from podcast.models import Chapter, Segment, Timeline, Transcript, Word

EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"
WORD = 0.35  # seconds per word in the hand-built transcripts


def transcript(turns: list[tuple[str, str]], *, gap: float = 1.0,
               words: bool = True) -> tuple[Transcript, list[float]]:
    """(speaker, text) turns -> a Transcript with one segment per turn, each word 0.35 s,
    `gap` seconds between turns; also the start time of every turn."""
    segments, starts, t = [], [], 0.0
    for speaker, text in turns:
        pieces = text.split()
        ws = tuple(Word(t + i * WORD, t + (i + 1) * WORD - 0.05, " " + p)
                   for i, p in enumerate(pieces))
        end = t + len(pieces) * WORD
        segments.append(Segment(t, end, " " + text, speaker=speaker, words=ws if words else ()))
        starts.append(t)
        t = end + gap
    return Transcript(tuple(segments), "en", duration=t), starts


def episode(**fields) -> EpisodeConfig:
    base = {"title": "District nursing", "date": dt.date(2026, 1, 5),
            "description": "An interview.", "audio": "recording.wav",
            "speakers": [{"id": "host", "name": "Ann Host", "role": "Presenter", "host": True},
                         {"id": "guest", "name": "Bea Guest", "role": "District nurse"}]}
    base.update(fields)
    return EpisodeConfig.model_validate(base)


INTERVIEW = [
    ("host", "Welcome to the programme. Today I am talking to a district nurse from Leeds."),
    ("guest", "Thanks for having me, it is lovely to be here."),
    ("host", "So what made you decide to become a district nurse in the first place?"),
    ("guest", "I worked on a hospital ward for six years and I wanted to see patients in their "
              "own homes, where they feel safe. The community team was recruiting so I applied."),
    ("host", "Tell me about a typical day on your rounds."),
    ("guest", "I start at eight with a handover, then I drive to about ten homes, changing "
              "dressings, checking medication and talking to families."),
    ("host", "What is the hardest part of the job?"),
    ("guest", "Honestly the paperwork and the driving. Some visits are an hour apart in winter."),
    ("host", "And finally, what advice would you give to a student nurse thinking about "
             "working in the community?"),
    ("guest", "Ask to shadow a community team. You learn more in a week than in a month of "
              "lectures."),
]
# planned wording, as the producer wrote it before the interview
QUESTIONS = [
    {"text": "What made you want to become a district nurse?"},
    {"text": "Can you describe a typical day on the rounds?", "title": "A typical day"},
    {"text": "What's the hardest part of your job?"},
    {"text": "What advice would you give student nurses considering community work?"},
]


def test_paraphrased_questions_start_where_they_are_asked() -> None:
    tr, starts = transcript(INTERVIEW)
    tl = Timeline(content=tr.duration)
    result = chapters_for(episode(questions=QUESTIONS), tr, duration=tl.total, timeline=tl)
    assert isinstance(result, ChapterResult)
    assert result.warnings == ()
    assert result.method == "questions"
    titles = [c.title for c in result.chapters]
    assert titles == ["Introduction", "What made you want to become a district nurse?",
                      "A typical day", "What's the hardest part of your job?",
                      "What advice would you give student nurses considering\u2026"]
    got = [c.start for c in result.chapters[1:]]
    assert got == pytest.approx([starts[2], starts[4], starts[6], starts[8]], abs=0.01)
    assert result.chapters[0].start == 0.0
    # ends chain to the next start and the last ends at the duration
    for a, b in zip(result.chapters, result.chapters[1:], strict=False):
        assert a.end == pytest.approx(b.start)
    assert result.chapters[-1].end == pytest.approx(tl.total, abs=0.001)


def test_whisper_style_wording_and_no_word_times() -> None:
    # what Whisper made of it: misheard words, numbers as digits, no word timestamps
    turns = [
        ("", "So what made you decide to become a district nurse in the first place?"),
        ("", "I worked on a hospital ward for 6 years and wanted to see patients at home."),
        ("", "Tell me about a typical name on your own."),
        ("", "I started eight with a handover then I drive to ten homes changing dressings."),
        ("", "What's the hardest part of the job?"),
        ("", "The paperwork, and the driving between visits."),
    ]
    tr, starts = transcript(turns, words=False)
    questions = ["Why did you become a district nurse?", "Tell me about a typical day on your rounds.",
                 "What is the hardest part of the job?"]
    got = place(questions, timed_words(tr))
    # "So what made you decide to [become a district nurse]": the chapter starts where the
    # planned words start, 1.6 s in; the others at the first word of the question
    assert [p.start for p in got] == pytest.approx([starts[0], starts[2], starts[4]], abs=2.0)
    assert [p.start for p in got][1:] == pytest.approx([starts[2], starts[4]], abs=0.01)


def test_questions_keep_their_order_when_an_answer_repeats_a_later_question() -> None:
    turns = [
        ("host", "How did the pandemic change your work?"),
        ("guest", "We moved clinics online. Funding for mental health services was already "
                  "tight and it became a real worry for mental health services funding."),
        ("host", "What support do carers get from the council?"),
        ("guest", "Very little, carers mostly rely on charities."),
        ("host", "Is funding for mental health services enough?"),
        ("guest", "No, it is not."),
    ]
    tr, starts = transcript(turns)
    qs = ["How has the pandemic changed your work?", "What support do carers get?",
          "Is there enough funding for mental health services?"]
    # without speaker ids the order alone has to push question 3 past question 2
    unknown = Transcript(tuple(Segment(s.start, s.end, s.text, words=s.words)
                               for s in tr.segments), "en")
    for tr_, hosts in ((unknown, ()), (tr, ("host",))):
        got = place(qs, timed_words(tr_), hosts)
        assert [p.start for p in got] == pytest.approx([starts[0], starts[2], starts[4]], abs=0.01)


def test_host_is_preferred_over_the_guest_repeating_the_question() -> None:
    turns = [
        ("host", "Thanks for coming in."),
        ("guest", "People always ask me what the hardest part of being a paramedic is."),
        ("host", "So what is the hardest part of being a paramedic?"),
        ("guest", "The night shifts."),
    ]
    tr, starts = transcript(turns)
    got = place(["What's the hardest part of being a paramedic?"], timed_words(tr), ("host",))
    assert got[0].start == pytest.approx(starts[2])


def test_a_question_that_was_not_asked_is_a_warning_not_a_guess() -> None:
    tr, starts = transcript(INTERVIEW)
    tl = Timeline(content=tr.duration)
    qs = QUESTIONS[:2] + [{"text": "How do you feel about the new electronic rota software?"}]
    result = chapters_for(episode(questions=qs), tr, duration=tl.total, timeline=tl)
    assert len(result.warnings) == 1
    warning = result.warnings[0]
    assert "questions[2]" in warning and "electronic rota software" in warning
    assert "not found" in warning
    assert [c.title for c in result.chapters] == [
        "Introduction", "What made you want to become a district nurse?", "A typical day"]


def test_question_chapters_move_to_the_published_timeline() -> None:
    tr, starts = transcript(INTERVIEW)
    tl = Timeline(lead_trim=1.5, intro=12.0, content=tr.duration, outro=20.0)
    result = chapters_for(episode(questions=QUESTIONS), tr, duration=0, timeline=tl)
    assert result.chapters[0] == Chapter(0.0, "Intro music", end=12.0)
    assert result.chapters[1].title == "Introduction" and result.chapters[1].start == 12.0
    assert result.chapters[2].start == pytest.approx(12.0 + starts[2], abs=0.01)
    outro = result.chapters[-1]
    assert outro.title == "Outro music"
    assert outro.start == pytest.approx(12.0 + tr.duration, abs=0.001)
    assert outro.end == pytest.approx(tl.total, abs=0.001)


def test_first_question_at_the_start_makes_the_first_chapter_at_zero() -> None:
    tr, starts = transcript(INTERVIEW[2:])
    tl = Timeline(content=tr.duration)
    result = chapters_for(episode(questions=QUESTIONS), tr, duration=tl.total, timeline=tl)
    assert result.chapters[0].start == 0.0
    assert result.chapters[0].title == "What made you want to become a district nurse?"


def test_explicit_times_are_shifted_from_the_raw_recording() -> None:
    tl = Timeline(lead_trim=2.0, intro=10.0, content=300.0, outro=15.0)
    cfg = episode(chapters=[{"start": 0, "title": "Hello"},
                            {"start": "1:02", "title": "Rounds", "url": "https://example.org/r"},
                            {"start": 200.5, "title": "Advice", "toc": False}])
    result = chapters_for(cfg, None, duration=tl.total, timeline=tl)
    assert result.method == "explicit"
    assert [(c.start, c.title) for c in result.chapters] == [
        (0.0, "Intro music"), (10.0, "Hello"), (70.0, "Rounds"), (208.5, "Advice"),
        (310.0, "Outro music")]
    assert [c.end for c in result.chapters] == [10.0, 70.0, 208.5, 310.0, 325.0]
    assert result.chapters[2].url == "https://example.org/r"
    assert result.chapters[3].toc is False


def test_explicit_time_past_the_end_names_the_episode_and_chapter() -> None:
    tl = Timeline(lead_trim=2.0, content=100.0)
    cfg = episode(chapters=[{"start": 0, "title": "Hello"}, {"start": "1:50", "title": "Late"}])
    with pytest.raises(ChapterError) as err:
        chapters_for(cfg, None, duration=tl.total, timeline=tl, slug="07-nurses")
    text = str(err.value)
    assert text.startswith("episodes/07-nurses/episode.yaml: chapters[1] 'Late':")
    assert "past the end" in text and "1:50" in text
    assert err.value.index == 1 and err.value.title == "Late"


def test_explicit_times_out_of_order_or_at_the_same_time_are_errors() -> None:
    tl = Timeline(lead_trim=3.0, content=600.0)
    cfg = episode(chapters=[{"start": 0, "title": "A"}, {"start": 90, "title": "B"},
                            {"start": 60, "title": "C"}])
    with pytest.raises(ChapterError, match=r"chapters\[2\] 'C': starts at 1:00, before"):
        chapters_for(cfg, None, duration=0, timeline=tl, slug="x")
    same = episode(chapters=[{"start": 1, "title": "A"}, {"start": 2.5, "title": "B"}])
    with pytest.raises(ChapterError, match=r"chapters\[1\] 'B': starts at the same time as 'A' "
                                           r"\(both fall in the silence trimmed"):
        chapters_for(same, None, duration=0, timeline=tl)


def test_validate_rules() -> None:
    good = [Chapter(0, "A"), Chapter(10, "B")]
    validate(good, 20)
    cases = [
        ([Chapter(0, "A"), Chapter(20, "B")], "at or past the end"),
        ([Chapter(5, "A"), Chapter(2, "B")], "before the chapter above"),
        ([Chapter(0, "A"), Chapter(0.4, "B")], "same time"),
        ([Chapter(0, "  ")], "title is empty"),
        ([Chapter(0, "x" * 129)], "129 characters"),
        ([Chapter(-1, "A")], "negative"),
    ]
    for chapters, message in cases:
        with pytest.raises(ChapterError, match=message):
            validate(chapters, 20, where="episodes/a/episode.yaml")
    validate([Chapter(0, "x" * 128)], 20)


def test_chapters_none_gives_no_chapters_at_all() -> None:
    tr, _ = transcript(INTERVIEW)
    tl = Timeline(intro=8.0, content=tr.duration, outro=8.0)
    result = chapters_for(episode(chapters=None), tr, duration=0, timeline=tl)
    assert result.chapters == () and result.method == "none" and result.warnings == ()
    result = chapters_for(episode(chapters="none", questions=QUESTIONS), tr, duration=0, timeline=tl)
    assert result.chapters == () and "questions: ignored" in result.warnings[0]


def test_titles_from_questions() -> None:
    assert title_from_question("Can you tell us about your first week on the ward?") == \
        "Your first week on the ward"
    assert title_from_question("So, what does a district nurse do?") == \
        "What does a district nurse do"
    assert title_from_question("What does a district nurse do?") == "What does a district nurse do?"
    long = title_from_question("And could you walk us through " + "the very long answer " * 10)
    assert len(long) <= 60 and long.endswith("\u2026") and long.startswith("The very long")


def test_stemmer_meets_word_forms() -> None:
    assert stem("nursing") == stem("nurses") == stem("nurse")
    assert stem("organisation") == stem("organize") == stem("organised")
    assert stem("running") == stem("run")


def test_json_chapters_file_has_the_spec_fields(tmp_path: Path) -> None:
    chapters = (Chapter(0.0, "Intro music", end=12.0),
                Chapter(12.0, "Rounds", url="https://example.org/r", image="rounds.jpg",
                        end=70.25),
                Chapter(70.25, "Silent", toc=False, end=90.0))
    path = write_chapters_json(chapters, tmp_path / "chapters.json", title="Ep 1",
                               podcast_name="Nursing Voices",
                               base_url="https://example.org/podcast/ep1/")
    data = json.loads(path.read_text("utf-8"))
    assert data["version"] == "1.2.0"
    assert data["title"] == "Ep 1" and data["podcastName"] == "Nursing Voices"
    assert [c["startTime"] for c in data["chapters"]] == [0, 12, 70.25]
    assert data["chapters"][1] == {"startTime": 12, "endTime": 70.25, "title": "Rounds",
                                   "img": "https://example.org/podcast/ep1/rounds.jpg",
                                   "url": "https://example.org/r"}
    assert data["chapters"][2]["toc"] is False and "toc" not in data["chapters"][0]
    # same keys and types as the spec's own examples
    example = json.loads((EVAL / "podcast-namespace/chapters/exampleComplex.json").read_text())
    spec_keys = {k for c in example["chapters"] for k in c} | {"endTime"}
    assert {k for c in data["chapters"] for k in c} <= spec_keys
    assert set(data) <= set(example) | {"fileName", "description"}
    for ours in data["chapters"]:
        assert isinstance(ours["startTime"], int | float) and isinstance(ours["title"], str)
    # deterministic bytes
    again = write_chapters_json(chapters, tmp_path / "again.json", title="Ep 1",
                                podcast_name="Nursing Voices",
                                base_url="https://example.org/podcast/ep1/")
    assert again.read_bytes() == path.read_bytes()
    # without a base URL a relative image cannot be linked, so it is left out
    bare = json.loads(write_chapters_json(chapters, tmp_path / "bare.json").read_text())
    assert "img" not in bare["chapters"][1] and list(bare) == ["version", "chapters"]


# ------------------------------------------------------------------ automatic chapters

TOPICS = {
    "night": ("What are night shifts like on the ward?",
              ["night", "shifts", "sleep", "rota", "tired", "coffee", "handover", "darkness",
               "alarm", "breaks"]),
    "diabetes": ("How do you help patients with diabetes?",
                 ["diabetes", "insulin", "sugar", "diet", "glucose", "injections", "blood",
                  "feet", "meals", "Siobhan"]),
    "training": ("How did your training prepare you?",
                 ["students", "mentor", "university", "placement", "exams", "course",
                  "lectures", "skills", "assessment", "degree"]),
    "volunteers": ("Tell me about the volunteers who help you.",
                   ["volunteers", "charity", "befriending", "lunch", "club", "community",
                    "donations", "garden", "drivers", "church"]),
}
FRAMES = [
    "I think the {a} is really important for the {b}.",
    "We talk about {a} and {b} every single day.",
    "You would be surprised how much the {a} matters.",
    "Sometimes the {a} and the {b} are the hardest part.",
    "When I started, nobody told me about the {a}.",
    "The {a} changes everything about the {b}, honestly.",
    "People ask me about {a} all the time.",
    "It is the {a} that keeps me going, and the {b} too.",
]


def topical_interview(per_topic: int = 44, seed: int = 1,
                      host: str = "host", guest: str = "guest") -> list[tuple[str, str]]:
    """A host question per topic, then the guest's answer in turns of four sentences, each
    sentence naming two of the topic's words in a generic frame."""
    import random

    rnd = random.Random(seed)
    turns = [(host, "Welcome to the programme, today I am joined by a nurse.")]
    for question, vocab in TOPICS.values():
        turns.append((host, question))
        sentences = [rnd.choice(FRAMES).format(a=a, b=b)
                     for a, b in (rnd.sample(vocab, 2) for _ in range(per_topic))]
        turns += [(guest, " ".join(sentences[k:k + 4])) for k in range(0, per_topic, 4)]
    return turns


def _question_starts(turns: list[tuple[str, str]], starts: list[float]) -> list[float]:
    questions = {q for q, _ in TOPICS.values()}
    return [t for (_, text), t in zip(turns, starts, strict=True) if text in questions]


@pytest.mark.parametrize("speakers", [True, False])
def test_automatic_chapters_find_the_topics(speakers: bool) -> None:
    turns = topical_interview(host="host" if speakers else "", guest="guest" if speakers else "")
    tr, starts = transcript(turns, gap=0.6)
    truth = _question_starts(turns, starts)
    tl = Timeline(intro=5.0, content=tr.duration)
    cfg = episode(redact=["Siobhan"])
    result = chapters_for(cfg, tr, duration=0, timeline=tl)
    assert result.method == "auto" and result.warnings == ()
    body = result.chapters[1:]
    assert result.chapters[0].title == "Intro music"
    assert body[0].start == 5.0  # the content's first chapter starts when the music ends
    # speakers known: chapters start at the host's question; unknown: near it
    tolerance = 0.01 if speakers else 5.0
    assert [c.start - 5.0 for c in body[1:]] == pytest.approx(truth[1:], abs=tolerance)
    vocab = [{w.lower() for w in words} for _, words in TOPICS.values()]
    for chapter, words in zip(body, vocab, strict=True):
        title_words = set(chapter.title.lower().replace(" and ", " ").split())
        assert title_words and title_words <= words, chapter.title
        assert title_case(chapter.title) and len(chapter.title) <= 48
        assert "siobhan" not in chapter.title.lower()
    assert len({c.title for c in body}) == len(body)


def test_automatic_chapters_respect_the_minimum_length_and_count() -> None:
    turns = topical_interview(per_topic=44)
    tr, starts = transcript(turns, gap=0.6)
    tl = Timeline(content=tr.duration)
    from podcast.chapters import AutoOptions

    # one chapter per 5 minutes at most: two chapters in a 10-minute episode
    few = chapters_for(episode(), tr, duration=0, timeline=tl,
                       options=AutoOptions(seconds_per_chapter=300))
    assert len(few.chapters) == 2
    # a minimum length longer than any topic leaves fewer, longer chapters
    long = chapters_for(episode(), tr, duration=0, timeline=tl,
                        options=AutoOptions(min_length=200))
    gaps = [b.start - a.start for a, b in zip(long.chapters, long.chapters[1:], strict=False)]
    assert all(g >= 200 for g in gaps) and long.chapters[-1].end - long.chapters[-1].start >= 200
    # a short episode gets a single chapter at 0
    short, _ = transcript(turns[:8], gap=0.6)
    one = chapters_for(episode(), short, duration=0, timeline=Timeline(content=short.duration))
    assert len(one.chapters) == 1 and one.chapters[0].start == 0.0
    assert one.chapters[0].title == "District nursing"  # the whole episode: its own title


def test_automatic_chapters_without_a_transcript_warn_and_make_one_chapter() -> None:
    result = chapters_for(episode(), None, duration=0, timeline=Timeline(content=300.0))
    assert [c.title for c in result.chapters] == ["District nursing"]
    assert "need a transcript" in result.warnings[0]


def test_a_question_asked_out_of_the_planned_order_is_reported() -> None:
    tr, starts = transcript(INTERVIEW)
    tl = Timeline(content=tr.duration)
    swapped = [QUESTIONS[0], QUESTIONS[3], QUESTIONS[1], QUESTIONS[2]]
    result = chapters_for(episode(questions=swapped), tr, duration=0, timeline=tl)
    assert len(result.warnings) == 1
    assert "questions[1] 'What advice would you give" in result.warnings[0]
    assert "out of the planned order" in result.warnings[0]
    assert [c.title for c in result.chapters][1:] == [
        "What made you want to become a district nurse?", "A typical day",
        "What's the hardest part of your job?"]


def test_explicit_chapters_win_over_questions_with_a_warning() -> None:
    cfg = episode(chapters=[{"start": 0, "title": "All of it"}], questions=QUESTIONS)
    result = chapters_for(cfg, None, duration=0, timeline=Timeline(content=60.0))
    assert [c.title for c in result.chapters] == ["All of it"]
    assert result.warnings == ("episode.yaml: questions: ignored because chapters are listed",)


def test_question_title_too_long_is_an_error_naming_the_question() -> None:
    tr, _ = transcript(INTERVIEW)
    qs = [{"text": "What made you want to become a district nurse?", "title": "t" * 130}]
    with pytest.raises(ChapterError, match=r"episode.yaml: questions\[0\] .*130 characters"):
        chapters_for(episode(questions=qs), tr, duration=0, timeline=Timeline(content=60.0))


def test_a_title_naming_a_redacted_term_is_a_warning() -> None:
    cfg = episode(chapters=[{"start": 0, "title": "Life on Willow Ward"}], redact=["Willow Ward"])
    result = chapters_for(cfg, None, duration=0, timeline=Timeline(content=60.0))
    assert "names 'Willow Ward', which is listed under redact" in result.warnings[0]


def title_case(title: str) -> bool:
    """'Night Shift and Sleep': every word capitalised but 'and'."""
    return all(w == "and" or w[:1].isupper() for w in title.split())


def test_redaction_markers_are_not_words() -> None:
    tr, _ = transcript([("host", "So [redacted], tell me about [redacted] and the [Music] ward.")])
    words = [w.norm for w in timed_words(tr)]
    assert words == ["so", "tell", "me", "about", "and", "the", "ward"]
    assert timed_words(tr)[0].sentence_start


def test_short_questions_are_found_by_their_words_in_order() -> None:
    filler = [("guest", "You know how it is, you just get on with it and you see how you feel.")]
    turns = filler * 120 + [("host", "And how are you now?"), ("guest", "Much better, thanks."),
                            ("host", "What helped most?"), ("guest", "My family, every day.")]
    tr, starts = transcript(turns)
    got = place(["How are you now?", "What helped most?", "Why?"], timed_words(tr), ("host",))
    assert [p.start for p in got[:2]] == pytest.approx([starts[-4], starts[-2]], abs=0.01)
    assert got[2].start is None  # one word cannot be placed


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

VOCAB = ["ward", "night", "insulin", "mentor", "garden", "charity", "rota", "diet", "so",
         "the", "and", "you", "what", "how", "is", "[redacted]", "twenty", "Maria"]


@settings(max_examples=25, deadline=None)
@given(turns=st.lists(st.tuples(st.sampled_from(["host", "guest", ""]),
                                st.lists(st.sampled_from(VOCAB), min_size=1, max_size=25),
                                st.sampled_from([".", "?", ""])), min_size=1, max_size=30),
       gap=st.floats(0, 4), intro=st.sampled_from([0.0, 0.4, 7.5]),
       outro=st.sampled_from([0.0, 5.0]),
       questions=st.lists(st.lists(st.sampled_from(VOCAB), min_size=1, max_size=8),
                          max_size=5))
def test_any_transcript_gives_publishable_chapters(turns, gap, intro, outro, questions) -> None:
    tr, _ = transcript([(s, " ".join(ws) + end) for s, ws, end in turns], gap=gap)
    tl = Timeline(lead_trim=1.0, intro=intro, content=tr.duration, outro=outro)
    qs = [{"text": " ".join(q)} for q in questions]
    from podcast.chapters import AutoOptions

    for cfg, asked in ((episode(questions=qs), qs), (episode(), [])):
        result = chapters_for(cfg, tr, duration=0, timeline=tl,
                              options=AutoOptions(min_length=5, seconds_per_chapter=10))
        chapters = result.chapters
        validate(chapters, tl.total)  # sorted, >= 1 s apart, inside, titles 1..128 chars
        assert chapters and chapters[0].start == 0.0
        assert all(c.end is not None and c.end > c.start for c in chapters)
        assert all(a.end == b.start for a, b in zip(chapters, chapters[1:], strict=False))
        assert chapters[-1].end == pytest.approx(tl.total, abs=0.001)
        if not asked:  # automatic titles never show a redaction marker
            assert all("redacted" not in c.title.lower() for c in chapters)
        assert len(result.warnings) <= len(asked) + 1


@settings(max_examples=60, deadline=None)
@given(times=st.lists(st.floats(0, 200, allow_nan=False), min_size=1, max_size=8),
       lead=st.floats(0, 5), intro=st.sampled_from([0.0, 6.0]))
def test_explicit_chapters_are_shifted_or_refused(times, lead, intro) -> None:
    tl = Timeline(lead_trim=lead, intro=intro, content=150.0, outro=4.0)
    cfg = episode(chapters=[{"start": t, "title": f"C{i}"} for i, t in enumerate(times)])
    try:
        result = chapters_for(cfg, None, duration=0, timeline=tl)
    except ChapterError as e:
        assert str(e).startswith("episode.yaml: chapters[") and e.title == f"C{e.index}"
        return
    validate(result.chapters, tl.total)
    mine = [c for c in result.chapters if c.title.startswith("C")]
    assert [c.title for c in mine] == [f"C{i}" for i in range(len(times))]
    expected = [tl.raw_to_published(t) for t in times]
    if intro == 0.0 and expected[0] < 1.0:
        expected[0] = 0.0  # no intro chapter: the first chapter starts the file
    assert [c.start for c in mine] == pytest.approx(expected, abs=0.001)
