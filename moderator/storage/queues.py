"""The review page's queues: which comments each shows, its filters, posts and reasons.

Every query takes the ids of the sites the moderator may see, so per-site access is
enforced here as well as in the views.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Text, case, cast, func, or_, select
from sqlalchemy.orm import Session, selectinload

from moderator.core import workflow
from moderator.storage.comments import get_comment, waiting_for_reply
from moderator.storage.common import NotFound, ReviewPage, numbered_page
from moderator.storage.schema import CommentRecord, Status


@dataclass(frozen=True)
class ReviewFilter:
    """Which comments a review queue shows: the moderator's sites and the chosen filters."""

    site_ids: tuple[int, ...]
    queue: str = "pending"
    post: str = ""
    reason: str = ""
    search: str = ""
    sort: str = "newest"
    #: One-click filters: exactly this author name, e-mail (any case), IP, or domain.
    author: str = ""
    email: str = ""
    ip: str = ""
    domain: str = ""

    @property
    def narrowed(self) -> bool:
        """Return whether anything beyond the queue narrows the list."""
        return any(
            (self.post, self.reason, self.search, self.author, self.email, self.ip, self.domain)
        )


def _review_select(filters: ReviewFilter):
    query = select(CommentRecord).where(CommentRecord.site_id.in_(filters.site_ids))
    if filters.queue == workflow.NEEDS_REPLY:
        query = query.where(waiting_for_reply())
    elif filters.queue == workflow.ALL:
        query = query.where(CommentRecord.status.in_([s.value for s in workflow.IN_PLAY]))
    else:
        query = query.where(CommentRecord.status == Status(filters.queue).value)
    if filters.post:
        query = query.where(CommentRecord.post_id == filters.post)
    if filters.author:
        query = query.where(CommentRecord.author == filters.author)
    if filters.email:
        query = query.where(func.lower(CommentRecord.author_email) == filters.email.lower())
    if filters.ip:
        query = query.where(CommentRecord.user_ip == filters.ip)
    if filters.domain:
        query = query.where(_from_domain(filters.domain.lower()))
    if filters.reason:
        # Reasons are a JSON list; its text form is portable across SQLite and PostgreSQL.
        needle = json.dumps({"code": filters.reason})[1:-1]
        query = query.where(cast(CommentRecord.reasons, Text).contains(needle, autoescape=True))
    if filters.search:
        query = query.where(_matches(filters.search))
    return query


def _from_domain(domain: str):
    """Return the condition "the e-mail or the author's URL is at this domain".

    LIKE's wildcards in the domain are escaped: a filter for "%" matches only "%".
    """
    email, url = func.lower(CommentRecord.author_email), func.lower(CommentRecord.author_url)
    return or_(
        email.endswith("@" + domain, autoescape=True),
        url.endswith("://" + domain, autoescape=True),
        url.contains("://" + domain + "/", autoescape=True),
        url.contains("://" + domain + ":", autoescape=True),
        url.contains("://www." + domain + "/", autoescape=True),
        url.endswith("://www." + domain, autoescape=True),
    )


def domain_of(email: str, url: str = "") -> str:
    """Return the domain a comment's author writes from: the e-mail's, else the URL's host."""
    _, at, host = email.strip().rpartition("@")
    if at and host:
        return host.lower()
    rest = url.strip().split("://", 1)[-1] if "://" in url else ""
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1]
    host = host.split(":", 1)[0].lower()
    return host.removeprefix("www.")


def _matches(search: str):
    """Return the condition for a search: the words in any text field, or a #id."""
    needle = search.strip().lower()
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
    return or_(*matches)


def review_page(
    session: Session, filters: ReviewFilter, page: int = 1, per_page: int = 25
) -> ReviewPage:
    """Return a numbered page of a queue; the reply queue puts urgent questions first."""
    order = CommentRecord.id.asc() if filters.sort == "oldest" else CommentRecord.id.desc()
    ordering = [order]
    if filters.queue == workflow.NEEDS_REPLY:
        ordering.insert(0, CommentRecord.urgent.desc())
    # A card shows the replies: one query for the page, not one per card.
    query = _review_select(filters).options(selectinload(CommentRecord.replies))
    return numbered_page(session, query, ordering, page, per_page)


def matching_ids(session: Session, filters: ReviewFilter, limit: int = 5000) -> list[int]:
    """Return the ids of every comment a filtered queue holds (for a bulk action on a filter)."""
    query = _review_select(filters).with_only_columns(CommentRecord.id)
    return list(session.execute(query.order_by(CommentRecord.id).limit(limit)).scalars())


def count_matching(session: Session, filters: ReviewFilter) -> int:
    """Return how many comments a filtered queue holds."""
    query = _review_select(filters)
    return session.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def parents_of(
    session: Session, records: Iterable[CommentRecord], site_ids: Iterable[int]
) -> dict[int, CommentRecord]:
    """Return, per reply on the list, the comment it answers (by the platform's id), if stored.

    One query for the page; a parent on a site the moderator cannot see stays unknown.
    """
    wanted = {(r.site_id, r.parent_id) for r in records if r.parent_id}
    if not wanted:
        return {}
    site_ids = set(site_ids)
    rows = session.execute(
        select(CommentRecord).where(
            CommentRecord.site_id.in_([site for site, _ in wanted if site in site_ids]),
            CommentRecord.external_id.in_([parent for _, parent in wanted]),
        )
    ).scalars()
    found = {(row.site_id, row.external_id): row for row in rows}
    return {
        r.id: found[(r.site_id, r.parent_id)]
        for r in records
        if r.parent_id and (r.site_id, r.parent_id) in found
    }


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
