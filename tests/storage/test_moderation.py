"""Storage carries out the moderation workflow: rows written, queues, deletion and undo.

These call the storage functions directly, without the web layer, on both databases.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from moderator import storage
from moderator.core import workflow
from moderator.core.comment import Comment
from moderator.core.decision import Decision
from moderator.core.states import EventOrigin, LabelSource
from moderator.storage.schema import Event, Label, Reply, ReplyState, Status, Verdict

ACTOR = "mo"


@pytest.fixture
def site(session, site_key):
    """The test site as a row."""
    return storage.get_site(session, site_key[0])


def add(session, site, status="pending", reply_state="none", *, text=None, is_test=False):
    """Store a comment and move it to a status and reply state, as if it had been moderated."""
    decision = Decision(
        status=Status.PENDING,
        verdict=Verdict.UNSURE,
        spam_score=0.6,
        discard=False,
        medical_score=0.1,
        needs_reply=False,
        urgent=False,
        reasons=(),
        spam_model_version="spam-test",
        medical_model_version="medical-test",
    )
    text = text or f"comment {status} {reply_state} {next(_numbers)}"
    record = storage.add_comment(
        session, site, Comment(text), decision, raw={}, actor="test", is_test=is_test
    ).record
    storage.set_status(session, record, status, actor="setup", origin="platform")
    storage.set_reply_state(session, record, reply_state, actor="setup", origin="platform")
    session.commit()
    return record


_numbers = itertools.count()


def written(session, record_id, since: int = 0):
    """Return the labels and events written about a comment after event id `since`."""
    labels = session.execute(
        select(Label).where(Label.comment_id == record_id).order_by(Label.id)
    ).scalars()
    events = session.execute(
        select(Event).where(Event.comment_id == record_id, Event.id > since).order_by(Event.id)
    ).scalars()
    return (
        [(x.kind, x.value, x.source, x.actor) for x in labels],
        [(e.action, e.origin, e.from_value, e.to_value, e.actor) for e in events],
    )


def last_event_id(session) -> int:
    """Return the newest event id (0 when there is none)."""
    return max(session.execute(select(Event.id)).scalars(), default=0)


# -- one writer -------------------------------------------------------------------------

CASES = [
    ("approve", "review", "pending", "none"),
    ("spam", "review", "approved", "needs_reply"),
    ("trash", "review", "pending", "needs_reply"),
    ("dismiss", "review", "pending", "needs_reply"),
    ("reply", "review", "pending", "needs_reply"),
    ("feedback_spam", "api", "spam", "none"),
    ("feedback_ham", "akismet", "pending", "none"),
    ("mark_replied", "api", "approved", "needs_reply"),
    ("mark_needs_reply", "api", "approved", "replied"),
]


@pytest.mark.parametrize("action, channel, status, reply_state", CASES)
def test_perform_writes_exactly_what_the_workflow_says(
    session, site, action, channel, status, reply_state
):
    record = add(session, site, status, reply_state)
    since = last_event_id(session)
    via = {"review": workflow.REVIEW, "api": workflow.API, "akismet": workflow.AKISMET}[channel]
    expected = workflow.transition(action, storage.state_of(record), via)
    storage.perform(session, record, action, actor=ACTOR, channel=via)
    session.commit()
    session.refresh(record)
    assert (record.status, record.reply_state) == (expected.status, expected.reply_state)
    assert written(session, record.id, since) == (
        [(x.kind, x.value, x.source, ACTOR) for x in expected.labels],
        [(e.action, e.origin, e.from_value, e.to_value, ACTOR) for e in expected.events],
    )


def test_restore_finds_where_a_comment_was_before_the_trash(session, site):
    record = add(session, site, "spam")
    storage.moderate(session, [record], "trash", actor=ACTOR)
    assert storage.current_state(session, record).status_before_trash is Status.SPAM
    storage.moderate(session, [record], "restore", actor=ACTOR)
    assert record.status == "spam"


def test_a_refused_action_writes_nothing(session, site):
    record = add(session, site, "pending")
    since = last_event_id(session)
    with pytest.raises(storage.NotAllowed):
        storage.perform(session, record, "delete", actor=ACTOR)
    session.commit()
    assert record.status == "pending" and written(session, record.id, since) == ([], [])


def test_a_test_request_moves_the_comment_without_a_label(session, site):
    record = add(session, site, "pending")
    storage.record_feedback(
        session, record, True, actor=ACTOR, source="akismet", origin="platform", test=True
    )
    assert record.status == "spam"
    assert written(session, record.id)[0] == []


def test_setting_a_state_logs_it_but_labels_nothing(session, site):
    record = add(session, site, "pending")
    assert storage.set_status(session, record, Status.SPAM, actor=ACTOR, origin="moderator")
    assert not storage.set_status(session, record, "spam", actor=ACTOR, origin="moderator")
    session.commit()
    labels, events = written(session, record.id)
    assert labels == [] and events[-1] == ("status_changed", "moderator", "pending", "spam", ACTOR)


def test_origins_and_sources_outside_the_enums_are_refused(session, site):
    record = add(session, site, "pending")
    with pytest.raises(ValueError):
        storage.set_status(session, record, "spam", actor=ACTOR, origin="cron")
    with pytest.raises(ValueError):
        storage.record_feedback(session, record, True, actor=ACTOR, source="x", origin="platform")
    session.rollback()


# -- queues: the SQL agrees with the workflow -------------------------------------------------


def test_every_queue_lists_exactly_the_comments_the_workflow_puts_in_it(session, site):
    ids = {
        (status, reply): add(session, site, status.value, reply.value).id
        for status in Status
        for reply in ReplyState
    }
    counts = storage.count_by_status(session, [site.id])
    for queue in workflow.QUEUES:
        filters = storage.ReviewFilter(site_ids=(site.id,), queue=queue)
        listed = {r.id for r in storage.review_page(session, filters, per_page=100).items}
        expected = {
            comment_id
            for (status, reply), comment_id in ids.items()
            if queue in workflow.queues(workflow.CommentState(status, reply))
        }
        assert listed == expected, queue
        assert counts[queue] == len(expected), queue
    waiting = storage.list_comments(session, site, needs_reply=True, limit=100).items
    assert {r.id for r in waiting} == {
        comment_id
        for (s, r), comment_id in ids.items()
        if workflow.NEEDS_REPLY in workflow.queues(workflow.CommentState(s, r))
    }


# -- the review page's actions ------------------------------------------------------------


def test_moderate_tags_its_events_with_the_action_and_the_label_they_wrote(session, site):
    record = add(session, site, "pending")
    change = storage.moderate(session, [record], "spam", actor=ACTOR)
    (event,) = [session.get(Event, i) for i in change.event_ids]
    label = session.execute(select(Label).where(Label.comment_id == record.id)).scalar_one()
    assert event.details == {"action": "spam", "label_id": label.id}
    assert change.comment_ids == (record.id,)


def test_moderate_accepts_only_one_click_actions(session, site):
    record = add(session, site, "spam")
    for action in ("reply", "delete", "feedback_spam", "explode"):
        with pytest.raises(ValueError):
            storage.moderate(session, [record], action, actor=ACTOR)


def test_a_reply_is_stored_and_its_text_reaches_the_log(session, site):
    record = add(session, site, "pending", "needs_reply")
    change = storage.add_reply(session, record, "  See your GP.  ", actor=ACTOR)
    (reply,) = record.replies
    replied = session.get(Event, change.event_ids[-1])
    assert (reply.author, reply.content) == (ACTOR, "See your GP.")
    assert replied.action == "replied"
    assert replied.details == {
        "reply_id": reply.id,
        "author": ACTOR,
        "content": "See your GP.",
        "action": "reply",
    }
    with pytest.raises(ValueError):
        storage.add_reply(session, record, "   ", actor=ACTOR)


def test_deleting_for_good_takes_only_spam_and_trash_and_keeps_the_trail(session, site):
    spam, trash, held = (add(session, site, status) for status in ("spam", "trash", "pending"))
    storage.record_feedback(session, spam, True, actor=ACTOR, source="api", origin="platform")
    guid = spam.guid
    deleted = storage.delete_permanently(session, [spam, trash, held], actor=ACTOR)
    assert deleted == (spam.id, trash.id)
    assert storage.visible_comments(session, [site.id], deleted) == []
    assert held.status == "pending"
    (event,) = session.execute(
        select(Event).where(Event.comment_id == spam.id, Event.action == "deleted")
    ).scalars()
    assert (event.origin, event.from_value, event.details["guid"]) == ("moderator", "spam", guid)
    label = session.execute(select(Label)).scalar_one()
    assert label.comment_id is None and label.content == spam.content


def test_empty_spam_deletes_only_the_listed_comments_still_in_spam(session, site):
    listed = [add(session, site, "spam") for _ in range(2)]
    storage.moderate(session, [listed[1]], "not_spam", actor=ACTOR)
    unlisted = add(session, site, "spam")
    assert storage.empty_spam(session, [site.id], [r.id for r in listed], actor=ACTOR) == 1
    remaining = storage.visible_comments(session, [site.id], [*(r.id for r in listed), unlisted.id])
    assert [r.id for r in remaining] == [listed[1].id, unlisted.id]


# -- undo -------------------------------------------------------------------------------


def test_undo_reverts_status_and_reply_state_and_withdraws_their_labels(session, site):
    record = add(session, site, "pending", "needs_reply")
    change = storage.add_reply(session, record, "See your GP.", actor=ACTOR)
    undone = storage.undo(session, [site.id], change.event_ids, actor=ACTOR)
    assert (record.status, record.reply_state) == ("pending", "needs_reply")
    assert record.replies == [] and session.execute(select(Reply)).scalars().all() == []
    assert session.execute(select(Label)).scalars().all() == []
    actions = [session.get(Event, i).action for i in undone.event_ids]
    assert sorted(actions) == ["reply_state_changed", "reply_withdrawn", "status_changed"]
    reply_id = next(
        session.get(Event, i).details["reply_id"]
        for i in change.event_ids
        if session.get(Event, i).action == "replied"
    )
    withdrawn = [session.get(Event, i) for i in undone.event_ids]
    withdrawn = [e for e in withdrawn if e.action == "reply_withdrawn"]
    # the platform learns which reply to take down, and that this was an undo
    assert [e.details["reply_id"] for e in withdrawn] == [reply_id]
    assert withdrawn[0].details["action"] == "undo"
    assert {session.get(Event, i).origin for i in undone.event_ids} == {EventOrigin.MODERATOR}
    assert undone.comment_ids == (record.id,)


def test_undo_leaves_alone_what_moved_since_and_what_others_did(session, site):
    record = add(session, site, "pending")
    change = storage.moderate(session, [record], "spam", actor=ACTOR)
    assert storage.undo(session, [site.id], change.event_ids, actor="someone else").event_ids == ()
    assert storage.undo(session, [site.id + 1], change.event_ids, actor=ACTOR).event_ids == ()
    storage.record_feedback(session, record, False, actor="key:x", source="api", origin="platform")
    assert storage.undo(session, [site.id], change.event_ids, actor=ACTOR).event_ids == ()
    assert record.status == "approved"
    sources = session.execute(select(Label.source).order_by(Label.id)).scalars().all()
    assert sources == [LabelSource.REVIEW, LabelSource.API]


def test_undo_never_takes_back_the_platforms_changes(session, site):
    record = add(session, site, "pending")
    storage.record_feedback(session, record, True, actor=ACTOR, source="api", origin="platform")
    ids = [e.id for e in session.execute(select(Event)).scalars()]
    assert storage.undo(session, [site.id], ids, actor=ACTOR).event_ids == ()
    assert record.status == "spam"


# -- the event log ------------------------------------------------------------------------


def test_the_activity_log_pages_newest_first_and_filters(session, site):
    record = add(session, site, "spam")  # received, then moved to spam by the platform
    storage.moderate(session, [record], "not_spam", actor=ACTOR)
    page = storage.list_events(session, [site.id], per_page=2)
    assert page.total == 3 and page.pages == 2
    assert [(e.from_value, e.to_value) for e in page.items] == [
        ("spam", "approved"),
        ("pending", "spam"),
    ]
    mine = storage.list_events(session, [site.id], origin="moderator", actor=ACTOR)
    assert [(e.from_value, e.to_value) for e in mine.items] == [("spam", "approved")]
    assert storage.event_actions(session, [site.id]) == ["received", "status_changed"]
    assert storage.list_events(session, [site.id + 1]).total == 0
