"""Feed rules for `podcast check`: the show settings before processing (`check_show`) and the
last published feed.xml (`check_output`). Each Problem names the rule, the episode and the fix."""

from __future__ import annotations

from pathlib import Path

from ..artwork import check_artwork
from ..models import Problem
from ..project import Project
from .categories import check_category
from .text import description_html

DESCRIPTION_MAX_BYTES = 4000  # Apple: channel and item description
TAG_MAX_CHARS = 255  # Apple: "Tag values are limited to 255 characters unless otherwise specified"
PODCAST_TEXT_MAX = 128  # Podcasting 2.0: person names, soundbite titles, license


def _err(where: str, rule: str, message: str, fix: str = "") -> Problem:
    return Problem("error", where, rule, message, fix)


def _warn(where: str, rule: str, message: str, fix: str = "") -> Problem:
    return Problem("warning", where, rule, message, fix)


def check_show(project: Project) -> list[Problem]:
    """Problems with show.yaml and the episodes' feed settings, before any processing."""
    show = project.show
    out: list[Problem] = []
    for field, message, fix in check_category(show.category, show.subcategory):
        out.append(_err("show.yaml", field, message, fix))
    size = len(show.description.encode("utf-8"))
    if size > DESCRIPTION_MAX_BYTES:
        out.append(_err("show.yaml", "description",
                        f"is {size} bytes; Apple allows at most {DESCRIPTION_MAX_BYTES}",
                        f"shorten it by {size - DESCRIPTION_MAX_BYTES} bytes"))
    if len(show.title) > TAG_MAX_CHARS:
        out.append(_warn("show.yaml", "title", f"is {len(show.title)} characters; Apple "
                         f"truncates tag values over {TAG_MAX_CHARS}", "shorten it"))
    out += [_err("show.yaml", "artwork", p, "see Apple's artwork rules: square JPEG or PNG, "
                 "1400 to 3000 px, RGB") for p in check_artwork(project.root / show.artwork)]
    if show.new_feed_url and show.new_feed_url.rstrip("/") == project.feed_url.rstrip("/"):
        out.append(_err("show.yaml", "new_feed_url", "points at this feed itself",
                        "set it to the feed's new address, or remove it"))
    if show.license and len(show.license) > PODCAST_TEXT_MAX:
        out.append(_warn("show.yaml", "license", f"is over {PODCAST_TEXT_MAX} characters; "
                         "the feed carries it cut short", "use a licence name such as cc-by-4.0"))
    for i, host in enumerate(show.hosts):
        if len(host.name) > PODCAST_TEXT_MAX:
            out.append(_warn("show.yaml", f"hosts[{i}].name", f"is over {PODCAST_TEXT_MAX} "
                             "characters; podcast:person carries it cut short"))
    for ep in project.episodes:
        out += _check_episode(project, ep)
    out += _check_numbers(project)
    return out


def _check_episode(project: Project, ep) -> list[Problem]:
    where = f"episodes/{ep.slug}/episode.yaml"
    cfg = ep.config
    out = []
    if project.show.type == "serial" and cfg.number is None:
        out.append(_err(where, "number", "is required because show.yaml has type: serial "
                        "(itunes:type serial needs episode numbers)", "add 'number: N'"))
    if cfg.number == 0:
        out.append(_err(where, "number", "Apple needs a non-zero episode number",
                        "number episodes from 1"))
    if cfg.season == 0:
        out.append(_err(where, "season", "Apple needs a non-zero season number",
                        "number seasons from 1"))
    body = description_html(cfg.description, project.show.base_url + ep.slug + "/", False)
    size = len(body.encode("utf-8"))
    if size > DESCRIPTION_MAX_BYTES:
        out.append(_err(where, "description", f"makes an item description of {size} bytes "
                        f"(with the transcript link); Apple allows {DESCRIPTION_MAX_BYTES}",
                        f"shorten it by {size - DESCRIPTION_MAX_BYTES} bytes"))
    if len(cfg.title) > TAG_MAX_CHARS:
        out.append(_warn(where, "title", f"is over {TAG_MAX_CHARS} characters", "shorten it"))
    for i, bite in enumerate(cfg.soundbites):
        if len(bite.title) > PODCAST_TEXT_MAX:
            out.append(_warn(where, f"soundbites[{i}].title", f"is over {PODCAST_TEXT_MAX} "
                             "characters; the feed carries it cut short"))
    if cfg.artwork:
        out += [_err(where, "artwork", p) for p in check_artwork(ep.folder / cfg.artwork)]
    return out


def _check_numbers(project: Project) -> list[Problem]:
    """Two episodes with one (season, number): Apple shows only one of them."""
    seen: dict[tuple[int | None, int], str] = {}
    out = []
    for ep in project.episodes:
        cfg = ep.config
        if cfg.number is None or cfg.episode_type != "full":
            continue
        key = (cfg.season, cfg.number)
        if key in seen:
            out.append(_warn(f"episodes/{ep.slug}/episode.yaml", "number",
                             f"episode {cfg.number} is also the number of episodes/{seen[key]}",
                             "give every full episode its own number"))
        else:
            seen[key] = ep.slug
    return out


def check_output(project: Project, out_dir: Path) -> list[Problem]:
    """Every feed rule, checked on a published out_dir/feed.xml (nothing when there is none)."""
    from .output_rules import FeedChecker

    return FeedChecker(project, Path(out_dir)).run()
