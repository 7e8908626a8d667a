"""The publish gate: consent records, name withholding, withdrawal, expiry, draft, embargo, review."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from podcast.config import EpisodeConfig
from podcast.consent import decide, name_variants, names_to_redact, with_review
from podcast.errors import ConfigError
from podcast.project import EpisodeSource, load_project
from podcast.review import ReviewStatus

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def speaker(sid: str, name: str, role: str, scope=("audio", "transcript", "name"), **consent: Any):
    return {
        "id": sid,
        "name": name,
        "role": role,
        "consent": {
            "reference": f"CF-{sid}",
            "date": "2026-01-10",
            "scope": list(scope),
            **consent,
        },
    }


def episode(*speakers: dict, **extra: Any) -> EpisodeSource:
    data = {
        "title": "Ward stories",
        "date": "2026-05-01",
        "description": "An episode.",
        "audio": "recording.wav",
        "speakers": list(speakers),
        **extra,
    }
    return EpisodeSource(
        "ep-1", Path("/nowhere/ep-1"), EpisodeConfig.model_validate(data), "guid-1"
    )


HOST = speaker("host", "Alex Host", "Interviewer")


def test_everyone_consented_is_published() -> None:
    d = decide(
        episode(HOST, speaker("pat", "Jo Bloggs", "Patient")), now=NOW, allow_unreviewed=False
    )
    assert d.publish and d.status == "publish" and d.reasons == ()
    assert [s.display_name for s in d.speakers] == ["Alex Host", "Jo Bloggs"]
    assert all(s.named for s in d.speakers)
    assert d.transcript_allowed and d.unnamed_names == () and not d.purge
    assert d.consent_refs == (
        ("host", "CF-host", "audio+transcript+name"),
        ("pat", "CF-pat", "audio+transcript+name"),
    )


def test_name_withheld_appears_by_role_and_is_redacted() -> None:
    d = decide(
        episode(HOST, speaker("pat", "Jo Bloggs", "Patient", scope=("audio", "transcript"))),
        now=NOW,
        allow_unreviewed=False,
    )
    assert d.publish
    pat = d.speakers[1]
    assert pat.display_name == "Patient" and not pat.named and pat.name == "Jo Bloggs"
    assert set(d.unnamed_names) == {"Jo Bloggs", "Jo", "Bloggs"}
    assert "Alex" not in " ".join(d.unnamed_names)


def test_name_variants_drop_titles() -> None:
    assert set(name_variants("Dr Jo Anne Bloggs")) == {
        "Dr Jo Anne Bloggs",
        "Jo Anne Bloggs",
        "Jo",
        "Bloggs",
    }
    assert name_variants("Sister Mary") == ("Sister Mary", "Mary")
    assert name_variants("Cher") == ("Cher",)


def test_names_to_redact_only_unnamed() -> None:
    ep = episode(HOST, speaker("p", "Sam Lee", "Carer", scope=("audio", "transcript")))
    assert set(names_to_redact(ep.config.speakers)) == {"Sam Lee", "Sam", "Lee"}


def test_withdrawn_consent_blocks_and_purges() -> None:
    ep = episode(HOST, speaker("pat", "Jo Bloggs", "Patient", withdrawn="2026-05-20"))
    d = decide(ep, now=NOW, allow_unreviewed=True)
    assert not d.publish and d.status == "withdrawn" and d.purge
    (reason,) = d.reasons
    assert reason == (
        "episodes/ep-1/episode.yaml: speaker 'pat' (Patient) withdrew consent CF-pat on 2026-05-20"
    )
    assert "Jo Bloggs" not in reason  # notices name the speaker by id and role, not their name
    assert d.message == (
        "episodes/ep-1: not published: episode.yaml: speaker 'pat' (Patient) withdrew consent "
        "CF-pat on 2026-05-20"
    )


def test_withdrawal_dated_in_the_future_is_honoured_now() -> None:
    ep = episode(speaker("pat", "Jo Bloggs", "Patient", withdrawn="2027-01-01"))
    assert decide(ep, now=NOW, allow_unreviewed=True).status == "withdrawn"


@pytest.mark.parametrize(
    "expires,publish", [("2026-05-31", False), ("2026-06-01", False), ("2026-06-02", True)]
)
def test_expiry_is_the_first_day_without_consent(expires: str, publish: bool) -> None:
    ep = episode(speaker("pat", "Jo Bloggs", "Patient", expires=expires))
    d = decide(ep, now=NOW, allow_unreviewed=True)
    assert d.publish is publish
    if not publish:
        assert d.status == "expired" and d.purge
        assert d.reasons == (
            f"episodes/ep-1/episode.yaml: speaker 'pat' (Patient): consent CF-pat expired on {expires}",
        )


def test_missing_scope_names_what_is_missing() -> None:
    ep = episode(HOST, speaker("pat", "Jo Bloggs", "Patient", scope=("audio", "name")))
    d = decide(ep, now=NOW, allow_unreviewed=True)
    assert not d.publish and d.status == "not_covered" and not d.purge
    assert not d.transcript_allowed
    (reason,) = d.reasons
    assert "speaker 'pat' (Patient)" in reason and "does not cover transcript" in reason
    ep = episode(speaker("pat", "Jo Bloggs", "Patient", scope=("transcript",)))
    (reason,) = decide(ep, now=NOW, allow_unreviewed=True).reasons
    assert "does not cover audio" in reason


def test_consent_dated_after_now_is_not_consent_yet() -> None:
    ep = episode(speaker("pat", "Jo Bloggs", "Patient", date="2026-07-01"))
    d = decide(ep, now=NOW, allow_unreviewed=True)
    assert d.status == "not_yet_given" and "2026-07-01" in d.reasons[0]


def test_missing_record_is_held_back_by_the_gate_too() -> None:
    """load_project rejects it; the gate is a second line of defence for hand-built sources."""
    ep = episode(HOST, {"id": "pat", "name": "Jo Bloggs", "role": "Patient"})
    d = decide(ep, now=NOW, allow_unreviewed=True)
    assert d.status == "no_consent" and not d.publish
    assert d.speakers[1].display_name == "Patient"  # no record: never named
    assert "speaker 'pat' (Patient) has no consent record" in d.reasons[0]


def test_no_speakers_is_not_published() -> None:
    d = decide(episode(), now=NOW, allow_unreviewed=True)
    assert d.status == "no_speakers" and not d.publish and not d.transcript_allowed


def test_draft_and_embargo() -> None:
    d = decide(episode(HOST, status="draft"), now=NOW, allow_unreviewed=True)
    assert d.status == "draft" and d.reasons == ("episodes/ep-1/episode.yaml: status is draft",)
    assert not d.purge
    later = "2026-06-01T13:00:00+00:00"
    d = decide(episode(HOST, publish_at=later), now=NOW, allow_unreviewed=True)
    assert d.status == "embargoed" and not d.publish
    assert d.reasons == ("episodes/ep-1/episode.yaml: embargoed until 2026-06-01T13:00:00+00:00",)
    assert d.embargo_until == dt.datetime(2026, 6, 1, 13, tzinfo=dt.UTC)
    # naive publish_at is UTC; once it has passed the episode goes out
    d = decide(episode(HOST, publish_at="2026-06-01T11:59:59"), now=NOW, allow_unreviewed=True)
    assert d.publish
    # an offset is honoured: 13:30+02:00 is 11:30 UTC
    d = decide(
        episode(HOST, publish_at="2026-06-01T13:30:00+02:00"), now=NOW, allow_unreviewed=True
    )
    assert d.publish


def test_several_reasons_are_all_reported_withdrawal_first() -> None:
    ep = episode(
        speaker("a", "A One", "Nurse", scope=("audio",)),
        speaker("b", "B Two", "Patient", withdrawn="2026-01-20"),
        status="draft",
    )
    d = decide(ep, now=NOW, allow_unreviewed=True)
    assert d.status == "withdrawn" and len(d.reasons) == 3
    assert "withdrew" in d.reasons[0] and "does not cover" in d.reasons[1]
    assert d.reasons[2].endswith("status is draft")


def test_review_folds_into_the_gate() -> None:
    ep = episode(HOST)
    approved = ReviewStatus("approved", "approved by R on 2026-05-02", "R", dt.date(2026, 5, 2))
    never = ReviewStatus("never", "the transcript has not been reviewed; ...")
    strict = decide(ep, now=NOW, allow_unreviewed=False)
    assert with_review(strict, approved).reviewed and with_review(strict, approved).publish
    held = with_review(strict, never)
    assert not held.publish and held.status == "unreviewed" and not held.reviewed
    assert held.reasons[-1].startswith("episodes/ep-1/episode.yaml: review: the transcript has not")
    lenient = with_review(decide(ep, now=NOW, allow_unreviewed=True), never)
    assert lenient.publish and not lenient.reviewed
    # an episode already held back keeps its first reason as status
    draft = with_review(
        decide(episode(HOST, status="draft"), now=NOW, allow_unreviewed=False), never
    )
    assert draft.status == "draft" and len(draft.reasons) == 2


# ------------------------------------------------------ bad input through load_project


def _write(show: Any, consent: Any) -> Path:
    data = {
        "title": "T",
        "date": "2026-03-01",
        "description": "D",
        "audio": "recording.wav",
        "speakers": [{"id": "pat", "name": "Jo Bloggs", "role": "Patient", "consent": consent}],
    }
    if consent is None:
        del data["speakers"][0]["consent"]
    return show.episode("ep-1", data)


def _problems(show: Any) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_project(show.root)
    return list(err.value.problems)


def test_unknown_scope_is_a_clear_error(show: Any) -> None:
    _write(show, {"reference": "CF-1", "date": "2026-01-01", "scope": ["audio", "video"]})
    (problem,) = _problems(show)
    assert problem.startswith("episodes/ep-1/episode.yaml: speakers[0].consent.scope[1]:")
    assert "'audio', 'transcript' or 'name'" in problem


def test_unparseable_date_is_a_clear_error(show: Any) -> None:
    _write(show, {"reference": "CF-1", "date": "last tuesday", "scope": ["audio"]})
    (problem,) = _problems(show)
    assert problem.startswith("episodes/ep-1/episode.yaml: speakers[0].consent.date:")


def test_missing_date_is_a_clear_error(show: Any) -> None:
    _write(show, {"reference": "CF-1", "scope": ["audio"]})
    (problem,) = _problems(show)
    assert problem == "episodes/ep-1/episode.yaml: speakers[0].consent.date: is required"


def test_speaker_without_record_is_a_clear_error(show: Any) -> None:
    _write(show, None)
    (problem,) = _problems(show)
    assert problem.startswith("episodes/ep-1/episode.yaml: speakers[0].consent: speaker 'pat'")


def test_withheld_name_or_listed_term_in_published_metadata_blocks() -> None:
    pat = speaker("pat", "Jo Bloggs", "Patient", scope=("audio", "transcript"))
    ok = episode(HOST, pat, title="A night on the ward", redact=["Ward 7"])
    assert decide(ok, now=NOW, allow_unreviewed=True).publish
    bad = episode(
        HOST,
        pat,
        title="Jo's story",
        description="Helpline 0113 496 0000. Recorded on ward 7.",
        redact=["Ward 7"],
        chapters=[{"start": 0, "title": "Meeting Mrs Bloggs"}],
    )
    d = decide(bad, now=NOW, allow_unreviewed=True)
    assert not d.publish and d.status == "private_metadata" and not d.purge
    assert d.reasons == (
        "episodes/ep-1/episode.yaml: title: contains the name of speaker 'pat', who has not "
        "consented to be named",
        "episodes/ep-1/episode.yaml: description: contains 'Ward 7', listed in redact:",
        "episodes/ep-1/episode.yaml: chapters[0].title: contains the name of speaker 'pat', who "
        "has not consented to be named",
    )
    # a named speaker's name in the title is fine; a helpline number is not a leak
    named = episode(HOST, speaker("pat", "Jo Bloggs", "Patient"), title="Jo Bloggs, 0113 496 0000")
    assert decide(named, now=NOW, allow_unreviewed=True).publish


def test_named_speaker_sharing_a_given_name_is_not_a_leak() -> None:
    host = speaker("host", "Margaret Hodge", "Interviewer")
    pat = speaker("pat", "Margaret Ellis", "Patient", scope=("audio", "transcript"))
    d = decide(
        episode(host, pat, title="Margaret Hodge talks to a patient"),
        now=NOW,
        allow_unreviewed=True,
    )
    assert d.publish, d.reasons
    d = decide(
        episode(host, pat, title="Margaret Hodge talks to Margaret"), now=NOW, allow_unreviewed=True
    )
    assert d.status == "private_metadata"
