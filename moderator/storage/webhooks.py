"""Outbound webhooks: each site's address and secret, and the outbox of events to deliver.

An outbox row is added by `enqueue`, in the session (and so the transaction) of the
change it tells of: a committed change always has its delivery, and a change rolled
back never sends one. The worker claims due rows (`claim`: `FOR UPDATE SKIP LOCKED` on
PostgreSQL, so two deliverers never take the same row), POSTs them outside any
transaction, and records each outcome (`record_delivered`, `record_delivery_failure`). A claimed
row that is never answered for (its process died) comes due again when its lease runs
out: delivery is at least once, and receivers de-duplicate on the event id.
"""

from __future__ import annotations

import json
import random
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from moderator.core.states import EventAction
from moderator.storage.schema import (
    CommentRecord,
    Event,
    Reply,
    Site,
    SiteWebhook,
    WebhookDelivery,
    WebhookDeliveryState,
    utcnow,
)

#: The event types of the webhook contract, by the event-log action they tell of.
EVENT_TYPES = {
    EventAction.STATUS_CHANGED.value: "comment.status_changed",
    EventAction.REPLY_STATE_CHANGED.value: "comment.reply_state_changed",
    EventAction.REPLIED.value: "comment.replied",
    EventAction.FLAGGED_URGENT.value: "comment.urgent",
}
PING = "ping"
SECRET_PREFIX = "whsec_"


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed delivery is tried again: exponential backoff with jitter, then given up."""

    first_delay: float = 30.0  # seconds after the first failure
    max_delay: float = 6 * 3600.0
    max_attempts: int = 12  # about 1.5 days of trying with the defaults
    jitter: float = 0.2  # each wait is stretched by up to this fraction, at random

    def delay(self, attempts: int, rng: random.Random | None = None) -> float:
        """Return the seconds to wait after the `attempts`-th failed attempt."""
        base = min(self.max_delay, self.first_delay * 2 ** min(max(attempts - 1, 0), 30))
        return base * (1 + self.jitter * (rng or random).random())


@dataclass(frozen=True)
class Claimed:
    """A delivery taken by one deliverer, with where to send it and the key to sign it."""

    id: int
    event_id: str
    event_type: str
    body: str
    attempts: int
    url: str
    secret: str


def new_secret() -> str:
    """Return a new webhook signing secret (shown to the admin once)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def webhook_of(session: Session, site: Site | int) -> SiteWebhook | None:
    """Return a site's webhook, or None when it has none."""
    site_id = site if isinstance(site, int) else site.id
    return session.get(SiteWebhook, site_id)


def set_webhook(session: Session, site: Site, url: str) -> tuple[SiteWebhook, str | None]:
    """Point a site's webhook at `url`; commit; return it and its secret when newly made.

    Changing the address keeps the secret (None is returned): the receiver keeps its
    configuration. The caller checks the address first (`moderator.webhooks.url_problem`).
    """
    webhook = webhook_of(session, site)
    secret = None
    if webhook is None:
        secret = new_secret()
        webhook = SiteWebhook(site_id=site.id, url=url, secret=secret)
        session.add(webhook)
    else:
        webhook.url = url
    session.commit()
    return webhook, secret


def rotate_secret(session: Session, site: Site) -> str:
    """Give a site's webhook a new secret; commit; return it. Raises LookupError without one."""
    webhook = webhook_of(session, site)
    if webhook is None:
        raise LookupError(f"{site.url} has no webhook")
    webhook.secret = new_secret()
    webhook.secret_rotated_at = utcnow()
    session.commit()
    return webhook.secret


def remove_webhook(session: Session, site: Site) -> int:
    """Remove a site's webhook; commit; return how many waiting deliveries were given up."""
    webhook = webhook_of(session, site)
    if webhook is None:
        return 0
    session.delete(webhook)
    given_up = _give_up_pending(session, site.id, "webhook removed")
    session.commit()
    return given_up


def _give_up_pending(session: Session, site_id: int, why: str) -> int:
    return session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.site_id == site_id,
            WebhookDelivery.state == WebhookDeliveryState.PENDING.value,
        )
        .values(state=WebhookDeliveryState.FAILED.value, last_error=why)
    ).rowcount


def comment_snapshot(record: CommentRecord) -> dict:
    """Return what a webhook says of a comment: its ids and its state now."""
    return {
        "id": record.id,
        "guid": record.guid,
        "external_id": record.external_id,
        "status": record.status,
        "verdict": record.verdict,
        "urgent": bool(record.urgent),
        "needs_reply": bool(record.needs_reply),
        "reply_state": record.reply_state,
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def enqueue(session: Session, record: CommentRecord, events: Iterable[Event]) -> int:
    """Add an outbox row for each event a site's webhook is told of; no commit; return how many.

    Called after the change is applied to `record`, so each body carries the comment's
    new state. A site without a webhook gets none (nothing piles up).
    """
    told = [event for event in events if event.action in EVENT_TYPES]
    if not told or webhook_of(session, record.site_id) is None:
        return 0
    site = record.site or session.get(Site, record.site_id)
    now = utcnow()
    for event in told:
        data = {
            "comment": comment_snapshot(record),
            "from": event.from_value,
            "to": event.to_value,
            "actor": event.actor,
            "origin": event.origin,
        }
        if event.action == EventAction.REPLIED.value:
            data["reply"] = _reply(session, event.details or {}, now)
        _add(session, site, EVENT_TYPES[event.action], record.id, data, now)
    return len(told)


def _reply(session: Session, details: dict, now: datetime) -> dict:
    reply = session.get(Reply, details.get("reply_id")) if details.get("reply_id") else None
    return {
        "id": details.get("reply_id"),
        "author": details.get("author", ""),
        "content": details.get("content", ""),
        "created_at": _iso(reply.created_at if reply is not None else now),
    }


def _add(
    session: Session,
    site: Site,
    event_type: str,
    comment_id: int | None,
    data: dict,
    now: datetime,
) -> WebhookDelivery:
    event_id = f"evt_{uuid.uuid4().hex}"
    body = {
        "id": event_id,
        "type": event_type,
        "created_at": _iso(now),
        "site": site.url,
        "data": data,
    }
    delivery = WebhookDelivery(
        event_id=event_id,
        site_id=site.id,
        event_type=event_type,
        comment_id=comment_id,
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        next_attempt_at=now,
    )
    session.add(delivery)
    return delivery


def enqueue_ping(session: Session, site: Site, *, actor: str) -> WebhookDelivery:
    """Queue a "ping" to the site's webhook (the "send test" button); commit; return it.

    Raises LookupError when the site has no webhook.
    """
    if webhook_of(session, site) is None:
        raise LookupError(f"{site.url} has no webhook")
    data = {"comment": None, "from": None, "to": None, "actor": actor, "origin": "moderator"}
    delivery = _add(session, site, PING, None, data, utcnow())
    session.commit()
    return delivery


def claim(session: Session, now: datetime, *, lease: timedelta, limit: int = 20) -> list[Claimed]:
    """Take up to `limit` due deliveries for this deliverer; commit; return them.

    Each is counted as an attempt and hidden from other deliverers until `now + lease`
    (its outcome is recorded before then, or it comes due again). On PostgreSQL rows
    another deliverer is claiming are skipped, not waited for.
    """
    query = (
        select(WebhookDelivery, SiteWebhook)
        .join(SiteWebhook, SiteWebhook.site_id == WebhookDelivery.site_id, isouter=True)
        .where(
            WebhookDelivery.state == WebhookDeliveryState.PENDING.value,
            WebhookDelivery.next_attempt_at <= now,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=WebhookDelivery)
    claimed = []
    for delivery, webhook in session.execute(query).all():
        if webhook is None:  # removed since: nowhere to send it
            delivery.state = WebhookDeliveryState.FAILED.value
            delivery.last_error = "webhook removed"
            continue
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + lease
        claimed.append(
            Claimed(
                delivery.id,
                delivery.event_id,
                delivery.event_type,
                delivery.body,
                delivery.attempts,
                webhook.url,
                webhook.secret,
            )
        )
    session.commit()
    return claimed


def record_delivered(session: Session, delivery_id: int, status: int, now: datetime) -> None:
    """Mark a delivery delivered (the receiver answered 2xx); commit."""
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(
            state=WebhookDeliveryState.DELIVERED.value,
            last_status=status,
            last_error="",
            delivered_at=now,
        )
    )
    session.commit()


def record_delivery_failure(
    session: Session,
    delivery_id: int,
    *,
    attempts: int,
    status: int | None,
    error: str,
    now: datetime,
    policy: RetryPolicy,
    rng: random.Random | None = None,
) -> bool:
    """Record a failed attempt and schedule the next; commit; return False once given up."""
    retry = attempts < policy.max_attempts
    values = {"last_status": status, "last_error": error[:300]}
    if retry:
        values["next_attempt_at"] = now + timedelta(seconds=policy.delay(attempts, rng))
    else:
        values["state"] = WebhookDeliveryState.FAILED.value
    session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(**values)
    )
    session.commit()
    return retry


def list_deliveries(
    session: Session,
    *,
    site_id: int | None = None,
    state: WebhookDeliveryState | str | None = None,
    limit: int = 50,
) -> list[WebhookDelivery]:
    """Return the newest deliveries, of one site and one state when given."""
    query = select(WebhookDelivery)
    if site_id is not None:
        query = query.where(WebhookDelivery.site_id == site_id)
    if state:
        query = query.where(WebhookDelivery.state == WebhookDeliveryState(state).value)
    return list(session.execute(query.order_by(WebhookDelivery.id.desc()).limit(limit)).scalars())


def retry_deliveries(
    session: Session,
    *,
    site_id: int | None = None,
    event_ids: Iterable[str] = (),
    now: datetime | None = None,
) -> int:
    """Put given-up deliveries (all of a site's, or those named) back in line; commit.

    Their attempts start again from zero. Returns how many will be tried.
    """
    query = update(WebhookDelivery).where(
        WebhookDelivery.state == WebhookDeliveryState.FAILED.value
    )
    if site_id is not None:
        query = query.where(WebhookDelivery.site_id == site_id)
    event_ids = list(event_ids)
    if event_ids:
        query = query.where(WebhookDelivery.event_id.in_(event_ids))
    # A removed webhook's rows stay given up: there is nowhere to send them.
    query = query.where(WebhookDelivery.site_id.in_(select(SiteWebhook.site_id).scalar_subquery()))
    count = session.execute(
        query.values(
            state=WebhookDeliveryState.PENDING.value,
            attempts=0,
            next_attempt_at=now or utcnow(),
        )
    ).rowcount
    session.commit()
    return count


def delivery_counts(session: Session) -> dict[str, int]:
    """Return how many deliveries are in each state (for metrics)."""
    rows = session.execute(
        select(WebhookDelivery.state, func.count()).group_by(WebhookDelivery.state)
    ).all()
    counts = {state.value: 0 for state in WebhookDeliveryState}
    counts.update({state: count for state, count in rows})
    return counts


def forget_deliveries(session: Session, before: datetime) -> int:
    """Delete deliveries delivered or given up before a time; commit; return how many."""
    gone = session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.state != WebhookDeliveryState.PENDING.value,
            WebhookDelivery.created_at < before,
        )
    ).rowcount
    session.commit()
    return gone
