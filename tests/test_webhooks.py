"""Delivering webhooks: signatures, the address check, and POSTs to a local receiver.

The receiver runs on loopback (tests/webhook_receiver.py), so WEBHOOK_ALLOW_PRIVATE is
set where a test delivers; the check that refuses private targets by default has its
own tests.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest

from moderator import storage, webhooks
from moderator.db import get_session
from moderator.storage.schema import utcnow
from tests.webhook_receiver import webhook_receiver

SECRET = "whsec_test"


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    body = b'{"id":"evt_1"}'
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhooks.signature(SECRET, 1700000000, body) == "v1=" + expected


def test_a_receiver_accepts_a_fresh_signature_and_refuses_a_stale_or_altered_one():
    body = b'{"id":"evt_1"}'
    header = webhooks.signature(SECRET, 1700000000, body)
    assert webhooks.verify(SECRET, "1700000000", body, header, now=1700000100)
    assert not webhooks.verify(SECRET, "1700000000", body, header, now=1700000301)
    assert not webhooks.verify(SECRET, "1700000000", body + b" ", header, now=1700000000)
    assert not webhooks.verify("whsec_other", "1700000000", body, header, now=1700000000)
    assert not webhooks.verify(SECRET, "soon", body, header, now=1700000000)


@pytest.mark.parametrize(
    "url, allow_private, why",
    [
        ("http://platform.example/hook", False, "https"),
        ("http://platform.example/hook", True, "https"),  # plain http only to loopback
        ("ftp://platform.example/hook", False, "https"),
        ("https://user:pw@platform.example/hook", False, "user name"),
        ("https://platform.example:99999/hook", False, "port"),
        ("https://platform.example/a b", False, "spaces"),
        ("https://127.0.0.1/hook", False, "private or local"),
        ("https://10.1.2.3/hook", False, "private or local"),
        ("https://169.254.169.254/latest/meta-data", False, "private or local"),
        ("https://[::1]/hook", False, "private or local"),
        ("https://[::ffff:192.168.0.1]/hook", False, "private or local"),
        ("http://127.0.0.1:8080/hook", False, "https"),
        ("https://localhost/hook", False, "private or local"),
    ],
)
def test_addresses_that_could_reach_into_the_network_are_refused(url, allow_private, why):
    with pytest.raises(webhooks.Refused, match=why):
        webhooks.resolve(url, allow_private=allow_private)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hook", "https://10.1.2.3/hook", "http://localhost:9/h"]
)
def test_private_and_loopback_targets_are_allowed_when_configured(url):
    target = webhooks.resolve(url, allow_private=True)
    assert target.port in (8080, 443, 9)


def test_a_public_https_address_passes_the_form_check():
    webhooks.check_url("https://platform.example/hooks?site=1", allow_private=False)


def post(receiver, **options):
    """POST a fixed event to the receiver; return the answer."""
    return webhooks.post(
        receiver.url,
        event_id="evt_1",
        body='{"id":"evt_1","type":"ping"}',
        secret=SECRET,
        timestamp=int(time.time()),
        timeout=options.pop("timeout", 5.0),
        allow_private=True,
        **options,
    )


def test_a_post_carries_the_contracts_headers_and_a_valid_signature():
    with webhook_receiver() as receiver:
        answer = post(receiver)
    assert answer.delivered and answer.status == 200
    [got] = receiver.received
    assert got.path == "/hooks/moderator" and got.body == b'{"id":"evt_1","type":"ping"}'
    assert got.headers["content-type"] == "application/json"
    assert got.headers["moderator-webhook-id"] == "evt_1"
    assert webhooks.verify(
        SECRET,
        got.headers["moderator-webhook-timestamp"],
        got.body,
        got.headers["moderator-webhook-signature"],
        now=time.time(),
    )


@pytest.mark.parametrize("status, delivered", [(204, True), (500, False), (410, False)])
def test_only_a_2xx_answer_is_a_delivery(status, delivered):
    with webhook_receiver() as receiver:
        receiver.statuses.append(status)
        answer = post(receiver)
    assert answer.delivered is delivered and answer.status == status


def test_a_redirect_is_not_followed():
    with webhook_receiver() as receiver:
        receiver.statuses.append(302)
        answer = post(receiver)
    assert not answer.delivered and "redirect" in answer.error
    assert len(receiver.received) == 1  # /elsewhere was never asked


def test_a_receiver_that_does_not_answer_in_time_is_a_failure_not_a_hang():
    with webhook_receiver() as receiver:
        receiver.delay = 2.0
        started = time.monotonic()
        answer = post(receiver, timeout=0.5)
    assert not answer.delivered and answer.status is None and "timed out" in answer.error
    assert time.monotonic() - started < 2.0


def test_a_refused_address_is_a_failure_without_a_request():
    answer = webhooks.post(
        "https://127.0.0.1:1/hook",
        event_id="evt_1",
        body="{}",
        secret=SECRET,
        timestamp=0,
        timeout=1,
        allow_private=False,
    )
    assert not answer.delivered and "private or local" in answer.error


# -- the deliverer, end to end ------------------------------------------------------------


@pytest.fixture
def deliverer(app, clock):
    """Delivery settings for a receiver on loopback, quick to retry."""
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    settings = webhooks.Settings(
        timeout=2.0,
        allow_private=True,
        policy=storage.RetryPolicy(first_delay=60, max_attempts=3, jitter=0.0),
    )
    return lambda: webhooks.deliver_due(app.extensions["moderator.sessions"], settings, clock)


def test_a_moderators_change_reaches_the_receiver_signed_and_retries_until_taken(
    app, client, auth, site_key, clock, deliverer
):
    with webhook_receiver() as receiver, app.app_context():
        session = get_session()
        site = storage.get_site(session, site_key[0])
        _, secret = storage.set_webhook(session, site, receiver.url)
        created = client.post("/api/v1/comments", json={"content": "Nice post"}, headers=auth)
        comment_id = created.json["id"]
        record = storage.get_comment(session, site, comment_id)
        storage.set_status(session, record, "spam", actor="alice", origin="moderator")
        session.commit()

        clock.now = utcnow()  # the test's clock started before the event was queued
        receiver.statuses.append(503)
        assert deliverer() == {"delivered": 0, "retry": 1, "failed": 0}
        assert deliverer() == {"delivered": 0, "retry": 0, "failed": 0}  # not due yet
        clock.advance(seconds=61)
        assert deliverer() == {"delivered": 1, "retry": 0, "failed": 0}

    first, second = receiver.received
    assert first.body == second.body  # the same event, the same bytes
    assert receiver.ids()[0] == receiver.ids()[1] == json.loads(first.body)["id"]
    assert int(second.headers["moderator-webhook-timestamp"]) == int(clock.now.timestamp())
    assert webhooks.verify(
        secret,
        second.headers["moderator-webhook-timestamp"],
        second.body,
        second.headers["moderator-webhook-signature"],
        now=clock.now.timestamp(),
    )
    event = json.loads(second.body)
    assert event["type"] == "comment.status_changed"
    assert event["data"]["comment"]["id"] == comment_id
    assert event["data"]["comment"]["status"] == "spam"


def test_a_delivery_is_given_up_after_the_last_attempt(app, site_key, clock, deliverer):
    with webhook_receiver() as receiver, app.app_context():
        session = get_session()
        site = storage.get_site(session, site_key[0])
        storage.set_webhook(session, site, receiver.url)
        storage.enqueue_ping(session, site, actor="alice")
        clock.now = utcnow()
        receiver.statuses.extend([500, 500, 500])
        outcomes = []
        for _ in range(3):
            outcomes.append(deliverer())
            clock.advance(hours=1)
        [row] = storage.list_deliveries(session)
        session.refresh(row)
    assert [o["failed"] for o in outcomes] == [0, 0, 1]
    assert row.state == "failed" and row.attempts == 3 and row.last_status == 500
    assert len(receiver.received) == 3


def test_a_webhook_removed_after_the_event_is_not_called(app, site_key, clock, deliverer):
    with webhook_receiver() as receiver, app.app_context():
        session = get_session()
        site = storage.get_site(session, site_key[0])
        storage.set_webhook(session, site, receiver.url)
        storage.enqueue_ping(session, site, actor="alice")
        storage.remove_webhook(session, site)
        clock.now = utcnow()
        assert deliverer() == {"delivered": 0, "retry": 0, "failed": 0}
    assert receiver.received == []


def test_lease_covers_a_whole_batch_of_timeouts():
    settings = webhooks.Settings(timeout=10, batch=20)
    assert timedelta(seconds=settings.lease_seconds) > timedelta(seconds=20 * 10)
