"""ID3 tags for the published MP3: text frames, cover art and chapters (CHAP + CTOC).

Written as ID3v2.3: the chapter addendum works in both versions, but v2.3 is the version
every podcast app and desktop OS reads (Windows Explorer and older Apple players ignore v2.4
frames), and mutagen converts TDRC to TYER/TDAT for it. mutagen orders frames by size; we
write TIT2/TPE1/TALB/dates first, then CTOC, then CHAP frames in start order, then pictures,
because several players (and ffprobe) list chapters in file order.
Tags live in the ID3 header only: the audio frames are never touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date as Date
from pathlib import Path
from typing import Any

from podcast.errors import AudioError
from podcast.models import Chapter

ID3_VERSION = 3
_FIRST = ("TIT2", "TPE1", "TALB", "TDRC", "TYER", "TDAT", "COMM")


def _mime(path: Path) -> str:
    ext = path.suffix.lower()
    if ext in (".jpg", ".jpeg"):
        return "image/jpeg"
    if ext == ".png":
        return "image/png"
    raise AudioError(str(path), "artwork must be a .jpg or .png file")


def _id3_class():  # type: ignore[no-untyped-def]
    from mutagen.id3 import ID3
    from mutagen.id3._tags import save_frame

    class OrderedID3(ID3):
        """ID3 that writes frames in a fixed, meaningful order (chapters by start time)."""

        def _write(self, config):  # type: ignore[no-untyped-def]
            def key(item):  # type: ignore[no-untyped-def]
                i, f = item
                fid = f.FrameID
                if fid in _FIRST:
                    return (0, _FIRST.index(fid), 0.0, i)
                if fid == "CTOC":
                    return (2, 0, 0.0, i)
                if fid == "CHAP":
                    return (3, 0, float(f.start_time), i)
                if fid == "APIC":
                    return (4, 0, 0.0, i)
                return (1, 0, 0.0, i)

            frames = [f for _, f in sorted(enumerate(self.values()), key=key)]
            data = bytearray().join(save_frame(f, config=config) for f in frames)
            if self._unknown_v2_version == config.v2_version:
                data.extend(d for d in self.unknown_frames if len(d) > 10)
            return data

    return OrderedID3


def write_tags(
    mp3: Path,
    *,
    title: str,
    show: str = "",
    author: str = "",
    date: str | Date = "",
    comment: str = "",
    artwork: Path | None = None,
    chapters: Sequence[Chapter] = (),
    duration: float,
) -> None:
    """Replace the MP3's ID3 tag. `chapters` are on the published file's timeline (seconds);
    each ends where the next starts (or at its own `end`, or at `duration`)."""
    from mutagen.id3 import APIC, CHAP, COMM, CTOC, TALB, TDRC, TIT2, TPE1, WXXX, CTOCFlags

    mp3 = Path(mp3)
    tags = _id3_class()()
    tags.add(TIT2(encoding=3, text=[title]))
    if show:
        tags.add(TALB(encoding=3, text=[show]))
    if author:
        tags.add(TPE1(encoding=3, text=[author]))
    if date:
        tags.add(TDRC(encoding=3, text=[str(date)]))
    if comment:
        tags.add(COMM(encoding=3, lang="eng", desc="", text=[comment]))
    if artwork is not None:
        art = Path(artwork)
        tags.add(APIC(encoding=3, mime=_mime(art), type=3, desc="Cover", data=art.read_bytes()))
    ordered = sorted(chapters, key=lambda c: c.start)
    if ordered:
        ms = lambda t: max(0, round(t * 1000))  # noqa: E731
        ids = []
        for i, c in enumerate(ordered):
            nxt = ordered[i + 1].start if i + 1 < len(ordered) else duration
            end = min(c.end if c.end is not None else nxt, duration)
            subs: list[Any] = [TIT2(encoding=3, text=[c.title])]
            if c.url:
                subs.append(WXXX(encoding=3, desc="chapter url", url=c.url))
            if c.image and Path(c.image).is_file():
                img = Path(c.image)
                subs.append(
                    APIC(encoding=3, mime=_mime(img), type=0, desc="chapter", data=img.read_bytes())
                )
            eid = f"chp{i}"
            tags.add(CHAP(element_id=eid, start_time=ms(c.start), end_time=ms(max(end, c.start)),
                          start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF, sub_frames=subs))  # fmt: skip
            if c.toc:
                ids.append(eid)
        tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                      child_element_ids=ids, sub_frames=[TIT2(encoding=3, text=["Chapters"])]))  # fmt: skip
    try:
        tags.save(str(mp3), v2_version=ID3_VERSION, v1=0, padding=lambda info: 0)
    except OSError as exc:
        raise AudioError(str(mp3), f"cannot write tags: {exc}") from None
