"""An author's other comments, for the review page's "Author history"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from moderator.storage.schema import CommentRecord, Status


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
