"""The storage layer: every read and write of moderator's tables, as named functions.

Functions take a SQLAlchemy session and commit only where the docstring says so, so a
caller can group several into one transaction. No Flask here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Text, and_, case, cast, delete, func, or_, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from moderator.comment import TEXT_FIELDS, Comment
from moderator.decision import Decision
from moderator.schema import (
    ApiKey,
    CommentRecord,
    Event,
    Label,
    LabelKind,
    RateLimit,
    Reply,
    ReplyState,
    Role,
    Site,
    Status,
    User,
    Verdict,
    utcnow,
)

#: Keys are lower-case letters and digits only, so they survive the legacy
#: `<key>.rest.host` form of Akismet clients (host names are case-insensitive).
KEY_PREFIX = "mod"

#: Statuses a comment awaiting the author's reply can be in (spam and trash never wait).
ANSWERABLE = (Status.APPROVED.value, Status.PENDING.value)


class NotFound(LookupError):
    """The thing asked for does not exist (or belongs to another site)."""


class Conflict(ValueError):
    """The request clashes with what is stored (e.g. an external_id reused for other content)."""


# -- sites and keys ---------------------------------------------------------------


def hash_key(key: str) -> str:
    """Return the stored form of an API key (sha256; keys are random, so no salt is needed)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def create_site(session: Session, url: str, name: str = "") -> tuple[Site, str]:
    """Create a site with its first key; commit; return the site and the key (shown once)."""
    site = Site(url=url.strip(), name=name.strip() or url.strip(), settings={})
    session.add(site)
    session.flush()
    key = _new_key(session, site)
    session.commit()
    return site, key


def create_key(session: Session, site: Site, label: str = "") -> str:
    """Add another key to a site; commit; return the key (shown once)."""
    key = _new_key(session, site, label)
    session.commit()
    return key


def _new_key(session: Session, site: Site, label: str = "") -> str:
    key = KEY_PREFIX + secrets.token_hex(20)
    session.add(ApiKey(site_id=site.id, prefix=key[:12], key_hash=hash_key(key), label=label))
    return key


def site_for_key(session: Session, key: str) -> Site | None:
    """Return the site an unrevoked key belongs to, or None."""
    if not key or len(key) > 200:
        return None
    row = session.execute(
        select(ApiKey).where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
    ).scalar_one_or_none()
    return row.site if row else None


def site_by_url(session: Session, url: str) -> Site | None:
    """Return the site registered under a URL, ignoring a trailing slash and scheme case."""
    wanted = _url_key(url)
    for site in session.execute(select(Site)).scalars():
        if _url_key(site.url) == wanted:
            return site
    return None


def _url_key(url: str) -> str:
    url = (url or "").strip().lower().rstrip("/")
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            url = url[len(scheme) :]
    return url.removeprefix("www.")


def list_sites(session: Session) -> list[Site]:
    """Return every site, oldest first."""
    return list(session.execute(select(Site).order_by(Site.id)).scalars())


def get_site(session: Session, site_id: int) -> Site:
    """Return a site by id or raise NotFound."""
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(f"no site {site_id}")
    return site


def list_keys(session: Session, site: Site | None = None) -> list[ApiKey]:
    """Return API keys (of one site, or all), oldest first."""
    query = select(ApiKey).order_by(ApiKey.id)
    if site is not None:
        query = query.where(ApiKey.site_id == site.id)
    return list(session.execute(query).scalars())


def revoke_key(session: Session, key_or_prefix: str) -> ApiKey:
    """Revoke a key given whole or by its listed prefix; commit; raise NotFound if unknown."""
    row = session.execute(
        select(ApiKey).where(
            or_(ApiKey.key_hash == hash_key(key_or_prefix), ApiKey.prefix == key_or_prefix)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("no such key")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.commit()
    return row


def take_request(session: Session, bucket: str, limit: int, now: float) -> int:
    """Count one request against a per-minute limit; commit.

    Returns 0 when the request may go ahead, else the seconds until the next window.
    The counter is an upsert in the database, so every app server shares it.
    """
    window = int(now // 60)
    table = RateLimit.__table__
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(bucket=bucket, window_start=window, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=["bucket", "window_start"], set_={"count": table.c.count + 1}
    ).returning(table.c.count)
    count = session.execute(statement).scalar_one()
    # Old windows are of no further use.
    session.execute(
        delete(RateLimit).where(RateLimit.bucket == bucket, RateLimit.window_start < window)
    )
    session.commit()
    if count <= limit:
        return 0
    return max(1, int((window + 1) * 60 - now))


# -- comments ------------------------------------------------------------------


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
    origin: str = "api",
) -> Stored:
    """Store a comment with its decision and a `received` event; commit.

    The same site and external_id returns the stored record instead of a duplicate;
    the same external_id with other content raises Conflict.
    """
    if comment.external_id:
        existing = _by_external_id(session, site, comment.external_id)
        if existing is not None:
            return Stored(_same_or_conflict(existing, comment), created=False)
    record = CommentRecord(
        site_id=site.id,
        guid=str(uuid.uuid4()),
        external_id=comment.external_id or None,
        raw=raw,
        is_test=is_test,
        origin=origin,
        created_at=comment.created_at,
        **{name: getattr(comment, name) for name in TEXT_FIELDS if name not in _NOT_STORED},
        **_decision_columns(decision),
    )
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
    _log(
        session,
        record,
        actor=actor,
        origin="platform" if origin != "review" else "moderator",
        action="received",
        to_value=record.status,
        details={"verdict": record.verdict, "spam_score": record.spam_score},
    )
    session.commit()
    return Stored(record, created=True)


_NOT_STORED = {"external_id", "user_role", "honeypot"}


def _decision_columns(decision: Decision) -> dict:
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


def get_comment(session: Session, site: Site | None, comment_id: int) -> CommentRecord:
    """Return a comment of the site (any site when None) or raise NotFound."""
    if not 0 < comment_id < 2**31:
        raise NotFound(f"no comment {comment_id}")
    record = session.get(CommentRecord, comment_id)
    if record is None or (site is not None and record.site_id != site.id):
        raise NotFound(f"no comment {comment_id}")
    return record


def comment_by_guid(session: Session, site: Site, guid: str) -> CommentRecord | None:
    """Return the site's comment with this Akismet guid, or None."""
    return session.execute(
        select(CommentRecord).where(CommentRecord.site_id == site.id, CommentRecord.guid == guid)
    ).scalar_one_or_none()


def find_comment(
    session: Session, site: Site, content: str, author: str = ""
) -> CommentRecord | None:
    """Return the site's newest comment with this content (and author, when given), or None."""
    query = select(CommentRecord).where(
        CommentRecord.site_id == site.id, CommentRecord.content == content
    )
    if author:
        query = query.where(CommentRecord.author == author)
    return session.execute(query.order_by(CommentRecord.id.desc()).limit(1)).scalar_one_or_none()


@dataclass(frozen=True)
class Page:
    """One page of a listing and the cursor of the next (None at the end)."""

    items: list
    next_cursor: str | None


def encode_cursor(values: Iterable) -> str:
    """Return an opaque cursor for a position in a listing."""
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list:
    """Return the values behind a cursor, or raise ValueError when it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeError) as exc:
        raise ValueError("cursor is not valid") from exc
    if (
        not isinstance(values, list)
        or len(values) != length
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in values)
    ):
        raise ValueError("cursor is not valid")
    return values


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
    query = query.where(
        CommentRecord.reply_state == ReplyState.NEEDS_REPLY.value,
        CommentRecord.status.in_(ANSWERABLE),
    )
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
    counts["needs_reply"] = session.execute(
        select(func.count()).where(
            CommentRecord.site_id.in_(site_ids),
            CommentRecord.reply_state == ReplyState.NEEDS_REPLY.value,
            CommentRecord.status.in_(ANSWERABLE),
        )
    ).scalar_one()
    return counts


# -- changes, labels and the event log ------------------------------------------


def set_status(
    session: Session, record: CommentRecord, status: Status, *, actor: str, origin: str
) -> bool:
    """Move a comment to another status and log it; return False when it was already there.

    Does not commit.
    """
    status = Status(status)
    if record.status == status.value:
        return False
    _log(
        session,
        record,
        actor=actor,
        origin=origin,
        action="status_changed",
        from_value=record.status,
        to_value=status.value,
    )
    record.status = status.value
    record.updated_at = utcnow()
    return True


def set_reply_state(
    session: Session, record: CommentRecord, state: ReplyState, *, actor: str, origin: str
) -> bool:
    """Move a comment's reply state and log it; return False when it was already there.

    Does not commit.
    """
    state = ReplyState(state)
    if record.reply_state == state.value:
        return False
    _log(
        session,
        record,
        actor=actor,
        origin=origin,
        action="reply_state_changed",
        from_value=record.reply_state,
        to_value=state.value,
    )
    record.reply_state = state.value
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


def _log(
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


def log_event(session: Session, record: CommentRecord, **fields) -> Event:
    """Append a line to the event log about a comment. Does not commit."""
    return _log(session, record, **fields)


#: Event actions a platform syncs back (what changed a comment's public state).
FEED_ACTIONS = ("status_changed", "reply_state_changed", "replied", "deleted")


def events_after(
    session: Session,
    site: Site,
    after: int = 0,
    limit: int = 100,
    include_platform: bool = False,
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
    return list(session.execute(query.order_by(Event.id).limit(limit)).scalars())


# -- users -----------------------------------------------------------------------


def create_user(
    session: Session, name: str, password: str, role: Role = Role.MODERATOR, sites=()
) -> User:
    """Create a review-page user with a hashed password; commit; raise Conflict if taken."""
    user = User(name=name, password_hash=generate_password_hash(password), role=Role(role).value)
    user.sites = list(sites)
    session.add(user)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(f"user {name!r} already exists") from exc
    return user


def count_rows(session: Session) -> dict[str, int]:
    """Return how many sites and users exist (for the first-start hint)."""
    return {
        "sites": session.execute(select(func.count()).select_from(Site)).scalar_one(),
        "users": session.execute(select(func.count()).select_from(User)).scalar_one(),
    }


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 timestamp (a trailing Z allowed); raise ValueError otherwise."""
    return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))


# -- review page ---------------------------------------------------------------------
# Queries and actions behind /review/. Every query takes the ids of the sites the
# moderator may see, so per-site access is enforced here as well as in the views.

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
        if wanted_id.isdigit() and int(wanted_id) < 2**31:
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


def visible_comment(session: Session, site_ids: Iterable[int], comment_id: int) -> CommentRecord:
    """Return a comment on one of the given sites or raise NotFound (also for other sites)."""
    record = get_comment(session, None, comment_id)
    if record.site_id not in set(site_ids):
        raise NotFound(f"no comment {comment_id}")
    return record


def visible_comments(
    session: Session, site_ids: Iterable[int], comment_ids: Iterable[int]
) -> list[CommentRecord]:
    """Return those of the given comments that sit on the given sites, in id order."""
    ids = [i for i in comment_ids if 0 < i < 2**31]
    if not ids:
        return []
    return list(
        session.execute(
            select(CommentRecord)
            .where(CommentRecord.id.in_(ids), CommentRecord.site_id.in_(list(site_ids)))
            .order_by(CommentRecord.id)
        ).scalars()
    )


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
        if set_reply_state(session, record, ReplyState.REPLIED, actor=actor, origin="moderator"):
            add_label(session, record, LabelKind.NEEDS_REPLY, True, actor=actor, source="review")
        session.flush()
        _log(
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
        _log(
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
            Event.action.in_(("status_changed", "reply_state_changed")),
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
        if record is None or not event.from_value:
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


# Accounts: lock-out state lives in the users table, so every app server sees it.


def user_by_name(session: Session, name: str) -> User | None:
    """Return the review-page user with this name, or None."""
    if not name or len(name) > 150:
        return None
    return session.execute(select(User).where(User.name == name)).scalar_one_or_none()


def get_user(session: Session, user_id: int) -> User | None:
    """Return a review-page user by id, or None."""
    return session.get(User, user_id)


def user_site_ids(session: Session, user: User) -> tuple[int, ...]:
    """Return the ids of the sites a user may see: every site for an admin."""
    if user.role == Role.ADMIN.value:
        return tuple(session.execute(select(Site.id).order_by(Site.id)).scalars())
    return tuple(sorted(site.id for site in user.sites))


def record_failed_login(
    session: Session, user: User, *, max_failures: int, lockout_seconds: int
) -> bool:
    """Count a failed login (atomically, in SQL); lock the account at the limit; commit.

    Return True when this failure locked the account.
    """
    session.execute(
        update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
    )
    session.refresh(user)
    locked = user.failed_logins >= max_failures
    if locked:
        user.failed_logins = 0
        user.locked_until = utcnow() + timedelta(seconds=lockout_seconds)
    session.commit()
    return locked


def record_login(session: Session, user: User) -> None:
    """Clear a user's failed logins and lock after a successful login; commit."""
    user.failed_logins = 0
    user.locked_until = None
    session.commit()


def locked_until(user: User) -> datetime | None:
    """Return when a user's lock-out ends, or None when the account is not locked."""
    until = user.locked_until
    if until is None:
        return None
    if until.tzinfo is None:  # SQLite hands back naive UTC
        until = until.replace(tzinfo=UTC)
    return until if until > utcnow() else None


# -- Akismet usage ---------------------------------------------------------------


@dataclass(frozen=True)
class AkismetUsage:
    """A site's traffic through the Akismet API over a period, in Akismet's terms."""

    spam: int  # checks answered spam
    ham: int  # checks answered not spam (ham, or held for review)
    missed_spam: int  # submit-spam reports
    false_positives: int  # submit-ham reports

    @property
    def api_calls(self) -> int:
        """Return the checks made, the figure Akismet's usage limit counts."""
        return self.spam + self.ham


def akismet_usage(session: Session, site: Site, start: datetime, end: datetime) -> AkismetUsage:
    """Count a site's Akismet checks by verdict, and its spam/ham reports, in [start, end).

    A check is a comment stored with origin "akismet" (a report about a comment moderator
    never saw is stored too, so it counts as one); a report is a label with source
    "akismet" (test traffic makes none).
    """
    verdicts = dict(
        session.execute(
            select(CommentRecord.verdict, func.count())
            .where(
                CommentRecord.site_id == site.id,
                CommentRecord.origin == "akismet",
                CommentRecord.received_at >= start,
                CommentRecord.received_at < end,
            )
            .group_by(CommentRecord.verdict)
        ).all()
    )
    reports = dict(
        session.execute(
            select(Label.value, func.count())
            .where(
                Label.site_id == site.id,
                Label.source == "akismet",
                Label.kind == LabelKind.SPAM.value,
                Label.created_at >= start,
                Label.created_at < end,
            )
            .group_by(Label.value)
        ).all()
    )
    spam = verdicts.get(Verdict.SPAM.value, 0)
    return AkismetUsage(
        spam=spam,
        ham=sum(verdicts.values()) - spam,
        missed_spam=reports.get(True, 0),
        false_positives=reports.get(False, 0),
    )
