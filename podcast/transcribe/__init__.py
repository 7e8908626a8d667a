"""Transcription: Whisper engines, guards, glossary and speaker attribution.

Importing this package is cheap; the engines load their libraries and models on first use.
"""

from podcast.transcribe.run import make_engine, transcribe
from podcast.transcribe.settings import TranscribeSettings, settings_from
from podcast.transcribe.speakers import SpeakerAttributionError

__all__ = [
    "SpeakerAttributionError",
    "TranscribeSettings",
    "make_engine",
    "settings_from",
    "transcribe",
]
