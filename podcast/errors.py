"""The library's own errors. The CLI turns them into one-line messages; nothing here imports click."""

from __future__ import annotations

from collections.abc import Iterable


class PodcastError(Exception):
    """Base class: every failure the library expects to report to a user."""


class ConfigError(PodcastError):
    """One or more problems in show.yaml / episode.yaml. Each problem is a full message
    starting with the file (and field) it is about."""

    def __init__(self, problems: Iterable[str]):
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


class EpisodeError(PodcastError):
    """A problem confined to one episode: the run can carry on with the others."""

    def __init__(self, slug: str, message: str):
        self.slug = slug
        self.message = message
        super().__init__(f"episodes/{slug}: {message}")


class AudioError(PodcastError):
    """Audio that cannot be decoded, is empty, silent or otherwise unusable.
    `path` names the file; the pipeline wraps it into an EpisodeError."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


class ToolError(PodcastError):
    """An external tool (ffmpeg, a model) failed or is missing."""


class TranscriptError(PodcastError):
    """A transcript file that cannot be read (e.g. a human edit that broke the VTT)."""


class ModelError(PodcastError):
    """A transcription model that cannot be found or loaded."""
