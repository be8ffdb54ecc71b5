"""Deleting for good: one comment, one person's comments everywhere, a whole site.

A deletion takes the comment's replies with it and strips the details of its events (a
reply's text); the events themselves stay, so the platform still learns from the feed
that the comment went. Its labels stay, detached: they keep a copy of the comment and
are the site's training data (a blogger deletes spam for good every day; the rulings
must not go with it). An erasure (the person asked) takes their labels too, wherever
they are, also blots the address out of other comments and labels that quote it, and
records itself in the event log by the number of comments, never by the address.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from moderator.core.states import EventAction, EventOrigin
from moderator.storage.events import log_event
from moderator.storage.schema import (
    ApiKey,
    CommentRecord,
    Event,
    Label,
    RateLimit,
    Reply,
    Site,
    UserSite,
)

#: What an erased address is replaced with where someone else's comment quotes it.
BLOTTED = "[erased]"


@dataclass(frozen=True)
class Erasure:
    """What an erasure removed: comments by the person, and others' comments blotted."""

    comments: int
    blotted: int


def _forget(session: Session, records: list[CommentRecord], *, keep_labels: bool) -> None:
    """Delete comments with their replies, and their labels unless `keep_labels` (then
    detached from them); empty their events' details. No commit."""
    ids = [record.id for record in records]
    if not ids:
        return
    if keep_labels:
        session.execute(update(Label).where(Label.comment_id.in_(ids)).values(comment_id=None))
    else:
        session.execute(delete(Label).where(Label.comment_id.in_(ids)))
    session.execute(update(Event).where(Event.comment_id.in_(ids)).values(details={}))
    for record in records:
        session.delete(record)  # its replies go with it (the relationship's cascade)


def delete_comment(
    session: Session, record: CommentRecord, *, actor: str, origin: EventOrigin
) -> None:
    """Delete one comment for good, whatever its status, logging a "deleted" event; commit.

    Its labels stay, with the copy of the comment they hold, as training data.
    """
    gone = {"guid": record.guid, "external_id": record.external_id}
    status = record.status
    _forget(session, [record], keep_labels=True)
    session.flush()
    log_event(
        session,
        record,
        actor=actor,
        origin=origin,
        action=EventAction.DELETED,
        from_value=status,
        details=gone,
    )
    session.commit()


def erase_author(session: Session, email: str, *, site: Site | None = None, actor: str) -> Erasure:
    """Erase every comment written with an e-mail address (on one site, or all); commit.

    Other comments that quote the address (in any field or their raw payload) keep their
    place with the address replaced by BLOTTED. One ERASED event per site affected
    records how many comments went, without the address.
    """
    address = email.strip().lower()
    if "@" not in address:
        raise ValueError("give an e-mail address")
    by_author = select(CommentRecord).where(
        func.lower(func.trim(CommentRecord.author_email)) == address
    )
    if site is not None:
        by_author = by_author.where(CommentRecord.site_id == site.id)
    records = list(session.execute(by_author).scalars())
    per_site: dict[int, int] = {}
    gone = [(record, record.status, record.guid, record.external_id) for record in records]
    for record in records:
        per_site[record.site_id] = per_site.get(record.site_id, 0) + 1
    _forget(session, records, keep_labels=False)
    _forget_labels(session, address, site)
    session.flush()
    for record, status, guid, external_id in gone:
        # The platform learns from the feed that the comment went, as after a deletion.
        log_event(
            session,
            record,
            actor=actor,
            origin=EventOrigin.MODERATOR,
            action=EventAction.DELETED,
            from_value=status,
            details={"guid": guid, "external_id": external_id, "erased": True},
        )
    blotted = _blot(session, address)
    for site_id, count in sorted(per_site.items()):
        session.add(
            Event(
                site_id=site_id,
                comment_id=None,
                actor=actor,
                origin=EventOrigin.MODERATOR.value,
                action=EventAction.ERASED.value,
                details={"comments": count, "quoting_comments_blotted": blotted},
            )
        )
    session.commit()
    return Erasure(comments=len(records), blotted=blotted)


def _forget_labels(session: Session, address: str, site: Site | None) -> None:
    """Delete the labels that keep a copy of a comment written with the address. No commit.

    Labels of comments deleted earlier are no longer joined to them; their copy says
    whose they were.
    """
    escaped = f"%{json.dumps(address)[1:-1]}%"
    candidates = select(Label).where(_json_like(Label.fields, f"%{address}%", escaped))
    if site is not None:
        candidates = candidates.where(Label.site_id == site.id)
    for label in session.execute(candidates).scalars():
        written_by = str((label.fields or {}).get("author_email", "")).strip().lower()
        if written_by == address:
            session.delete(label)


#: The text columns of a comment that may quote an address.
_QUOTING = (
    "content",
    "author",
    "author_email",
    "author_url",
    "referrer",
    "permalink",
    "user_agent",
    "post_title",
)


#: The JSON columns of a comment that may quote it: the payload, the reasons' evidence.
_JSON = ("raw", "reasons")


def _blot(session: Session, address: str) -> int:
    """Replace the address wherever it is still quoted: comments, raw payloads, labels,
    replies and event details. Return how many comments were changed."""
    pattern = f"%{address}%"
    # JSON columns may hold a non-ASCII address \u-escaped (SQLite stores json.dumps).
    escaped = f"%{json.dumps(address)[1:-1]}%"
    columns = [getattr(CommentRecord, name) for name in _QUOTING]
    quoting = select(CommentRecord).where(
        or_(
            *(func.lower(column).like(pattern) for column in columns),
            *(_json_like(getattr(CommentRecord, n), pattern, escaped) for n in _JSON),
        )
    )
    records = list(session.execute(quoting).scalars())
    for record in records:
        for name in (*_QUOTING, *_JSON):
            setattr(record, name, _without(getattr(record, name), address))
    quoting_labels = select(Label).where(
        or_(func.lower(Label.content).like(pattern), _json_like(Label.fields, pattern, escaped))
    )
    for label in session.execute(quoting_labels).scalars():
        label.content = _without(label.content, address)
        label.fields = _without(label.fields, address)
    for reply in session.execute(
        select(Reply).where(func.lower(Reply.content).like(pattern))
    ).scalars():
        reply.content = _without(reply.content, address)
    events = select(Event).where(_json_like(Event.details, pattern, escaped))
    for event in session.execute(events).scalars():
        event.details = _without(event.details, address)
    return len(records)


def _json_like(column, pattern: str, escaped: str):
    text = func.lower(cast(column, Text))
    return or_(text.like(pattern), text.like(escaped))


def _without(value, address: str):
    """Return a JSON value (or text) with every case-variant of the address blotted out."""
    if isinstance(value, str):
        lowered, start, out = value.lower(), 0, []
        while (found := lowered.find(address, start)) >= 0:
            out.append(value[start:found] + BLOTTED)
            start = found + len(address)
        return "".join(out) + value[start:]
    if isinstance(value, list):
        return [_without(item, address) for item in value]
    if isinstance(value, dict):
        return {_without(k, address): _without(v, address) for k, v in value.items()}
    return value


def delete_site(session: Session, site: Site) -> int:
    """Delete a site with its keys, comments, labels, events and accounts' access; commit.

    Returns how many comments went with it.
    """
    comments = select(CommentRecord.id).where(CommentRecord.site_id == site.id)
    count = session.execute(select(func.count()).select_from(comments.subquery())).scalar_one()
    keys = [
        key.prefix
        for key in session.execute(select(ApiKey).where(ApiKey.site_id == site.id)).scalars()
    ]
    session.execute(delete(Label).where(Label.site_id == site.id))
    session.execute(delete(Reply).where(Reply.comment_id.in_(comments)))
    session.execute(delete(Event).where(Event.site_id == site.id))
    session.execute(delete(CommentRecord).where(CommentRecord.site_id == site.id))
    session.execute(delete(UserSite).where(UserSite.site_id == site.id))
    session.execute(delete(ApiKey).where(ApiKey.site_id == site.id))
    for prefix in keys:
        session.execute(delete(RateLimit).where(RateLimit.bucket == f"key:{prefix}"))
    session.execute(delete(Site).where(Site.id == site.id))
    session.commit()
    return int(count)
