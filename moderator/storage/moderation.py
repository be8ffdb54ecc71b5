"""The review page's actions on comments, and their undo, carried out through `changes`.

Each action commits and answers with a `Change`: the events it logged (which undo takes
back) and the comments it touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from moderator.core import workflow
from moderator.core.comment import content_fingerprint
from moderator.core.states import EventAction
from moderator.core.workflow import Action, LoggedChange, NotAllowed
from moderator.storage.changes import perform, state_of, write
from moderator.storage.queues import visible_comments
from moderator.storage.schema import (
    CommentRecord,
    Event,
    Label,
    Reply,
    Status,
    utcnow,
)

#: Every action `moderate` accepts; reply and delete have their own functions.
REVIEW_ACTIONS = workflow.ONE_CLICK


@dataclass(frozen=True)
class Change:
    """What one review action wrote: the events (which undo reverts) and what it touched."""

    event_ids: tuple[int, ...] = ()
    comment_ids: tuple[int, ...] = ()


class _Added:
    """Collect the rows a block adds to a session, whether or not autoflush ran meanwhile."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows: list = []

    def __enter__(self) -> _Added:
        sa_event.listen(self.session, "transient_to_pending", self._add)
        return self

    def __exit__(self, *exc) -> None:
        sa_event.remove(self.session, "transient_to_pending", self._add)

    def _add(self, _session, instance) -> None:
        self.rows.append(instance)

    def of(self, kind: type) -> list:
        """Return the added rows of one table class."""
        return [row for row in self.rows if isinstance(row, kind)]


def _finish(session: Session, added: _Added, records: list[CommentRecord], details: dict) -> Change:
    """Flush, stamp this action's new events with details, commit, and describe the change.

    A change's event names the label it wrote (`label_id`), so undo can withdraw both.
    """
    events = added.of(Event)
    labels = {(label.comment_id, label.kind): label for label in added.of(Label)}
    session.flush()
    for event in events:
        extra = dict(details)
        label = labels.get((event.comment_id, workflow.LABELLED_BY.get(event.action)))
        if label is not None:
            extra["label_id"] = label.id
        event.details = {**(event.details or {}), **extra}
    session.commit()
    return Change(
        tuple(sorted(event.id for event in events)), tuple(record.id for record in records)
    )


def moderate(
    session: Session, records: Iterable[CommentRecord], action: Action | str, *, actor: str
) -> Change:
    """Apply one of the review page's one-click actions to comments; commit.

    What each does is `moderator.core.workflow`'s: approve/not_spam label the comment
    genuine, spam labels it spam, trash is a soft delete, restore takes a trashed comment
    back to where it was, dismiss clears a needs-reply flag ("not a question").
    """
    if action not in REVIEW_ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    records = list(records)
    with _Added(session) as added:
        for record in records:
            perform(session, record, action, actor=actor)
    return _finish(session, added, records, {"action": Action(action).value})


def add_reply(session: Session, record: CommentRecord, content: str, *, actor: str) -> Change:
    """Store the author's reply, approve the comment and mark it replied; commit.

    The "replied" event carries the text, so the platform can publish it from the feed.
    """
    content = content.strip()
    if not content:
        raise ValueError("the reply is empty")
    with _Added(session) as added:
        reply = Reply(comment_id=record.id, author=actor, content=content)
        record.replies.append(reply)
        session.flush()
        said = {"reply_id": reply.id, "author": actor, "content": content}
        perform(session, record, Action.REPLY, actor=actor, details={EventAction.REPLIED: said})
    return _finish(session, added, [record], {"action": Action.REPLY.value})


def edit_comment(
    session: Session,
    record: CommentRecord,
    values: Mapping[str, str],
    *,
    actor: str,
    as_label: bool = False,
) -> Change:
    """Change a comment's text, name, e-mail or URL as a moderator typed it; commit.

    The "edited" event keeps every changed field's old and new value, so the log shows
    what was there before. The edit becomes a training label only with `as_label`.
    Raises NotAllowed for a trashed comment, ValueError for an empty text.
    """
    edit = workflow.spec(Action.EDIT)
    if not workflow.allowed(edit.action, state_of(record)):
        raise NotAllowed(edit.refusal)
    wanted = {name: values[name] for name in workflow.EDITABLE_FIELDS if name in values}
    if "content" in wanted and not wanted["content"].strip():
        raise ValueError("the comment's text cannot be empty")
    changed = tuple(name for name, value in wanted.items() if getattr(record, name) != value)
    old = {name: getattr(record, name) for name in changed}
    with _Added(session) as added:
        for name in changed:
            setattr(record, name, wanted[name])
        if "content" in changed:
            record.content_hash = content_fingerprint(record.content)
        change = workflow.edit(state_of(record), workflow.REVIEW, changed, as_label=as_label)
        said = {"old": old, "new": {name: wanted[name] for name in changed}, "label": as_label}
        write(session, record, change, actor=actor, details={EventAction.EDITED: said})
        if changed:
            record.updated_at = utcnow()
    return _finish(session, added, [record], {"action": Action.EDIT.value})


def delete_permanently(
    session: Session, records: Iterable[CommentRecord], *, actor: str
) -> tuple[int, ...]:
    """Delete for good those of the comments the workflow lets go (spam, trash); commit.

    Each gets a "deleted" event; events keep the comment id (they have no foreign key) and
    labels keep their copy of the text. Returns the ids deleted.
    """
    deleted = []
    for record in records:
        gone = {"guid": record.guid, "external_id": record.external_id}
        try:
            perform(
                session, record, Action.DELETE, actor=actor, details={EventAction.DELETED: gone}
            )
        except NotAllowed:
            continue
        deleted.append(record.id)
    session.commit()
    return tuple(deleted)


def empty_spam(
    session: Session, site_ids: Iterable[int], comment_ids: Iterable[int], *, actor: str
) -> int:
    """Delete for good exactly the listed comments that are still spam; commit; return how many.

    The ids are those the moderator saw, so spam that arrived since is never wiped unseen.
    """
    records = [
        record
        for record in visible_comments(session, site_ids, comment_ids)
        if Status.SPAM.value in workflow.queues(state_of(record))
    ]
    return len(delete_permanently(session, records, actor=actor))


def undo(
    session: Session, site_ids: Iterable[int], event_ids: Iterable[int], *, actor: str
) -> Change:
    """Revert a moderator's own recent changes, newest first; commit.

    What can be reverted, and how, is `workflow.revert`'s; the revert is logged as events
    of its own, marked `undo_of`.
    """
    ids = [i for i in event_ids if 0 < i < 2**63]
    if not ids:
        return Change()
    events = session.execute(
        select(Event)
        .where(
            Event.id.in_(ids),
            Event.actor == actor,
            Event.origin == workflow.UNDO_ORIGIN.value,
            Event.site_id.in_(list(site_ids)),
            Event.action.in_([action.value for action in workflow.UNDOABLE]),
        )
        .order_by(Event.id.desc())
    ).scalars()
    touched: dict[int, CommentRecord] = {}
    reverted: dict[int, int] = {}
    with _Added(session) as added:
        for event in list(events):
            record = session.get(CommentRecord, event.comment_id) if event.comment_id else None
            # Deleted since (its id may even belong to another site's comment now)?
            if record is not None and record.site_id == event.site_id:
                if _revert(session, record, event, actor=actor):
                    touched[record.id] = record
                    reverted[record.id] = event.id
    new_events = added.of(Event)
    session.flush()
    for event in new_events:
        # keep what the event already says (a withdrawn reply's id, for the platform)
        undo = {"action": "undo", "undo_of": reverted.get(event.comment_id)}
        event.details = {**(event.details or {}), **undo}
    session.commit()
    return Change(tuple(sorted(e.id for e in new_events)), tuple(touched))


def _revert(session: Session, record: CommentRecord, event: Event, *, actor: str) -> bool:
    """Take back one logged change where the workflow says it still can be; return whether."""
    logged = LoggedChange(EventAction(event.action), event.from_value, event.to_value)
    back = workflow.revert(logged, state_of(record))
    if back is None:
        return False
    if back.withdraws_reply:
        reply_id = (event.details or {}).get("reply_id")
        reply = session.get(Reply, reply_id) if isinstance(reply_id, int) else None
        if reply is None or reply.comment_id != record.id:
            return False
        record.replies.remove(reply)
        withdrawn = {EventAction.REPLY_WITHDRAWN: {"reply_id": reply_id}}
        write(session, record, back, actor=actor, details=withdrawn)
        return True
    write(session, record, back, actor=actor)
    label_id = (event.details or {}).get("label_id")
    label = (
        session.get(Label, label_id) if back.withdraws_label and isinstance(label_id, int) else None
    )
    if label is not None and workflow.withdrawable(label.source, label.actor, actor):
        session.delete(label)
    return True
