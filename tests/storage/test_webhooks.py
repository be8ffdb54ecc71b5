"""The webhook outbox: rows written with the change they tell of, claimed once, retried.

On both databases; the delivery itself (HTTP, signatures) is tested in tests/test_webhooks.py.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderator import storage
from moderator.core.comment import Comment
from moderator.core.decision import Decision
from moderator.core.reasons import Reason
from moderator.storage.schema import Status, Verdict, WebhookDelivery, utcnow

HOOK = "https://platform.example/hooks/moderator"


@pytest.fixture
def site(session, site_key):
    """The test site, with a webhook."""
    site = storage.get_site(session, site_key[0])
    storage.set_webhook(session, site, HOOK)
    return site


def decision(urgent: bool = False) -> Decision:
    """A held decision (urgent when asked)."""
    return Decision(
        status=Status.PENDING,
        verdict=Verdict.UNSURE,
        spam_score=0.6,
        discard=False,
        medical_score=0.9 if urgent else 0.1,
        needs_reply=urgent,
        urgent=urgent,
        reasons=(Reason("red_flag", "chest pain", title="chest pain"),) if urgent else (),
        spam_model_version="spam-test",
        medical_model_version="medical-test",
    )


def add(session, site, text="A comment", urgent=False, external_id=""):
    """Store a comment."""
    return storage.add_comment(
        session, site, Comment(text, external_id=external_id), decision(urgent), raw={}, actor="t"
    ).record


def bodies(session) -> list[dict]:
    """Return the outbox's bodies, oldest first."""
    rows = session.execute(select(WebhookDelivery).order_by(WebhookDelivery.id)).scalars()
    return [json.loads(row.body) for row in rows]


def test_a_status_change_is_queued_with_the_comments_new_state(session, site):
    record = add(session, site, external_id="wp-7")
    storage.moderate(session, [record], "approve", actor="alice")
    [body] = bodies(session)
    assert body["type"] == "comment.status_changed" and body["id"].startswith("evt_")
    assert body["site"] == site.url and body["created_at"].endswith("Z")
    data = body["data"]
    assert data["from"] == "pending" and data["to"] == "approved"
    assert data["actor"] == "alice" and data["origin"] == "moderator"
    assert data["comment"] == {
        "id": record.id,
        "guid": record.guid,
        "external_id": "wp-7",
        "status": "approved",
        "verdict": "unsure",
        "urgent": False,
        "needs_reply": False,
        "reply_state": "none",
    }


def test_an_urgent_comment_and_a_reply_are_queued(session, site):
    record = add(session, site, "I have chest pain", urgent=True)
    storage.add_reply(session, record, "Call 112 now, please.", actor="author")
    types = [b["type"] for b in bodies(session)]
    assert types[0] == "comment.urgent"
    assert "comment.replied" in types and "comment.status_changed" in types
    replied = next(b for b in bodies(session) if b["type"] == "comment.replied")
    assert replied["data"]["reply"]["content"] == "Call 112 now, please."
    assert replied["data"]["reply"]["author"] == "author"
    assert replied["data"]["reply"]["id"] and replied["data"]["reply"]["created_at"]
    assert replied["data"]["comment"]["reply_state"] == "replied"


def test_a_reply_state_change_is_queued(session, site):
    record = add(session, site)
    storage.set_reply_state(session, record, "needs_reply", actor="t", origin="platform")
    session.commit()
    [body] = bodies(session)
    assert body["type"] == "comment.reply_state_changed"
    assert (body["data"]["from"], body["data"]["to"]) == ("none", "needs_reply")
    assert body["data"]["origin"] == "platform"


def test_a_site_without_a_webhook_queues_nothing(session, site_key):
    bare = storage.get_site(session, site_key[0])
    record = add(session, bare)
    storage.moderate(session, [record], "approve", actor="alice")
    assert bodies(session) == []


def test_the_outbox_row_is_in_the_changes_transaction(session, site):
    """A change rolled back leaves no delivery; a committed one always has its own."""
    record = add(session, site)
    storage.set_status(session, record, "spam", actor="t", origin="moderator")
    assert session.execute(select(func.count(WebhookDelivery.id))).scalar_one() == 1
    session.rollback()
    assert bodies(session) == []
    assert storage.get_comment(session, site, record.id).status == "pending"


def claimed_ids(session, now, **options):
    return [c.event_id for c in storage.claim(session, now, lease=timedelta(minutes=5), **options)]


def test_a_claimed_delivery_is_hidden_until_its_lease_ends(session, site):
    storage.enqueue_ping(session, site, actor="alice")
    now = utcnow()
    [first] = storage.claim(session, now, lease=timedelta(minutes=5))
    assert first.url == HOOK and first.secret.startswith("whsec_") and first.attempts == 1
    assert claimed_ids(session, now) == []
    # Its process died: the lease runs out and it is due again, as the next attempt.
    [again] = storage.claim(session, now + timedelta(minutes=6), lease=timedelta(minutes=5))
    assert again.event_id == first.event_id and again.attempts == 2


def test_two_deliverers_never_claim_the_same_row(app, session, site):
    """FOR UPDATE SKIP LOCKED on PostgreSQL: a row one deliverer is claiming is skipped."""
    for _ in range(4):
        storage.enqueue_ping(session, site, actor="alice")
    engine = app.extensions["moderator.engine"]
    now = utcnow()
    with Session(engine) as first, Session(engine) as second:
        one = claimed_ids(first, now, limit=2)
        two = claimed_ids(second, now, limit=10)
    assert len(one) == 2 and len(two) == 2 and not set(one) & set(two)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_row_locked_by_a_claim_in_progress_is_skipped_not_waited_for(app, session, site):
    for _ in range(3):
        storage.enqueue_ping(session, site, actor="alice")
    engine = app.extensions["moderator.engine"]
    with Session(engine) as holder, Session(engine) as other:
        # A deliverer in the middle of its claim holds its rows' locks.
        locked = holder.execute(
            select(WebhookDelivery.id).order_by(WebhookDelivery.id).limit(2).with_for_update()
        ).all()
        assert len(locked) == 2
        taken = storage.claim(other, utcnow(), lease=timedelta(minutes=5))
        assert [c.id for c in taken] == [3]
        holder.rollback()


def test_failures_back_off_exponentially_with_jitter_then_give_up(session, site):
    delivery = storage.enqueue_ping(session, site, actor="alice")
    policy = storage.RetryPolicy(first_delay=10, max_delay=100, max_attempts=3, jitter=0.2)
    rng = random.Random(0)
    for n in range(1, 8):
        base = min(100, 10 * 2 ** (n - 1))
        assert base <= policy.delay(n, rng) <= 1.2 * base
    now = utcnow()
    for attempt in (1, 2):
        retry = storage.record_delivery_failure(
            session,
            delivery.id,
            attempts=attempt,
            status=500,
            error="answered 500",
            now=now,
            policy=policy,
        )
        session.refresh(delivery)
        wait = (delivery.next_attempt_at - now).total_seconds()
        assert retry and 10 * 2 ** (attempt - 1) <= wait <= 12 * 2 ** (attempt - 1)
    assert not storage.record_delivery_failure(
        session, delivery.id, attempts=3, status=None, error="timed out", now=now, policy=policy
    )
    session.refresh(delivery)
    assert delivery.state == "failed" and delivery.last_error == "timed out"
    # An admin retries it: back in line, attempts from zero.
    assert storage.retry_deliveries(session, site_id=site.id) == 1
    session.refresh(delivery)
    assert delivery.state == "pending" and delivery.attempts == 0


def test_delivered_is_recorded_and_old_rows_are_forgotten(session, site):
    delivery = storage.enqueue_ping(session, site, actor="alice")
    storage.record_delivered(session, delivery.id, 204, utcnow())
    session.refresh(delivery)
    assert delivery.state == "delivered" and delivery.last_status == 204
    assert storage.delivery_counts(session) == {"pending": 0, "delivered": 1, "failed": 0}
    assert storage.forget_deliveries(session, utcnow() - timedelta(days=1)) == 0
    assert storage.forget_deliveries(session, utcnow() + timedelta(seconds=1)) == 1


def test_the_secret_is_made_once_kept_on_a_new_address_and_rotated(session, site_key):
    site = storage.get_site(session, site_key[0])
    webhook, secret = storage.set_webhook(session, site, HOOK)
    assert secret and secret.startswith("whsec_") and len(secret) > 40
    _, again = storage.set_webhook(session, site, HOOK + "/v2")
    assert again is None and storage.webhook_of(session, site).secret == secret
    rotated = storage.rotate_secret(session, site)
    assert rotated != secret and storage.webhook_of(session, site).secret == rotated


def test_removing_the_webhook_gives_up_what_waits(session, site):
    storage.enqueue_ping(session, site, actor="alice")
    assert storage.remove_webhook(session, site) == 1
    assert storage.claim(session, utcnow(), lease=timedelta(minutes=5)) == []
    assert storage.retry_deliveries(session, site_id=site.id) == 0  # nowhere to send it
    with pytest.raises(LookupError):
        storage.enqueue_ping(session, site, actor="alice")
