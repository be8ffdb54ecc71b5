"""What a site has seen before a new comment: the facts its rules read (`core.history`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderator.core.comment import Comment, content_fingerprint
from moderator.core.history import NO_HISTORY, History
from moderator.core.settings import SiteSettings
from moderator.storage.schema import CommentRecord, Site, Status, utcnow


def comment_history(
    session: Session,
    site: Site,
    comment: Comment,
    settings: SiteSettings,
    now: datetime | None = None,
    before_id: int | None = None,
) -> History:
    """Look up what the site's rules need to know of a new comment's past.

    Only what the settings turn on is looked up: a site with no such rule costs nothing.
    `before_id` looks at a stored comment's past as it arrived: only comments stored
    before it (so it is never its own duplicate), up to `now`, its arrival.
    """
    now = now or utcnow()
    earlier = (CommentRecord.id < before_id,) if before_id is not None else ()
    duplicate_seen = author_approved = False
    ip_count = 0
    if settings.duplicate_window_hours:
        since = now - timedelta(hours=settings.duplicate_window_hours)
        duplicate_seen = _exists(
            session,
            CommentRecord.content_hash == content_fingerprint(comment.content),
            CommentRecord.received_at >= since,
            *earlier,
        )
    if settings.trust_approved_authors and comment.author_email.strip():
        author_approved = _exists(
            session,
            CommentRecord.site_id == site.id,
            CommentRecord.status == Status.APPROVED.value,
            func.lower(CommentRecord.author_email) == comment.author_email.strip().lower(),
            CommentRecord.author == comment.author,
            *earlier,
        )
    if settings.max_per_ip_per_hour and comment.user_ip.strip():
        ip_count = session.execute(
            select(func.count()).where(
                CommentRecord.site_id == site.id,
                CommentRecord.user_ip == comment.user_ip,
                CommentRecord.received_at >= now - timedelta(hours=1),
                *earlier,
            )
        ).scalar_one()
    if not (duplicate_seen or author_approved or ip_count):
        return NO_HISTORY
    return History(
        duplicate_seen=duplicate_seen,
        author_approved=author_approved,
        ip_comments_last_hour=int(ip_count),
    )


def _exists(session: Session, *conditions) -> bool:
    return session.execute(select(CommentRecord.id).where(*conditions).limit(1)).first() is not None


def comment_histories(
    session: Session,
    site: Site,
    comments: Sequence[Comment],
    settings: SiteSettings,
    now: datetime | None = None,
) -> list[History]:
    """Look up the past of a batch of new comments, as `comment_history` does for each.

    At most one query per rule the settings turn on, whatever the batch's size: a
    1,000-comment /score asks three questions of the database, not 3,000.
    """
    now = now or utcnow()
    duplicates: set[str] = set()
    approved: set[tuple[str, str]] = set()
    per_ip: dict[str, int] = {}
    if settings.duplicate_window_hours and comments:
        since = now - timedelta(hours=settings.duplicate_window_hours)
        fingerprints = {content_fingerprint(c.content) for c in comments}
        duplicates = _values(
            session,
            select(CommentRecord.content_hash).distinct(),
            CommentRecord.content_hash,
            fingerprints,
            CommentRecord.received_at >= since,
        )
    emails = {c.author_email.strip().lower() for c in comments if c.author_email.strip()}
    if settings.trust_approved_authors and emails:
        email = func.lower(CommentRecord.author_email)
        approved = _values(
            session,
            select(email, CommentRecord.author).distinct(),
            email,
            emails,
            CommentRecord.site_id == site.id,
            CommentRecord.status == Status.APPROVED.value,
        )
    addresses = {c.user_ip for c in comments if c.user_ip.strip()}
    if settings.max_per_ip_per_hour and addresses:
        per_ip = dict(
            _values(
                session,
                select(CommentRecord.user_ip, func.count()).group_by(CommentRecord.user_ip),
                CommentRecord.user_ip,
                addresses,
                CommentRecord.site_id == site.id,
                CommentRecord.received_at >= now - timedelta(hours=1),
            )
        )
    if not (duplicates or approved or per_ip):
        return [NO_HISTORY] * len(comments)
    histories = []
    for comment in comments:
        history = History(
            duplicate_seen=bool(duplicates) and content_fingerprint(comment.content) in duplicates,
            author_approved=(comment.author_email.strip().lower(), comment.author) in approved,
            ip_comments_last_hour=int(per_ip.get(comment.user_ip, 0)),
        )
        histories.append(history if history != NO_HISTORY else NO_HISTORY)
    return histories


#: Values one IN (...) list carries: well within SQLite's and PostgreSQL's limits.
_IN_CHUNK = 500


def _values(session: Session, query, column, wanted: set, *conditions) -> set:
    """Return the rows of `query` where `column` is one of `wanted` (asked in chunks)."""
    wanted, found = sorted(wanted), set()
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        rows = session.execute(query.where(column.in_(chunk), *conditions)).all()
        found.update(row[0] if len(row) == 1 else tuple(row) for row in rows)
    return found
