"""Changes to a comment: the one place that carries out the moderation workflow.

`moderator.core.workflow` decides what an action does; `write` makes it so (status,
reply state, labels, events), and every door calls it through `perform`: the review
page, API v1, the Akismet API, and an importer.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from moderator.core import workflow
from moderator.core.states import EventAction
from moderator.core.workflow import Action, Channel, CommentState, Transition
from moderator.storage.events import log_event, status_before
from moderator.storage.schema import (
    LABEL_SNAPSHOT,
    CommentRecord,
    EventOrigin,
    Label,
    LabelKind,
    LabelSource,
    ReplyState,
    Status,
    utcnow,
)


def state_of(
    record: CommentRecord, *, status_before_trash: Status | None = None, test: bool = False
) -> CommentState:
    """Return a stored comment's state as the workflow sees it.

    `test` marks a request as test traffic even when the comment itself is not.
    """
    return CommentState(
        Status(record.status),
        ReplyState(record.reply_state),
        status_before_trash,
        bool(record.is_test) or test,
    )


def current_state(session: Session, record: CommentRecord, *, test: bool = False) -> CommentState:
    """Return a comment's state with what restore needs: for a trashed one, where it was."""
    before = None
    if record.status == Status.TRASH.value:
        before = status_before(session, record, Status.TRASH)
    return state_of(record, status_before_trash=before, test=test)


def write(
    session: Session,
    record: CommentRecord,
    change: Transition,
    *,
    actor: str,
    details: Mapping[EventAction, dict] | None = None,
) -> None:
    """Write what a transition says: its events, the new status and reply state, its labels.

    `details` adds data to the events of some actions (the reply's text to "replied").
    Deleting for good deletes the row; its events stay. Does not commit.
    """
    for event in change.events:
        log_event(
            session,
            record,
            actor=actor,
            origin=event.origin,
            action=event.action,
            from_value=event.from_value,
            to_value=event.to_value,
            details=(details or {}).get(event.action),
        )
    if (record.status, record.reply_state) != (change.status.value, change.reply_state.value):
        record.status = change.status.value
        record.reply_state = change.reply_state.value
        record.updated_at = utcnow()
    for label in change.labels:
        add_label(session, record, label.kind, label.value, actor=actor, source=label.source)
    if change.deletes:
        session.delete(record)


def perform(
    session: Session,
    record: CommentRecord,
    action: Action | str,
    *,
    actor: str,
    channel: Channel = workflow.REVIEW,
    test: bool = False,
    details: Mapping[EventAction, dict] | None = None,
) -> Transition:
    """Carry out a workflow action on one comment and return what it did. Does not commit.

    Raises NotAllowed where the workflow refuses the action (deleting a pending comment).
    """
    change = workflow.transition(action, current_state(session, record, test=test), channel)
    write(session, record, change, actor=actor, details=details)
    return change


def set_status(
    session: Session,
    record: CommentRecord,
    status: Status | str,
    *,
    actor: str,
    origin: EventOrigin | str,
) -> bool:
    """Move a comment to another status and log it; return False when it was already there.

    No label: for arranging a state, not for a moderator's ruling. Does not commit.
    """
    return _move(session, record, EventOrigin(origin), actor, status=Status(status))


def set_reply_state(
    session: Session,
    record: CommentRecord,
    state: ReplyState | str,
    *,
    actor: str,
    origin: EventOrigin | str,
) -> bool:
    """Move a comment's reply state and log it; return False when it was already there.

    No label: for arranging a state, not for a moderator's ruling. Does not commit.
    """
    return _move(session, record, EventOrigin(origin), actor, reply_state=ReplyState(state))


def _move(session: Session, record: CommentRecord, origin: EventOrigin, actor: str, **to) -> bool:
    change = workflow.move(state_of(record), origin, **to)
    write(session, record, change, actor=actor)
    return bool(change.events)


def add_label(
    session: Session,
    record: CommentRecord,
    kind: LabelKind,
    value: bool,
    *,
    actor: str,
    source: LabelSource | str,
) -> Label | None:
    """Record moderator ground truth about a comment (skipped for test traffic). Does not commit."""
    if record.is_test:
        return None
    label = Label(
        site_id=record.site_id,
        comment_id=record.id,
        kind=LabelKind(kind).value,
        value=bool(value),
        actor=actor,
        source=LabelSource(source).value,
        content=record.content,
        fields={name: getattr(record, name) or "" for name in LABEL_SNAPSHOT},
    )
    session.add(label)
    return label


def record_feedback(
    session: Session,
    record: CommentRecord,
    is_spam: bool,
    *,
    actor: str,
    source: LabelSource | str,
    origin: EventOrigin | str,
    test: bool = False,
) -> CommentRecord:
    """Apply the platform's spam/genuine ruling: a label and the matching status; commit.

    A test request (`test`) may move the comment but never becomes a training label.
    """
    channel = Channel(EventOrigin(origin), LabelSource(source))
    action = workflow.feedback_action(is_spam)
    perform(session, record, action, actor=actor, channel=channel, test=test)
    session.commit()
    return record


def record_reply_state(
    session: Session,
    record: CommentRecord,
    state: ReplyState | str,
    *,
    actor: str,
    source: LabelSource | str,
    origin: EventOrigin | str,
) -> CommentRecord:
    """Move a comment's reply state as the platform says; commit.

    Only a comment that was waiting for a reply yields a needs-reply label (see workflow).
    """
    channel = Channel(EventOrigin(origin), LabelSource(source))
    perform(session, record, workflow.reply_state_action(state), actor=actor, channel=channel)
    session.commit()
    return record
