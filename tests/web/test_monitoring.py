"""Request ids, the JSON request log, and /metrics (who may read it, and what it says)."""

from __future__ import annotations

import json
import logging

import pytest

from moderator.web import monitoring

LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}
OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def request_lines():
    """The JSON lines the request log writes during the test."""
    lines: list[dict] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(record.getMessage()))

    handler = Keep()
    monitoring.request_log.addHandler(handler)
    yield lines
    monitoring.request_log.removeHandler(handler)


def test_every_answer_carries_a_new_request_id(client):
    first = client.get("/healthz", headers={"X-Request-Id": "mine"})
    second = client.get("/healthz")
    ids = [first.headers["X-Request-Id"], second.headers["X-Request-Id"]]
    assert ids[0] != "mine" and len(set(ids)) == 2 and all(len(i) == 32 for i in ids)


def test_a_trusted_proxys_request_id_is_kept_when_it_looks_like_one(app, client):
    app.config["TRUST_REQUEST_ID"] = True
    assert (
        client.get("/healthz", headers={"X-Request-Id": "abc-123"}).headers["X-Request-Id"]
        == "abc-123"
    )
    for odd in ("<script>alert(1)</script>", "x" * 200, "a b"):
        given = client.get("/healthz", headers={"X-Request-Id": odd}).headers["X-Request-Id"]
        assert given != odd and len(given) == 32


def test_one_json_line_per_request_with_the_route_rule_and_never_the_content(
    client, auth, site_key, request_lines
):
    secret_words = "my private medical history"
    created = client.post("/api/v1/comments", json={"content": secret_words}, headers=auth)
    client.get(f"/api/v1/comments/{created.json['id']}?api_key=leaky", headers=auth)
    client.get("/no/such/page")
    posted, read, missing = request_lines
    assert posted == {
        "event": "request",
        "request_id": created.headers["X-Request-Id"],
        "method": "POST",
        "route": "/api/v1/comments",
        "status": 201,
        "duration_ms": posted["duration_ms"],
        "site_id": site_key[0],
    }
    assert read["route"] == "/api/v1/comments/<int:comment_id>"
    assert missing["route"] == "<unmatched>" and missing["status"] == 404
    everything = json.dumps(request_lines)
    assert secret_words not in everything and "leaky" not in everything
    assert site_key[1] not in everything


def scrape(client, **options):
    return client.get("/metrics", **options)


def test_metrics_answer_loopback_only_by_default(client):
    assert scrape(client, environ_base=LOOPBACK).status_code == 200
    assert scrape(client, environ_base=OUTSIDE).status_code == 404


def test_metrics_answer_a_token_from_anywhere_when_one_is_set(app, client):
    app.config["METRICS_TOKEN"] = "scrape-me"
    assert scrape(client, environ_base=LOOPBACK).status_code == 404  # the token is needed now
    good = {"Authorization": "Bearer scrape-me"}
    assert scrape(client, environ_base=OUTSIDE, headers=good).status_code == 200
    bad = {"Authorization": "Bearer scrape-you"}
    assert scrape(client, environ_base=OUTSIDE, headers=bad).status_code == 404


def samples(text: str) -> dict[str, float]:
    """Return each sample line of a scrape as name{labels} -> value."""
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            found[name] = float(value)
    return found


def test_metrics_hold_only_moderator_series_with_requests_verdicts_queues_and_models(
    client, auth, site_key
):
    before = samples(scrape(client, environ_base=LOOPBACK).get_data(as_text=True))
    client.post("/api/v1/comments", json={"content": "Lovely post, thanks"}, headers=auth)
    response = scrape(client, environ_base=LOOPBACK)
    assert response.mimetype == "text/plain" and response.headers["Cache-Control"] == "no-store"
    after = samples(response.get_data(as_text=True))
    assert all(name.startswith("moderator_") for name in after)
    route = 'moderator_http_requests_total{method="POST",route="/api/v1/comments",status="201"}'
    assert after[route] == before.get(route, 0) + 1
    assert any(n.startswith("moderator_http_request_duration_seconds_bucket") for n in after)
    verdicts = sum(v for n, v in after.items() if n.startswith("moderator_verdicts_total"))
    assert (
        verdicts
        == sum(v for n, v in before.items() if n.startswith("moderator_verdicts_total")) + 1
    )
    site = site_key[0]
    queued = sum(
        value
        for name, value in after.items()
        if name.startswith("moderator_queue_comments{")
        and f'site_id="{site}"' in name
        and 'queue="needs_reply"' not in name
    )
    assert queued == 1
    assert f'moderator_urgent_waiting{{site_id="{site}"}}' not in after  # none waits
    assert after['moderator_webhook_deliveries{state="pending"}'] == 0
    assert any(n.startswith('moderator_model_info{available="true",model="spam"') for n in after)


def test_urgent_comments_waiting_are_a_gauge(client, auth, site_key):
    client.post(
        "/api/v1/comments",
        json={"content": "I have crushing chest pain and my left arm is numb, what do I do?"},
        headers=auth,
    )
    after = samples(scrape(client, environ_base=LOOPBACK).get_data(as_text=True))
    assert after[f'moderator_urgent_waiting{{site_id="{site_key[0]}"}}'] == 1


def test_retraining_outcomes_are_counted_for_the_learning_job(client):
    from moderator import metrics

    metrics.retrain_outcome("promoted")
    after = samples(scrape(client, environ_base=LOOPBACK).get_data(as_text=True))
    assert after['moderator_retraining_total{outcome="promoted"}'] >= 1
