"""The RSS feed: render feed.xml, and check the show settings and a published feed.

feedgen and xmlschema are imported only when a function runs, so `podcast --help` stays fast.
"""

from __future__ import annotations

from .check import check_output, check_show
from .render import build_feed, render_feed

__all__ = ["build_feed", "check_output", "check_show", "render_feed"]
