"""The append-only event log: writing a line, the platforms' feed, and the activity listing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderator.core.states import EventAction
from moderator.storage.common import ReviewPage, numbered_page
from moderator.storage.schema import (
    CommentRecord,
    Event,
    EventOrigin,
    Site,
    Status,
)


def log_event(
    session: Session,
    record: CommentRecord,
    *,
    actor: str,
    origin: EventOrigin | str,
    action: EventAction | str,
    from_value: str | None = None,
    to_value: str | None = None,
    details: dict | None = None,
) -> Event:
    """Append a line to the event log about a comment: who did what, from → to. No commit."""
    event = Event(
        site_id=record.site_id,
        comment_id=record.id,
        actor=actor,
        origin=EventOrigin(origin).value,
        action=str(action),
        from_value=from_value,
        to_value=to_value,
        details=details or {},
    )
    session.add(event)
    return event


#: Event actions a platform syncs back (what changed a comment's public state).
FEED_ACTIONS = tuple(
    action.value
    for action in (
        EventAction.STATUS_CHANGED,
        EventAction.REPLY_STATE_CHANGED,
        EventAction.REPLIED,
        EventAction.REPLY_WITHDRAWN,
        EventAction.DELETED,
        EventAction.FLAGGED_URGENT,
    )
)


def events_after(
    session: Session,
    site: Site,
    after: int = 0,
    limit: int = 100,
    include_platform: bool = False,
    settled_before: datetime | None = None,
) -> list[Event]:
    """Return the site's feed events after an event id, oldest first.

    Changes the platform itself made are left out unless asked for, so it does not
    receive its own echo.
    """
    query = select(Event).where(
        Event.site_id == site.id, Event.id > after, Event.action.in_(FEED_ACTIONS)
    )
    if not include_platform:
        query = query.where(Event.origin != EventOrigin.PLATFORM.value)
    if settled_before is not None:
        query = query.where(Event.created_at < settled_before)
    return list(session.execute(query.order_by(Event.id).limit(limit)).scalars())


def status_before(session: Session, record: CommentRecord, status: Status) -> Status | None:
    """Return the status a comment had before it last moved into `status` (None if never)."""
    before = session.execute(
        select(Event.from_value)
        .where(
            Event.comment_id == record.id,
            Event.action == EventAction.STATUS_CHANGED.value,
            Event.to_value == Status(status).value,
        )
        .order_by(Event.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return Status(before) if before else None


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
    return numbered_page(session, query, [Event.id.desc()], page, per_page)


def event_actions(session: Session, site_ids: Iterable[int]) -> list[str]:
    """Return the distinct event actions logged over the sites, sorted."""
    return sorted(
        session.execute(
            select(Event.action).where(Event.site_id.in_(list(site_ids))).distinct()
        ).scalars()
    )
