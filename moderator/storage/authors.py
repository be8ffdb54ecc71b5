"""An author's other comments, for the review page's "Author history".

Who counts as "the same author" is one SQL expression, `author_key`: the e-mail (any
case, spaces trimmed) when there is one, else the name and IP together; a comment with
neither name, e-mail nor IP has no author to match. The card's count and the history's
list both select by it, so they always agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, func, literal, or_, select
from sqlalchemy.orm import Session

from moderator.storage.schema import CommentRecord, Status

#: Between the name and the IP in an author key (a control character no form field holds).
_SEPARATOR = "\x1f"


def author_key():
    """Return the SQL expression naming a comment's author (NULL when nothing identifies one)."""
    email = func.lower(func.trim(CommentRecord.author_email))
    return case(
        (email != "", literal("email:") + email),
        (
            or_(CommentRecord.author != "", CommentRecord.user_ip != ""),
            literal("name:") + CommentRecord.author + literal(_SEPARATOR) + CommentRecord.user_ip,
        ),
        else_=None,
    )


def _no_counts() -> dict[str, int]:
    return {status.value: 0 for status in Status}


@dataclass(frozen=True)
class AuthorHistory:
    """An author's other comments on the sites a moderator sees, with counts by status."""

    comments: list[CommentRecord]
    counts: dict[str, int]
    #: How the author was matched: "email", "name" (name and IP), or "" (nothing to match).
    matched_by: str = ""

    @property
    def total(self) -> int:
        """Return how many other comments the author left."""
        return sum(self.counts.values())


def author_counts(
    session: Session, records: Iterable[CommentRecord], site_ids: Iterable[int]
) -> dict[int, dict[str, int]]:
    """Return, per comment, how many other comments its author left, by status.

    Two queries for a whole page: each comment's author key, then the counts per key.
    """
    records, site_ids = list(records), list(site_ids)
    if not records or not site_ids:
        return {r.id: _no_counts() for r in records}
    key = author_key()
    own = {
        comment_id: (author, status)
        for comment_id, author, status in session.execute(
            select(CommentRecord.id, key, CommentRecord.status).where(
                CommentRecord.id.in_([r.id for r in records])
            )
        )
    }
    wanted = {author for author, _ in own.values() if author is not None}
    by_key: dict[str, dict[str, int]] = {}
    if wanted:
        for author, status, count in session.execute(
            select(key, CommentRecord.status, func.count())
            .where(CommentRecord.site_id.in_(site_ids), key.in_(wanted))
            .group_by(key, CommentRecord.status)
        ):
            by_key.setdefault(author, _no_counts())[status] = count
    result = {}
    for record in records:
        author, status = own.get(record.id, (None, None))
        counts = dict(by_key.get(author, _no_counts())) if author is not None else _no_counts()
        if author is not None and record.site_id in site_ids and counts.get(status, 0) > 0:
            counts[status] -= 1  # the comment itself is not its own history
        result[record.id] = counts
    return result


def author_approved_counts(
    session: Session, records: Iterable[CommentRecord], site_ids: Iterable[int]
) -> dict[int, tuple[int, int]]:
    """Return, per comment, (the author's other comments, how many were approved)."""
    return {
        comment_id: (sum(counts.values()), counts[Status.APPROVED.value])
        for comment_id, counts in author_counts(session, records, site_ids).items()
    }


def author_history(
    session: Session, record: CommentRecord, site_ids: Iterable[int], limit: int = 50
) -> AuthorHistory:
    """Return the author's other comments (newest first) and how many are in each status."""
    site_ids = list(site_ids)
    key = author_key()
    mine = session.execute(select(key).where(CommentRecord.id == record.id)).scalar()
    if mine is None:
        return AuthorHistory([], _no_counts())
    counts = author_counts(session, [record], site_ids)[record.id]
    rows = session.execute(
        select(CommentRecord)
        .where(CommentRecord.site_id.in_(site_ids), CommentRecord.id != record.id, key == mine)
        .order_by(CommentRecord.id.desc())
        .limit(limit)
    ).scalars()
    return AuthorHistory(list(rows), counts, mine.partition(":")[0])
