"""What a site has seen before a new comment: the facts its rules read (`core.history`)."""

from __future__ import annotations

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
