"""The static website (index, episode pages, accessibility statement, search index), the
waveform picture, the private processing report and the local preview server.

Import the functions from their modules, or from here (loaded lazily so `podcast --help`
stays fast):

    render_site(project, episodes, out_dir) -> tuple[Path, ...]      podcast.site.render
    render_waveform(audio_path, chapters, duration, out_png) -> Path  podcast.site.waveform
    write_report(reports_dir, episode, ...) -> Path                  podcast.site.report

and the preview server from its module (the module and the function share the name `serve`):

    from podcast.site.serve import serve   # serve(directory, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

from typing import Any

__all__ = ["render_site", "render_waveform", "write_report"]

_HOMES = {
    "render_site": "render",
    "render_waveform": "waveform",
    "write_report": "report",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(name)
