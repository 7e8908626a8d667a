"""`podcast new SLUG`: a fresh episode folder with a commented episode.yaml."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from .config import SLUG_RE
from .errors import ConfigError

TEMPLATE = """\
# Episode: {title}
# Every field is described in the README ("episode.yaml"). Lines starting with # are comments.

title: "{title}"
date: {date}                 # the episode's date (YYYY-MM-DD); also its pubDate
description: >-
  One or two sentences for podcast apps and the episode page.

# Never change the guid once the episode is published: apps use it to tell episodes apart.
guid: {guid}

# The recording: one file in this folder ...
audio: recording.wav
# ... or one file per speaker (then delete `audio:` above):
# tracks:
#   host: host.wav
#   guest: guest.wav

speakers:
  - id: host
    name: Your Name
    role: Interviewer
    host: true
    consent:
      reference: CF-0000          # the signed consent form
      date: {date}
      scope: [audio, transcript, name]
  # - id: guest
  #   name: Guest Name
  #   role: Patient              # shown instead of the name without `name` in scope
  #   consent:
  #     reference: CF-0001
  #     date: {date}
  #     scope: [audio, transcript]   # no `name`: appears as "Patient" everywhere
  #     expires: 2030-01-01
  #     withdrawn: 2027-01-01      # set this to take the episode down

# Chapters: leave out for automatic chapters, `chapters: none` for none, or list them
# (times are in the raw recording, mm:ss or seconds):
# chapters:
#   - start: "0:00"
#     title: Welcome
# Or list the interviewer's questions, and chapters start where each is asked:
# questions:
#   - text: What brought you to the clinic?
#     title: Getting help

# Words to remove from transcripts and bleep in the audio (names, wards, places):
# redact:
#   - Ward 7

# status: draft                # keep it out of the feed
# publish_at: 2026-06-01T09:00:00Z   # embargo until this time
# number: 1
# season: 1
"""


def new_episode(root: Path, slug: str, *, title: str | None, today: dt.date) -> Path:
    """Create episodes/<slug>/episode.yaml. Refuses to touch an existing folder."""
    if not SLUG_RE.match(slug):
        raise ConfigError([f"episodes/{slug}: use lower-case letters, digits, '-', '_' or '.' "
                           "for the folder name"])
    folder = root / "episodes" / slug
    if folder.exists():
        raise ConfigError([f"episodes/{slug}: already exists; choose another name"])
    folder.mkdir(parents=True)
    text = TEMPLATE.format(
        title=(title or slug.replace("-", " ").capitalize()).replace('"', "'"),
        date=today.isoformat(), guid=uuid.uuid4(),
    )
    path = folder / "episode.yaml"
    path.write_text(text, encoding="utf-8")
    return path
