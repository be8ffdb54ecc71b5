"""The moderation workflow, read as a specification: state × action → what happens.

States are written `status`, `status/reply state` (no reply state means none), and a
trashed comment may say where it was: `trash from spam`. Labels are `kind=value`.
"""

from __future__ import annotations

import pytest

from moderator.core import workflow
from moderator.core.states import EventOrigin, LabelSource, ReplyState, Status
from moderator.core.workflow import Action, CommentState, LoggedChange, NotAllowed

CHANNELS = {
    "review": workflow.REVIEW,
    "api": workflow.API,
    "akismet": workflow.AKISMET,
    "wordpress": workflow.WORDPRESS,
}


def state(text: str, *, test: bool = False) -> CommentState:
    """Return the state a short description names (see the module docstring)."""
    text, _, before = text.partition(" from ")
    status, _, reply = text.partition("/")
    return CommentState(
        Status(status),
        ReplyState(reply or "none"),
        Status(before) if before else None,
        is_test=test,
    )


def described(status: Status, reply_state: ReplyState) -> str:
    """Return the short description of where a comment ends up."""
    return status.value if reply_state is ReplyState.NONE else f"{status}/{reply_state}"


# -- what each action does ----------------------------------------------------------------

TRANSITIONS = [
    # action, channel, before, after, labels written, events logged
    ("approve", "review", "pending", "approved", ["spam=False"], ["status_changed"]),
    ("approve", "review", "approved", "approved", [], []),
    # A card drawn before someone marked the comment spam still approves it.
    ("approve", "review", "spam", "approved", ["spam=False"], ["status_changed"]),
    ("not_spam", "review", "spam", "approved", ["spam=False"], ["status_changed"]),
    ("spam", "review", "pending", "spam", ["spam=True"], ["status_changed"]),
    ("spam", "review", "approved/needs_reply", "spam/needs_reply", ["spam=True"],
     ["status_changed"]),
    ("spam", "review", "spam", "spam", [], []),
    ("trash", "review", "pending/needs_reply", "trash/needs_reply", [], ["status_changed"]),
    ("trash", "review", "trash", "trash", [], []),
    ("restore", "review", "trash from spam", "spam", [], ["status_changed"]),
    ("restore", "review", "trash from approved", "approved", [], ["status_changed"]),
    ("restore", "review", "trash", "pending", [], ["status_changed"]),
    ("restore", "review", "trash from trash", "pending", [], ["status_changed"]),
    ("restore", "review", "approved", "approved", [], []),
    ("dismiss", "review", "pending/needs_reply", "pending/dismissed", ["needs_reply=False"],
     ["reply_state_changed"]),
    ("dismiss", "review", "approved", "approved", [], []),
    ("dismiss", "review", "approved/replied", "approved/replied", [], []),
    ("reply", "review", "pending/needs_reply", "approved/replied",
     ["spam=False", "needs_reply=True"], ["status_changed", "reply_state_changed", "replied"]),
    # A reply to a comment that asked nothing says nothing about whether it was a question.
    ("reply", "review", "approved", "approved/replied", [], ["reply_state_changed", "replied"]),
    ("reply", "review", "approved/replied", "approved/replied", [], ["replied"]),
    ("delete", "review", "spam", "spam", [], ["deleted"]),
    ("delete", "review", "trash/needs_reply", "trash/needs_reply", [], ["deleted"]),
    # The platform's ruling is a label even when the filter already agreed.
    ("feedback_spam", "api", "spam", "spam", ["spam=True"], []),
    ("feedback_spam", "api", "pending", "spam", ["spam=True"], ["status_changed"]),
    # WordPress's "Not spam" (Akismet's submit-ham) puts the comment back in Pending.
    ("feedback_ham", "akismet", "spam", "pending", ["spam=False"], ["status_changed"]),
    ("feedback_ham", "akismet", "trash", "pending", ["spam=False"], ["status_changed"]),
    ("feedback_ham", "akismet", "pending", "pending", ["spam=False"], []),
    ("feedback_ham", "api", "spam", "approved", ["spam=False"], ["status_changed"]),
    ("feedback_ham", "api", "pending", "approved", ["spam=False"], ["status_changed"]),
    ("mark_replied", "api", "pending/needs_reply", "pending/replied", ["needs_reply=True"],
     ["reply_state_changed"]),
    ("mark_dismissed", "api", "approved/needs_reply", "approved/dismissed",
     ["needs_reply=False"], ["reply_state_changed"]),
    ("mark_dismissed", "api", "approved", "approved/dismissed", [], ["reply_state_changed"]),
    ("mark_replied", "api", "approved", "approved/replied", [], ["reply_state_changed"]),
    ("mark_needs_reply", "api", "approved/replied", "approved/needs_reply", [],
     ["reply_state_changed"]),
    ("mark_needs_reply", "api", "approved/needs_reply", "approved/needs_reply", [], []),
    # Clicks in wp-admin, reported by the WordPress bridge: a label only for a judgement.
    ("platform_approved", "wordpress", "pending", "approved", ["spam=False"],
     ["status_changed"]),
    ("platform_approved", "wordpress", "spam", "approved", ["spam=False"], ["status_changed"]),
    ("platform_approved", "wordpress", "approved", "approved", [], []),
    ("platform_spam", "wordpress", "approved/needs_reply", "spam/needs_reply", ["spam=True"],
     ["status_changed"]),
    ("platform_spam", "wordpress", "spam", "spam", [], []),
    # "Not spam" puts the comment back in Pending: that is a genuine label.
    ("platform_pending", "wordpress", "spam", "pending", ["spam=False"], ["status_changed"]),
    # Unapprove, trash and untrash judge nothing.
    ("platform_pending", "wordpress", "approved", "pending", [], ["status_changed"]),
    ("platform_trash", "wordpress", "approved", "trash", [], ["status_changed"]),
    ("platform_trash", "wordpress", "spam", "trash", [], ["status_changed"]),
    ("platform_approved", "wordpress", "trash", "approved", [], ["status_changed"]),
    ("platform_pending", "wordpress", "trash", "pending", [], ["status_changed"]),
    # Deleted for good in WordPress: gone here too, whatever the status.
    ("platform_delete", "wordpress", "approved", "approved", [], ["deleted"]),
    # Unapprove sends a comment back for a second look: a move, not a ruling, so no label.
    ("unapprove", "review", "approved", "pending", [], ["status_changed"]),
    ("unapprove", "review", "approved/needs_reply", "pending/needs_reply", [], ["status_changed"]),
    ("unapprove", "review", "spam", "spam", [], []),
    ("unapprove", "review", "pending", "pending", [], []),
    # Edit with no field changed writes nothing (the rule alone is never told the fields).
    ("edit", "review", "approved", "approved", [], []),
]  # fmt: skip


@pytest.mark.parametrize("action, channel, before, after, labels, events", TRANSITIONS)
def test_what_an_action_does(action, channel, before, after, labels, events):
    via = CHANNELS[channel]
    change = workflow.transition(action, state(before), via)
    assert described(change.status, change.reply_state) == after
    assert [f"{label.kind}={label.value}" for label in change.labels] == labels
    assert {label.source for label in change.labels} <= {via.source}
    assert [event.action for event in change.events] == events
    assert {event.origin for event in change.events} <= {via.origin}
    assert change.deletes == (action in ("delete", "platform_delete"))


def test_events_log_where_the_comment_came_from_and_went():
    change = workflow.transition("reply", state("pending/needs_reply"))
    assert [(e.from_value, e.to_value) for e in change.events] == [
        ("pending", "approved"),
        ("needs_reply", "replied"),
        (None, "replied"),
    ]
    (deleted,) = workflow.transition("delete", state("trash")).events
    assert (deleted.from_value, deleted.to_value) == ("trash", None)


def test_labels_name_the_door_they_came_through():
    for channel, source in [("review", "review"), ("api", "api"), ("akismet", "akismet")]:
        change = workflow.transition("feedback_spam", state("pending"), CHANNELS[channel])
        assert [label.source for label in change.labels] == [LabelSource(source)]
    imported = workflow.Channel(EventOrigin.SYSTEM, LabelSource.IMPORT)
    change = workflow.transition("feedback_ham", state("pending"), imported)
    assert [(label.source, e.origin) for label in change.labels for e in change.events] == [
        (LabelSource.IMPORT, EventOrigin.SYSTEM)
    ]


@pytest.mark.parametrize("action, channel, before, after, labels, events", TRANSITIONS)
def test_test_traffic_moves_but_never_becomes_a_label(
    action, channel, before, after, labels, events
):
    change = workflow.transition(action, state(before, test=True), CHANNELS[channel])
    assert described(change.status, change.reply_state) == after
    assert [event.action for event in change.events] == events
    assert change.labels == ()


# -- where an action may run, and what a card offers ----------------------------------------

ALLOWED = [
    ("delete", "spam", True),
    ("delete", "trash", True),
    ("delete", "pending", False),
    ("delete", "approved/needs_reply", False),
    # Everything else runs anywhere, doing nothing where there is nothing to do.
    ("approve", "trash", True),
    ("restore", "pending", True),
    ("dismiss", "spam/needs_reply", True),
    ("reply", "spam", True),
]


@pytest.mark.parametrize("action, before, allowed", ALLOWED)
def test_where_an_action_may_run(action, before, allowed):
    assert workflow.allowed(action, state(before)) is allowed
    if not allowed:
        with pytest.raises(NotAllowed, match="Only spam and trashed comments"):
            workflow.transition(action, state(before))


OFFERED = [
    ("pending", ["approve", "spam", "trash", "reply"]),
    ("pending/needs_reply", ["approve", "spam", "trash", "dismiss", "reply"]),
    ("pending/replied", ["approve", "spam", "trash", "reply"]),
    ("approved", ["unapprove", "spam", "trash", "reply"]),
    ("approved/needs_reply", ["unapprove", "spam", "trash", "dismiss", "reply"]),
    # Spam and trash never wait for a reply, so there is nothing to dismiss or answer.
    ("spam", ["not_spam", "trash", "delete"]),
    ("spam/needs_reply", ["not_spam", "trash", "delete"]),
    ("trash/needs_reply", ["restore", "delete"]),
]


@pytest.mark.parametrize("before, actions", OFFERED)
def test_what_a_card_offers(before, actions):
    assert workflow.offered(state(before)) == tuple(actions)


def test_every_offered_action_may_run_and_every_button_has_words():
    for status in Status:
        for reply in ReplyState:
            here = CommentState(status, reply)
            for action in workflow.offered(here):
                spec = workflow.spec(action)
                assert workflow.allowed(action, here)
                assert spec.label and spec.message and spec.tone in ("", "ok", "bad", "danger")


def test_notices_say_what_was_done_and_to_how_many():
    assert workflow.spec("spam").notice() == "Marked as spam"
    assert workflow.spec("spam").notice(3) == "Marked as spam: 3"
    assert workflow.spec("delete").notice() == "Deleted for good"
    assert workflow.spec("delete").notice(2) == "Deleted 2 for good"
    assert workflow.spec("reply").notice() == "Reply saved; the comment is approved"


def test_the_platforms_rulings_are_actions():
    assert workflow.feedback_action(True) is Action.FEEDBACK_SPAM
    assert workflow.feedback_action(False) is Action.FEEDBACK_HAM
    assert [workflow.reply_state_action(s) for s in ("needs_reply", "replied", "dismissed")] == [
        Action.MARK_NEEDS_REPLY,
        Action.MARK_REPLIED,
        Action.MARK_DISMISSED,
    ]


def test_the_platforms_own_moves_are_actions():
    assert [workflow.platform_status_action(s) for s in Status] == [
        Action.PLATFORM_APPROVED,
        Action.PLATFORM_PENDING,
        Action.PLATFORM_SPAM,
        Action.PLATFORM_TRASH,
    ]
    assert workflow.platform_status_action("spam") is Action.PLATFORM_SPAM


def test_unknown_actions_are_refused():
    with pytest.raises(ValueError):
        workflow.transition("explode", state("pending"))
    with pytest.raises(ValueError):
        workflow.reply_state_action("none")


# -- queues -----------------------------------------------------------------------------

QUEUES = [
    ("pending", ["all", "pending"]),
    ("pending/needs_reply", ["all", "needs_reply", "pending"]),
    ("approved/needs_reply", ["all", "needs_reply", "approved"]),
    ("approved/replied", ["all", "approved"]),
    ("approved/dismissed", ["all", "approved"]),
    ("spam/needs_reply", ["spam"]),
    ("trash/needs_reply", ["trash"]),
]


@pytest.mark.parametrize("before, queues", QUEUES)
def test_which_queues_a_comment_belongs_to(before, queues):
    assert workflow.queues(state(before)) == tuple(queues)


def test_the_tabs_in_order_and_which_call_for_attention():
    assert list(workflow.QUEUES) == ["all", "needs_reply", "pending", "approved", "spam", "trash"]
    assert [q.name for q in workflow.QUEUES.values() if q.attention] == ["needs_reply", "pending"]


@pytest.mark.parametrize("queue", list(workflow.QUEUES.values()), ids=lambda q: q.name)
def test_a_queues_bulk_actions_are_ones_its_cards_offer(queue):
    members = [
        CommentState(status, reply)
        for status in Status
        for reply in ReplyState
        if queue.name in workflow.queues(CommentState(status, reply))
    ]
    for action in queue.bulk:
        assert action in workflow.BULK
        assert any(action in workflow.offered(member) for member in members), action


# -- undo -------------------------------------------------------------------------------

UNDO = [
    # logged action, from, to; the comment now; after undo (None: left alone); events
    ("status_changed", "pending", "spam", "spam", "pending", ["status_changed"]),
    ("status_changed", "trash", "approved", "approved/needs_reply", "trash/needs_reply",
     ["status_changed"]),
    # Someone moved it since: undo leaves it where they put it.
    ("status_changed", "pending", "spam", "approved", None, []),
    ("reply_state_changed", "needs_reply", "dismissed", "pending/dismissed",
     "pending/needs_reply", ["reply_state_changed"]),
    ("reply_state_changed", "needs_reply", "dismissed", "pending/needs_reply", None, []),
    # The arrival of a comment has no "from" to go back to.
    ("status_changed", None, "pending", "pending", None, []),
    # A reply is withdrawn whatever happened since, and the platform is told.
    ("replied", None, "replied", "spam/replied", "spam/replied", ["reply_withdrawn"]),
    ("received", None, "pending", "pending", None, []),
]  # fmt: skip


@pytest.mark.parametrize("action, from_value, to_value, now, after, events", UNDO)
def test_how_undo_takes_a_change_back(action, from_value, to_value, now, after, events):
    back = workflow.revert(LoggedChange(action, from_value, to_value), state(now))
    if after is None:
        assert back is None
        return
    assert described(back.status, back.reply_state) == after
    assert [event.action for event in back.events] == events
    assert {event.origin for event in back.events} == {EventOrigin.MODERATOR}
    assert back.labels == ()
    assert back.withdraws_reply == (action == "replied")
    assert back.withdraws_label == (action != "replied")


def test_undo_takes_back_only_the_same_moderators_review_labels():
    assert workflow.withdrawable(LabelSource.REVIEW, "mo", "mo")
    assert not workflow.withdrawable(LabelSource.REVIEW, "ann", "mo")
    assert not workflow.withdrawable(LabelSource.API, "mo", "mo")


def test_undo_reaches_only_what_a_moderator_changed_on_the_review_page():
    assert workflow.UNDO_ORIGIN is EventOrigin.MODERATOR
    assert set(workflow.UNDOABLE) == {"status_changed", "reply_state_changed", "replied"}
    # Each undoable change that writes a label names its kind, so undo can find it.
    assert workflow.LABELLED_BY == {"status_changed": "spam", "reply_state_changed": "needs_reply"}


# -- imports ------------------------------------------------------------------------------

IMPORTED = [
    # the blog's status, whether the model finds a question, where it lands, its labels
    ("approved", False, "approved", ["spam=False"]),
    ("spam", False, "spam", ["spam=True"]),
    ("pending", False, "pending", []),
    # trash is no ruling on spam: readers' comments are trashed too
    ("trash", False, "trash", []),
    # only a question still pending waits for the author's reply
    ("pending", True, "pending/needs_reply", []),
    ("approved", True, "approved", ["spam=False"]),
    ("spam", True, "spam", ["spam=True"]),
]


@pytest.mark.parametrize("status, question, after, labels", IMPORTED)
def test_an_imported_comment_keeps_its_blogs_status_and_labels_it(status, question, after, labels):
    change = workflow.imported(Status(status), question)
    assert described(change.status, change.reply_state) == after
    assert [f"{label.kind}={label.value}" for label in change.labels] == labels
    assert all(label.source is LabelSource.IMPORT for label in change.labels)
    assert change.events == ()  # no status change for the platform's feed to echo back


def test_imported_test_traffic_is_no_label():
    assert workflow.imported(Status.SPAM, False, is_test=True).labels == ()
    assert workflow.IMPORT.origin is EventOrigin.SYSTEM


# -- quick edit and check again -----------------------------------------------------------


def test_an_edit_is_logged_and_becomes_a_label_only_when_asked():
    plain = workflow.edit(state("approved"), workflow.REVIEW, ("content", "author"))
    assert [e.action for e in plain.events] == ["edited"]
    assert plain.events[0].to_value == "content,author"
    assert plain.labels == () and plain.status is Status.APPROVED
    labelled = workflow.edit(state("spam"), workflow.REVIEW, ("content",), as_label=True)
    assert [f"{label.kind}={label.value}" for label in labelled.labels] == ["spam=True"]
    genuine = workflow.edit(state("pending"), workflow.REVIEW, ("content",), as_label=True)
    assert [f"{label.kind}={label.value}" for label in genuine.labels] == ["spam=False"]
    # Test traffic never becomes a label, even when asked.
    test = workflow.edit(state("pending", test=True), workflow.REVIEW, ("content",), as_label=True)
    assert test.labels == ()


def test_an_edit_refuses_fields_it_may_not_touch_and_trashed_comments():
    with pytest.raises(ValueError):
        workflow.edit(state("pending"), workflow.REVIEW, ("user_ip",))
    with pytest.raises(workflow.NotAllowed):
        workflow.transition("edit", state("trash"))


CHECKS = [
    # before, the fresh decision's status and needs-reply, after, events
    ("pending", "approved", False, "approved", ["status_changed", "checked_again"]),
    ("approved", "spam", False, "spam", ["status_changed", "checked_again"]),
    ("pending", "pending", True, "pending/needs_reply", ["reply_state_changed", "checked_again"]),
    ("pending/needs_reply", "pending", False, "pending", ["reply_state_changed", "checked_again"]),
    # An answer given or dismissed is the author's; a second opinion never takes it back.
    ("approved/replied", "approved", True, "approved/replied", ["checked_again"]),
    ("pending/dismissed", "pending", True, "pending/dismissed", ["checked_again"]),
    ("spam", "spam", False, "spam", ["checked_again"]),
]  # fmt: skip


@pytest.mark.parametrize("before, status, needs_reply, after, events", CHECKS)
def test_check_again_applies_the_fresh_decision_without_a_label(
    before, status, needs_reply, after, events
):
    change = workflow.check_again(state(before), workflow.REVIEW, Status(status), needs_reply)
    assert described(change.status, change.reply_state) == after
    assert [e.action for e in change.events] == events
    assert change.labels == ()


def test_check_again_leaves_the_trash_alone():
    with pytest.raises(workflow.NotAllowed):
        workflow.check_again(state("trash"), workflow.REVIEW, Status.APPROVED, False)
