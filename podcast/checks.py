"""`podcast check`: everything that can be known without processing, plus the last output."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from .errors import ConfigError
from .models import Problem
from .project import load_project

_WHERE = re.compile(r"^(?P<where>[^:]+?)(?::\d+:\d+)?: (?:(?P<field>[\w.\[\]-]+): )?(?P<msg>.*)$", re.S)


def _problem(level: str, text: str) -> Problem:
    m = _WHERE.match(text)
    if not m:
        return Problem(level, "", "", text)
    return Problem(level, m["where"], m["field"] or "", m["msg"])


def run_checks(root: Path, out: Path | None, *, now: dt.datetime | None = None) -> list[Problem]:
    """Every problem in the show, its episodes and the last published output."""
    try:
        project = load_project(root)
    except ConfigError as e:
        return [_problem("error", p) for p in e.problems]
    problems = [_problem("warning", w) for w in project.warnings]
    from . import consent
    from .feed import check_output, check_show

    problems += check_show(project)
    when = now or dt.datetime.now(dt.UTC)
    for ep in project.episodes:
        decision = consent.decide(ep, now=when,
                                  allow_unreviewed=project.show.transcription.allow_unreviewed)
        for reason in decision.reasons:
            problems.append(Problem("warning", f"episodes/{ep.slug}", "consent", reason))
    out_dir = (out or root / "feed").resolve()
    if (out_dir / "feed.xml").is_file():
        problems += check_output(project, out_dir)
    return problems
