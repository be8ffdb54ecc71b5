"""The Settings page's webhook section: address, secret shown once, send test, deliveries."""

from __future__ import annotations

import re

import pytest

from moderator import storage
from moderator.db import get_session
from moderator.web.security import CONTENT_SECURITY_POLICY
from tests.web import test_review as review
from tests.web import test_settings as settings_tests
from tests.web.test_review import login, make_user, token_of

# The settings tests' fixtures: stub models, two sites, and a logged-in admin.
models, sites, admin = review.models, review.sites, settings_tests.admin

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

HOOK = "https://platform.example/hooks/moderator"


def page(client, site_id):
    return client.get(f"/review/settings/{site_id}")


def post(client, token, path, **fields):
    return client.post(path, data={"csrf_token": token, **fields})


def test_adding_a_webhook_shows_its_secret_once_and_never_again(app, admin, sites):
    client, token = admin
    answer = post(client, token, f"/review/settings/{sites[0]}/webhook", url=HOOK)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="webhook-secret">(whsec_[^<]+)<', answer.text).group(1)
    with app.app_context():
        webhook = storage.webhook_of(get_session(), sites[0])
        assert webhook.url == HOOK and webhook.secret == secret
    again = page(client, sites[0])
    assert secret not in again.text and HOOK in again.text
    assert "Send test" in again.text and "Rotate secret" in again.text
    assert secret not in str(client.get_cookie("session"))


def test_rotating_shows_a_new_secret_and_changing_the_address_keeps_it(app, admin, sites):
    client, token = admin
    post(client, token, f"/review/settings/{sites[0]}/webhook", url=HOOK)
    rotated = post(client, token, f"/review/settings/{sites[0]}/webhook/rotate")
    secret = re.search(r'id="webhook-secret">(whsec_[^<]+)<', rotated.text).group(1)
    moved = post(client, token, f"/review/settings/{sites[0]}/webhook", url=HOOK + "/v2")
    assert moved.status_code == 303
    with app.app_context():
        webhook = storage.webhook_of(get_session(), sites[0])
        assert webhook.secret == secret and webhook.url == HOOK + "/v2"


@pytest.mark.parametrize(
    "url", ["http://platform.example/hook", "https://127.0.0.1/hook", "javascript:alert(1)"]
)
def test_a_refused_address_is_named_and_nothing_is_saved(app, admin, sites, url):
    client, token = admin
    answer = post(client, token, f"/review/settings/{sites[0]}/webhook", url=url)
    assert answer.status_code == 422 and 'id="error-webhook"' in answer.text
    with app.app_context():
        assert storage.webhook_of(get_session(), sites[0]) is None


def test_send_test_queues_a_ping_whose_state_shows_on_the_page(app, admin, sites):
    client, token = admin
    post(client, token, f"/review/settings/{sites[0]}/webhook", url=HOOK)
    sent = post(client, token, f"/review/settings/{sites[0]}/webhook/test")
    assert sent.status_code == 303
    shown = client.get(sent.headers["Location"])
    assert "Queued a test event (evt_" in shown.text
    assert "<td>ping</td>" in shown.text and "<td>pending</td>" in shown.text


def test_a_failed_delivery_shows_escaped_and_can_be_retried(app, admin, sites):
    client, token = admin
    post(client, token, f"/review/settings/{sites[0]}/webhook", url=HOOK)
    with app.app_context():
        session = get_session()
        site = storage.get_site(session, sites[0])
        ping = storage.enqueue_ping(session, site, actor="root")
        policy = storage.RetryPolicy(max_attempts=1)
        storage.record_delivery_failure(
            session,
            ping.id,
            attempts=1,
            status=None,
            error="<b>refused</b>",
            now=ping.created_at,
            policy=policy,
        )
    shown = page(client, sites[0])
    assert "&lt;b&gt;refused&lt;/b&gt;" in shown.text and "<b>refused" not in shown.text
    retried = post(client, token, f"/review/settings/{sites[0]}/webhook/retry")
    assert (
        "1 given-up delivery(ies) will be tried again"
        in client.get(retried.headers["Location"]).text
    )


def test_removing_the_webhook(app, admin, sites):
    client, token = admin
    post(client, token, f"/review/settings/{sites[0]}/webhook", url=HOOK)
    removed = post(client, token, f"/review/settings/{sites[0]}/webhook/remove")
    assert removed.status_code == 303
    with app.app_context():
        assert storage.webhook_of(get_session(), sites[0]) is None


def test_the_section_needs_an_admin_csrf_and_no_inline_script(app, admin, sites):
    client, token = admin
    assert post(client, "wrong", f"/review/settings/{sites[0]}/webhook", url=HOOK).status_code in (
        400,
        403,
    )
    shown = page(client, sites[0])
    assert "<script>" not in shown.text and " onclick=" not in shown.text
    assert shown.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    make_user(app, "mo", role="moderator", site_ids=[sites[0]])
    other = app.test_client()
    login(other, "mo")
    mine = token_of(other.get("/review/").text)
    refused = other.post(f"/review/settings/{sites[0]}/webhook/test", data={"csrf_token": mine})
    assert refused.status_code == 403
