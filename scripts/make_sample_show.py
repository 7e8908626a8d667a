#!/usr/bin/env python3
"""Regenerate the sample show's recordings and artwork from the scripts written below.

    .venv/bin/python scripts/make_sample_show.py [--root DIR] [--only NAME ...] [--timings FILE]

NAME is `artwork` or an episode slug. Writes, under ROOT (default: the repository):
  artwork.jpg                                       show artwork, 1400x1400 RGB JPEG
  episodes/01-back-on-my-feet/interviewer.opus      one file per speaker (separate microphones),
  episodes/01-back-on-my-feet/guest.opus            each with the other voice's bleed and room noise
  episodes/02-a-day-with-the-district-nurses/recording.mp3   stereo, 32 kHz: one clinician
  episodes/03-finding-my-words/recording.ogg        host and a patient who is not named
  episodes/04-living-with-type-2-diabetes/recording.ogg   7.9 minutes, three topics, for
                                                    automatic chapters (Opus 16 kbps)
and prints (or writes as JSON) the start and end of every spoken line, which is where the
times quoted in each episode.yaml (chapters, turns, questions) come from.

It never writes episode.yaml: those are edited by hand (and by `podcast approve`).

Speech comes from Debian's espeak-ng (apt-get install espeak-ng); encoding uses the ffmpeg
binary bundled by imageio-ffmpeg. Same tool versions give the same bytes: espeak-ng, LAME and
libopus are deterministic, noise comes from seeded generators, and ffmpeg runs with bitexact
flags (no random Ogg serial numbers, no encoder tags). Every person is fictional.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger("make_sample_show")

ROOT = Path(__file__).resolve().parent.parent
SPEECH_RATE = 22050  # what espeak-ng produces
LEAD_S = 1.2  # deliberate silence (room tone) before the first word
TAIL_S = 1.5  # and after the last
ESPEAK = "espeak-ng"


# ------------------------------------------------------------------ the people and their lines


@dataclass(frozen=True)
class Voice:
    espeak: str  # espeak-ng voice[+variant]
    pitch: int  # espeak-ng -p, 0-99
    rms_dbfs: float  # speech level on its own microphone (deliberately uneven)
    rate: int = 140  # words per minute: slow enough for Whisper tiny.en


@dataclass(frozen=True)
class Line:
    speaker: str
    text: str
    pause: float = 1.1  # seconds of silence after the line
    topic: str = ""  # set on the line that opens a new topic: what the topic is (episode 4)


@dataclass(frozen=True)
class Episode:
    slug: str
    lines: tuple[Line, ...]
    kind: str  # "tracks": one file per speaker; "mono" or "stereo": one mixed file
    files: tuple[tuple[str, str], ...]  # (speaker id or "", file name)
    seed: int
    bitrate: str = "24k"  # Opus bit rate (MP3 is always 64k)


VOICES = {
    "helen": Voice("en-gb+f3", 62, -20.0),
    "tom": Voice("en-gb+m3", 32, -29.0),  # a quiet guest microphone
    "grace": Voice("en-gb+f4", 48, -23.0),
    "patient": Voice("en-gb+f2", 40, -26.0),
    "nadia": Voice("en-gb+f5", 56, -22.0, rate=145),
    "alan": Voice("en-gb+m1", 28, -24.0, rate=145),
}
SPEAKER_OF = {  # voice -> speaker id used in episode.yaml
    "helen": "interviewer",
    "tom": "guest",
    "grace": "grace",
    "patient": "patient",
    "nadia": "interviewer",
    "alan": "guest",
}

TURN = 1.6  # episode 3: gaps long enough that speaker turns can be set inside them

EPISODES = (
    Episode(
        slug="01-back-on-my-feet",
        kind="tracks",
        files=(("interviewer", "interviewer.opus"), ("guest", "guest.opus")),
        seed=101,
        lines=(
            Line(
                "helen",
                "Hello, and welcome to Stories in their own words, from Northfield "
                "Community NHS Trust. I'm Helen Marsh. Today I'm talking to Tom Barker, who "
                "had a hip replacement in April.",
                1.0,
            ),
            Line("helen", "Tom, what made you decide to have the operation?"),
            Line(
                "tom",
                "It was the pain, really. I drove buses for thirty years, and in the end I "
                "couldn't walk to the bottom of the garden. The surgeon explained everything "
                "clearly.",
                1.0,
            ),
            Line("helen", "What was the first day after surgery like?"),
            Line(
                "tom",
                "Better than I expected. The nurses had me sitting up by the afternoon, "
                "and a physiotherapist helped me stand beside the bed. They never rushed me.",
                1.0,
            ),
            Line("helen", "How did the physiotherapy team help you get home?"),
            Line(
                "tom",
                "They taught me the exercises, and how to manage the stairs with a "
                "walking stick. An occupational therapist fitted a rail by the back door.",
                1.0,
            ),
            Line("helen", "What would you say to someone waiting for the same operation?"),
            Line(
                "tom",
                "Ask every question you have, and do the exercises, even on the bad "
                "days. Six months on, I'm walking the dog again.",
                1.0,
            ),
            Line("helen", "Tom Barker, thank you for sharing your story.", 0.0),
        ),
    ),
    Episode(
        slug="02-a-day-with-the-district-nurses",
        kind="stereo",
        files=(("", "recording.mp3"),),
        seed=202,
        lines=(
            Line(
                "grace",
                "Hello, I'm Grace Adeyemi. I have been a district nurse with "
                "Northfield Community NHS Trust for twelve years.",
                2.2,
            ),
            Line(
                "grace",
                "A typical morning starts at eight, with a handover at the clinic. "
                "Then I drive out to see six or seven patients at home. I might dress a wound, "
                "check a syringe driver, or help someone manage their diabetes. Most visits "
                "take about half an hour, and some people we see every day.",
                2.2,
            ),
            Line(
                "grace",
                "Families are a big part of the work. Often a daughter or a neighbour "
                "is the first to notice that something has changed, so we listen carefully, "
                "and we always leave our phone number with them.",
                2.2,
            ),
            Line(
                "grace",
                "If you care for someone at home, look after yourself too. Ask for "
                "help early, keep a list of medicines handy, and remember that you can call "
                "us, day or night.",
                0.0,
            ),
        ),
    ),
    Episode(
        slug="03-finding-my-words",
        kind="mono",
        files=(("", "recording.ogg"),),
        seed=303,
        lines=(
            Line(
                "helen",
                "Welcome to Stories in their own words. In this short episode, a patient "
                "tells us about her recovery from a stroke. She asked us not to use her name.",
                TURN,
            ),
            Line(
                "patient",
                "I was on Willow Ward for three weeks after my stroke. At first I "
                "could not hold a cup, and I felt frightened all the time.",
                TURN,
            ),
            Line("helen", "What helped most?", TURN),
            Line(
                "patient",
                "The speech and language therapist came every morning. She was "
                "patient with me, and she made me laugh. Little by little, my words came back.",
                TURN,
            ),
            Line("helen", "How are you now?", TURN),
            Line(
                "patient",
                "I'm back home with my husband, and I can walk to the shops on my own again.",
                TURN,
            ),
            Line("helen", "And what would you tell other patients?", TURN),
            Line("patient", "Don't give up. Recovery is slow, but it does come.", TURN),
            Line("helen", "Thank you, Margaret, for telling us your story.", 0.0),
        ),
    ),
    Episode(
        slug="04-living-with-type-2-diabetes",
        kind="mono",
        files=(("", "recording.ogg"),),
        seed=404,
        bitrate="16k",
        lines=(
            # topic 1 (from 0:00): the diagnosis
            Line(
                "nadia",
                "Hello, and welcome to Stories in their own words, from Northfield Community "
                "NHS Trust. I'm Nadia Kaur, and I'm a diabetes specialist nurse. Today I'm "
                "talking to Alan Pritchard, a retired postman who was told last year that he "
                "has type two diabetes.",
                TURN,
                topic="Getting the diagnosis",
            ),
            Line("nadia", "Alan, how did you find out that you had diabetes?", TURN),
            Line(
                "alan",
                "It was almost by accident. I had been feeling tired for months, and I was "
                "thirsty all the time. I put it down to getting older. Then my wife noticed "
                "that I was getting up three or four times every night, and she booked me an "
                "appointment with the doctor.",
                0.7,
            ),
            Line(
                "alan",
                "The doctor sent me for a blood test, my first blood test in twenty years. "
                "A week later the practice nurse rang and asked me to come back in. She told "
                "me that my sugar level was far too high, and that the blood test showed type two diabetes.",
                TURN,
            ),
            Line("nadia", "How did you feel when you heard the diagnosis?", TURN),
            Line(
                "alan",
                "Honestly, I was frightened. My father had diabetes, and he was very ill "
                "with it at the end of his life. So when I heard the diagnosis, I thought of "
                "him straight away, and I didn't sleep that night.",
                0.7,
            ),
            Line(
                "alan",
                "But the practice nurse was very calm. She explained that the diagnosis was "
                "the start of something, not the end. She said that a blood test every few "
                "months would show whether my sugar level was coming down, and that a lot of "
                "it was in my own hands. She gave me tablets to take with my meals, and she "
                "booked me onto a course for people with a new diagnosis of diabetes.",
                TURN,
            ),
            Line("nadia", "Were there any other checks after the diagnosis?", TURN),
            Line(
                "alan",
                "Yes, quite a few. The practice nurse checked my weight and listened to my "
                "heart, and she sent me for another blood test to check my kidneys and my "
                "cholesterol. I had my eyes photographed at the eye screening clinic, and a "
                "nurse checked the feeling in my feet. It was a lot to take in during the "
                "first month after the diagnosis.",
                TURN,
            ),
            Line("nadia", "What did you learn on the course?", TURN),
            Line(
                "alan",
                "I learned what diabetes actually is. I hadn't understood that my body "
                "still makes insulin, but it doesn't use it properly, so the sugar stays in "
                "my bloodstream. Once somebody drew it on a whiteboard, the diagnosis made "
                "sense. There were eight of us on the course, all with the same diagnosis, and "
                "hearing the others made me feel a lot less alone.",
                0.7,
            ),
            Line(
                "alan",
                "The nurse on the course went through our blood test results with each of "
                "us. She showed us what the numbers mean, and why the sugar level should come "
                "down slowly rather than all at once. By the end of the course, the diagnosis "
                "didn't frighten me any more, and I stopped dreading the next blood test.",
                2.4,
            ),
            # topic 2: changing diet
            Line(
                "nadia",
                "Let's talk about food. What did you change in your diet?",
                TURN,
                topic="Changing his diet",
            ),
            Line(
                "alan",
                "Almost everything, at first. I used to have white toast and jam for "
                "breakfast, a pie from the bakery at lunchtime, and two or three fizzy "
                "drinks a day. I never thought about how much sugar was in those fizzy "
                "drinks. And late at night, in front of the television, I ate crisps or a "
                "bar of chocolate.",
                0.7,
            ),
            Line(
                "alan",
                "The dietitian asked me to keep a food diary for two weeks. I wrote down "
                "every meal and every snack. Reading the food diary back was a shock. Now I "
                "have porridge for breakfast, I drink water or tea without sugar, and half "
                "of my plate at dinner is vegetables.",
                TURN,
            ),
            Line("nadia", "Was it hard to stick to the new diet?", TURN),
            Line(
                "alan",
                "The first month was hard. I missed the bread and the biscuits, and I was "
                "hungry in the evenings. The dietitian helped me with portion sizes, and she "
                "showed me that I did not have to give up the food I love. I can still have "
                "a curry on a Friday night, with a smaller portion of rice and more "
                "vegetables.",
                0.7,
            ),
            Line(
                "alan",
                "My wife changed her diet with me, which made a big difference. We cook "
                "together now, we read the labels in the supermarket, and we still keep a "
                "food diary on the kitchen wall. If the biscuits aren't in the cupboard, I "
                "can't have them.",
                TURN,
            ),
            Line("nadia", "What about eating out, or at family parties?", TURN),
            Line(
                "alan",
                "That was the hardest part of the new diet. At my granddaughter's birthday "
                "party there was cake, sandwiches and crisps everywhere. The dietitian's "
                "advice was to plan ahead: have a proper meal before you go, fill half the "
                "plate with salad, and have one small slice of cake instead of three. When we "
                "go to a restaurant now, I look at the menu first and choose the grilled fish "
                "or the chicken, with vegetables instead of chips, and it all goes in the "
                "food diary.",
                TURN,
            ),
            Line("nadia", "Do you still count every portion?", TURN),
            Line(
                "alan",
                "Not every portion. After a few months it becomes a habit, and I only fill "
                "in the food diary at weekends now. I still weigh the rice and the pasta, because portion sizes creep up if I don't, and I "
                "still choose brown bread over white bread. But I don't feel that I'm on a "
                "diet any more. It's just the way we cook now. Even my grandson asks for "
                "porridge when he stays with us.",
                2.4,
            ),
            # topic 3: the walking group
            Line(
                "nadia",
                "You also joined a walking group. How did that come about?",
                TURN,
                topic="The walking group",
            ),
            Line(
                "alan",
                "The practice nurse gave me a leaflet about a walking group that meets in "
                "Northfield Park every Tuesday and Thursday morning. I nearly didn't go. I "
                "hadn't done any exercise since I retired, and I was worried that I would "
                "hold everyone up.",
                0.7,
            ),
            Line(
                "alan",
                "But the leader put me at ease straight away. The first outing was only "
                "twenty minutes around the lake, and we stopped halfway for a chat on a "
                "bench. Now we go for an hour, whatever the weather, and we finish with a "
                "cup of tea at the cafe by the park gates.",
                TURN,
            ),
            Line("nadia", "What is a typical morning with the walking group like?", TURN),
            Line(
                "alan",
                "We meet at the bandstand at ten o'clock. The leader counts us, and we "
                "set off together along the river path. Some weeks we go through the woods "
                "to the old mill, and in the spring we stop to look at the bluebells. "
                "Everybody goes at their own speed, and there is always a leader at "
                "the back with the slowest walkers, so nobody is left behind.",
                TURN,
            ),
            Line("nadia", "What difference has the walking group made?", TURN),
            Line(
                "alan",
                "A huge difference. I have lost nearly two stone, my knees don't ache like "
                "they used to, and I sleep much better. I go to the shops on foot instead of "
                "taking the car, and on a Sunday I climb the hill behind the park with my "
                "grandson.",
                0.7,
            ),
            Line(
                "alan",
                "But the best part is the people. Most of us in the walking group have a "
                "health problem of some kind, and we look out for each other. If somebody "
                "misses a morning, one of us rings them to check they are all right. At "
                "Christmas we have an outing with mince pies, and last summer the whole "
                "walking group did ten miles for charity.",
                TURN,
            ),
            Line("nadia", "Would you recommend the walking group to others?", TURN),
            Line(
                "alan",
                "Every time. Just turn up in comfortable shoes. Nobody minds how fast you "
                "go, and the park is lovely in every season. The leaders will always wait "
                "for the slowest walker. And if you can't manage the whole route, do half, "
                "and go a little further next week.",
                TURN,
            ),
            Line("nadia", "Alan Pritchard, thank you for sharing your story.", 0.0),
        ),
    ),
)


# ------------------------------------------------------------------ speech and mixing


def speak(text: str, voice: Voice) -> np.ndarray:
    """espeak-ng speech as float32 mono at SPEECH_RATE, scaled to the voice's RMS level."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "line.wav"
        cmd = [
            ESPEAK,
            "-v",
            voice.espeak,
            "-s",
            str(voice.rate),
            "-p",
            str(voice.pitch),
            "-w",
            str(wav),
            text,
        ]
        subprocess.run(cmd, check=True, capture_output=True)
        with wave.open(str(wav)) as w:
            if w.getframerate() != SPEECH_RATE or w.getnchannels() != 1:
                raise SystemExit(f"{ESPEAK}: unexpected output {w.getframerate()} Hz")
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    audio = pcm.astype(np.float32) / 32768.0
    audio = _trim(audio)
    rms = float(np.sqrt(np.mean(audio**2)))
    return audio * (10 ** (voice.rms_dbfs / 20) / rms)


def _trim(audio: np.ndarray, threshold: float = 1e-3) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio) > threshold)
    return audio[loud[0] : loud[-1] + 1] if loud.size else audio


@dataclass(frozen=True)
class Placed:
    speaker: str  # voice key
    start: int  # sample at SPEECH_RATE
    audio: np.ndarray
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.audio)


def lay_out(ep: Episode) -> tuple[tuple[Placed, ...], int]:
    """Every line placed one after another, with LEAD_S before and TAIL_S after."""
    placed = []
    at = int(LEAD_S * SPEECH_RATE)
    for line in ep.lines:
        audio = speak(line.text, VOICES[line.speaker])
        placed.append(Placed(line.speaker, at, audio, line.text))
        at += len(audio) + int(line.pause * SPEECH_RATE)
    return tuple(placed), at + int(TAIL_S * SPEECH_RATE)


def room_noise(n: int, rng: np.random.Generator, dbfs: float = -62.0) -> np.ndarray:
    """Low, slightly rumbly room tone at about `dbfs` RMS."""
    from scipy.signal import lfilter

    white = rng.standard_normal(n).astype(np.float32)
    warm = lfilter([1.0], [1.0, -0.9], white).astype(np.float32)
    return warm * (10 ** (dbfs / 20) / float(np.sqrt(np.mean(warm**2))))


def bleed(audio: np.ndarray, db: float = -30.0, delay_ms: float = 6.0) -> np.ndarray:
    """Another speaker heard faintly by this microphone: later, quieter, duller."""
    from scipy.signal import lfilter

    delay = int(delay_ms / 1000 * SPEECH_RATE)
    dull = lfilter([0.35], [1.0, -0.65], audio).astype(np.float32)
    return np.concatenate([np.zeros(delay, np.float32), dull[: len(dull) - delay]]) * 10 ** (
        db / 20
    )


def mix_tracks(ep: Episode, placed: tuple[Placed, ...], n: int) -> dict[str, np.ndarray]:
    """One microphone per speaker: own voice, the other's bleed, own room noise and hum."""
    rng = np.random.default_rng(ep.seed)
    voices = sorted({p.speaker for p in placed})
    tracks = {}
    for v in voices:
        track = room_noise(n, rng)
        t = np.arange(n, dtype=np.float32) / SPEECH_RATE
        track += 10 ** (-58 / 20) * np.sin(2 * np.pi * 50 * t).astype(np.float32)  # mains hum
        for p in placed:
            part = p.audio if p.speaker == v else bleed(p.audio)
            track[p.start : p.end] += part
        tracks[SPEAKER_OF[v]] = track
    return tracks


def mix_room(ep: Episode, placed: tuple[Placed, ...], n: int, channels: int) -> np.ndarray:
    """One recorder in the room: all voices, room noise; stereo channels differ slightly."""
    rng = np.random.default_rng(ep.seed)
    dry = np.zeros(n, np.float32)
    for p in placed:
        dry[p.start : p.end] += p.audio
    if channels == 1:
        return (dry + room_noise(n, rng))[:, None]
    delay = 9  # ~0.4 ms between the two capsules
    right = np.concatenate([np.zeros(delay, np.float32), dry[:-delay]]) * 10 ** (-1.5 / 20)
    return np.stack([dry + room_noise(n, rng), right + room_noise(n, rng)], axis=1)


# ------------------------------------------------------------------ encoding


def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


CODECS = {  # file suffix -> ffmpeg output options (after the input)
    ".opus": ["-c:a", "libopus", "-b:a", "24k", "-ar", "48000", "-application", "voip"],
    ".ogg": ["-c:a", "libopus", "-b:a", "24k", "-ar", "48000", "-application", "voip"],
    ".mp3": ["-c:a", "libmp3lame", "-b:a", "64k", "-ar", "32000", "-write_xing", "0"],
}


def _codec(suffix: str, bitrate: str) -> list[str]:
    options = list(CODECS[suffix])
    if options[1] == "libopus":
        options[options.index("-b:a") + 1] = bitrate
    return options


def encode(samples: np.ndarray, path: Path, bitrate: str = "24k") -> None:
    """Float samples (n, channels) at SPEECH_RATE -> compressed file, bit-exact settings;
    `bitrate` applies to Opus (.opus, .ogg)."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).round().astype("<i2")
    channels = samples.shape[1]
    cmd = [
        ffmpeg(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostdin",
        "-y",
        "-f",
        "s16le",
        "-ar",
        str(SPEECH_RATE),
        "-ac",
        str(channels),
        "-i",
        "pipe:0",
        *_codec(path.suffix, bitrate),
        "-ac",
        str(channels),
        "-map_metadata",
        "-1",
        "-fflags",
        "+bitexact",
        "-flags:a",
        "+bitexact",
        str(path),
    ]
    subprocess.run(cmd, input=pcm.tobytes(), check=True, capture_output=True)


# ------------------------------------------------------------------ artwork


def make_artwork(path: Path, size: int = 1400) -> None:
    """Plain NHS-blue square with white type: readable at 55 px in a podcast app."""
    from PIL import Image, ImageDraw

    blue, white, pale = (0, 94, 184), (255, 255, 255), (65, 182, 230)
    im = Image.new("RGB", (size, size), blue)
    draw = ImageDraw.Draw(im)
    u = size / 1400
    # a speech bubble made of sound bars, top left
    bars = (90, 170, 250, 130, 210, 300, 160, 90)
    x0, base = int(130 * u), int(470 * u)
    for i, h in enumerate(bars):
        x = x0 + int(i * 62 * u)
        draw.rounded_rectangle(
            (x, base - int(h * u), x + int(36 * u), base), int(18 * u), fill=white
        )
    draw.rectangle((int(130 * u), int(500 * u), int(1270 * u), int(512 * u)), fill=pale)
    y = int(560 * u)
    for text in ("Stories", "in their", "own words"):
        draw.text((int(125 * u), y), text, font=_font(int(178 * u)), fill=white)
        y += int(190 * u)
    draw.text(
        (int(130 * u), int(1200 * u)),
        "Northfield Community NHS Trust",
        font=_font(int(58 * u), bold=False),
        fill=white,
    )
    im.save(path, "JPEG", quality=85, optimize=True, progressive=False, subsampling="4:2:0")


def _font(px: int, bold: bool = True):  # noqa: ANN202 - PIL font type
    from PIL import ImageFont

    names = (
        ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf")
        if bold
        else ("DejaVuSans.ttf", "LiberationSans-Regular.ttf")
    )
    folders = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation", "")
    for name in names:
        for folder in folders:
            try:
                return ImageFont.truetype(str(Path(folder) / name) if folder else name, px)
            except OSError:
                continue
    log.warning("no DejaVu or Liberation font found: using Pillow's default font")
    return ImageFont.load_default(size=px)


# ------------------------------------------------------------------ transcript review


NUMBER_WORDS = {"8": "eight", "12": "twelve", "30": "thirty"}


def _norm(word: str) -> str:
    word = re.sub(r"[^\w']", "", word.lower().replace("’", "'"))
    return NUMBER_WORDS.get(word, word)


def _cues(text: str) -> list[list[str]]:
    """A WebVTT file as blocks of lines (header, NOTE and cues), blank-line separated."""
    return [block.split("\n") for block in text.strip("\n").split("\n\n")]


def correct_review_copy(text: str, ep: Episode) -> str:
    """The machine review copy (`podcast transcribe SLUG`) with every cue's words replaced by
    the words actually scripted, as a careful reviewer would: times, speakers and the NOTE
    block are kept; each scripted word goes to the cue of the machine word it lines up with."""
    from difflib import SequenceMatcher

    blocks = _cues(text)
    cues = [i for i, b in enumerate(blocks) if len(b) >= 2 and "-->" in b[0]]
    heard: list[tuple[int, str]] = []  # (cue index, word)
    voice: dict[int, str] = {}
    for i in cues:
        m = re.match(r"(<v [^>]+>)?(.*)", " ".join(blocks[i][1:]))
        voice[i] = m.group(1) or ""
        heard += [(i, w) for w in m.group(2).split()]
    said = [w for line in ep.lines for w in line.text.split()]
    owner: list[int | None] = [None] * len(said)
    matcher = SequenceMatcher(
        None, [_norm(w) for _, w in heard], [_norm(w) for w in said], autojunk=False
    )
    for _, i1, i2, j1, j2 in matcher.get_opcodes():
        for k, j in enumerate(range(j1, j2)):
            src = min(i1 + k * max(1, i2 - i1) // max(1, j2 - j1), i2 - 1) if i2 > i1 else i1 - 1
            owner[j] = heard[max(0, src)][0]
    words: dict[int, list[str]] = {i: [] for i in cues}
    for j, w in enumerate(said):
        words[owner[j]].append(w)
    out = []
    for i, block in enumerate(blocks):
        if i not in words:
            out.append("\n".join(block))
        elif words[i]:
            out.append(block[0] + "\n" + voice[i] + " ".join(words[i]))
    return "\n\n".join(out) + "\n"


def correct_transcripts(root: Path, wanted: set[str]) -> None:
    for ep in EPISODES:
        path = root / "episodes" / ep.slug / "transcript.vtt"
        if wanted and ep.slug not in wanted:
            continue
        if not path.is_file():
            log.warning("%s: no review copy: run `podcast transcribe %s` first", path, ep.slug)
            continue
        path.write_text(correct_review_copy(path.read_text(encoding="utf-8"), ep), encoding="utf-8")
        log.info("%s: corrected against the script", path.relative_to(root))


# ------------------------------------------------------------------ main


def build_episode(ep: Episode, root: Path) -> list[dict]:
    folder = root / "episodes" / ep.slug
    folder.mkdir(parents=True, exist_ok=True)
    placed, n = lay_out(ep)
    if ep.kind == "tracks":
        tracks = mix_tracks(ep, placed, n)
        for sid, name in ep.files:
            encode(tracks[sid][:, None], folder / name, ep.bitrate)
    else:
        channels = 2 if ep.kind == "stereo" else 1
        encode(mix_room(ep, placed, n, channels), folder / ep.files[0][1], ep.bitrate)
    return [
        {
            "slug": ep.slug,
            "speaker": SPEAKER_OF[p.speaker],
            "start": round(p.start / SPEECH_RATE, 2),
            "end": round(p.end / SPEECH_RATE, 2),
            "text": p.text,
        }
        for p in placed
    ] + [
        {
            "slug": ep.slug,
            "speaker": "",
            "start": round(n / SPEECH_RATE, 2),
            "end": round(n / SPEECH_RATE, 2),
            "text": "(end of recording)",
        }
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="show folder (default: the repo)")
    parser.add_argument("--only", action="append", default=[], help="'artwork' or an episode slug")
    parser.add_argument("--timings", type=Path, help="write line timings as JSON here")
    parser.add_argument(
        "--correct-transcripts",
        action="store_true",
        help="instead of making audio: correct the review copies written by `podcast transcribe`",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.correct_transcripts:
        correct_transcripts(args.root, set(args.only))
        return 0
    if shutil.which(ESPEAK) is None:
        log.error("%s not found: apt-get install espeak-ng", ESPEAK)
        return 1
    args.root.mkdir(parents=True, exist_ok=True)
    wanted = set(args.only)
    if not wanted or "artwork" in wanted:
        make_artwork(args.root / "artwork.jpg")
        log.info("artwork.jpg")
    timings = []
    for ep in EPISODES:
        if wanted and ep.slug not in wanted:
            continue
        rows = build_episode(ep, args.root)
        timings += rows
        for r in rows:
            log.info(
                "%s %6.2f-%6.2f %-11s %s",
                r["slug"][:2],
                r["start"],
                r["end"],
                r["speaker"],
                r["text"][:70],
            )
    if args.timings:
        args.timings.write_text(json.dumps(timings, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
