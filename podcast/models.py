"""Frozen values passed between the pipeline's stages.

Heavy artefacts (audio, images) stay on disk; these dataclasses are their receipts.
Times are float seconds. Unless a docstring says otherwise, transcript and chapter
times are on the *content* timeline: the cleaned recording after leading silence is
trimmed and before intro music is added. `Timeline` maps them to the published file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str  # as the model gives it, usually with a leading space
    probability: float = 1.0


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    speaker: str = ""  # speaker id from episode.yaml ("" = unknown)
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    # "nonspeech" for [Music]/[Laughter] markers, "speech" otherwise
    kind: str = "speech"
    # review flags: "low_confidence", "possible_hallucination", "redacted", ...
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Transcript:
    segments: tuple[Segment, ...]
    language: str
    engine: str = ""
    model: str = ""
    # "machine" (model output) or "human" (a committed, corrected file)
    source: str = "machine"
    duration: float = 0.0

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())


@dataclass(frozen=True)
class Speaker:
    """A person in an episode, with the name the public may see already resolved."""

    id: str
    name: str
    role: str
    display_name: str  # name, or role when the person has not consented to be named
    named: bool = True  # False: appears by role only everywhere
    host: bool = False


@dataclass(frozen=True)
class Chapter:
    start: float  # seconds
    title: str
    url: str | None = None
    image: str | None = None
    toc: bool = True
    end: float | None = None


@dataclass(frozen=True)
class Timeline:
    """How the published file relates to the raw recording.

    published = intro + (raw - lead_trim), for raw times inside the kept content.
    """

    lead_trim: float = 0.0  # seconds of leading silence removed from the raw recording
    intro: float = 0.0  # seconds of intro music before the content (after any crossfade)
    content: float = 0.0  # seconds of content kept
    outro: float = 0.0  # seconds of outro music after the content

    def raw_to_content(self, t: float) -> float:
        return max(0.0, t - self.lead_trim)

    def content_to_published(self, t: float) -> float:
        return self.intro + t

    def raw_to_published(self, t: float) -> float:
        return self.content_to_published(self.raw_to_content(t))

    @property
    def total(self) -> float:
        return self.intro + self.content + self.outro


@dataclass(frozen=True)
class PreparedAudio:
    """Output of decode/clean/mix: the cleaned programme on the content timeline."""

    path: Path  # WAV (float or 16-bit PCM) at the working sample rate
    sample_rate: int
    channels: int  # 1 or 2: what the published MP3 will carry
    duration: float
    timeline: Timeline
    # per-speaker cleaned tracks (multitrack episodes), on the same timeline: (speaker id, path)
    tracks: tuple[tuple[str, Path], ...] = ()
    input_lufs: float | None = None  # integrated loudness of the programme before gain


@dataclass(frozen=True)
class MasteredAudio:
    """The finished, verified MP3 and what was measured on it (after encoding)."""

    path: Path
    duration: float
    size_bytes: int
    sha256: str
    channels: int
    sample_rate: int
    bitrate_kbps: int
    integrated_lufs: float
    true_peak_dbtp: float
    target_lufs: float
    input_lufs: float | None
    timeline: Timeline
    loudness_range: float | None = None


@dataclass(frozen=True)
class Redaction:
    start: float  # content timeline
    end: float
    reason: str  # "nhs_number", "phone", "email", "postcode", "date_of_birth", "listed", "speaker_name"
    replacement: str = "[redacted]"


@dataclass(frozen=True)
class Soundbite:
    start: float
    duration: float
    title: str = ""


@dataclass(frozen=True)
class Problem:
    """A warning or error found while checking, for `podcast check --json`."""

    level: str  # "error" | "warning"
    where: str  # file or episode, e.g. "episodes/01-intro/episode.yaml"
    field: str  # dotted field, or rule name
    message: str
    fix: str = ""

    def __str__(self) -> str:
        loc = f"{self.where}: {self.field}: " if self.field else f"{self.where}: "
        return loc + self.message + (f" ({self.fix})" if self.fix else "")


@dataclass(frozen=True)
class PublishedEpisode:
    """Everything the renderers need for one episode; renderers never call stages."""

    slug: str
    guid: str
    title: str
    audio: MasteredAudio
    transcript: Transcript | None
    chapters: tuple[Chapter, ...]
    speakers: tuple[Speaker, ...]
    # files under the output folder, relative paths by kind: "mp3", "vtt", "srt", "json", "txt",
    # "html", "chapters", "artwork", "waveform", "page"
    files: tuple[tuple[str, str], ...] = ()
    reviewed: bool = True  # False: machine transcript published unchecked (show allows it)
    redactions: tuple[Redaction, ...] = ()
    # the validated episode.yaml (podcast.config.EpisodeConfig): date, description, number,
    # season, episode_type, explicit, soundbites, ... Typed loosely to keep models.py free
    # of the config layer.
    config: Any = None
    published_at: datetime | None = None  # pubDate: publish_at, else the date at 00:00 UTC
    artwork_url: str | None = None  # relative path under the output folder
    extra: tuple[tuple[str, str], ...] = field(default=())

    def file(self, kind: str) -> str | None:
        return dict(self.files).get(kind)
