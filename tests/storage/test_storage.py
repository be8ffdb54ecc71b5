"""The storage layer: the reply queue, counts, labels and the event log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from moderator import storage
from moderator.core.comment import Comment
from moderator.core.decision import Decision
from moderator.storage.schema import Event, Label, LabelKind, ReplyState, Status, Verdict


def decision(status=Status.APPROVED, needs_reply=False, urgent=False) -> Decision:
    """A hand-made decision, so storage is tested apart from the models."""
    verdict = Verdict.SPAM if status is Status.SPAM else Verdict.HAM
    return Decision(
        status=status,
        verdict=verdict,
        spam_score=0.9 if verdict is Verdict.SPAM else 0.1,
        discard=False,
        medical_score=0.9 if needs_reply else 0.1,
        needs_reply=needs_reply,
        urgent=urgent,
        reasons=(),
        spam_model_version="spam-test",
        medical_model_version="medical-test",
    )


@pytest.fixture
def site(session, site_key):
    """The test site as a row."""
    return storage.get_site(session, site_key[0])


def add(session, site, text, **kwargs):
    """Store a comment with a hand-made decision."""
    return storage.add_comment(
        session, site, Comment(text), decision(**kwargs), raw={"content": text}, actor="test"
    ).record


def test_reply_queue_is_urgent_first_then_oldest_and_pages(session, site):
    old = add(session, site, "old question", needs_reply=True)
    urgent_new = add(session, site, "urgent newer", needs_reply=True, urgent=True)
    add(session, site, "not a question")
    new = add(session, site, "newer question", needs_reply=True)
    urgent_newest = add(session, site, "urgent newest", needs_reply=True, urgent=True)
    add(session, site, "spam question", status=Status.SPAM, needs_reply=False)

    first = storage.list_comments(session, site, needs_reply=True, limit=3)
    assert [r.id for r in first.items] == [urgent_new.id, urgent_newest.id, old.id]
    second = storage.list_comments(session, site, needs_reply=True, cursor=first.next_cursor)
    assert [r.id for r in second.items] == [new.id]
    assert second.next_cursor is None


def test_replied_and_trashed_questions_leave_the_queue(session, site):
    replied = add(session, site, "question one", needs_reply=True)
    trashed = add(session, site, "question two", needs_reply=True)
    storage.set_reply_state(
        session, replied, ReplyState.REPLIED, actor="user:a", origin="moderator"
    )
    storage.set_status(session, trashed, Status.TRASH, actor="user:a", origin="moderator")
    session.commit()
    assert storage.list_comments(session, site, needs_reply=True).items == []
    counts = storage.count_by_status(session, [site.id])
    assert counts["needs_reply"] == 0 and counts["trash"] == 1 and counts["approved"] == 1


def test_reply_state_changes_are_logged_from_to(session, site):
    record = add(session, site, "question", needs_reply=True)
    assert storage.set_reply_state(
        session, record, ReplyState.DISMISSED, actor="user:a", origin="moderator"
    )
    assert not storage.set_reply_state(
        session, record, ReplyState.DISMISSED, actor="user:a", origin="moderator"
    )
    session.commit()
    events = session.execute(select(Event).where(Event.action == "reply_state_changed")).scalars()
    assert [(e.from_value, e.to_value, e.actor) for e in events] == [
        ("needs_reply", "dismissed", "user:a")
    ]


def test_test_traffic_never_becomes_a_label(session, site):
    record = storage.add_comment(
        session, site, Comment("hi"), decision(), raw={}, actor="test", is_test=True
    ).record
    assert storage.add_label(session, record, LabelKind.SPAM, True, actor="a", source="x") is None
    session.commit()
    assert session.execute(select(Label)).scalars().all() == []


def test_labels_keep_a_copy_of_the_text(session, site):
    record = add(session, site, "genuine words")
    storage.record_feedback(session, record, False, actor="a", source="api", origin="platform")
    label = session.execute(select(Label)).scalar_one()
    assert (label.kind, label.value, label.content) == ("spam", False, "genuine words")


def test_events_feed_leaves_out_the_platforms_own_changes(session, site):
    record = add(session, site, "words")
    storage.set_status(session, record, Status.SPAM, actor="key:x", origin="platform")
    storage.set_status(session, record, Status.APPROVED, actor="user:a", origin="moderator")
    session.commit()
    mine = storage.events_after(session, site)
    assert [(e.from_value, e.to_value) for e in mine] == [("spam", "approved")]
    every = storage.events_after(session, site, include_platform=True)
    assert len(every) == 2
    assert storage.events_after(session, site, after=mine[-1].id) == []


@pytest.mark.parametrize(
    "url",
    [
        "https://blog.example",
        "https://blog.example/",
        "http://www.blog.example",
        "HTTPS://BLOG.EXAMPLE",
    ],
)
def test_site_by_url_ignores_scheme_slash_and_www(session, site, url):
    assert storage.site_by_url(session, url).id == site.id


@pytest.mark.parametrize("cursor", ["", "!!", "WzFd", "bnVsbA", "WyJhIl0", "W3RydWVd"])
def test_bad_cursors_are_value_errors(cursor):
    with pytest.raises(ValueError):
        storage.decode_cursor(cursor, 2 if cursor == "WzFd" else 1)


def test_cursor_round_trip():
    assert storage.decode_cursor(storage.encode_cursor([1, 42]), 2) == [1, 42]


# SQLite serialises writers itself; row locks are PostgreSQL's concern.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_comment_being_changed_is_locked_for_other_servers(app, session, site):
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session as OrmSession

    record = add(session, site, "words")
    locked = storage.get_comment(session, site, record.id, for_update=True)
    with OrmSession(app.extensions["moderator.engine"]) as other_server:
        other_server.execute(text("SET lock_timeout = '200ms'"))
        with pytest.raises(OperationalError, match="lock"):
            storage.get_comment(other_server, site, record.id, for_update=True)
    storage.set_status(session, locked, Status.SPAM, actor="a", origin="moderator")
    session.commit()
