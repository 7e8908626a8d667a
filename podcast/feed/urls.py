"""URLs of files in the output folder: every file's URL is base_url + its path under the folder."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote

_SAFE = "/-_.~"


def file_url(base_url: str, relpath: str) -> str:
    """URL of a file given by its path relative to the output folder."""
    return base_url + quote(relpath.replace("\\", "/").lstrip("/"), safe=_SAFE)


def page_url(base_url: str, relpath: str) -> str:
    """Like file_url, but a folder's index.html is linked as the folder (`slug/`)."""
    rel = relpath.replace("\\", "/")
    if rel == "index.html":
        return base_url
    if rel.endswith("/index.html"):
        rel = rel[: -len("index.html")]
    return file_url(base_url, rel)


def url_to_relpath(base_url: str, url: str) -> str | None:
    """The output-folder path a URL under base_url points to, or None when it is elsewhere.

    A URL ending in '/' means that folder's index.html, as static web servers serve it.
    Query strings and fragments are ignored.
    """
    if not url.startswith(base_url):
        return None
    rest = url[len(base_url):].split("#", 1)[0].split("?", 1)[0]
    rest = unquote(rest)
    if rest == "" or rest.endswith("/"):
        rest += "index.html"
    return rest


def resolve(out_dir: Path, relpath: str) -> Path | None:
    """The file inside out_dir, or None when the path would leave it."""
    root = out_dir.resolve()
    target = (root / relpath).resolve()
    try:
        target.relative_to(root)
    except ValueError:
        return None
    return target


def show_artwork_name(artwork: str) -> str:
    """Name of the show artwork in the output folder: artwork.jpg or artwork.png."""
    suffix = Path(artwork).suffix.lower()
    return "artwork.png" if suffix == ".png" else "artwork.jpg"
