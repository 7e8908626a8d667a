"""The publish gate: consent, draft status, embargo and transcript review, decided in one place.

`decide()` runs before any audio work. It reads only episode.yaml (via EpisodeSource) and the
clock the caller passes in, and returns a frozen `Decision`. After the transcript stage the
pipeline folds the transcript sign-off in with `with_review()`, so one Decision carries every
reason an episode is held back.

Rules (docs/consent.md explains them for users):
- every speaker needs a consent record whose scope includes "audio" AND "transcript": every
  episode is published with its transcript (accessibility law requires one), so a speaker who
  refused the transcript holds the whole episode back rather than publishing audio without it;
- "name" in the scope shows the person's name; without it they appear by role only and their
  full name, given name and surname are redacted from transcripts and bleeped in the audio;
- consent is void on and after its `expires` date and whenever `withdrawn` is set (any date:
  a withdrawal recorded in advance is honoured at once);
- a consent `date` after `now` is not consent yet;
- an episode that lists no speakers is held back: somebody's voice is in it;
- published episode.yaml text (title, description, roles, chapter/question/soundbite titles)
  must not contain a withheld name or a `redact:` entry: the episode is held back until fixed;
- `status: draft` and a `publish_at` later than `now` hold the episode back (not purged).
Withdrawn or expired consent also asks for the episode's cache and reports to be purged.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .models import Speaker

if TYPE_CHECKING:
    from .config import SpeakerConfig
    from .project import EpisodeSource
    from .review import ReviewStatus

REQUIRED_SCOPES = ("audio", "transcript")

# Words before a name that are not part of the person's given name.
TITLES = frozenset(
    "mr mrs ms miss mx dr doctor prof professor sir dame lady lord rev revd sister nurse "
    "matron father".split()
)


@dataclass(frozen=True)
class Decision:
    """Whether one episode may be published, and why not."""

    slug: str
    publish: bool
    # "publish" | "draft" | "embargoed" | "no_speakers" | "no_consent" | "not_covered"
    # | "not_yet_given" | "private_metadata" | "expired" | "withdrawn" | "unreviewed"
    # (the first blocking one)
    status: str
    reasons: tuple[str, ...]  # human messages; empty when publish is True
    speakers: tuple[Speaker, ...]  # display names resolved
    transcript_allowed: bool  # every speaker's scope includes "transcript"
    unnamed_names: tuple[str, ...]  # name variants of speakers shown by role only: redact them
    # (speaker id, consent reference, scope joined by "+") for the publication log
    consent_refs: tuple[tuple[str, str, str], ...] = ()
    purge: bool = False  # withdrawn/expired: delete the episode's cache entries and reports
    allow_unreviewed: bool = False
    reviewed: bool = False  # set by with_review(): the published transcript was signed off
    embargo_until: dt.datetime | None = None

    @property
    def message(self) -> str:
        """One line for the run's notice: 'episodes/<slug>: not published: ...'."""
        if self.publish:
            return f"episodes/{self.slug}: published"
        prefix = f"episodes/{self.slug}/"
        reasons = (r.removeprefix(prefix) for r in self.reasons)
        return f"episodes/{self.slug}: not published: " + "; ".join(reasons)


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def resolve_speaker(cfg: SpeakerConfig) -> Speaker:
    """The public face of a speaker: their name only when the consent scope includes "name"."""
    named = cfg.consent is not None and "name" in cfg.consent.scope
    return Speaker(
        id=cfg.id,
        name=cfg.name,
        role=cfg.role,
        display_name=cfg.name if named else cfg.role,
        named=named,
        host=cfg.host,
    )


def name_variants(name: str) -> tuple[str, ...]:
    """Full name, given name and surname of a person ("Dr Jo Bloggs" -> Dr Jo Bloggs, Jo Bloggs,
    Jo, Bloggs), longest first, for redaction. Titles alone are never returned."""
    words = [w for w in re.split(r"\s+", name.strip()) if w]
    bare = [w for w in words if w.lower().rstrip(".") not in TITLES]
    out = [" ".join(words), " ".join(bare)]
    if bare:
        out += [bare[0], bare[-1]]
    seen: dict[str, None] = {}
    for item in out:
        if item and item.lower() not in {k.lower() for k in seen}:
            seen[item] = None
    return tuple(sorted(seen, key=lambda s: (-len(s), s)))


def names_to_redact(speakers: Sequence[SpeakerConfig]) -> tuple[str, ...]:
    """Every name variant of the speakers who have not consented to be named."""
    out: dict[str, None] = {}
    for cfg in speakers:
        if not resolve_speaker(cfg).named:
            out.update(dict.fromkeys(name_variants(cfg.name)))
    return tuple(out)


def _speaker_problems(
    where: str, cfg: SpeakerConfig, today: dt.date
) -> tuple[list[tuple[str, str]], bool]:
    """(status, message) pairs for one speaker, and whether the episode must be purged."""
    who = f"speaker '{cfg.id}' ({cfg.role})"
    c = cfg.consent
    if c is None:
        return [
            ("no_consent", f"{where}: {who} has no consent record (reference, date, scope)")
        ], False
    ref = f"consent {c.reference}"
    if c.withdrawn is not None:
        return [("withdrawn", f"{where}: {who} withdrew {ref} on {c.withdrawn.isoformat()}")], True
    if c.expires is not None and today >= c.expires:
        return [("expired", f"{where}: {who}: {ref} expired on {c.expires.isoformat()}")], True
    problems = []
    if c.date > today:
        problems.append(
            ("not_yet_given", f"{where}: {who}: {ref} is dated {c.date.isoformat()}, in the future")
        )
    missing = [s for s in REQUIRED_SCOPES if s not in c.scope]
    if missing:
        why = " (every episode is published with its transcript)" if "transcript" in missing else ""
        problems.append(
            (
                "not_covered",
                f"{where}: {who}: {ref} does not cover {' or '.join(missing)}{why}; "
                f"scope is {', '.join(c.scope) or 'empty'}",
            )
        )
    return problems, False


def _public_text(ep: EpisodeSource) -> list[tuple[str, str]]:
    """(field, text) of every episode.yaml text that is published as written."""
    cfg = ep.config
    out = [("title", cfg.title), ("description", cfg.description)]
    out += [(f"speakers[{i}].role", s.role) for i, s in enumerate(cfg.speakers)]
    if isinstance(cfg.chapters, tuple):
        out += [(f"chapters[{i}].title", c.title) for i, c in enumerate(cfg.chapters)]
    for i, q in enumerate(cfg.questions):
        out += [(f"questions[{i}].text", q.text)] + (
            [(f"questions[{i}].title", q.title)] if q.title else []
        )
    out += [(f"soundbites[{i}].title", b.title) for i, b in enumerate(cfg.soundbites) if b.title]
    return out


def _without_names(text: str, names: Sequence[str]) -> str:
    """text with the full names of named speakers blanked out (case-insensitive, whole words)."""
    for name in sorted(names, key=len, reverse=True):
        words = [re.escape(w) for w in name.split()]
        if words:
            text = re.sub(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", " ", text, flags=re.I)
    return text


def metadata_leaks(ep: EpisodeSource) -> tuple[str, ...]:
    """Published episode.yaml text (title, description, roles, chapter and question titles,
    soundbite titles) that contains a name withheld by consent or a `redact:` entry."""
    from .redact import terms_in_text

    where = f"episodes/{ep.slug}/episode.yaml"
    cfg = ep.config
    problems = []
    withheld = {s.id: names_to_redact([s]) for s in cfg.speakers if not resolve_speaker(s).named}
    # a named speaker's full name may share a given name with someone withheld: not a leak
    named = [s.name for s in cfg.speakers if resolve_speaker(s).named]
    for field, text in _public_text(ep):
        public = _without_names(text, named)
        for sid, names in withheld.items():
            if terms_in_text(public, names):
                problems.append(
                    f"{where}: {field}: contains the name of speaker '{sid}', who has not "
                    "consented to be named"
                )
        hits = terms_in_text(text, cfg.redact)
        if hits:
            listed = ", ".join(repr(h) for h in hits)
            problems.append(f"{where}: {field}: contains {listed}, listed in redact:")
    return tuple(problems)


def decide(ep: EpisodeSource, *, now: dt.datetime, allow_unreviewed: bool) -> Decision:
    """The gate for one episode at time `now` (naive = UTC). Never raises for a held-back episode."""
    cfg = ep.config
    where = f"episodes/{ep.slug}/episode.yaml"
    now = _utc(now)
    today = now.date()
    found: list[tuple[str, str]] = []
    purge = False
    if cfg.status == "draft":
        found.append(("draft", f"{where}: status is draft"))
    embargo = _utc(cfg.publish_at) if cfg.publish_at is not None else None
    if embargo is not None and now < embargo:
        found.append(("embargoed", f"{where}: embargoed until {embargo.isoformat()}"))
    if not cfg.speakers:
        found.append(
            ("no_speakers", f"{where}: speakers: none listed; every voice needs a consent record")
        )
    for s in cfg.speakers:
        problems, must_purge = _speaker_problems(where, s, today)
        found += problems
        purge = purge or must_purge
    found += [("private_metadata", msg) for msg in metadata_leaks(ep)]
    # withdrawal/expiry first: they are what the run must announce and act on
    order = [
        "withdrawn",
        "expired",
        "no_speakers",
        "no_consent",
        "not_covered",
        "not_yet_given",
        "private_metadata",
        "draft",
        "embargoed",
    ]
    found.sort(key=lambda p: order.index(p[0]))
    return Decision(
        slug=ep.slug,
        publish=not found,
        status=found[0][0] if found else "publish",
        reasons=tuple(msg for _, msg in found),
        speakers=tuple(resolve_speaker(s) for s in cfg.speakers),
        transcript_allowed=bool(cfg.speakers)
        and all(s.consent is not None and "transcript" in s.consent.scope for s in cfg.speakers),
        unnamed_names=names_to_redact(cfg.speakers),
        consent_refs=tuple(
            (s.id, s.consent.reference, "+".join(s.consent.scope))
            for s in cfg.speakers
            if s.consent is not None
        ),
        purge=purge,
        allow_unreviewed=allow_unreviewed,
        embargo_until=embargo,
    )


def with_review(decision: Decision, status: ReviewStatus) -> Decision:
    """Fold the transcript sign-off (podcast.review.review_status) into the gate.

    An approved transcript sets `reviewed`. Otherwise the episode is held back, unless the show
    allows unreviewed transcripts, in which case it is published marked as unchecked."""
    if status.approved:
        return replace(decision, reviewed=True)
    if decision.allow_unreviewed:
        return replace(decision, reviewed=False)
    reasons = (
        *decision.reasons,
        f"episodes/{decision.slug}/episode.yaml: review: {status.message}",
    )
    return replace(
        decision,
        publish=False,
        reviewed=False,
        status=decision.status if not decision.publish else "unreviewed",
        reasons=reasons,
    )
