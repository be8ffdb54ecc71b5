"""Akismet figures from stored comments: a month's usage, and a period month by month."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from moderator import storage
from moderator.storage.schema import CommentRecord


@pytest.fixture
def site(session, site_key):
    """The first test site as a row."""
    return storage.get_site(session, site_key[0])


def checked(session, site, when: datetime, verdict: str = "ham") -> None:
    """Store a comment as an Akismet check received at `when`."""
    session.add(
        CommentRecord(
            site_id=site.id,
            guid=str(uuid.uuid4()),
            content_hash=uuid.uuid4().hex,
            content="words",
            status="spam" if verdict == "spam" else "approved",
            verdict=verdict,
            spam_score=0.95 if verdict == "spam" else 0.1,
            origin="akismet",
            received_at=when,
        )
    )
    session.commit()


def test_a_period_is_counted_month_by_month_and_clipped(session, site):
    checked(session, site, datetime(2026, 1, 31, 23, 59, tzinfo=UTC), "spam")
    checked(session, site, datetime(2026, 2, 1, 0, 0, tzinfo=UTC))
    checked(session, site, datetime(2026, 2, 10, tzinfo=UTC))
    checked(session, site, datetime(2026, 3, 20, tzinfo=UTC))  # after the period ends
    start, end = datetime(2025, 12, 15, tzinfo=UTC), datetime(2026, 3, 15, tzinfo=UTC)
    months = storage.akismet_months(session, site, start, end)
    assert [(m, u.spam, u.ham) for m, u in months] == [
        ("2025-12", 0, 0),
        ("2026-01", 1, 0),
        ("2026-02", 0, 2),
        ("2026-03", 0, 0),
    ]


def test_a_period_inside_one_month_still_has_its_month(session, site):
    moment = datetime(2026, 12, 7, 12, tzinfo=UTC)
    checked(session, site, moment)
    (row,) = storage.akismet_months(session, site, moment, moment)
    assert row[0] == "2026-12" and row[1].api_calls == 0  # an empty period counts nothing
    (row,) = storage.akismet_months(session, site, datetime(2026, 12, 1, tzinfo=UTC), moment)
    assert row[1].api_calls == 0  # [start, end): the check at `end` is not in it
    (row,) = storage.akismet_months(
        session, site, datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)
    )
    assert (row[0], row[1].api_calls) == ("2026-12", 1)
