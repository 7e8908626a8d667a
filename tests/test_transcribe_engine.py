"""Fast tests of the transcription engine's parts (no Whisper decoding here)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from podcast.errors import ConfigError, ModelError
from podcast.models import Segment, Word
from podcast.transcribe import audio_stream, glossary, guard, vad
from podcast.transcribe.ct2_convert import read_ct2_variables
from podcast.transcribe.models_registry import bundled_model_dir, resolve
from podcast.transcribe.settings import settings_from

RATE = 16000


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    data = np.atleast_2d(samples)
    pcm = (np.clip(data.T, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(data.shape[0])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def words(*items: tuple[str, float, float, float]) -> tuple[Word, ...]:
    return tuple(Word(start=s, end=e, text=t, probability=p) for t, s, e, p in items)


def seg(text_words: tuple[Word, ...], **kw: object) -> Segment:
    return Segment(
        start=text_words[0].start,
        end=text_words[-1].end,
        text="".join(w.text for w in text_words),
        words=text_words,
        **kw,  # type: ignore[arg-type]
    )


# settings ---------------------------------------------------------------------------------


def test_settings_merge_show_and_episode():
    show = {"model": "default", "glossary": ["Ozempic"], "beam_size": 3, "language": None}
    episode = {"glossary": ["Macmillan"], "batch": False, "model": None}
    s = settings_from(show, episode, show_language="en-GB")
    assert s.language == "en"
    assert s.glossary == ("Ozempic", "Macmillan")
    assert (s.beam_size, s.batch, s.model, s.engine) == (3, False, "default", "faster-whisper")


def test_settings_language_pinned_from_episode():
    assert settings_from({}, {"language": "cy-GB"}, show_language="en-GB").language == "cy"


def test_settings_report_every_problem():
    with pytest.raises(ConfigError) as info:
        settings_from({"engine": "whisperx", "beam_size": 0, "compute_type": "int3"}, None)
    text = str(info.value)
    assert "transcription.engine" in text and "whisperx" in text
    assert "transcription.beam_size" in text and "transcription.compute_type" in text
    assert len(info.value.problems) == 3


# models -------------------------------------------------------------------------------------


def test_bundled_model_resolves_offline():
    ref = resolve("faster-whisper", "default")
    assert ref.kind == "bundled" and (Path(ref.ref) / "model.bin").is_file()
    assert "tiny.en" in ref.label


def test_unknown_model_name_lists_choices_and_how_to_get_more():
    with pytest.raises(ModelError) as info:
        resolve("faster-whisper", "huge-v9")
    text = str(info.value)
    assert "huge-v9" in text and "small.en" in text and "local folder" in text


def test_unreadable_model_path(tmp_path):
    (tmp_path / "model").mkdir()
    with pytest.raises(ModelError) as info:
        resolve("faster-whisper", str(tmp_path / "model"))
    assert "model.bin" in str(info.value) and str(tmp_path / "model") in str(info.value)
    with pytest.raises(ModelError, match="not found"):
        resolve("faster-whisper", str(tmp_path / "missing"))


def test_model_by_local_folder(tmp_path):
    folder = tmp_path / "my-model"
    shutil.copytree(bundled_model_dir(), folder)
    ref = resolve("faster-whisper", str(folder))
    assert ref.kind == "path" and Path(ref.ref) == folder.resolve()


def test_openai_whisper_missing_names_the_pip_command():
    code = (
        "import sys; sys.modules['whisper'] = None\n"
        "from podcast.transcribe.models_registry import import_openai_whisper\n"
        "from podcast.errors import ModelError\n"
        "try:\n    import_openai_whisper()\nexcept ModelError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'podcast[openai-whisper]'" in out.stdout


def test_ct2_reader_sees_every_whisper_weight():
    v = read_ct2_variables(bundled_model_dir() / "model.bin")
    assert v["encoder/conv1/weight"].shape == (384, 80, 3)
    assert v["decoder/embeddings/weight"].shape == (51864, 384)  # English-only vocabulary
    assert v["decoder/projection/weight"] is v["decoder/embeddings/weight"]  # alias resolved
    assert len([k for k in v if k.startswith("encoder/layer_") and k[14].isdigit()]) == 4 * 12


# audio streaming ----------------------------------------------------------------------------


def test_windows_offsets_are_exact_and_lossless(tmp_path):
    rng = np.random.default_rng(1)
    samples = rng.uniform(-0.5, 0.5, RATE * 7 + 123).astype(np.float32)
    path = write_wav(tmp_path / "noise.wav", samples)
    expected = audio_stream.blocks(path)
    whole = np.concatenate(list(expected))
    gen = audio_stream.windows(path, 2.0)
    pieces, item, offsets = [], next(gen), []
    while True:
        offset, window = item
        used = len(window) * 2 // 3 if len(window) >= 2 * RATE else len(window)
        offsets.append(offset)
        pieces.append(window[:used])
        assert np.array_equal(window[:used], whole[offset : offset + used])
        try:
            item = gen.send(used)
        except StopIteration:
            break
    assert np.array_equal(np.concatenate(pieces), whole)
    assert len(whole) == len(samples)
    assert offsets == sorted(offsets) and len(offsets) > 3


def test_envelope_per_channel(tmp_path):
    t = np.arange(RATE * 2) / RATE
    left = 0.5 * np.sin(2 * np.pi * 300 * t)
    right = np.where(t > 1.0, 0.5 * np.sin(2 * np.pi * 500 * t), 0.0)
    env = audio_stream.envelope(write_wav(tmp_path / "st.wav", np.stack([left, right])), "stereo")
    assert env.shape[0] == 2 and abs(env.shape[1] - 100) <= 1
    assert env[0, 10] == pytest.approx(0.5 / np.sqrt(2), rel=0.05)
    assert env[1, 20] < 1e-3 and env[1, 80] > 0.3


# VAD and windows ----------------------------------------------------------------------------


def test_vad_hears_nothing_in_silence_or_hum():
    assert vad.speech_regions(np.zeros(RATE * 5, dtype=np.float32)) == ()
    t = np.arange(RATE * 5) / RATE
    hum = (0.3 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)
    assert vad.speech_regions(hum) == ()


def test_cut_lands_in_the_widest_late_silence():
    n = RATE * 100
    regions = ((0, 30 * RATE), (32 * RATE, 65 * RATE), (70 * RATE, 99 * RATE))
    cut = vad.choose_cut(regions, n, np.zeros(n, dtype=np.float32))
    assert 65 * RATE < cut < 70 * RATE


def test_cut_without_silence_uses_the_quietest_point():
    n = RATE * 10
    audio = np.full(n, 0.2, dtype=np.float32)
    audio[int(8.5 * RATE) : int(8.6 * RATE)] = 0.0
    cut = vad.choose_cut(((0, n),), n, audio)
    assert abs(cut - 8.55 * RATE) < 0.06 * RATE


def test_clips_are_at_most_30_seconds():
    regions = tuple((i * 4 * RATE, (i * 4 + 3) * RATE) for i in range(30))
    clips = vad.merge_into_clips(regions)
    assert all(b - a <= 30 * RATE for a, b in clips)
    assert clips[0][0] == 0 and clips[-1][1] == regions[-1][1]
    assert len(clips) < len(regions)


# glossary -----------------------------------------------------------------------------------


def test_glossary_fixes_near_misses_and_keeps_timing():
    s = seg(words((" She", 0.0, 0.3, 0.9), (" takes", 0.3, 0.6, 0.9), (" ozempik,", 0.6, 1.2, 0.4)))
    fixed = glossary.correct([s], ["Ozempic"])[0]
    assert fixed.text == " She takes Ozempic,"
    assert fixed.words[-1] == Word(0.6, 1.2, " Ozempic,", 0.4)
    assert fixed.text == "".join(w.text for w in fixed.words)


def test_glossary_joins_split_words_and_multiword_terms():
    s = seg(
        words(
            (" the", 0.0, 0.2, 0.9),
            (" mac", 0.2, 0.4, 0.9),
            (" millan", 0.4, 0.7, 0.9),
            (" nurse", 0.7, 1.0, 0.9),
            (" and", 1.0, 1.1, 0.9),
            (" oz", 1.1, 1.3, 0.9),
            (" empic.", 1.3, 1.7, 0.8),
        )
    )
    fixed = glossary.correct([s], ["Macmillan nurse", "Ozempic"])[0]
    assert fixed.text == " the Macmillan nurse and Ozempic."
    assert fixed.words[1].start == 0.2 and fixed.words[1].end == 1.0
    assert fixed.words[-1].probability == 0.8


def test_glossary_leaves_ordinary_words_and_possessives_alone():
    s = seg(
        words((" Sheila's", 0.0, 0.5, 0.9), (" shield", 0.5, 1.0, 0.9), (" nhs", 1.0, 1.4, 0.9))
    )
    fixed = glossary.correct([s], ["Sheila", "NHS"])[0]
    assert fixed.text == " Sheila's shield NHS"


# hallucination guard ------------------------------------------------------------------------


def test_guard_drops_repeats_silence_and_no_speech():
    t = np.arange(RATE * 10) / RATE
    audio = np.where(t < 6, 0.2 * np.sin(2 * np.pi * 200 * t), 0.0).astype(np.float32)
    good = seg(
        words((" Hello", 0.0, 0.3, 0.9), (" there", 0.3, 0.6, 0.9), (" all.", 0.6, 1.0, 0.9))
    )
    repeat = seg(
        words((" hello", 1.0, 1.3, 0.9), (" there", 1.3, 1.6, 0.9), (" all", 1.6, 2.0, 0.9))
    )
    unsure = seg(words((" Mm", 2.0, 3.0, 0.9)), no_speech_prob=0.9, avg_logprob=-1.5)
    in_silence = seg(words((" Thank", 7.0, 8.0, 0.9), (" you.", 8.0, 9.0, 0.9)))
    kept = guard.check([good, repeat, unsure, in_silence], audio, 0.0)
    assert [s.text for s in kept] == [" Hello there all."]
    okay = seg(words((" Okay.", 0.0, 0.5, 0.9)))
    again = seg(words((" Okay.", 0.6, 1.0, 0.9)))
    assert len(guard.check([okay, again], audio, 0.0)) == 2  # two people can both say it


def test_guard_drops_loops_flags_stock_phrases_and_low_confidence():
    audio = (0.2 * np.sin(np.arange(RATE * 20) / 5)).astype(np.float32)
    loop = seg(words(*[(" the", i * 0.2, i * 0.2 + 0.2, 0.9) for i in range(40)]))
    stock = seg(
        words((" Thanks", 9.0, 9.5, 0.9), (" for", 9.5, 9.7, 0.9), (" watching!", 9.7, 10.0, 0.9)),
        no_speech_prob=0.5,
    )
    shaky = seg(words((" Metformin", 12.0, 13.0, 0.3)))
    dots = seg(words((" .", 14.0, 15.0, 0.1)))
    kept = guard.check([loop, stock, shaky, dots], audio, 0.0)
    assert len(kept) == 2  # the repetition loop and the punctuation-only segment are dropped
    assert guard.HALLUCINATION in kept[0].flags
    assert kept[1].flags == (guard.LOW_CONFIDENCE,)
    assert kept[1].words[0].probability == 0.3


def test_guard_marks_nonspeech_and_drops_blank_markers():
    audio = np.full(RATE * 4, 0.1, dtype=np.float32)
    music = Segment(0.0, 2.0, " ♪ ♪")
    laugh = Segment(2.0, 3.0, " (laughs)")
    blank = Segment(3.0, 4.0, " [BLANK_AUDIO]")
    kept = guard.check([music, laugh, blank], audio, 0.0)
    assert [(s.text, s.kind) for s in kept] == [("[Music]", "nonspeech"), ("[Laughs]", "nonspeech")]


def test_no_speech_recording_gets_music_marker_or_nothing():
    (only,) = guard.no_speech_transcript_segments(42.0, -20.0)
    assert (only.text, only.kind, only.start, only.end) == ("[Music]", "nonspeech", 0.0, 42.0)
    assert guard.no_speech_transcript_segments(42.0, -90.0) == ()


def test_quiet_cut_finds_the_pause_in_speechlike_sound():
    t = np.arange(RATE * 100) / RATE
    audio = (0.2 * np.sin(2 * np.pi * 150 * t) * (1 + np.sin(2 * np.pi * 3 * t))).astype(np.float32)
    audio[int(80.0 * RATE) : int(80.8 * RATE)] = 0.0  # the only pause in the last 40%
    cut = vad.quiet_cut(audio)
    assert 80.0 * RATE < cut < 80.8 * RATE


def test_window_plan_for_each_engine_kind():
    from podcast.transcribe.run import plan_window

    n = RATE * 100
    audio = np.zeros(n, dtype=np.float32)
    assert plan_window(audio, True, True, True) == (n, None)  # engine finds speech itself
    cut, clips = plan_window(audio, True, True, False)
    assert (cut, clips) == (n, ())  # silence: nothing to decode
    cut, clips = plan_window(audio, False, False, False)  # VAD off: everything, <= 30 s clips
    assert 0.6 * n <= cut < n and clips and clips[-1][1] == cut
    assert all(b - a <= 30 * RATE for a, b in clips)
