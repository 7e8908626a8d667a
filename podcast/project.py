"""Read a show folder: show.yaml plus episodes/<slug>/episode.yaml, validated as a whole.

`load_project` reports every problem in every file at once (ConfigError), or returns a
frozen `Project`. Nothing here touches audio beyond checking that files exist.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .config import SLUG_RE, EpisodeConfig, ShowConfig, describe_errors
from .errors import ConfigError

log = logging.getLogger("podcast")

# Podcasting 2.0: podcast:guid is a UUIDv5 of the feed URL (no scheme, no trailing slash).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
FEED_FILENAME = "feed.xml"


def podcast_guid(feed_url: str) -> str:
    """UUIDv5 of the feed URL without scheme and trailing slashes (Podcasting 2.0)."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


@dataclass(frozen=True)
class EpisodeSource:
    slug: str
    folder: Path
    config: EpisodeConfig
    guid: str  # from episode.yaml, or derived (with a warning)

    @property
    def yaml_path(self) -> Path:
        return self.folder / "episode.yaml"

    def sources(self) -> tuple[tuple[str, Path], ...]:
        """The recording(s): (speaker id or "", path)."""
        if self.config.tracks:
            return tuple((sid, self.folder / f) for sid, f in self.config.tracks.items())
        return (("", self.folder / str(self.config.audio)),)


@dataclass(frozen=True)
class Project:
    root: Path
    show: ShowConfig
    episodes: tuple[EpisodeSource, ...]
    show_guid: str
    warnings: tuple[str, ...] = ()

    @property
    def feed_url(self) -> str:
        return self.show.base_url + FEED_FILENAME

    def path(self, relative: str) -> Path:
        return (self.root / relative).resolve()


def rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def load_yaml(path: Path, root: Path) -> tuple[Any, list[str]]:
    """Parse YAML safely. Returns (data, problems)."""
    import yaml

    where = rel(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [f"{where}: file not found"]
    except (OSError, UnicodeDecodeError) as e:
        return None, [f"{where}: cannot read: {e}"]
    try:
        # libyaml's C loader when available: the same safe subset, several times faster
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        return None, [f"{where}{at}: invalid YAML: {problem}"]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None, [f"{where}: expected a mapping of keys to values, found {type(data).__name__}"]
    return data, []


def _validate(model: type[BaseModel], data: dict, where: str) -> tuple[Any, list[str]]:
    try:
        return model.model_validate(data), []
    except ValidationError as e:
        return None, describe_errors(e, model, where)


def _inside(folder: Path, name: str) -> Path | None:
    """The file `name` inside `folder`, or None when the path leaves it."""
    target = (folder / name).resolve()
    try:
        target.relative_to(folder.resolve())
    except ValueError:
        return None
    return target


def _check_files(ep: EpisodeConfig, folder: Path, where: str) -> list[str]:
    problems = []
    files = [("audio", ep.audio)] if ep.audio else []
    files += [(f"tracks.{k}", v) for k, v in (ep.tracks or {}).items()]
    if ep.artwork:
        files.append(("artwork", ep.artwork))
    if isinstance(ep.chapters, tuple):
        files += [(f"chapters[{i}].image", c.image) for i, c in enumerate(ep.chapters)
                  if c.image and "://" not in c.image]
    for field, name in files:
        target = _inside(folder, name)
        if target is None:
            problems.append(f"{where}: {field}: '{name}' is outside the episode folder")
        elif not target.is_file():
            problems.append(f"{where}: {field}: file '{name}' not found in {folder.name}/")
        elif target.stat().st_size == 0:
            problems.append(f"{where}: {field}: '{name}' is empty (0 bytes)")
    return problems


def _check_show_files(show: ShowConfig, root: Path) -> list[str]:
    from .artwork import check_artwork

    problems = []
    art = root / show.artwork
    problems += [f"show.yaml: artwork: {p}" for p in check_artwork(art)]
    for field in ("intro", "outro"):
        name = getattr(show.audio, field)
        if not name:
            continue
        target = _inside(root, name)
        if target is None:
            problems.append(f"show.yaml: audio.{field}: '{name}' is outside the show folder")
        elif not target.is_file():
            problems.append(f"show.yaml: audio.{field}: file '{name}' not found")
    if show.theme and not (root / show.theme).is_dir():
        problems.append(f"show.yaml: theme: folder '{show.theme}' not found")
    return problems


def _episode_rules(ep: EpisodeConfig, show: ShowConfig, where: str) -> list[str]:
    problems = []
    if show.type == "serial" and ep.number is None:
        problems.append(f"{where}: number: is required because show.yaml has type: serial")
    for i, s in enumerate(ep.speakers):
        if s.consent is None:
            problems.append(
                f"{where}: speakers[{i}].consent: speaker '{s.id}' has no consent record "
                "(reference, date, scope)"
            )
    return problems


def load_episode(folder: Path, show: ShowConfig, root: Path) -> tuple[EpisodeConfig | None, list[str]]:
    where = rel(folder / "episode.yaml", root)
    data, problems = load_yaml(folder / "episode.yaml", root)
    if problems:
        return None, problems
    ep, problems = _validate(EpisodeConfig, data, where)
    if ep is None:
        return None, problems
    problems += _check_files(ep, folder, where)
    problems += _episode_rules(ep, show, where)
    if ep.artwork and not problems:
        from .artwork import check_artwork

        problems += [f"{where}: artwork: {p}" for p in check_artwork(folder / ep.artwork)]
    return ep, problems


def episode_folders(root: Path) -> list[Path]:
    base = root / "episodes"
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))


def load_project(root: Path, only: tuple[str, ...] = ()) -> Project:
    """Load and validate the whole show. Raises ConfigError listing every problem."""
    root = root.resolve()
    data, problems = load_yaml(root / "show.yaml", root)
    if problems:
        raise ConfigError(problems)
    show, problems = _validate(ShowConfig, data, "show.yaml")
    if show is None:
        raise ConfigError(problems)
    problems += _check_show_files(show, root)
    warnings: list[str] = []
    show_guid = show.guid or podcast_guid(show.base_url + FEED_FILENAME)
    if not show.guid:
        warnings.append(
            f"show.yaml: guid: not set; using {show_guid} (from the feed URL). Add "
            f"'guid: {show_guid}' so it stays the same if the show moves"
        )
    folders = episode_folders(root)
    known = {f.name for f in folders}
    for slug in only:
        if slug not in known:
            problems.append(f"episodes/{slug}: no such episode (--only)")
    episodes = []
    for folder in folders:
        slug = folder.name
        if only and slug not in only:
            continue
        if not (folder / "episode.yaml").is_file():
            warnings.append(f"episodes/{slug}: no episode.yaml; folder skipped")
            continue
        if not SLUG_RE.match(slug):
            problems.append(
                f"episodes/{slug}: folder name must be lower-case letters, digits, '-', '_' or '.'"
            )
            continue
        ep, ep_problems = load_episode(folder, show, root)
        problems += ep_problems
        if ep is None:
            continue
        guid = ep.guid
        if not guid:
            guid = str(uuid.uuid5(uuid.UUID(show_guid), slug))
            warnings.append(
                f"episodes/{slug}/episode.yaml: guid: not set; using {guid} derived from the "
                "folder name. Renaming the folder would change it: add 'guid: " + guid + "'"
            )
        episodes.append(EpisodeSource(slug, folder, ep, guid))
    problems += _duplicate_guids(episodes)
    if problems:
        raise ConfigError(problems)
    return Project(root, show, tuple(episodes), show_guid, tuple(warnings))


def _duplicate_guids(episodes: list[EpisodeSource]) -> list[str]:
    seen: dict[str, str] = {}
    problems = []
    for ep in episodes:
        if ep.guid in seen:
            problems.append(
                f"episodes/{ep.slug}/episode.yaml: guid: '{ep.guid}' is also the guid of "
                f"episodes/{seen[ep.guid]}; every episode needs its own"
            )
        else:
            seen[ep.guid] = ep.slug
    return problems
