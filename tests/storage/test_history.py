"""What a site has seen before a comment: duplicates, approved authors, comments per IP."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from moderator import storage
from moderator.core.comment import Comment
from moderator.core.history import NO_HISTORY
from moderator.core.settings import SiteSettings
from moderator.storage.schema import CommentRecord, utcnow

EVERYTHING_ON = SiteSettings(
    duplicate_window_hours=24, trust_approved_authors=True, max_per_ip_per_hour=5
)


@pytest.fixture
def two_sites(session, site_key, other_site_key):
    """Both test sites as rows."""
    return storage.get_site(session, site_key[0]), storage.get_site(session, other_site_key[0])


def store(session, site, status="pending", received_at=None, **fields):
    """Store a comment row directly, as received `received_at` (now by default)."""
    from moderator.core.comment import content_fingerprint

    record = CommentRecord(
        site_id=site.id,
        guid=str(uuid.uuid4()),
        content_hash=content_fingerprint(fields.get("content", "")),
        status=status,
        verdict="ham",
        spam_score=0.1,
        received_at=received_at or utcnow(),
        **{"content": "", **fields},
    )
    session.add(record)
    session.commit()
    return record


def test_nothing_is_looked_up_for_a_site_without_such_rules(session, two_sites):
    site, _ = two_sites
    store(session, site, content="Same words", user_ip="192.0.2.1")
    comment = Comment("Same words", user_ip="192.0.2.1")
    assert storage.comment_history(session, site, comment, SiteSettings()) is NO_HISTORY


def test_the_same_text_on_any_site_within_the_window_is_a_duplicate(session, two_sites):
    site, other = two_sites
    store(session, other, content="Great   POST, thänks!")
    history = storage.comment_history(session, site, Comment("great post, thanks!"), EVERYTHING_ON)
    assert history.duplicate_seen
    old = utcnow() - timedelta(hours=30)
    store(session, other, content="Older words", received_at=old)
    later = storage.comment_history(session, site, Comment("Older words"), EVERYTHING_ON)
    assert not later.duplicate_seen


def test_an_author_is_trusted_only_after_an_approved_comment_on_the_site(session, two_sites):
    site, other = two_sites
    ann = {"author": "Ann", "author_email": "ann@example.org"}
    comment = Comment("Hello", author="Ann", author_email="ANN@example.org")
    store(session, site, status="pending", content="first", **ann)
    store(session, other, status="approved", content="elsewhere", **ann)
    assert not storage.comment_history(session, site, comment, EVERYTHING_ON).author_approved
    store(session, site, status="approved", content="second", **ann)
    assert storage.comment_history(session, site, comment, EVERYTHING_ON).author_approved
    impostor = Comment("Hello", author="Not Ann", author_email="ann@example.org")
    assert not storage.comment_history(session, site, impostor, EVERYTHING_ON).author_approved


def test_comments_from_an_ip_are_counted_over_the_last_hour_on_the_site(session, two_sites):
    site, other = two_sites
    for number in range(3):
        store(session, site, content=f"c{number}", user_ip="198.51.100.9")
    store(
        session,
        site,
        content="old",
        user_ip="198.51.100.9",
        received_at=utcnow() - timedelta(hours=2),
    )
    store(session, other, content="elsewhere", user_ip="198.51.100.9")
    comment = Comment("next", user_ip="198.51.100.9")
    assert storage.comment_history(session, site, comment, EVERYTHING_ON).ip_comments_last_hour == 3
