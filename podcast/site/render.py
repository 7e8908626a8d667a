"""Render the static website into the output folder: index, episode pages, accessibility
statement, search index and static files.

Templates ship in podcast/templates and are rendered by jinja2 with autoescaping on, so any
text from show.yaml, episode.yaml or a transcript appears literally. A `theme` folder named in
show.yaml goes ahead of the built-ins: its templates/ (or the folder itself) for templates
and its static/ for files copied over ours. Output is deterministic: the same input gives
the same bytes (no build times, sorted episodes, sorted JSON keys).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podcast.errors import PodcastError
from podcast.models import PublishedEpisode
from podcast.project import FEED_FILENAME, Project

from . import format as fmt
from .pages import EpisodeView, episode_view, newest_first, split_paragraphs
from .search import search_index_js

log = logging.getLogger("podcast")

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
THUMB_PX = 320


@dataclass(frozen=True)
class SubscribeLink:
    name: str
    url: str


@dataclass(frozen=True)
class ShowView:
    title: str
    description: tuple[str, ...]
    author: str
    publisher: str
    language: str
    base_url: str
    feed_path: str
    feed_url: str
    artwork: str | None  # path under the output folder
    artwork_small: str | None
    artwork_url: str | None  # absolute
    links: tuple[SubscribeLink, ...]
    contact_name: str
    contact_email: str
    contact_phone: str
    copyright: str


class SiteWriter:
    """Writes files under the output folder and refuses to write one path twice."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.written: list[Path] = []

    def path(self, relative: str) -> Path:
        target = self.out_dir / relative
        if target in self.written:
            raise PodcastError(
                f"{relative}: written twice while building the site (two episodes with one page?)"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        self.written.append(target)
        return target

    def text(self, relative: str, content: str) -> Path:
        target = self.path(relative)
        target.write_bytes(content.encode("utf-8"))
        return target

    def copy(self, source: Path, relative: str) -> Path:
        target = self.path(relative)
        shutil.copyfile(source, target)
        return target


def environment(theme: Path | None = None) -> Any:
    """The jinja2 environment: theme templates first, then the built-ins; autoescape on."""
    import jinja2

    loaders: list[Any] = []
    if theme is not None:
        loaders.append(jinja2.FileSystemLoader([str(theme / "templates"), str(theme)]))
    loaders.append(jinja2.FileSystemLoader(str(TEMPLATE_DIR)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        clock=fmt.clock,
        iso_duration=fmt.iso_duration,
        spoken_duration=fmt.spoken_duration,
        long_date=fmt.long_date,
        file_size=fmt.file_size,
        fragment_time=fmt.fragment_time,
    )
    return env


def _links(project: Project) -> tuple[SubscribeLink, ...]:
    links = project.show.links
    out = []
    if links.apple:
        out.append(SubscribeLink("Apple Podcasts", links.apple))
    if links.spotify:
        out.append(SubscribeLink("Spotify", links.spotify))
    # the RSS feed is always listed first; skip a link to it in `other`
    out += [SubscribeLink(lk.name, lk.url) for lk in links.other if lk.url != project.feed_url]
    return tuple(out)


def _artwork(project: Project, writer: SiteWriter) -> tuple[str | None, str | None]:
    """Copy the show artwork to artwork.<ext> (unless already there) and write a small copy
    for the page. Returns (artwork path, small copy path) under the output folder."""
    source = project.path(project.show.artwork)
    if not source.is_file():
        log.warning("show.yaml: artwork: '%s' not found; the site has no artwork", source.name)
        return None, None
    ext = ".png" if source.suffix.lower() == ".png" else ".jpg"
    name = "artwork" + ext
    if not (writer.out_dir / name).exists():
        writer.copy(source, name)
    from PIL import Image

    small = f"static/artwork-{THUMB_PX}{ext}"
    with Image.open(source) as opened:
        im = opened.convert("RGB")
        im.thumbnail((THUMB_PX, THUMB_PX), Image.Resampling.LANCZOS)
        target = writer.path(small)
        if ext == ".png":
            im.save(target, "PNG", optimize=True)
        else:
            im.save(target, "JPEG", quality=85, optimize=True)
    return name, small


def show_view(project: Project, artwork: str | None, small: str | None) -> ShowView:
    show = project.show
    contact = show.contact
    return ShowView(
        title=show.title,
        description=split_paragraphs(show.description),
        author=show.author,
        publisher=show.publisher or show.author,
        language=show.language,
        base_url=show.base_url,
        feed_path=FEED_FILENAME,
        feed_url=project.feed_url,
        artwork=artwork,
        artwork_small=small,
        artwork_url=show.base_url + artwork if artwork else None,
        links=_links(project),
        contact_name=(contact.name if contact else "") or show.owner.name,
        contact_email=contact.email if contact else show.owner.email,
        contact_phone=contact.phone if contact else "",
        copyright=show.copyright,
    )


def _copy_static(writer: SiteWriter, theme: Path | None) -> None:
    chosen: dict[str, Path] = {p.name: p for p in STATIC_DIR.iterdir() if p.is_file()}
    if theme is not None and (theme / "static").is_dir():
        for p in (theme / "static").iterdir():
            if p.is_file():
                chosen[p.name] = p
    for name in sorted(chosen):
        if name.startswith(".") or name.endswith(".py"):
            continue
        writer.copy(chosen[name], f"static/{name}")


def render_site(
    project: Project, episodes: Sequence[PublishedEpisode], out_dir: Path
) -> tuple[Path, ...]:
    """Write index.html, <slug>/index.html, accessibility.html, search-index.js and static/*
    into `out_dir` (episode files such as MP3s and transcripts must already be there or be
    written by others). Returns the paths written, in the order written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    theme = project.path(project.show.theme) if project.show.theme else None
    if theme is not None and not theme.is_dir():
        raise PodcastError(f"show.yaml: theme: folder '{project.show.theme}' not found")
    env = environment(theme)
    writer = SiteWriter(out_dir)
    _copy_static(writer, theme)
    artwork, small = _artwork(project, writer)
    show = show_view(project, artwork, small)
    views = tuple(
        episode_view(ep, show.base_url, artwork, out_dir) for ep in newest_first(episodes)
    )
    common = {"show": show, "episodes": views}
    writer.text("index.html", _page(env, "index.html", common, root="", page=""))
    for view in views:
        html = _page(env, "episode.html", common, root=_root(view), page=view.page, episode=view)
        writer.text(view.page, html)
    writer.text(
        "accessibility.html",
        _page(env, "accessibility.html", common, root="", page="accessibility.html"),
    )
    writer.text("search-index.js", search_index_js(views))
    log.debug("site: wrote %d files into %s", len(writer.written), out_dir)
    return tuple(writer.written)


def _root(view: EpisodeView) -> str:
    depth = view.page.count("/")
    return "../" * depth


def _page(env: Any, template: str, common: dict, *, root: str, page: str, **extra: Any) -> str:
    """Render one page. A broken template (usually a theme's) becomes a PodcastError naming
    the template and line."""
    import jinja2

    canonical = common["show"].base_url + (page.removesuffix("index.html") if page else "")
    try:
        return env.get_template(template).render(
            **common, root=root, page=page, canonical=canonical, **extra
        )
    except jinja2.TemplateError as e:
        where = getattr(e, "filename", None) or getattr(e, "name", None) or template
        lineno = getattr(e, "lineno", None)
        line = f", line {lineno}" if lineno else ""
        raise PodcastError(
            f"{where}{line}: cannot render {page or 'index.html'}: {e.message or e}"
        ) from e
