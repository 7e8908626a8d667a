"""The `podcast` command. Thin: parse options, call the library, turn its errors into messages.

Heavy modules (Whisper, numpy, feedgen, PIL) are imported inside the commands, so
`podcast --help` stays fast.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__

log = logging.getLogger("podcast")


def _setup_logging(verbose: int, quiet: bool) -> Any:
    from .progress import CountHandler, TqdmLoggingHandler

    level = logging.ERROR if quiet else (logging.DEBUG if verbose else logging.INFO)
    handler: logging.Handler = TqdmLoggingHandler() if sys.stderr.isatty() else logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s" if verbose else "%(message)s"))
    log.handlers[:] = [handler]
    counter = CountHandler()
    log.addHandler(counter)
    log.setLevel(level if not quiet else logging.WARNING)
    handler.setLevel(level)
    log.propagate = False
    return counter


def common(f: Callable) -> Callable:
    """--root, -v, -q, shared by every command."""

    @click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
                  show_default=True, help="Show folder holding show.yaml and episodes/.")
    @click.option("-v", "--verbose", count=True, help="More detail, and tracebacks on errors.")
    @click.option("-q", "--quiet", is_flag=True, help="Only errors.")
    @functools.wraps(f)
    def wrapper(*args: Any, verbose: int, quiet: bool, **kwargs: Any) -> Any:
        counter = _setup_logging(verbose, quiet)
        from .errors import PodcastError

        try:
            return f(*args, counter=counter, **kwargs)
        except PodcastError as e:
            if verbose:
                log.exception("failed")
            raise click.ClickException(str(e)) from None
        except KeyboardInterrupt:
            raise click.ClickException("interrupted; the published folder was left as it was") from None

    return wrapper


def cache_option(f: Callable) -> Callable:
    return click.option(
        "--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Stage cache folder (default from show.yaml: .podcast-cache).")(f)


def _parse_now(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not an ISO date/time like 2026-05-01T09:00") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="podcast")
def cli() -> None:
    """Master, transcribe, chapter and publish a podcast of recorded interviews."""


@cli.command()
@common
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default ROOT/feed).")
@click.option("--only", multiple=True, metavar="SLUG",
              help="Process only this episode (repeatable); the others are published as they "
                   "were last processed, from the cache.")
@click.option("--strict", is_flag=True, help="Warnings (and excluded episodes) fail the run.")
@click.option("--skip-failed", is_flag=True, help="Publish the healthy episodes when some fail.")
@click.option("--jobs", "-j", type=click.IntRange(0, 64), default=0,
              help="Episodes processed at once (default: one per core).")
@click.option("--now", default=None, metavar="DATETIME",
              help="Fix the clock (ISO date/time) for embargoes and consent expiry.")
@cache_option
@click.option("--progress/--no-progress", default=None, help="Progress bars (default: on a terminal).")
def publish(root: Path, out: Path | None, only: tuple[str, ...], strict: bool, skip_failed: bool,
            jobs: int, now: str | None, cache_dir: Path | None, progress: bool | None,
            counter: Any) -> None:
    """Master, transcribe and publish every episode into the output folder."""
    from .pipeline import PublishFailed, PublishOptions
    from .pipeline import publish as run

    opts = PublishOptions(root=root, out=out, only=only, strict=strict, skip_failed=skip_failed,
                          jobs=jobs, now=_parse_now(now), cache_dir=cache_dir, progress=progress)
    try:
        result = run(opts)
    except PublishFailed as e:
        raise click.ClickException(str(e)) from None
    log.info("Published %d episode(s) to %s in %.1f s", len(result.published), result.out, result.seconds)
    if strict and (counter.count or result.excluded):
        raise click.ClickException(
            f"--strict: {counter.count} warning(s) and {len(result.excluded)} excluded episode(s); "
            "see above")


@cli.command()
@common
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Published folder to check as well (default ROOT/feed, when it exists).")
@click.option("--strict", is_flag=True, help="Warnings count as errors.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable result on stdout (for CI).")
@click.option("--now", default=None, metavar="DATETIME", help="Fix the clock (ISO date/time).")
def check(root: Path, out: Path | None, strict: bool, as_json: bool, now: str | None,
          counter: Any) -> None:
    """Validate the show and every episode without processing, and the last published output."""
    from .checks import run_checks
    from .output import recover_if_idle

    recover_if_idle((out or root / "feed").resolve())
    problems = run_checks(root.resolve(), out, now=_parse_now(now))
    errors = [p for p in problems if p.level == "error" or strict]
    if as_json:
        click.echo(json.dumps({"ok": not errors, "problems": [p.__dict__ for p in problems]},
                              indent=2, sort_keys=True))
    else:
        for p in problems:
            click.echo(f"{p.level}: {p}", err=True)
        if not errors:
            click.echo(f"OK: no errors ({len(problems)} warning(s))", err=True)
    if errors:
        sys.exit(1)


@cli.command()
@common
@click.argument("slug")
@click.option("--title", default=None, help="Episode title (default from the slug).")
def new(root: Path, slug: str, title: str | None, counter: Any) -> None:
    """Create episodes/SLUG/ with a commented episode.yaml and a fresh guid."""
    from .scaffold import new_episode

    path = new_episode(root.resolve(), slug, title=title, today=dt.date.today())
    click.echo(f"Created {path}. Put the recording in that folder and fill in episode.yaml.")


@cli.command()
@common
@click.argument("slug")
@click.option("--force", is_flag=True, help="Regenerate even over a corrected transcript (kept as a backup).")
@cache_option
def transcribe(root: Path, slug: str, force: bool, cache_dir: Path | None, counter: Any) -> None:
    """Write the machine transcript to episodes/SLUG/transcript.vtt for a person to correct."""
    from .commands import transcribe_for_review

    path = transcribe_for_review(root.resolve(), slug, force=force, cache_dir=cache_dir)
    click.echo(f"Wrote {path}. Correct it, commit it, then run 'podcast approve {slug} --by NAME'.")


@cli.command()
@common
@click.argument("slug")
@click.option("--by", "by", required=True, help="Name of the person who checked the transcript.")
@click.option("--date", "date", default=None, help="Date of the check (default today).")
@cache_option
def approve(root: Path, slug: str, by: str, date: str | None, cache_dir: Path | None,
            counter: Any) -> None:
    """Record that a person checked the episode's transcript (lapses if it changes)."""
    from .commands import approve_episode

    try:
        when = dt.date.fromisoformat(date) if date else dt.date.today()
    except ValueError:
        raise click.BadParameter(f"'{date}' is not a date like 2026-05-01", param_hint="--date") from None
    digest = approve_episode(root.resolve(), slug, by=by, when=when, cache_dir=cache_dir)
    click.echo(f"Approved episodes/{slug} transcript {digest[:12]} by {by} on {when}.")


@cli.command()
@common
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to serve (default ROOT/feed).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=int)
def serve(root: Path, out: Path | None, host: str, port: int, counter: Any) -> None:
    """Preview the published site locally (answers HTTP Range requests)."""
    from .output import recover_if_idle
    from .site.serve import serve as run

    folder = (out or root / "feed").resolve()
    recover_if_idle(folder)
    if not folder.is_dir():
        raise click.ClickException(f"{folder}: nothing published yet; run 'podcast publish' first")
    click.echo(f"Serving {folder} at http://{host}:{port}/ (Ctrl+C to stop)")
    run(folder, host=host, port=port)


def main() -> None:
    cli(prog_name="podcast")
