"""The moderation workflow: what every action does to a comment, as data and pure functions.

One table answers, for a comment's current state, what an action changes (status, reply
state), which training labels and event-log lines it writes, whether it may run at all,
which buttons a card offers, which queues the comment then belongs to, and how undo takes
a logged change back. No Flask, no database: storage carries the answers out, the review
page renders them, and every door (the review page, API v1, the Akismet API, an importer)
asks the same questions.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from moderator.core.states import (
    EventAction,
    EventOrigin,
    LabelKind,
    LabelSource,
    ReplyState,
    Status,
)


class Action(enum.StrEnum):
    """Something a moderator or the platform does to a comment."""

    # The review page's.
    APPROVE = "approve"
    NOT_SPAM = "not_spam"
    SPAM = "spam"
    TRASH = "trash"
    RESTORE = "restore"
    DISMISS = "dismiss"
    REPLY = "reply"
    DELETE = "delete"
    UNAPPROVE = "unapprove"
    EDIT = "edit"
    CHECK_AGAIN = "check_again"
    # The platform's rulings: API v1 feedback and reply-state, Akismet submit-spam/ham.
    FEEDBACK_SPAM = "feedback_spam"
    FEEDBACK_HAM = "feedback_ham"
    MARK_NEEDS_REPLY = "mark_needs_reply"
    MARK_REPLIED = "mark_replied"
    MARK_DISMISSED = "mark_dismissed"
    # The platform moved the comment itself (a click in wp-admin, via the WordPress bridge).
    PLATFORM_APPROVED = "platform_approved"
    PLATFORM_PENDING = "platform_pending"
    PLATFORM_SPAM = "platform_spam"
    PLATFORM_TRASH = "platform_trash"
    PLATFORM_DELETE = "platform_delete"


@dataclass(frozen=True)
class CommentState:
    """What the workflow needs to know about a comment to act on it."""

    status: Status
    reply_state: ReplyState = ReplyState.NONE
    #: The status it had before it last went to the trash (what restore returns to).
    status_before_trash: Status | None = None
    #: Test traffic: it may move, but never becomes a training label.
    is_test: bool = False


@dataclass(frozen=True)
class Channel:
    """The door an action comes through: whom the log names and where its labels come from."""

    origin: EventOrigin
    source: LabelSource


REVIEW = Channel(EventOrigin.MODERATOR, LabelSource.REVIEW)
API = Channel(EventOrigin.PLATFORM, LabelSource.API)
AKISMET = Channel(EventOrigin.PLATFORM, LabelSource.AKISMET)
#: A blog's history read from an export: moderator itself writes it, from the blog's rulings.
IMPORT = Channel(EventOrigin.SYSTEM, LabelSource.IMPORT)
WORDPRESS = Channel(EventOrigin.PLATFORM, LabelSource.WORDPRESS)

#: Where a platform's "genuine" ruling leaves a comment, by the door it came through
#: (approved when not listed). Akismet's submit-ham is what WordPress sends on "Not spam",
#: and WordPress puts the comment back in Pending: moderator does the same, so both sides
#: agree and a person still approves it. The genuine label is written all the same.
GENUINE_STATUS = {LabelSource.AKISMET: Status.PENDING}


@dataclass(frozen=True)
class NewLabel:
    """A training label an action writes."""

    kind: LabelKind
    value: bool
    source: LabelSource


@dataclass(frozen=True)
class NewEvent:
    """An event-log line an action writes (storage adds who, when, and any details)."""

    action: EventAction
    origin: EventOrigin
    from_value: str | None = None
    to_value: str | None = None


@dataclass(frozen=True)
class Transition:
    """What an action does to one comment: where it ends up and what gets written."""

    status: Status
    reply_state: ReplyState
    events: tuple[NewEvent, ...] = ()
    labels: tuple[NewLabel, ...] = ()
    #: The comment is deleted for good (its events stay).
    deletes: bool = False
    #: Undo: take back the reply the undone event stored.
    withdraws_reply: bool = False
    #: Undo: take back the label the undone change wrote.
    withdraws_label: bool = False


class NotAllowed(ValueError):
    """The action may not run on a comment in this state."""


#: Statuses a comment can wait for the author's reply in (spam and trash never wait).
ANSWERABLE = (Status.APPROVED, Status.PENDING)
#: Statuses a comment may be deleted for good from.
DELETABLE = (Status.SPAM, Status.TRASH)


def waits_for_reply(state: CommentState) -> bool:
    """Return whether the comment is a reader's question still waiting for the author."""
    return state.reply_state is ReplyState.NEEDS_REPLY and state.status in ANSWERABLE


# -- what each action does --------------------------------------------------------------


def move(
    state: CommentState,
    origin: EventOrigin,
    *,
    status: Status | None = None,
    reply_state: ReplyState | None = None,
    labels: tuple[NewLabel, ...] = (),
    also: tuple[NewEvent, ...] = (),
) -> Transition:
    """Return a bare move to a status and reply state, logging each that really changes.

    No labels unless given (and none for test traffic): the actions below add theirs.
    """
    status = state.status if status is None else status
    reply_state = state.reply_state if reply_state is None else reply_state
    events = []
    if status is not state.status:
        events.append(
            NewEvent(EventAction.STATUS_CHANGED, origin, state.status.value, status.value)
        )
    if reply_state is not state.reply_state:
        events.append(
            NewEvent(
                EventAction.REPLY_STATE_CHANGED, origin, state.reply_state.value, reply_state.value
            )
        )
    return Transition(status, reply_state, (*events, *also), () if state.is_test else labels)


def _spam_label(channel: Channel, is_spam: bool) -> tuple[NewLabel, ...]:
    return (NewLabel(LabelKind.SPAM, is_spam, channel.source),)


def _judged(state: CommentState, channel: Channel, status: Status) -> tuple[NewLabel, ...]:
    """A moderator's click labels spam or genuine only when it moves the comment."""
    return _spam_label(channel, status is Status.SPAM) if status is not state.status else ()


def _answered(state: CommentState, channel: Channel, target: ReplyState) -> tuple[NewLabel, ...]:
    """Only a comment that was waiting yields a needs-reply label.

    Replied: it did need a reply; dismissed: it did not. A reply to any other comment
    says nothing about whether it was a question.
    """
    if state.reply_state is not ReplyState.NEEDS_REPLY or target is ReplyState.NEEDS_REPLY:
        return ()
    return (NewLabel(LabelKind.NEEDS_REPLY, target is ReplyState.REPLIED, channel.source),)


def _judge(status: Status):
    def rule(state: CommentState, channel: Channel) -> Transition:
        labels = _judged(state, channel, status)
        return move(state, channel.origin, status=status, labels=labels)

    return rule


def _trash(state: CommentState, channel: Channel) -> Transition:
    return move(state, channel.origin, status=Status.TRASH)


def _restore(state: CommentState, channel: Channel) -> Transition:
    if state.status is not Status.TRASH:
        return move(state, channel.origin)
    before = state.status_before_trash
    target = before if before not in (None, Status.TRASH) else Status.PENDING
    return move(state, channel.origin, status=target)


def _dismiss(state: CommentState, channel: Channel) -> Transition:
    if state.reply_state is not ReplyState.NEEDS_REPLY:
        return move(state, channel.origin)
    return _mark(ReplyState.DISMISSED)(state, channel)


def _reply(state: CommentState, channel: Channel) -> Transition:
    labels = (
        *_judged(state, channel, Status.APPROVED),
        *_answered(state, channel, ReplyState.REPLIED),
    )
    replied = NewEvent(EventAction.REPLIED, channel.origin, None, ReplyState.REPLIED.value)
    return move(
        state,
        channel.origin,
        status=Status.APPROVED,
        reply_state=ReplyState.REPLIED,
        labels=labels,
        also=(replied,),
    )


def _delete(state: CommentState, channel: Channel) -> Transition:
    deleted = NewEvent(EventAction.DELETED, channel.origin, state.status.value)
    return Transition(state.status, state.reply_state, (deleted,), deletes=True)


def _unapprove(state: CommentState, channel: Channel) -> Transition:
    # Back to the queue, as WordPress's Unapprove: a second look, not a ruling, so no label.
    if state.status is not Status.APPROVED:
        return move(state, channel.origin)
    return move(state, channel.origin, status=Status.PENDING)


#: What Quick edit may change: the text and who the author says they are.
EDITABLE_FIELDS = ("content", "author", "author_email", "author_url")


def edit(
    state: CommentState, channel: Channel, fields: tuple[str, ...] = (), *, as_label: bool = False
) -> Transition:
    """Return what a quick edit of some fields does: a logged edit, no move.

    An edit becomes a training label only when the moderator says so (`as_label`): the
    edited text, labelled as where the comment stands (spam, or genuine).
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"fields that cannot be edited: {sorted(unknown)}")
    if not fields:
        return move(state, channel.origin)
    edited = NewEvent(EventAction.EDITED, channel.origin, None, ",".join(fields))
    labels = _spam_label(channel, state.status is Status.SPAM) if as_label else ()
    return move(state, channel.origin, labels=labels, also=(edited,))


def check_again(
    state: CommentState, channel: Channel, status: Status, needs_reply: bool
) -> Transition:
    """Return what applying a fresh decision does: its status, and whether it waits for a reply.

    No label: a model's second opinion is not ground truth. A reply already given or
    dismissed stays so; only the model's own flag (needs reply, or none) follows it.
    """
    if state.status not in spec(Action.CHECK_AGAIN).allowed_from:
        raise NotAllowed(spec(Action.CHECK_AGAIN).refusal)
    reply_state = state.reply_state
    if reply_state in (ReplyState.NONE, ReplyState.NEEDS_REPLY):
        reply_state = ReplyState.NEEDS_REPLY if needs_reply else ReplyState.NONE
    checked = NewEvent(EventAction.CHECKED_AGAIN, channel.origin, state.status.value, status.value)
    return move(state, channel.origin, status=status, reply_state=reply_state, also=(checked,))


def _feedback(is_spam: bool):
    def rule(state: CommentState, channel: Channel) -> Transition:
        # The platform's ruling is ground truth even when the filter already agreed.
        genuine = GENUINE_STATUS.get(channel.source, Status.APPROVED)
        status = Status.SPAM if is_spam else genuine
        labels = _spam_label(channel, is_spam)
        return move(state, channel.origin, status=status, labels=labels)

    return rule


def _platform(status: Status):
    """The platform moved a comment to `status`: follow it, labelling only what it judged.

    A move into spam says "spam"; a move out of spam ("Not spam"), or from pending to
    approved (a held comment approved), says "genuine". Unapproving, trashing and
    untrashing judge nothing, as the review page's trash and restore do not.
    """

    def rule(state: CommentState, channel: Channel) -> Transition:
        labels: tuple[NewLabel, ...] = ()
        if status is not state.status:
            if status is Status.SPAM:
                labels = _spam_label(channel, True)
            elif (
                status in ANSWERABLE
                and state.status in (Status.SPAM, Status.PENDING)
                and (state.status is Status.SPAM or status is Status.APPROVED)
            ):
                labels = _spam_label(channel, False)
        return move(state, channel.origin, status=status, labels=labels)

    return rule


def _mark(target: ReplyState):
    def rule(state: CommentState, channel: Channel) -> Transition:
        labels = _answered(state, channel, target)
        return move(state, channel.origin, reply_state=target, labels=labels)

    return rule


# -- the table --------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    """One action: what it does, where it may run, and how the review page shows it."""

    action: Action
    rule: Callable[[CommentState, Channel], Transition]
    #: Statuses it may run from at all; elsewhere storage refuses it.
    allowed_from: tuple[Status, ...] = tuple(Status)
    #: Statuses a comment card offers it in ...
    offered_from: tuple[Status, ...] = ()
    #: ... and only while the comment waits for a reply.
    only_waiting: bool = False
    label: str = ""  # the button
    message: str = ""  # the notice after it
    bulk_message: str = "{message}: {count}"  # the notice after a bulk action
    key: str = ""  # its keyboard shortcut
    tone: str = ""  # ok, bad or danger: how the button looks
    confirm: str = ""  # asked before a card's action that cannot be undone
    bulk_confirm: str = ""  # the same, for the selected comments
    refusal: str = ""  # why it was refused where it may not run

    def notice(self, count: int | None = None) -> str:
        """Return the notice after the action: on one comment, or on `count` of them."""
        if count is None:
            return self.message
        return self.bulk_message.format(message=self.message, count=count)


_ANY_BUT_TRASH = (Status.PENDING, Status.APPROVED, Status.SPAM)

ACTIONS = {
    spec.action: spec
    for spec in (
        ActionSpec(
            Action.APPROVE,
            _judge(Status.APPROVED),
            offered_from=(Status.PENDING,),
            label="Approve",
            message="Approved",
            key="a",
            tone="ok",
        ),
        ActionSpec(
            Action.NOT_SPAM,
            _judge(Status.APPROVED),
            offered_from=(Status.SPAM,),
            label="Not spam",
            message="Marked not spam",
            key="a",
            tone="ok",
        ),
        ActionSpec(
            Action.UNAPPROVE,
            _unapprove,
            offered_from=(Status.APPROVED,),
            label="Unapprove",
            message="Unapproved: back in Pending",
            key="u",
        ),
        ActionSpec(
            Action.SPAM,
            _judge(Status.SPAM),
            offered_from=ANSWERABLE,
            label="Spam",
            message="Marked as spam",
            key="s",
            tone="bad",
        ),
        ActionSpec(
            Action.TRASH,
            _trash,
            offered_from=_ANY_BUT_TRASH,
            label="Trash",
            message="Moved to the trash",
            key="d",
        ),
        ActionSpec(
            Action.RESTORE,
            _restore,
            offered_from=(Status.TRASH,),
            label="Restore",
            message="Restored",
            key="z",
            tone="ok",
        ),
        ActionSpec(
            Action.DISMISS,
            _dismiss,
            offered_from=ANSWERABLE,
            only_waiting=True,
            label="Dismiss",
            message="Dismissed from Needs reply",
            key="n",
        ),
        ActionSpec(
            Action.REPLY,
            _reply,
            offered_from=ANSWERABLE,
            label="Reply",
            message="Reply saved; the comment is approved",
            key="r",
        ),
        ActionSpec(
            Action.DELETE,
            _delete,
            allowed_from=DELETABLE,
            offered_from=DELETABLE,
            label="Delete for good",
            message="Deleted for good",
            bulk_message="Deleted {count} for good",
            tone="danger",
            confirm="Delete this comment for good? This cannot be undone.",
            bulk_confirm="Delete the selected comments for good? This cannot be undone.",
            refusal="Only spam and trashed comments can be deleted for good.",
        ),
        ActionSpec(
            Action.EDIT,
            edit,
            allowed_from=_ANY_BUT_TRASH,
            offered_from=_ANY_BUT_TRASH,
            label="Quick edit",
            message="Edited; the old text is in the activity log",
            key="e",
            refusal="Restore a trashed comment before editing it.",
        ),
        ActionSpec(
            Action.CHECK_AGAIN,
            lambda state, channel: check_again(
                state, channel, state.status, waits_for_reply(state)
            ),
            allowed_from=_ANY_BUT_TRASH,
            label="Check again",
            message="Checked again",
            bulk_message="Checked {count} again",
            key="c",
            refusal="Restore a trashed comment before checking it again.",
        ),
        ActionSpec(Action.FEEDBACK_SPAM, _feedback(True)),
        ActionSpec(Action.FEEDBACK_HAM, _feedback(False)),
        ActionSpec(Action.MARK_NEEDS_REPLY, _mark(ReplyState.NEEDS_REPLY)),
        ActionSpec(Action.MARK_REPLIED, _mark(ReplyState.REPLIED)),
        ActionSpec(Action.MARK_DISMISSED, _mark(ReplyState.DISMISSED)),
        ActionSpec(Action.PLATFORM_APPROVED, _platform(Status.APPROVED)),
        ActionSpec(Action.PLATFORM_PENDING, _platform(Status.PENDING)),
        ActionSpec(Action.PLATFORM_SPAM, _platform(Status.SPAM)),
        ActionSpec(Action.PLATFORM_TRASH, _platform(Status.TRASH)),
        # The platform deleted its copy for good: whatever the status, ours goes too.
        ActionSpec(Action.PLATFORM_DELETE, _delete),
    )
}

#: The review page's one-click actions: nothing to type, and undo takes them back.
ONE_CLICK = (
    Action.APPROVE,
    Action.NOT_SPAM,
    Action.UNAPPROVE,
    Action.SPAM,
    Action.TRASH,
    Action.RESTORE,
    Action.DISMISS,
)
#: What the review page may do to many selected comments at once.
BULK = (*ONE_CLICK, Action.DELETE)


def spec(action: Action | str) -> ActionSpec:
    """Return the specification of an action (ValueError for an unknown one)."""
    return ACTIONS[Action(action)]


def allowed(action: Action | str, state: CommentState) -> bool:
    """Return whether the action may run on a comment in this state.

    Only deleting for good is ever refused: any other action runs in any state, doing
    nothing where there is nothing to do, so a card drawn before someone else moved the
    comment still does what its button says.
    """
    return state.status in spec(action).allowed_from


def transition(action: Action | str, state: CommentState, channel: Channel = REVIEW) -> Transition:
    """Return what the action does to a comment in this state; NotAllowed where it may not run."""
    entry = spec(action)
    if not allowed(entry.action, state):
        raise NotAllowed(entry.refusal or f"{entry.action} may not run on a {state.status} comment")
    return entry.rule(state, channel)


def offered(state: CommentState) -> tuple[Action, ...]:
    """Return the review page's actions a card shows for a comment in this state, in order."""
    return tuple(
        entry.action
        for entry in ACTIONS.values()
        if state.status in entry.offered_from
        and (waits_for_reply(state) or not entry.only_waiting)
        and entry.action not in _OWN_CONTROLS
    )


#: Actions a card offers through a control of their own (a form to fill), not a button.
_OWN_CONTROLS = (Action.EDIT,)


def editable(state: CommentState) -> bool:
    """Return whether a card offers Quick edit for a comment in this state."""
    return state.status in spec(Action.EDIT).offered_from


_MARKS = {
    ReplyState.NEEDS_REPLY: Action.MARK_NEEDS_REPLY,
    ReplyState.REPLIED: Action.MARK_REPLIED,
    ReplyState.DISMISSED: Action.MARK_DISMISSED,
}


def reply_state_action(state: ReplyState | str) -> Action:
    """Return the platform's action that moves a comment to a reply state.

    ValueError for "none": a comment is never moved back to asking nothing.
    """
    state = ReplyState(state)
    if state not in _MARKS:
        raise ValueError(f"no action moves a comment to reply state {state!r}")
    return _MARKS[state]


_PLATFORM_MOVES = {
    Status.APPROVED: Action.PLATFORM_APPROVED,
    Status.PENDING: Action.PLATFORM_PENDING,
    Status.SPAM: Action.PLATFORM_SPAM,
    Status.TRASH: Action.PLATFORM_TRASH,
}


def platform_status_action(status: Status | str) -> Action:
    """Return the action for a status the platform moved its copy of a comment to."""
    return _PLATFORM_MOVES[Status(status)]


def feedback_action(is_spam: bool) -> Action:
    """Return the platform's action for its spam (True) or genuine (False) ruling."""
    return Action.FEEDBACK_SPAM if is_spam else Action.FEEDBACK_HAM


# -- imports ----------------------------------------------------------------------------

#: The spam label an imported status stands for. Approved: the blog published it, so it
#: is genuine; spam: its moderators (or its filter, left unchallenged) called it spam.
#: Pending says nothing yet, and trash is no ruling on spam: bloggers trash off-topic,
#: rude, duplicate and outdated comments from real readers as well as spam, so a
#: trashed comment is no training label unless the blog called it spam.
IMPORTED_SPAM_LABEL = {Status.APPROVED: False, Status.SPAM: True}


def imported(
    status: Status, needs_reply: bool, *, is_test: bool = False, channel: Channel = IMPORT
) -> Transition:
    """Return where a comment imported from a blog's history lands, and the label it gives.

    It keeps the status its blog gave it, whatever the filter thinks now, and no event is
    logged for a move: a status change would reach the platform's feed and could undo a
    newer change made on the blog since the export. A reader's question waits for the
    author's reply only while it is still pending: the blogger dealt with the others,
    perhaps years ago, and a history must not flood the Needs reply queue.
    """
    waits = needs_reply and status is Status.PENDING
    value = IMPORTED_SPAM_LABEL.get(status)
    labels = () if value is None or is_test else _spam_label(channel, value)
    return Transition(status, ReplyState.NEEDS_REPLY if waits else ReplyState.NONE, (), labels)


# -- queues -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    """A tab of the review page: the comments in one state of the workflow."""

    name: str
    title: str
    #: The actions its bulk bar offers for the selected comments.
    bulk: tuple[Action, ...]
    #: Whether its tab asks for attention while it holds comments.
    attention: bool = False


NEEDS_REPLY = "needs_reply"
#: WordPress's "All": every comment still in play (pending or approved; not spam nor trash).
ALL = "all"
#: The statuses "All" shows.
IN_PLAY = ANSWERABLE
#: The review page's queues, in the order the tabs show them (WordPress's, plus Needs reply).
QUEUES = {
    queue.name: queue
    for queue in (
        Queue(ALL, "All", (Action.APPROVE, Action.UNAPPROVE, Action.SPAM, Action.TRASH)),
        Queue(
            NEEDS_REPLY,
            "Needs reply",
            (Action.APPROVE, Action.SPAM, Action.TRASH, Action.DISMISS),
            attention=True,
        ),
        Queue(
            Status.PENDING.value,
            "Pending",
            (Action.APPROVE, Action.SPAM, Action.TRASH),
            attention=True,
        ),
        Queue(Status.APPROVED.value, "Approved", (Action.UNAPPROVE, Action.SPAM, Action.TRASH)),
        Queue(Status.SPAM.value, "Spam", (Action.NOT_SPAM, Action.TRASH, Action.DELETE)),
        Queue(Status.TRASH.value, "Trash", (Action.RESTORE, Action.DELETE)),
    )
}


def queues(state: CommentState) -> tuple[str, ...]:
    """Return the queues a comment in this state belongs to: All, Needs reply, its status's."""
    names = (ALL,) if state.status in IN_PLAY else ()
    if waits_for_reply(state):
        names += (NEEDS_REPLY,)
    return (*names, state.status.value)


# -- undo -------------------------------------------------------------------------------

#: Logged changes undo can take back ...
UNDOABLE = (EventAction.STATUS_CHANGED, EventAction.REPLY_STATE_CHANGED, EventAction.REPLIED)
#: ... when a moderator made them on the review page (and only that moderator's own).
UNDO_ORIGIN = REVIEW.origin
#: The label a logged change wrote with it, which undo withdraws.
LABELLED_BY = {
    EventAction.STATUS_CHANGED: LabelKind.SPAM,
    EventAction.REPLY_STATE_CHANGED: LabelKind.NEEDS_REPLY,
}
UNDO_MESSAGE = "Undone"


@dataclass(frozen=True)
class LoggedChange:
    """A change the event log recorded, as undo sees it."""

    action: EventAction
    from_value: str | None = None
    to_value: str | None = None


def revert(change: LoggedChange, state: CommentState) -> Transition | None:
    """Return how to take back a logged change, or None when it can no longer be.

    A change is reverted only while the comment still holds the value it set (someone
    else may have moved it since); the label it wrote is withdrawn with it. A reply is
    withdrawn whatever the comment's state, and the platform is told.
    """
    origin, action = UNDO_ORIGIN, EventAction(change.action)
    if action is EventAction.REPLIED:
        withdrawn = NewEvent(EventAction.REPLY_WITHDRAWN, origin, ReplyState.REPLIED.value)
        return Transition(state.status, state.reply_state, (withdrawn,), withdraws_reply=True)
    if not change.from_value:
        return None
    if action is EventAction.STATUS_CHANGED and state.status == change.to_value:
        back = move(state, origin, status=Status(change.from_value))
    elif action is EventAction.REPLY_STATE_CHANGED and state.reply_state == change.to_value:
        back = move(state, origin, reply_state=ReplyState(change.from_value))
    else:
        return None
    return Transition(back.status, back.reply_state, back.events, withdraws_label=True)


def withdrawable(source: LabelSource | str, author: str, actor: str) -> bool:
    """Return whether undo may take back a label: only one the same moderator clicked."""
    return source == REVIEW.source and author == actor
