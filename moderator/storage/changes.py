"""Changes to a comment: status, reply state, labels, and the append-only event log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderator.storage.schema import (
    CommentRecord,
    Event,
    Label,
    LabelKind,
    ReplyState,
    Site,
    Status,
    utcnow,
)


def set_status(
    session: Session, record: CommentRecord, status: Status, *, actor: str, origin: str
) -> bool:
    """Move a comment to another status and log it; return False when it was already there.

    Does not commit.
    """
    return _move(session, record, "status", Status(status), "status_changed", actor, origin)


def set_reply_state(
    session: Session, record: CommentRecord, state: ReplyState, *, actor: str, origin: str
) -> bool:
    """Move a comment's reply state and log it; return False when it was already there.

    Does not commit.
    """
    state = ReplyState(state)
    return _move(session, record, "reply_state", state, "reply_state_changed", actor, origin)


def _move(session, record, column: str, value, action: str, actor: str, origin: str) -> bool:
    """Set one of a comment's state columns and log the change from → to."""
    current = getattr(record, column)
    if current == value.value:
        return False
    log_event(
        session,
        record,
        actor=actor,
        origin=origin,
        action=action,
        from_value=current,
        to_value=value.value,
    )
    setattr(record, column, value.value)
    record.updated_at = utcnow()
    return True


def add_label(
    session: Session,
    record: CommentRecord,
    kind: LabelKind,
    value: bool,
    *,
    actor: str,
    source: str,
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
        source=source,
        content=record.content,
    )
    session.add(label)
    return label


def record_feedback(
    session: Session, record: CommentRecord, is_spam: bool, *, actor: str, source: str, origin: str
) -> CommentRecord:
    """Apply a moderator's spam/genuine decision: a label and the matching status; commit."""
    add_label(session, record, LabelKind.SPAM, is_spam, actor=actor, source=source)
    set_status(
        session,
        record,
        Status.SPAM if is_spam else Status.APPROVED,
        actor=actor,
        origin=origin,
    )
    session.commit()
    return record


def record_reply_state(
    session: Session,
    record: CommentRecord,
    state: ReplyState,
    *,
    actor: str,
    source: str,
    origin: str,
) -> CommentRecord:
    """Move a comment's reply state; commit.

    Only a comment that was waiting for a reply yields a needs-reply label (replied:
    it did need one; dismissed: it did not); a reply to any other comment says nothing
    about whether it was a question.
    """
    was_waiting = record.reply_state == ReplyState.NEEDS_REPLY.value
    if set_reply_state(session, record, state, actor=actor, origin=origin) and was_waiting:
        add_label(
            session,
            record,
            LabelKind.NEEDS_REPLY,
            state is ReplyState.REPLIED,
            actor=actor,
            source=source,
        )
    session.commit()
    return record


def log_event(
    session: Session,
    record: CommentRecord,
    *,
    actor: str,
    origin: str,
    action: str,
    from_value: str | None = None,
    to_value: str | None = None,
    details: dict | None = None,
) -> Event:
    """Append a line to the event log about a comment: who did what, from → to. No commit."""
    event = Event(
        site_id=record.site_id,
        comment_id=record.id,
        actor=actor,
        origin=origin,
        action=action,
        from_value=from_value,
        to_value=to_value,
        details=details or {},
    )
    session.add(event)
    return event


#: Event actions a platform syncs back (what changed a comment's public state).
FEED_ACTIONS = (
    "status_changed",
    "reply_state_changed",
    "replied",
    "reply_withdrawn",
    "deleted",
)


def events_after(
    session: Session,
    site: Site,
    after: int = 0,
    limit: int = 100,
    include_platform: bool = False,
    settled_before: datetime | None = None,
) -> list[Event]:
    """Return the site's feed events after an event id, oldest first.

    Changes the platform itself made are left out unless asked for, so it does not
    receive its own echo.
    """
    query = select(Event).where(
        Event.site_id == site.id, Event.id > after, Event.action.in_(FEED_ACTIONS)
    )
    if not include_platform:
        query = query.where(Event.origin != "platform")
    if settled_before is not None:
        query = query.where(Event.created_at < settled_before)
    return list(session.execute(query.order_by(Event.id).limit(limit)).scalars())
