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


def _statements(session):
    """Start counting the SQL statements the session's engine runs; return the list."""
    from sqlalchemy import event

    seen: list[str] = []
    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


BATCH = [
    Comment("great post, thanks!", author="Ann", author_email=" ANN@example.org "),
    Comment("Something new", author="Ann", author_email="ann@example.org", user_ip="192.0.2.7"),
    Comment("Something new", author="Not Ann", author_email="ann@example.org"),
    Comment("Other words", author="Bob", user_ip="198.51.100.9"),
    Comment("Never seen before", author_email="", user_ip="  "),
    Comment("old words", user_ip="203.0.113.1"),
]


def test_a_batch_learns_what_each_comment_would_alone_in_three_queries(session, two_sites):
    site, other = two_sites
    ann = {"author": "Ann", "author_email": "ann@example.org"}
    store(session, other, content="Great   POST, thänks!")
    store(session, site, status="approved", content="earlier", **ann)
    store(session, other, status="approved", content="elsewhere", author="Bob")
    for number in range(3):
        store(session, site, content=f"c{number}", user_ip="198.51.100.9")
    store(session, site, content="x", user_ip="192.0.2.7")
    store(
        session,
        site,
        content="old words",
        user_ip="203.0.113.1",
        received_at=utcnow() - timedelta(hours=30),
    )
    alone = [storage.comment_history(session, site, c, EVERYTHING_ON) for c in BATCH]
    statements = _statements(session)
    together = storage.comment_histories(session, site, BATCH * 200, EVERYTHING_ON)
    assert together == alone * 200
    assert len(statements) <= 2 * 3  # each rule's question, in chunks of 500 values at most
    assert [h.duplicate_seen for h in alone] == [True, False, False, False, False, False]
    assert [h.author_approved for h in alone] == [True, True, False, False, False, False]
    assert [h.ip_comments_last_hour for h in alone] == [0, 1, 0, 3, 0, 0]


def test_a_batch_asks_nothing_of_a_site_without_such_rules(session, two_sites):
    site, _ = two_sites
    statements = _statements(session)
    assert storage.comment_histories(session, site, BATCH, SiteSettings()) == [NO_HISTORY] * 6
    assert statements == []


def test_the_approved_author_lookup_reads_the_lower_cased_e_mail_index(session, two_sites):
    """The rule runs on every new comment: it must not read all of a site's comments."""
    site, _ = two_sites
    for number in range(50):
        store(
            session, site, status="approved", content=f"c{number}", author_email=f"{number}@x.org"
        )
    rule_only = SiteSettings(trust_approved_authors=True)
    seen: list[tuple] = []
    from sqlalchemy import event

    engine = session.get_bind()

    def remember(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        comment = Comment("Hello", author="Ann", author_email="ANN@example.org")
        storage.comment_history(session, site, comment, rule_only)
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    [(statement, parameters)] = [s for s in seen if "lower(" in s[0]]
    connection = session.connection().connection.driver_connection
    cursor = connection.cursor()
    if engine.dialect.name == "sqlite":
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
    else:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + statement, parameters)
    plan = " ".join(str(row) for row in cursor.fetchall())
    assert "ix_comments_site_author_email_lower" in plan, plan
