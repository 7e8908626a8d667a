"""The audio stage: decode/clean/mix (`prepare`), master + verify (`master`), tags, loudness.

Only this package runs ffmpeg (imageio-ffmpeg's binary). Heavy imports (numpy, scipy, av)
happen inside these modules, which `podcast --help` never imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "AudioSettings",
    "Loudness",
    "loudness_series",
    "master",
    "measure",
    "prepare",
    "write_tags",
]

_WHERE = {
    "AudioSettings": "podcast.audio.settings",
    "Loudness": "podcast.audio.loudness",
    "loudness_series": "podcast.audio.loudness",
    "measure": "podcast.audio.loudness",
    "master": "podcast.audio.master",
    "prepare": "podcast.audio.prepare",
    "write_tags": "podcast.audio.tags",
}

if TYPE_CHECKING:
    from podcast.audio.loudness import Loudness, loudness_series, measure
    from podcast.audio.master import master
    from podcast.audio.prepare import prepare
    from podcast.audio.settings import AudioSettings
    from podcast.audio.tags import write_tags


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(name)
