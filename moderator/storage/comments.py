"""Comments: storing a decided comment, finding it again, listing and counting."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderator.core import workflow
from moderator.core.comment import TEXT_FIELDS, Comment, content_fingerprint
from moderator.core.decision import Decision
from moderator.core.states import EventAction
from moderator.storage import webhooks
from moderator.storage.common import Conflict, NotFound, Page, decode_cursor, encode_cursor
from moderator.storage.events import log_event
from moderator.storage.schema import (
    CommentOrigin,
    CommentRecord,
    EventOrigin,
    Label,
    ReplyState,
    Site,
    Status,
)

#: Statuses a comment awaiting the author's reply can be in (spam and trash never wait).
ANSWERABLE = tuple(status.value for status in workflow.ANSWERABLE)


def waiting_for_reply():
    """Return the condition for a question still waiting for the author (the reply queue)."""
    return and_(
        CommentRecord.reply_state == ReplyState.NEEDS_REPLY.value,
        CommentRecord.status.in_(ANSWERABLE),
    )


@dataclass(frozen=True)
class Stored:
    """The result of adding a comment: the record and whether it was new."""

    record: CommentRecord
    created: bool


def add_comment(
    session: Session,
    site: Site,
    comment: Comment,
    decision: Decision,
    raw: dict,
    *,
    actor: str,
    is_test: bool = False,
    origin: CommentOrigin | str = CommentOrigin.API,
) -> Stored:
    """Store a comment with its decision and a `received` event; commit.

    The same site and external_id returns the stored record instead of a duplicate;
    the same external_id with other content raises Conflict.
    """
    if comment.external_id:
        existing = _by_external_id(session, site, comment.external_id)
        if existing is not None:
            return Stored(_same_or_conflict(existing, comment), created=False)
    record = new_record(site, comment, decision, raw, is_test=is_test, origin=origin)
    session.add(record)
    try:
        session.flush()
    except IntegrityError:
        # Another request stored the same external_id first.
        session.rollback()
        existing = _by_external_id(session, site, comment.external_id)
        if existing is None:
            raise
        return Stored(_same_or_conflict(existing, comment), created=False)
    # A comment entered on the review page is the moderator's; any other, the platform's.
    by_moderator = origin == CommentOrigin.REVIEW
    log_event(
        session,
        record,
        actor=actor,
        origin=EventOrigin.MODERATOR if by_moderator else EventOrigin.PLATFORM,
        action=EventAction.RECEIVED,
        to_value=record.status,
        # The reasons too (rules' and models'), so the log says why, as the API does.
        details={
            "verdict": record.verdict,
            "spam_score": record.spam_score,
            "reasons": record.reasons,
        },
    )
    if decision.urgent:
        # moderator's own alarm, so the platform's feed carries it (its echo is filtered out)
        alarm = log_event(
            session,
            record,
            actor="moderator",
            origin=EventOrigin.SYSTEM,
            action=EventAction.FLAGGED_URGENT,
            to_value=record.status,
            details={
                "red_flags": [r.title for r in decision.reasons if r.code == "red_flag"],
            },
        )
        webhooks.enqueue(session, record, [alarm])
    session.commit()
    return Stored(record, created=True)


_NOT_STORED = {"external_id", "user_role", "honeypot"}


def new_record(
    site: Site,
    comment: Comment,
    decision: Decision,
    raw: dict,
    *,
    is_test: bool = False,
    origin: CommentOrigin | str = CommentOrigin.API,
) -> CommentRecord:
    """Return the row for a decided comment of a site, not yet added to a session."""
    return CommentRecord(
        site_id=site.id,
        guid=str(uuid.uuid4()),
        external_id=comment.external_id or None,
        raw=raw,
        is_test=is_test,
        origin=CommentOrigin(origin).value,
        created_at=comment.created_at,
        content_hash=content_fingerprint(comment.content),
        **{name: getattr(comment, name) for name in TEXT_FIELDS if name not in _NOT_STORED},
        **decision_columns(decision),
        # A new comment has no replies: said here, the API's answer does not query for them.
        replies=[],
    )


def decision_columns(decision: Decision) -> dict:
    """Return a decision as the comment's columns (new comments, and Check again)."""
    return {
        "status": decision.status.value,
        "verdict": decision.verdict.value,
        "spam_score": decision.spam_score,
        "discard": decision.discard,
        "medical_score": decision.medical_score,
        "needs_reply": decision.needs_reply,
        "urgent": decision.urgent,
        "reply_state": (
            ReplyState.NEEDS_REPLY.value if decision.needs_reply else ReplyState.NONE.value
        ),
        "reasons": [reason.to_dict() for reason in decision.reasons],
        "spam_model_version": decision.spam_model_version,
        "medical_model_version": decision.medical_model_version,
    }


def _by_external_id(session: Session, site: Site, external_id: str) -> CommentRecord | None:
    return session.execute(
        select(CommentRecord).where(
            CommentRecord.site_id == site.id, CommentRecord.external_id == external_id
        )
    ).scalar_one_or_none()


def _same_or_conflict(existing: CommentRecord, comment: Comment) -> CommentRecord:
    if existing.content != comment.content:
        raise Conflict(f"external_id {comment.external_id!r} is already stored with other content")
    return existing


def get_comment(
    session: Session, site: Site | None, comment_id: int, *, for_update: bool = False
) -> CommentRecord:
    """Return a comment of the site (any site when None) or raise NotFound.

    With for_update the row stays locked until the caller commits (on PostgreSQL), so
    two app servers changing one comment at once cannot both log the same "from".
    """
    if not 0 < comment_id < 2**31:
        raise NotFound(f"no comment {comment_id}")
    record = session.get(
        CommentRecord, comment_id, with_for_update=for_update, populate_existing=for_update
    )
    if record is None or (site is not None and record.site_id != site.id):
        raise NotFound(f"no comment {comment_id}")
    return record


def comment_by_guid(session: Session, site: Site, guid: str) -> CommentRecord | None:
    """Return the site's comment with this Akismet guid, or None."""
    return session.execute(
        select(CommentRecord).where(CommentRecord.site_id == site.id, CommentRecord.guid == guid)
    ).scalar_one_or_none()


def find_comment(session: Session, site: Site, comment: Comment) -> CommentRecord | None:
    """Return the site's newest stored comment that is this one, or None.

    Content and author must match exactly (an empty author matches only an empty one),
    and so must the e-mail and IP when the caller knows them: two readers who both wrote
    "Nice post" are two comments.
    """
    if not comment.content:
        return None
    query = select(CommentRecord).where(
        CommentRecord.site_id == site.id,
        CommentRecord.content == comment.content,
        CommentRecord.author == comment.author,
    )
    if comment.author_email:
        query = query.where(CommentRecord.author_email == comment.author_email)
    if comment.user_ip:
        query = query.where(CommentRecord.user_ip == comment.user_ip)
    return session.execute(query.order_by(CommentRecord.id.desc()).limit(1)).scalar_one_or_none()


def list_comments(
    session: Session,
    site: Site,
    *,
    status: str | None = None,
    needs_reply: bool | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """Return a page of the site's comments, newest first.

    With needs_reply=True the page is the reply queue instead: comments still
    waiting for the author, urgent first, then oldest first.
    """
    query = select(CommentRecord).where(CommentRecord.site_id == site.id)
    if status:
        query = query.where(CommentRecord.status == status)
    if needs_reply is True:
        return _reply_queue(session, query, cursor, limit)
    if needs_reply is False:
        query = query.where(CommentRecord.reply_state != ReplyState.NEEDS_REPLY.value)
    if cursor:
        (last_id,) = decode_cursor(cursor, 1)
        query = query.where(CommentRecord.id < last_id)
    rows = list(session.execute(query.order_by(CommentRecord.id.desc()).limit(limit + 1)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor([rows[-1].id]) if more and rows else None)


def _reply_queue(session: Session, query, cursor: str | None, limit: int) -> Page:
    query = query.where(waiting_for_reply())
    if cursor:
        urgent, last_id = decode_cursor(cursor, 2)
        # Order is (urgent desc, id asc): continue after (urgent, last_id).
        after_last = CommentRecord.id > last_id
        if urgent:
            query = query.where(or_(CommentRecord.urgent.is_(False), after_last))
        else:
            query = query.where(CommentRecord.urgent.is_(False), after_last)
    rows = list(
        session.execute(
            query.order_by(CommentRecord.urgent.desc(), CommentRecord.id.asc()).limit(limit + 1)
        ).scalars()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor([int(rows[-1].urgent), rows[-1].id]) if more and rows else None
    return Page(rows, next_cursor)


def count_by_status(session: Session, site_ids: Iterable[int]) -> dict[str, int]:
    """Return how many comments each status and the reply queue hold, over the given sites."""
    site_ids = list(site_ids)
    counts = {status.value: 0 for status in Status}
    rows = session.execute(
        select(CommentRecord.status, func.count())
        .where(CommentRecord.site_id.in_(site_ids))
        .group_by(CommentRecord.status)
    )
    for status, count in rows:
        counts[status] = count
    counts[workflow.ALL] = sum(counts[status.value] for status in workflow.IN_PLAY)
    counts[workflow.NEEDS_REPLY] = session.execute(
        select(func.count()).where(CommentRecord.site_id.in_(site_ids), waiting_for_reply())
    ).scalar_one()
    return counts


def external_ids(session: Session, comment_ids: Iterable[int | None]) -> dict[int, str | None]:
    """Return the platform's id of each stored comment among `comment_ids`, by comment id."""
    wanted = {i for i in comment_ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(CommentRecord.id, CommentRecord.external_id).where(CommentRecord.id.in_(wanted))
    )
    return {comment_id: external_id for comment_id, external_id in rows}


def comments_for_export(
    session: Session, site: Site, batch: int = 500
) -> Iterator[tuple[CommentRecord, list[Label]]]:
    """Yield every comment of a site, oldest first, with its labels (in batches)."""
    last_id = 0
    while True:
        records = list(
            session.execute(
                select(CommentRecord)
                .where(CommentRecord.site_id == site.id, CommentRecord.id > last_id)
                .order_by(CommentRecord.id)
                .limit(batch)
            ).scalars()
        )
        if not records:
            return
        last_id = records[-1].id
        labels: dict[int, list[Label]] = {}
        for label in session.execute(
            select(Label).where(Label.comment_id.in_([r.id for r in records])).order_by(Label.id)
        ).scalars():
            labels.setdefault(label.comment_id, []).append(label)
        for record in records:
            yield record, labels.get(record.id, [])


def count_urgent(session: Session, site_ids: Iterable[int]) -> int:
    """Return how many urgent comments still wait for the author's reply, over the sites."""
    return session.execute(
        select(func.count()).where(
            CommentRecord.site_id.in_(list(site_ids)),
            waiting_for_reply(),
            CommentRecord.urgent.is_(True),
        )
    ).scalar_one()


def queue_sizes(session: Session) -> dict[tuple[int, str], int]:
    """Return how many comments each site holds in each status, and waiting for a reply.

    One grouped query per figure, over the indexes the review queues use (for metrics).
    """
    sizes: dict[tuple[int, str], int] = {}
    rows = session.execute(
        select(CommentRecord.site_id, CommentRecord.status, func.count()).group_by(
            CommentRecord.site_id, CommentRecord.status
        )
    )
    for site_id, status, count in rows:
        sizes[(site_id, status)] = count
    rows = session.execute(
        select(CommentRecord.site_id, func.count())
        .where(waiting_for_reply())
        .group_by(CommentRecord.site_id)
    )
    for site_id, count in rows:
        sizes[(site_id, workflow.NEEDS_REPLY)] = count
    return sizes


def urgent_waiting(session: Session) -> dict[int, int]:
    """Return how many urgent comments wait for the author's reply, by site (for metrics)."""
    rows = session.execute(
        select(CommentRecord.site_id, func.count())
        .where(waiting_for_reply(), CommentRecord.urgent.is_(True))
        .group_by(CommentRecord.site_id)
    )
    return dict(rows.all())
