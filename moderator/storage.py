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
from datetime import datetime

from sqlalchemy import and_, func, or_, select
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
    ReplyState,
    Role,
    Site,
    Status,
    User,
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
        query = query.where(
            or_(
                CommentRecord.urgent < bool(urgent),
                and_(CommentRecord.urgent == bool(urgent), CommentRecord.id > last_id),
            )
        )
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
