"""Queries and actions behind the review page.

Every query takes the ids of the sites the moderator may see, so per-site access is
enforced here as well as in the views.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Text, and_, case, cast, func, or_, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from moderator.storage.changes import add_label, log_event, set_reply_state, set_status
from moderator.storage.comments import ANSWERABLE, get_comment
from moderator.storage.common import NotFound
from moderator.storage.schema import (
    CommentRecord,
    Event,
    Label,
    LabelKind,
    Reply,
    ReplyState,
    Status,
)

#: The review page's queues, in the order the tabs show them.
REVIEW_QUEUES = ("needs_reply", "pending", "spam", "approved", "trash")

#: What each moderator action does: (new status or None, spam label or None).
_STATUS_ACTIONS = {
    "approve": (Status.APPROVED, False),
    "not_spam": (Status.APPROVED, False),
    "spam": (Status.SPAM, True),
    "trash": (Status.TRASH, None),
}
#: Every action `moderate` accepts; reply and delete have their own functions.
REVIEW_ACTIONS = (*_STATUS_ACTIONS, "restore", "dismiss")


@dataclass(frozen=True)
class ReviewFilter:
    """Which comments a review queue shows: the moderator's sites and the chosen filters."""

    site_ids: tuple[int, ...]
    queue: str = "pending"
    post: str = ""
    reason: str = ""
    search: str = ""
    sort: str = "newest"


@dataclass(frozen=True)
class ReviewPage:
    """One numbered page of a review queue."""

    items: list[CommentRecord]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Return how many pages the queue fills (at least one)."""
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class Change:
    """What one review action wrote: the events (which undo reverts) and what it touched."""

    event_ids: tuple[int, ...] = ()
    comment_ids: tuple[int, ...] = ()


def _review_select(filters: ReviewFilter):
    query = select(CommentRecord).where(CommentRecord.site_id.in_(filters.site_ids))
    if filters.queue == "needs_reply":
        query = query.where(
            CommentRecord.reply_state == ReplyState.NEEDS_REPLY.value,
            CommentRecord.status.in_(ANSWERABLE),
        )
    else:
        query = query.where(CommentRecord.status == Status(filters.queue).value)
    if filters.post:
        query = query.where(CommentRecord.post_id == filters.post)
    if filters.reason:
        # Reasons are a JSON list; its text form is portable across SQLite and PostgreSQL.
        needle = json.dumps({"code": filters.reason})[1:-1]
        query = query.where(cast(CommentRecord.reasons, Text).contains(needle, autoescape=True))
    if filters.search:
        needle = filters.search.strip().lower()
        columns = (
            CommentRecord.content,
            CommentRecord.author,
            CommentRecord.author_email,
            CommentRecord.author_url,
            CommentRecord.user_ip,
        )
        matches = [func.lower(column).contains(needle, autoescape=True) for column in columns]
        wanted_id = needle.removeprefix("#")
        if wanted_id.isascii() and wanted_id.isdigit() and int(wanted_id) < 2**31:
            matches.append(CommentRecord.id == int(wanted_id))
        query = query.where(or_(*matches))
    return query


def review_page(
    session: Session, filters: ReviewFilter, page: int = 1, per_page: int = 25
) -> ReviewPage:
    """Return a numbered page of a queue; the reply queue puts urgent questions first."""
    query = _review_select(filters)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    order = CommentRecord.id.asc() if filters.sort == "oldest" else CommentRecord.id.desc()
    ordering = [order]
    if filters.queue == "needs_reply":
        ordering.insert(0, CommentRecord.urgent.desc())
    page = max(1, page)
    rows = session.execute(
        query.order_by(*ordering).offset((page - 1) * per_page).limit(per_page)
    ).scalars()
    return ReviewPage(list(rows), total, page, per_page)


def count_newer(session: Session, filters: ReviewFilter, after_id: int) -> int:
    """Return how many comments of a queue arrived after a comment id (for "View N new")."""
    query = _review_select(filters).where(CommentRecord.id > after_id)
    return session.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def newest_comment_id(session: Session, site_ids: Iterable[int]) -> int:
    """Return the highest comment id over the sites (0 when there is none)."""
    return (
        session.execute(
            select(func.max(CommentRecord.id)).where(CommentRecord.site_id.in_(list(site_ids)))
        ).scalar_one()
        or 0
    )


def review_posts(session: Session, site_ids: Iterable[int], limit: int = 200) -> list[tuple]:
    """Return (post_id, post_title, pending count) for the posts with comments, busiest first."""
    pending = func.sum(case((CommentRecord.status == Status.PENDING.value, 1), else_=0))
    rows = session.execute(
        select(CommentRecord.post_id, func.max(CommentRecord.post_title), pending)
        .where(CommentRecord.site_id.in_(list(site_ids)), CommentRecord.post_id != "")
        .group_by(CommentRecord.post_id)
        .order_by(pending.desc(), CommentRecord.post_id)
        .limit(limit)
    )
    return [(post_id, title or post_id, int(count or 0)) for post_id, title, count in rows]


def reason_codes(session: Session, site_ids: Iterable[int], sample: int = 1000) -> list[str]:
    """Return the reason codes seen on the sites' most recent comments, sorted."""
    rows = session.execute(
        select(CommentRecord.reasons)
        .where(CommentRecord.site_id.in_(list(site_ids)))
        .order_by(CommentRecord.id.desc())
        .limit(sample)
    ).scalars()
    codes = {
        str(reason.get("code"))
        for reasons in rows
        for reason in (reasons or [])
        if isinstance(reason, dict) and reason.get("code")
    }
    return sorted(codes)


def visible_comment(
    session: Session, site_ids: Iterable[int], comment_id: int, *, for_update: bool = False
) -> CommentRecord:
    """Return a comment on one of the given sites or raise NotFound (also for other sites)."""
    record = get_comment(session, None, comment_id, for_update=for_update)
    if record.site_id not in set(site_ids):
        raise NotFound(f"no comment {comment_id}")
    return record


def visible_comments(
    session: Session,
    site_ids: Iterable[int],
    comment_ids: Iterable[int],
    *,
    for_update: bool = False,
) -> list[CommentRecord]:
    """Return those of the given comments that sit on the given sites, in id order.

    With for_update the rows stay locked until the caller commits (see get_comment).
    """
    ids = [i for i in comment_ids if 0 < i < 2**31]
    if not ids:
        return []
    query = (
        select(CommentRecord)
        .where(CommentRecord.id.in_(ids), CommentRecord.site_id.in_(list(site_ids)))
        .order_by(CommentRecord.id)
    )
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return list(session.execute(query).scalars())


def _same_author(record: CommentRecord):
    """Return the condition for "the same author": the e-mail, else the name and IP."""
    if record.author_email.strip():
        return func.lower(CommentRecord.author_email) == record.author_email.strip().lower()
    return and_(CommentRecord.author == record.author, CommentRecord.user_ip == record.user_ip)


@dataclass(frozen=True)
class AuthorHistory:
    """An author's other comments on the sites a moderator sees, with counts by status."""

    comments: list[CommentRecord]
    counts: dict[str, int]

    @property
    def total(self) -> int:
        """Return how many other comments the author left."""
        return sum(self.counts.values())


def author_history(
    session: Session, record: CommentRecord, site_ids: Iterable[int], limit: int = 50
) -> AuthorHistory:
    """Return the author's other comments (newest first) and how many are in each status."""
    if not (record.author_email.strip() or record.author or record.user_ip):
        return AuthorHistory([], {status.value: 0 for status in Status})
    query = select(CommentRecord).where(
        CommentRecord.site_id.in_(list(site_ids)),
        CommentRecord.id != record.id,
        _same_author(record),
    )
    counts = {status.value: 0 for status in Status}
    mine = query.subquery()
    for status, count in session.execute(
        select(mine.c.status, func.count()).group_by(mine.c.status)
    ):
        counts[status] = count
    rows = session.execute(query.order_by(CommentRecord.id.desc()).limit(limit)).scalars()
    return AuthorHistory(list(rows), counts)


def author_approved_counts(
    session: Session, records: Iterable[CommentRecord], site_ids: Iterable[int]
) -> dict[int, tuple[int, int]]:
    """Return, per comment, (the author's other comments, how many were approved).

    Two grouped queries for a whole page: one by e-mail, one by name and IP.
    """
    records = list(records)
    site_ids = list(site_ids)
    approved = func.sum(case((CommentRecord.status == Status.APPROVED.value, 1), else_=0))
    by_email: dict[str, tuple[int, int]] = {}
    emails = {r.author_email.strip().lower() for r in records if r.author_email.strip()}
    if emails:
        email = func.lower(CommentRecord.author_email)
        for key, total, ok in session.execute(
            select(email, func.count(), approved)
            .where(CommentRecord.site_id.in_(site_ids), email.in_(emails))
            .group_by(email)
        ):
            by_email[key] = (total, int(ok or 0))
    by_name: dict[tuple[str, str], tuple[int, int]] = {}
    names = {(r.author, r.user_ip) for r in records if not r.author_email.strip()}
    if names:
        for author, ip, total, ok in session.execute(
            select(CommentRecord.author, CommentRecord.user_ip, func.count(), approved)
            .where(
                CommentRecord.site_id.in_(site_ids),
                CommentRecord.author_email == "",
                or_(
                    *(
                        and_(CommentRecord.author == n, CommentRecord.user_ip == ip)
                        for n, ip in names
                    )
                ),
            )
            .group_by(CommentRecord.author, CommentRecord.user_ip)
        ):
            by_name[(author, ip)] = (total, int(ok or 0))
    result = {}
    for r in records:
        if r.author_email.strip():
            total, ok = by_email.get(r.author_email.strip().lower(), (1, 0))
        else:
            total, ok = by_name.get((r.author, r.user_ip), (1, 0))
        # Leave the comment itself out of its author's history.
        result[r.id] = (max(0, total - 1), ok - (r.status == Status.APPROVED.value))
    return result


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
    """Flush, stamp this action's new events with details, commit, and describe the change."""
    events = added.of(Event)
    labels = {(label.comment_id, label.kind): label for label in added.of(Label)}
    session.flush()
    for event in events:
        extra = dict(details)
        kind = {"status_changed": LabelKind.SPAM, "reply_state_changed": LabelKind.NEEDS_REPLY}
        label = labels.get((event.comment_id, kind.get(event.action)))
        if label is not None:
            extra["label_id"] = label.id
        event.details = {**(event.details or {}), **extra}
    session.commit()
    return Change(
        tuple(sorted(event.id for event in events)), tuple(record.id for record in records)
    )


def _status_before(session: Session, record: CommentRecord, status: str) -> str | None:
    """Return the status a comment had before it last moved into `status`."""
    return session.execute(
        select(Event.from_value)
        .where(
            Event.comment_id == record.id,
            Event.action == "status_changed",
            Event.to_value == status,
        )
        .order_by(Event.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def moderate(
    session: Session, records: Iterable[CommentRecord], action: str, *, actor: str
) -> Change:
    """Apply one moderator action to comments, with event log lines and labels; commit.

    approve/not_spam label the comment genuine, spam labels it spam, trash is a soft
    delete, restore takes a trashed comment back to where it was, dismiss clears a
    needs-reply flag (labelled "not a question for the author").
    """
    if action not in REVIEW_ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    records = list(records)
    with _Added(session) as added:
        for record in records:
            _moderate_one(session, record, action, actor=actor)
    return _finish(session, added, records, {"action": action})


def _moderate_one(session: Session, record: CommentRecord, action: str, *, actor: str) -> None:
    """Apply one action to one comment (see `moderate`)."""
    if action in _STATUS_ACTIONS:
        status, is_spam = _STATUS_ACTIONS[action]
        changed = set_status(session, record, status, actor=actor, origin="moderator")
        if changed and is_spam is not None:
            add_label(session, record, LabelKind.SPAM, is_spam, actor=actor, source="review")
    elif action == "restore" and record.status == Status.TRASH.value:
        before = _status_before(session, record, Status.TRASH.value)
        if before not in (None, Status.TRASH.value):
            target = Status(before)
        else:
            target = Status.PENDING
        set_status(session, record, target, actor=actor, origin="moderator")
    elif action == "dismiss" and record.reply_state == ReplyState.NEEDS_REPLY.value:
        set_reply_state(session, record, ReplyState.DISMISSED, actor=actor, origin="moderator")
        add_label(session, record, LabelKind.NEEDS_REPLY, False, actor=actor, source="review")


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
        if set_status(session, record, Status.APPROVED, actor=actor, origin="moderator"):
            add_label(session, record, LabelKind.SPAM, False, actor=actor, source="review")
        was_waiting = record.reply_state == ReplyState.NEEDS_REPLY.value
        if (
            set_reply_state(session, record, ReplyState.REPLIED, actor=actor, origin="moderator")
            and was_waiting
        ):
            add_label(session, record, LabelKind.NEEDS_REPLY, True, actor=actor, source="review")
        session.flush()
        log_event(
            session,
            record,
            actor=actor,
            origin="moderator",
            action="replied",
            to_value=ReplyState.REPLIED.value,
            details={"reply_id": reply.id, "author": actor, "content": content},
        )
    return _finish(session, added, [record], {"action": "reply"})


def delete_permanently(session: Session, records: Iterable[CommentRecord], *, actor: str) -> int:
    """Delete comments for good, logging a "deleted" event for each; commit; return how many.

    Events keep the comment id (they have no foreign key); labels keep their copy of the text.
    """
    count = 0
    for record in records:
        log_event(
            session,
            record,
            actor=actor,
            origin="moderator",
            action="deleted",
            from_value=record.status,
            details={"guid": record.guid, "external_id": record.external_id},
        )
        session.delete(record)
        count += 1
    session.commit()
    return count


def empty_spam(
    session: Session, site_ids: Iterable[int], comment_ids: Iterable[int], *, actor: str
) -> int:
    """Delete for good exactly the listed comments that are still spam; commit; return how many.

    The ids are those the moderator saw, so spam that arrived since is never wiped unseen.
    """
    records = [
        record
        for record in visible_comments(session, site_ids, comment_ids)
        if record.status == Status.SPAM.value
    ]
    return delete_permanently(session, records, actor=actor)


def undo(
    session: Session, site_ids: Iterable[int], event_ids: Iterable[int], *, actor: str
) -> Change:
    """Revert a moderator's own recent changes, newest first; commit.

    A change is reverted only while the comment still holds the value it set (someone
    else may have moved it since); the labels it wrote are withdrawn. The revert is
    logged as events of its own, marked `undo_of`.
    """
    ids = [i for i in event_ids if 0 < i < 2**63]
    if not ids:
        return Change()
    events = session.execute(
        select(Event)
        .where(
            Event.id.in_(ids),
            Event.actor == actor,
            Event.origin == "moderator",
            Event.site_id.in_(list(site_ids)),
            Event.action.in_(("status_changed", "reply_state_changed", "replied")),
        )
        .order_by(Event.id.desc())
    ).scalars()
    touched: dict[int, CommentRecord] = {}
    reverted: dict[int, int] = {}
    with _Added(session) as added:
        _revert(session, list(events), touched, reverted, actor=actor)
    new_events = added.of(Event)
    session.flush()
    for event in new_events:
        event.details = {"action": "undo", "undo_of": reverted.get(event.comment_id)}
    session.commit()
    return Change(tuple(sorted(e.id for e in new_events)), tuple(touched))


def _revert(session: Session, events: list[Event], touched: dict, reverted: dict, *, actor: str):
    """Revert logged changes where the comment still holds the value they set."""
    for event in events:
        record = session.get(CommentRecord, event.comment_id) if event.comment_id else None
        if record is None or record.site_id != event.site_id:
            # Deleted since (its id may even belong to another site's comment now).
            continue
        if event.action == "replied":
            if _withdraw_reply(session, record, event, actor=actor):
                touched[record.id] = record
                reverted[record.id] = event.id
            continue
        if not event.from_value:
            continue
        if event.action == "status_changed" and record.status == event.to_value:
            set_status(session, record, Status(event.from_value), actor=actor, origin="moderator")
        elif event.action == "reply_state_changed" and record.reply_state == event.to_value:
            set_reply_state(
                session, record, ReplyState(event.from_value), actor=actor, origin="moderator"
            )
        else:
            continue
        label_id = (event.details or {}).get("label_id")
        if isinstance(label_id, int):
            label = session.get(Label, label_id)
            if label is not None and label.actor == actor and label.source == "review":
                session.delete(label)
        touched[record.id] = record
        reverted[record.id] = event.id


def _withdraw_reply(session: Session, record: CommentRecord, event: Event, *, actor: str) -> bool:
    """Delete the reply a "replied" event stored and log its withdrawal for the feed."""
    reply_id = (event.details or {}).get("reply_id")
    reply = session.get(Reply, reply_id) if isinstance(reply_id, int) else None
    if reply is None or reply.comment_id != record.id:
        return False
    record.replies.remove(reply)
    log_event(
        session,
        record,
        actor=actor,
        origin="moderator",
        action="reply_withdrawn",
        from_value=ReplyState.REPLIED.value,
        details={"reply_id": reply_id},
    )
    return True


def list_events(
    session: Session,
    site_ids: Iterable[int],
    *,
    site_id: int | None = None,
    action: str = "",
    actor: str = "",
    origin: str = "",
    comment_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> ReviewPage:
    """Return a numbered page of the event log over the given sites, newest first."""
    query = select(Event).where(Event.site_id.in_(list(site_ids)))
    if site_id is not None:
        query = query.where(Event.site_id == site_id)
    if action:
        query = query.where(Event.action == action)
    if actor:
        query = query.where(Event.actor == actor)
    if origin:
        query = query.where(Event.origin == origin)
    if comment_id is not None:
        query = query.where(Event.comment_id == comment_id)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = max(1, page)
    rows = session.execute(
        query.order_by(Event.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).scalars()
    return ReviewPage(list(rows), total, page, per_page)


def event_actions(session: Session, site_ids: Iterable[int]) -> list[str]:
    """Return the distinct event actions logged over the sites, sorted."""
    return sorted(
        session.execute(
            select(Event.action).where(Event.site_id.in_(list(site_ids))).distinct()
        ).scalars()
    )
