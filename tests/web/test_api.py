"""API v1: every endpoint, its errors, idempotency and key isolation."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from moderator import storage
from moderator.core.settings import SiteSettings
from moderator.storage.schema import CommentRecord, Event, Label

GENUINE = {
    "content": "Thanks for the walkthrough, step 3 finally made the migration click for me.",
    "author": "Mary K.",
    "author_email": "mary@example.org",
    "user_ip": "203.0.113.7",
    "post_title": "Moving a blog to PostgreSQL",
}
SPAM = {
    "content": "Buy cheap viagra online no prescription!!! http://pills.example.top/buy "
    "http://pills.example.top/cheap best price visit now",
    "author": "Cheap Viagra Online",
    "author_url": "http://pills.example.top",
}
DECISION_FIELDS = {
    "id",
    "status",
    "verdict",
    "spam_score",
    "discard",
    "needs_reply",
    "medical_score",
    "urgent",
    "reasons",
    "model_versions",
}


def post(client, auth, body, path="/api/v1/comments"):
    """POST a JSON body with the site's key."""
    return client.post(path, json=body, headers=auth)


def test_create_comment_answers_201_with_every_field(client, auth, app):
    response = post(client, auth, GENUINE)
    assert response.status_code == 201
    body = response.get_json()
    assert DECISION_FIELDS <= body.keys()
    assert body["status"] in {"approved", "pending", "spam", "trash"}
    assert body["verdict"] in {"ham", "unsure", "spam"}
    assert 0 <= body["spam_score"] <= 1 and 0 <= body["medical_score"] <= 1
    assert body["reasons"] and all({"code", "message"} <= r.keys() for r in body["reasons"])
    assert body["model_versions"]["spam"] and body["model_versions"]["medical"]
    assert response.headers["Location"].endswith(f"/api/v1/comments/{body['id']}")


def test_comment_is_committed_before_the_answer(client, auth, app):
    body = post(client, auth, GENUINE).get_json()
    # A separate connection sees the row: it was committed, not just flushed.
    from moderator.db import make_engine

    engine = make_engine(app.config["DATABASE_URL"])
    with engine.connect() as connection:
        row = connection.execute(
            select(CommentRecord.content).where(CommentRecord.id == body["id"])
        ).one()
    engine.dispose()
    assert row.content == GENUINE["content"]


def test_obvious_spam_is_not_approved(client, auth):
    body = post(client, auth, SPAM).get_json()
    assert body["verdict"] in {"spam", "unsure"}
    assert body["status"] != "approved"


def test_unknown_fields_are_kept_in_the_raw_payload(client, auth, session):
    body = post(client, auth, {**GENUINE, "x_platform_flag": {"nested": [1, 2]}}).get_json()
    record = session.get(CommentRecord, body["id"])
    assert record.raw["x_platform_flag"] == {"nested": [1, 2]}


def test_every_received_field_is_stored(client, auth, session):
    fields = {
        **GENUINE,
        "author_url": "https://mary.example.org",
        "user_agent": "Mozilla/5.0",
        "referrer": "https://blog.example/post",
        "permalink": "https://blog.example/post#c1",
        "post_id": 42,
        "parent_id": "7",
        "external_id": "wp-1001",
        "created_at": "2026-11-02T10:00:00Z",
    }
    body = post(client, auth, fields).get_json()
    record = session.get(CommentRecord, body["id"])
    assert record.post_id == "42" and record.parent_id == "7"
    assert record.external_id == "wp-1001" and record.referrer == fields["referrer"]
    assert record.created_at.year == 2026 and record.user_agent == "Mozilla/5.0"


def test_same_external_id_returns_the_existing_record(client, auth, session):
    first = post(client, auth, {**GENUINE, "external_id": "wp-77"})
    second = post(client, auth, {**GENUINE, "external_id": "wp-77"})
    assert first.status_code == 201 and second.status_code == 200
    assert first.get_json()["id"] == second.get_json()["id"]
    count = session.execute(select(CommentRecord)).scalars().all()
    assert len(count) == 1


def test_same_external_id_with_other_content_is_a_conflict(client, auth):
    post(client, auth, {**GENUINE, "external_id": "wp-78"})
    response = post(client, auth, {**GENUINE, "content": "other", "external_id": "wp-78"})
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"


def test_external_ids_are_per_site(client, auth, other_site_key):
    other = {"Authorization": f"Bearer {other_site_key[1]}"}
    a = post(client, auth, {**GENUINE, "external_id": "1"}).get_json()
    b = post(client, other, {**GENUINE, "external_id": "1"}).get_json()
    assert a["id"] != b["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "content"),
        ({"content": None}, "content"),
        ({"content": "   "}, "content"),
        ({"content": ["a list"]}, "content"),
        ({"content": "hi", "author": {"x": 1}}, "author"),
        ({"content": "hi", "author": True}, "author"),
        ({"content": "hi", "created_at": "last tuesday"}, "created_at"),
        ({"content": "hi", "external_id": "x" * 300}, "external_id"),
        ({"content": "hi", "author": "a" * 3000}, "author"),
        ({"content": "nul\x00byte"}, "content"),
    ],
)
def test_invalid_fields_get_422_naming_the_field(client, auth, body, field):
    response = post(client, auth, body)
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["status"] == 422 and problem["title"]
    assert field in {error["field"] for error in problem["errors"]}


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ('"text"', "application/json", 400),
        ("content=hi", "application/x-www-form-urlencoded", 415),
        ("content", "text/plain", 415),
    ],
)
def test_malformed_bodies_get_problem_details(client, auth, data, content_type, status):
    response = client.post("/api/v1/comments", data=data, content_type=content_type, headers=auth)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == status


def test_body_over_the_limit_gets_413(client, auth, app):
    content = "a" * (app.config["MAX_BODY_BYTES"] + 10)
    response = post(client, auth, {"content": content})
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer mod_not-a-real-key"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer " + "x" * 5000},
    ],
)
def test_missing_or_bad_key_gets_401(client, headers):
    response = client.post("/api/v1/comments", json=GENUINE, headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_revoked_key_gets_401(client, auth, app, site_key):
    with app.app_context():
        from moderator.db import get_session

        storage.revoke_key(get_session(), site_key[1])
    assert post(client, auth, GENUINE).status_code == 401


def test_another_sites_key_cannot_read_the_comment(client, auth, other_site_key):
    comment_id = post(client, auth, GENUINE).get_json()["id"]
    other = {"Authorization": f"Bearer {other_site_key[1]}"}
    assert client.get(f"/api/v1/comments/{comment_id}", headers=other).status_code == 404
    assert (
        client.post(
            f"/api/v1/comments/{comment_id}/feedback", json={"label": "spam"}, headers=other
        ).status_code
        == 404
    )
    listing = client.get("/api/v1/comments", headers=other).get_json()
    assert listing["comments"] == []
    assert client.get(f"/api/v1/comments/{comment_id}", headers=auth).status_code == 200


@pytest.mark.parametrize("comment_id", ["0", "99999", "99999999999999999999"])
def test_unknown_comment_gets_404(client, auth, comment_id):
    response = client.get(f"/api/v1/comments/{comment_id}", headers=auth)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_list_is_newest_first_and_cursor_paged(client, auth):
    ids = [
        post(client, auth, {"content": f"comment number {i}"}).get_json()["id"] for i in range(5)
    ]
    first = client.get("/api/v1/comments?limit=2", headers=auth).get_json()
    assert [c["id"] for c in first["comments"]] == ids[::-1][:2]
    second = client.get(
        f"/api/v1/comments?limit=2&cursor={first['next_cursor']}", headers=auth
    ).get_json()
    assert [c["id"] for c in second["comments"]] == ids[::-1][2:4]
    third = client.get(
        f"/api/v1/comments?limit=2&cursor={second['next_cursor']}", headers=auth
    ).get_json()
    assert [c["id"] for c in third["comments"]] == ids[:1]
    assert third["next_cursor"] is None


def test_list_filters_by_status(client, auth):
    ham = post(client, auth, GENUINE).get_json()
    client.post(f"/api/v1/comments/{ham['id']}/feedback", json={"label": "spam"}, headers=auth)
    post(client, auth, {"content": "Lovely photos of the coast, thank you."})
    spam = client.get("/api/v1/comments?status=spam", headers=auth).get_json()["comments"]
    assert [c["id"] for c in spam] == [ham["id"]]


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "limit=0",
        "limit=1000",
        "limit=abc",
        "cursor=%%%",
        "cursor=WzFdZm9v",
        "needs_reply=maybe",
    ],
)
def test_bad_list_parameters_get_400(client, auth, query):
    response = client.get(f"/api/v1/comments?{query}", headers=auth)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_feedback_becomes_a_label_and_moves_the_status(client, auth, session):
    body = post(client, auth, GENUINE).get_json()
    response = client.post(
        f"/api/v1/comments/{body['id']}/feedback", json={"label": "spam"}, headers=auth
    )
    assert response.status_code == 200 and response.get_json()["status"] == "spam"
    label = session.execute(select(Label)).scalar_one()
    assert (label.kind, label.value, label.source) == ("spam", True, "api")
    back = client.post(
        f"/api/v1/comments/{body['id']}/feedback", json={"label": "ham"}, headers=auth
    )
    assert back.get_json()["status"] == "approved"
    events = session.execute(select(Event).where(Event.action == "status_changed")).scalars()
    assert [(e.from_value, e.to_value) for e in events] == [
        (body["status"], "spam"),
        ("spam", "approved"),
    ]


@pytest.mark.parametrize("payload", [{}, {"label": "maybe"}, {"label": 1}])
def test_bad_feedback_gets_422(client, auth, payload):
    body = post(client, auth, GENUINE).get_json()
    response = client.post(f"/api/v1/comments/{body['id']}/feedback", json=payload, headers=auth)
    assert response.status_code == 422


def test_score_decides_in_order_without_storing(client, auth, session):
    comments = [GENUINE, SPAM, {"content": "Great recipe, thanks!"}]
    response = post(client, auth, {"comments": comments}, path="/api/v1/score")
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert len(results) == 3
    assert all(DECISION_FIELDS - {"id"} <= r.keys() for r in results)
    assert results[1]["spam_score"] > results[0]["spam_score"]
    single = post(client, auth, SPAM).get_json()
    assert abs(single["spam_score"] - results[1]["spam_score"]) < 1e-3
    stored = session.execute(select(CommentRecord)).scalars().all()
    assert len(stored) == 1  # only the single POST above stored anything


def test_score_accepts_a_thousand_comments(client, auth):
    comments = [{"content": f"Comment {i}: nice post about gardening"} for i in range(1000)]
    response = post(client, auth, {"comments": comments}, path="/api/v1/score")
    assert response.status_code == 200
    assert len(response.get_json()["results"]) == 1000


#: A blog comment of a realistic size with its author fields (about 1.3 KB as JSON).
REALISTIC = {
    "content": "I followed the steps in this post on my old laptop and step 3 failed with a "
    "permission error; the folder was owned by root, and after chown it worked. " * 5,
    "author": "Mary K.",
    "author_email": "mary@example.org",
    "author_url": "https://mary.example.org/blog",
    "user_ip": "203.0.113.7",
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36",
    "post_title": "Moving a blog to PostgreSQL",
    "post_id": "1234",
}


def test_score_accepts_a_full_batch_of_realistic_comments(client, auth, app):
    """SCORE_BATCH_LIMIT real-sized comments fit /score's body limit (not one comment's)."""
    body = {"comments": [REALISTIC] * app.config["SCORE_BATCH_LIMIT"]}
    assert len(json.dumps(body)) > app.config["MAX_BODY_BYTES"]
    response = post(client, auth, body, path="/api/v1/score")
    assert response.status_code == 200
    assert len(response.get_json()["results"]) == app.config["SCORE_BATCH_LIMIT"]


def test_only_score_takes_the_larger_body(client, auth, app):
    """A body over MAX_BODY_BYTES is refused on every other endpoint, and over
    SCORE_BODY_BYTES on /score, each 413 naming its own limit."""
    app.config["SCORE_BODY_BYTES"] = 3 * app.config["MAX_BODY_BYTES"]
    content = "a" * (app.config["MAX_BODY_BYTES"] + 10)
    refused = post(client, auth, {"content": content})
    assert refused.status_code == 413
    assert str(app.config["MAX_BODY_BYTES"]) in refused.get_json()["detail"]
    too_big = {"comments": [{"content": "a" * 60000}] * 60}
    response = post(client, auth, too_big, path="/api/v1/score")
    assert response.status_code == 413
    assert str(app.config["SCORE_BODY_BYTES"]) in response.get_json()["detail"]


def test_a_key_pays_for_each_comment_it_has_scored(client, auth, app, other_site_key):
    """API_COMMENTS_PER_MINUTE counts comments, not requests; a refused batch costs
    nothing, so a smaller one still goes through, and other keys are not held."""
    app.config["API_COMMENTS_PER_MINUTE"] = 50
    batch = {"comments": [{"content": "Nice post"}] * 30}
    first = post(client, auth, batch, path="/api/v1/score")
    second = post(client, auth, batch, path="/api/v1/score")
    if first.status_code == 200 and second.status_code == 200:  # a minute boundary fell between
        second = post(client, auth, batch, path="/api/v1/score")
    assert second.status_code == 429
    assert second.mimetype == "application/problem+json"
    assert 1 <= int(second.headers["Retry-After"]) <= 60
    assert "comments scored a minute" in second.get_json()["detail"]
    small = {"comments": [{"content": "Nice post"}] * 10}
    assert post(client, auth, small, path="/api/v1/score").status_code == 200
    other = {"Authorization": f"Bearer {other_site_key[1]}"}
    assert post(client, other, batch, path="/api/v1/score").status_code == 200


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"comments": "nope"},
        {"comments": []},
        {"comments": [{"content": "x"}] * 1001},
        {"comments": [{"content": "ok"}, {"author": "no content"}]},
        {"comments": [{"content": "ok"}, 5]},
    ],
)
def test_bad_score_batches_get_422(client, auth, payload, app):
    app.config["MAX_CONTENT_LENGTH"] = 10 * 1024 * 1024
    response = post(client, auth, payload, path="/api/v1/score")
    assert response.status_code == 422
    assert response.get_json()["errors"]


def test_events_feed_carries_changes_made_in_moderator(client, auth, app, session):
    body = post(client, auth, GENUINE).get_json()
    record = session.get(CommentRecord, body["id"])
    storage.set_status(session, record, "trash", actor="user:alice", origin="moderator")
    session.commit()
    # The platform's own feedback is not echoed back unless asked for.
    client.post(f"/api/v1/comments/{body['id']}/feedback", json={"label": "spam"}, headers=auth)
    feed = client.get("/api/v1/events", headers=auth).get_json()
    assert [(e["action"], e["from"], e["to"]) for e in feed["events"]] == [
        ("status_changed", body["status"], "trash")
    ]
    assert feed["events"][0]["actor"] == "user:alice"
    later = client.get(f"/api/v1/events?after={feed['next_after']}", headers=auth).get_json()
    assert later["events"] == [] and later["next_after"] == feed["next_after"]
    everything = client.get("/api/v1/events?include_platform=true", headers=auth).get_json()
    assert len(everything["events"]) == 2


def test_events_are_per_site(client, auth, other_site_key, session):
    body = post(client, auth, GENUINE).get_json()
    record = session.get(CommentRecord, body["id"])
    storage.set_status(session, record, "trash", actor="user:alice", origin="moderator")
    session.commit()
    other = {"Authorization": f"Bearer {other_site_key[1]}"}
    assert client.get("/api/v1/events", headers=other).get_json()["events"] == []


@pytest.mark.parametrize("after", ["abc", "-1", "1.5"])
def test_bad_event_cursor_gets_400(client, auth, after):
    assert client.get(f"/api/v1/events?after={after}", headers=auth).status_code == 400


def test_unknown_route_and_method_are_problem_json(client, auth):
    missing = client.get("/api/v1/nothing-here", headers=auth)
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    wrong = client.delete("/api/v1/comments", headers=auth)
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"


def test_security_headers_on_api_answers(client, auth):
    response = post(client, auth, GENUINE)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_a_key_over_its_rate_limit_gets_429_with_retry_after(client, auth, app, other_site_key):
    app.config["API_RATE_LIMIT_PER_MINUTE"] = 3
    statuses = [client.get("/api/v1/comments", headers=auth).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    # A minute boundary may fall among the requests; within eight, one window overflows.
    for _ in range(5):
        limited = client.get("/api/v1/comments", headers=auth)
        if limited.status_code == 429:
            break
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    other = {"Authorization": f"Bearer {other_site_key[1]}"}
    assert client.get("/api/v1/comments", headers=other).status_code == 200


SEED_QUESTION = (
    "It is November 2 and I've been repeatedly getting muscle knots in the same place since "
    "July 28. I've had three massages in this time but keep getting knots. What can I do. "
    "I'm tired of living with this pain"
)
URGENT_QUESTION = (
    "I've had numbness down there and can't control my bladder since yesterday, is stretching ok?"
)


def test_medical_questions_form_the_reply_queue_urgent_first(client, auth):
    seed = post(client, auth, {"content": SEED_QUESTION, "post_title": "Back pain"}).get_json()
    urgent = post(client, auth, {"content": URGENT_QUESTION, "post_title": "Back pain"}).get_json()
    post(client, auth, {"content": "Lovely photos, thanks for sharing."})
    assert seed["needs_reply"] and not seed["urgent"] and seed["reply_state"] == "needs_reply"
    assert urgent["needs_reply"] and urgent["urgent"]
    assert "red_flag" in {r["code"] for r in urgent["reasons"]}
    queue = client.get("/api/v1/comments?needs_reply=true", headers=auth).get_json()
    assert [c["id"] for c in queue["comments"]] == [urgent["id"], seed["id"]]


@pytest.mark.parametrize("state", ["replied", "dismissed"])
def test_reply_state_moves_and_is_logged(client, auth, session, state):
    seed = post(client, auth, {"content": SEED_QUESTION}).get_json()
    response = client.post(
        f"/api/v1/comments/{seed['id']}/reply-state", json={"state": state}, headers=auth
    )
    assert response.status_code == 200
    assert response.get_json()["reply_state"] == state
    assert (
        client.get("/api/v1/comments?needs_reply=true", headers=auth).get_json()["comments"] == []
    )
    feed = client.get("/api/v1/events?include_platform=true", headers=auth).get_json()
    assert ("reply_state_changed", "needs_reply", state) in {
        (e["action"], e["from"], e["to"]) for e in feed["events"]
    }
    label = session.execute(select(Label)).scalar_one()
    assert (label.kind, label.value) == ("needs_reply", state == "replied")


@pytest.mark.parametrize("payload", [{}, {"state": "none"}, {"state": "done"}, {"state": 3}])
def test_bad_reply_state_gets_422(client, auth, payload):
    seed = post(client, auth, {"content": SEED_QUESTION}).get_json()
    response = client.post(f"/api/v1/comments/{seed['id']}/reply-state", json=payload, headers=auth)
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"[" * 60000, 422),  # nested past any limit before it is even found unfinished
        (b'{"a":' * 12000, 422),
        (b'{"content": "\xff\xfe broken utf-8"}', 400),
    ],
)
def test_hostile_json_gets_a_4xx_not_500(client, auth, data, status):
    response = client.post(
        "/api/v1/comments", data=data, content_type="application/json", headers=auth
    )
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"


def test_lone_surrogates_are_replaced_and_the_comment_kept(client, auth, session):
    data = b'{"content": "caf\\ud800 ok", "author": "\\ud83d", "x\\udfffkey": ["\\ud800"]}'
    response = client.post(
        "/api/v1/comments", data=data, content_type="application/json", headers=auth
    )
    assert response.status_code == 201
    record = session.get(CommentRecord, response.get_json()["id"])
    assert record.content == "caf\ufffd ok" and record.author == "\ufffd"
    assert record.raw["x\ufffdkey"] == ["\ufffd"]
    scored = client.post(
        "/api/v1/score",
        data=b'{"comments": [{"content": "\\ud800"}]}',
        content_type="application/json",
        headers=auth,
    )
    assert scored.status_code == 200


def test_huge_numbers_are_kept_as_text(client, auth):
    body = post(client, auth, {"content": "ok", "post_id": 10**30}).get_json()
    assert body["post_id"] == str(10**30)


@pytest.mark.parametrize(
    "query",
    [
        "after=²",
        "after=" + "9" * 30,
        "limit=²",
    ],
)
def test_odd_numbers_in_the_feed_and_lists_get_400(client, auth, query):
    path = "/api/v1/events" if query.startswith("after") else "/api/v1/comments"
    response = client.get(f"{path}?{query}", headers=auth)
    assert response.status_code == 400
    assert "Traceback" not in response.text and "invalid literal" not in response.text


def test_a_cursor_beyond_the_ids_a_database_holds_gets_400(client, auth):
    cursor = storage.encode_cursor([10**30])
    assert client.get(f"/api/v1/comments?cursor={cursor}", headers=auth).status_code == 400


def test_the_feed_holds_back_events_until_they_settle(client, auth, app, session):
    body = post(client, auth, GENUINE).get_json()
    record = session.get(CommentRecord, body["id"])
    storage.set_status(session, record, "trash", actor="user:alice", origin="moderator")
    session.commit()
    app.config["EVENTS_SETTLE_SECONDS"] = 60
    assert client.get("/api/v1/events", headers=auth).get_json()["events"] == []
    app.config["EVENTS_SETTLE_SECONDS"] = 0
    assert len(client.get("/api/v1/events", headers=auth).get_json()["events"]) == 1


def test_replying_to_a_comment_that_asked_nothing_writes_no_label(client, auth, session):
    body = post(client, auth, {"content": "Lovely photos, thanks for sharing."}).get_json()
    assert body["reply_state"] == "none"
    client.post(
        f"/api/v1/comments/{body['id']}/reply-state", json={"state": "replied"}, headers=auth
    )
    assert session.execute(select(Label)).scalars().all() == []


def test_a_timestamp_without_offset_is_taken_as_utc(client, auth):
    from datetime import UTC, datetime

    body = post(client, auth, {"content": "hello", "created_at": "2026-11-02T10:00:00"}).get_json()
    stored = datetime.fromisoformat(body["created_at"])
    # SQLite hands back naive UTC; PostgreSQL an aware time. Both must be 10:00 UTC.
    assert stored.replace(tzinfo=stored.tzinfo or UTC) == datetime(2026, 11, 2, 10, tzinfo=UTC)


# -- nesting: deep JSON is a clear 422, never a RecursionError ----------------------------


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "path", ["/comments", "/score", "/comments/{id}/feedback", "/comments/{id}/reply-state"]
)
@pytest.mark.parametrize("depth", [33, 400, 5000])
def test_json_nested_too_deep_in_any_field_is_a_422_naming_it(client, auth, path, depth):
    created = post(client, auth, GENUINE).get_json()
    body = '{"content": "hi", "x_platform_extra": ' + _nested(depth) + "}"
    response = client.post(
        "/api/v1" + path.format(id=created["id"]),
        data=body,
        headers={**auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert "deeper than 32 levels" in response.json["detail"]
    if depth < 1000:  # the parser itself gives up before the deepest
        assert response.json["errors"][0]["field"] == "x_platform_extra"


def test_json_nested_within_the_limit_is_kept(client, auth):
    extra = {"a": [[[[{"b": ["c"]}]]]]}
    response = post(client, auth, {**GENUINE, "x_extra": extra})
    assert response.status_code == 201


# -- time: every timestamp is UTC and carries its offset (RFC 3339) ----------------------

RFC3339 = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00"


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        ("2026-01-01T10:00:00+05:00", "2026-01-01T05:00:00+00:00"),
        ("2026-01-01T10:00:00-03:30", "2026-01-01T13:30:00+00:00"),
        ("2026-01-01T10:00:00Z", "2026-01-01T10:00:00+00:00"),
        ("2026-01-01T10:00:00", "2026-01-01T10:00:00+00:00"),  # no offset: taken as UTC
    ],
)
def test_created_at_reads_back_in_utc_with_its_offset(client, auth, sent, read):
    import re

    created = post(client, auth, {**GENUINE, "created_at": sent})
    assert created.json["created_at"] == read
    again = client.get(created.headers["Location"], headers=auth).json
    assert again["created_at"] == read
    for name in ("received_at", "updated_at"):
        assert re.fullmatch(RFC3339, again[name]), again[name]
    listed = client.get("/api/v1/comments", headers=auth).json["comments"][0]
    assert listed["created_at"] == read
    client.post(f"/api/v1/comments/{again['id']}/feedback", json={"label": "spam"}, headers=auth)
    event = client.get("/api/v1/events?include_platform=true", headers=auth).json["events"][-1]
    assert re.fullmatch(RFC3339, event["created_at"])


@pytest.mark.parametrize("sent", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_a_time_outside_the_utc_range_is_a_422(client, auth, sent):
    response = post(client, auth, {**GENUINE, "created_at": sent})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "created_at"


# -- the API accepts exactly what its OpenAPI document says ------------------------------


def test_null_in_an_optional_field_is_the_same_as_not_sending_it(client, auth):
    nulls = dict.fromkeys(["author", "user_role", "external_id", "post_id", "created_at"])
    response = post(client, auth, {"content": "Hello", **nulls})
    assert response.status_code == 201
    assert response.json["author"] == "" and response.json["created_at"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content": 5}, "content"),
        ({"content": "hi", "author": 5}, "author"),
        ({"content": "hi", "user_role": True}, "user_role"),
        ({"content": "hi", "post_id": 1.5}, "post_id"),
        ({"content": "hi", "post_id": False}, "post_id"),
        ({"content": " \u3000\t"}, "content"),
        ({"content": "hi", "created_at": "2026-01-01"}, "created_at"),
        ({"content": "hi", "created_at": "20260101T100000"}, "created_at"),
    ],
)
def test_what_the_document_refuses_is_a_422_naming_the_field(client, auth, body, field):
    response = post(client, auth, body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == [field]


def test_ids_may_be_whole_numbers(client, auth):
    response = post(client, auth, {"content": "hi", "post_id": 42, "external_id": 7})
    assert response.status_code == 201 and response.json["post_id"] == "42"


@pytest.mark.parametrize(
    "query",
    ["needs_reply=1", "needs_reply=yes", "needs_reply=", "status=", "limit="],
)
def test_list_parameters_take_only_the_documented_values(client, auth, query):
    assert client.get(f"/api/v1/comments?{query}", headers=auth).status_code == 400


def test_an_empty_after_is_refused_and_a_missing_one_starts_at_the_beginning(client, auth):
    assert client.get("/api/v1/events?after=", headers=auth).status_code == 400
    assert client.get("/api/v1/events", headers=auth).status_code == 200


def test_undocumented_methods_are_405_with_allow(client, auth):
    response = client.delete("/api/v1/comments", headers=auth)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


# -- the site's settings -----------------------------------------------------------------


def put_settings(client, auth, body):
    """PUT the site's settings."""
    return client.put("/api/v1/site/settings", json=body, headers=auth)


def reason_codes(body) -> list[str]:
    return [reason["code"] for reason in body["reasons"]]


def test_settings_start_at_the_defaults_with_every_key(client, auth):
    body = client.get("/api/v1/site/settings", headers=auth).get_json()
    assert body == SiteSettings().to_dict()
    assert set(body) == {
        "thresholds",
        "hold_all",
        "hold_links_at",
        "hold_words",
        "block_words",
        "honeypot_field",
        "min_submit_seconds",
        "duplicate_window_hours",
        "trust_approved_authors",
        "max_per_ip_per_hour",
        "allow",
        "deny",
        "languages",
        "country",
        "urgent_email_to",
        "akismet_held_answer",
    }


def test_a_block_word_sends_to_spam_on_that_site_only(client, auth, session, other_site_key):
    response = put_settings(client, auth, {"block_words": ["Bonanza"]})
    assert response.status_code == 200 and response.get_json()["block_words"] == ["Bonanza"]
    comment = {**GENUINE, "content": GENUINE["content"] + " Bonanza!"}
    body = post(client, auth, comment).get_json()
    assert body["status"] == "spam"
    reason = body["reasons"][0]
    assert reason["code"] == "block_word" and reason["evidence"] == ["Bonanza"]
    assert "Bonanza" in reason["message"]
    received = session.execute(
        select(Event).where(Event.comment_id == body["id"], Event.action == "received")
    ).scalar_one()
    assert received.details["reasons"][0]["evidence"] == ["Bonanza"]  # the log says why
    other = {"Authorization": f"Bearer {other_site_key[1]}"}
    elsewhere = post(client, other, {**comment, "external_id": "x2"}).get_json()
    assert "block_word" not in reason_codes(elsewhere)


def test_put_keeps_the_keys_it_does_not_name(client, auth):
    put_settings(client, auth, {"hold_links_at": 2, "country": "fr"})
    body = put_settings(client, auth, {"hold_words": ["refund"]}).get_json()
    assert (body["hold_links_at"], body["country"], body["hold_words"]) == (2, "FR", ["refund"])
    assert client.get("/api/v1/site/settings", headers=auth).get_json() == body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"hold_linksat": 2}, "hold_linksat"),
        ({"hold_links_at": -2}, "hold_links_at"),
        ({"deny": {"ips": ["10.0.0.0/33"]}}, "deny.ips[0]"),
        ({"thresholds": {"unsure": 0.9, "spam": 0.2}}, "thresholds"),
        ({"akismet_held_answer": "perhaps"}, "akismet_held_answer"),
    ],
)
def test_a_bad_setting_answers_422_naming_it_and_changes_nothing(client, auth, body, field):
    put_settings(client, auth, {"hold_all": True})
    # A good key sent with the bad one is not stored either.
    response = put_settings(client, auth, {"hold_links_at": 5, **body})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert field in [error["field"] for error in problem["errors"]] and field in problem["detail"]
    stored = client.get("/api/v1/site/settings", headers=auth).get_json()
    assert stored == {**SiteSettings().to_dict(), "hold_all": True}


def test_settings_need_the_sites_key(client):
    assert client.get("/api/v1/site/settings").status_code == 401
    assert client.put("/api/v1/site/settings", json={}).status_code == 401


def test_a_comment_with_as_many_links_as_the_limit_is_held(client, auth):
    put_settings(client, auth, {"hold_links_at": 2})
    content = GENUINE["content"] + " See https://a.example/x and https://b.example/y"
    body = post(client, auth, {**GENUINE, "content": content}).get_json()
    assert body["status"] in ("pending", "spam")  # spam stays spam; never published
    assert "link_limit" in reason_codes(body)
    assert body["reasons"][reason_codes(body).index("link_limit")]["evidence"] == ["2"]


def test_the_sites_honeypot_field_is_read_from_the_payload(client, auth):
    put_settings(client, auth, {"honeypot_field": "website2"})
    body = post(client, auth, {**GENUINE, "website2": "http://bot.example"}).get_json()
    assert body["status"] == "spam" and reason_codes(body)[0] == "honeypot"
    clean = post(client, auth, {**GENUINE, "website2": "", "external_id": "p2"}).get_json()
    assert "honeypot" not in reason_codes(clean)


def test_a_form_sent_too_fast_is_spam(client, auth):
    put_settings(client, auth, {"min_submit_seconds": 5})
    times = {"form_rendered_at": "2026-01-01T10:00:00Z", "submitted_at": "2026-01-01T10:00:02Z"}
    body = post(client, auth, {**GENUINE, **times}).get_json()
    assert body["status"] == "spam" and body["reasons"][0]["evidence"] == ["2 s"]
    bad = post(client, auth, {**GENUINE, "submitted_at": "yesterday"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "submitted_at"


def test_the_same_text_twice_within_the_window_is_spam(client, auth):
    put_settings(client, auth, {"duplicate_window_hours": 24})
    first = post(client, auth, GENUINE).get_json()
    assert "duplicate" not in reason_codes(first)
    again = {**GENUINE, "content": "  " + GENUINE["content"].upper() + " "}
    second = post(client, auth, again).get_json()
    assert second["status"] == "spam" and reason_codes(second)[0] == "duplicate"


def test_too_many_comments_from_one_ip_are_held(client, auth):
    put_settings(client, auth, {"max_per_ip_per_hour": 2})
    codes = []
    for number in range(3):
        comment = {**GENUINE, "content": f"{GENUINE['content']} ({number})", "user_ip": "192.0.2.4"}
        codes.append(reason_codes(post(client, auth, comment).get_json()))
    assert ["ip_rate" in c for c in codes] == [False, False, True]


# -- deleting ------------------------------------------------------------------------------


def test_delete_removes_the_comment_and_the_feed_says_so(client, auth, session):
    body = post(client, auth, {**GENUINE, "external_id": "wp-41"}).get_json()
    client.post(f"/api/v1/comments/{body['id']}/feedback", json={"label": "ham"}, headers=auth)
    response = client.delete(f"/api/v1/comments/{body['id']}", headers=auth)
    assert response.status_code == 204
    assert client.get(f"/api/v1/comments/{body['id']}", headers=auth).status_code == 404
    assert client.delete(f"/api/v1/comments/{body['id']}", headers=auth).status_code == 404
    assert session.execute(select(Label).where(Label.comment_id == body["id"])).first() is None
    feed = client.get("/api/v1/events?include_platform=true", headers=auth).get_json()
    deleted = [e for e in feed["events"] if e["action"] == "deleted"]
    assert [(e["comment_id"], e["external_id"]) for e in deleted] == [(body["id"], "wp-41")]


def test_another_sites_comment_cannot_be_deleted(client, auth, other_site_key):
    body = post(client, auth, GENUINE).get_json()
    other = {"Authorization": f"Bearer {other_site_key[1]}"}
    assert client.delete(f"/api/v1/comments/{body['id']}", headers=other).status_code == 404
    assert client.get(f"/api/v1/comments/{body['id']}", headers=auth).status_code == 200


def test_every_event_carries_the_external_id(client, auth, session):
    body = post(client, auth, {**GENUINE, "external_id": "wp-7"}).get_json()
    plain = post(client, auth, {**GENUINE, "content": "Another one, thanks."}).get_json()
    for comment in (body, plain):
        record = session.get(CommentRecord, comment["id"])
        storage.set_status(session, record, "trash", actor="user:alice", origin="moderator")
    session.commit()
    events = client.get("/api/v1/events", headers=auth).get_json()["events"]
    assert [e["external_id"] for e in events] == ["wp-7", None]
    assert all("external_id" in e for e in events)


# -- urgent comments (issue 16) -------------------------------------------------------------

URGENT_SPAMMY = {
    "content": "BUY CHEAP PILLS http://pills.example.top http://x.example.top "
    "chest pain spreading to my left arm while reading this",
    "author": "Cheap Viagra Online",
    "author_url": "http://pills.example.top",
}


def test_an_urgent_comment_is_held_never_discarded(client, auth):
    """Even a spammy one: held, urgent, first in the reply queue, the red flag named."""
    body = post(client, auth, {**URGENT_SPAMMY, "external_id": "u1"}).get_json()
    assert body["urgent"] and body["needs_reply"]
    assert body["status"] == "pending" and not body["discard"]
    scored = post(client, auth, {"comments": [URGENT_SPAMMY]}, "/api/v1/score").get_json()
    (result,) = scored["results"]
    assert result["urgent"] and result["status"] == "pending" and not result["discard"]
    flags = [r for r in result["reasons"] if r["code"] == "red_flag"]
    assert flags and flags[0]["title"] and flags[0]["evidence"]


#: Spam by every sign the spam model reads (a pills or casino author, a risky link, a phone
#: number to call, shouting) around a reader in danger, in several families and languages.
URGENT_IN_SPAM = [
    "CALL NOW +1 (888) 555-0199 cheap pills http://pills.example.top chest pain spreading "
    "to my left arm while reading this",
    "BUY VIAGRA ONLINE http://pills.example.top call 1-800-555-0100 best price!!! i took a "
    "whole packet of paracetamol an hour ago",
    "Crypto 500% returns whatsapp +44 7700 900123 http://coin.example.top I want to end my "
    "life tonight",
    "Free spins http://casino.example.top call +1 888 555 0199 my baby is 5 weeks old and "
    "has a fever of 38.5",
    "GET RICH http://x.example.top http://y.example.top whatsapp +1 888 555 0199 half my "
    "face droops and my words come out slurred",
    "COMPRAR BARATO http://pills.example.top llama +34 600 000 000 no puedo respirar",
]


def test_urgent_comments_are_held_never_discarded_whatever_the_spam_verdict(client, auth):
    """Through POST /api/v1/score: the spam model calls each of these spam past its discard
    threshold, and each is still held, urgent, first for a reply, its red flag named."""
    put_settings(client, auth, {"block_words": ["casino"]})  # a rule's spam verdict too
    comments = [
        {"content": text, "author": "Cheap Pills Online", "author_url": "http://pills.example.top"}
        for text in URGENT_IN_SPAM
    ]
    scored = post(client, auth, {"comments": comments}, "/api/v1/score").get_json()
    for text, result in zip(URGENT_IN_SPAM, scored["results"], strict=True):
        assert result["verdict"] == "spam", text  # the spam model (or a rule) says spam...
        assert result["urgent"] and result["needs_reply"], text  # ...the reader is in danger
        assert (result["status"], result["discard"]) == ("pending", False), text
        assert "red_flag" in reason_codes(result), text


def test_an_urgent_comment_is_first_in_the_reply_queue(client, auth):
    """A question posted earlier waits behind a later reader in danger."""
    post(client, auth, {"content": "How long should I hold each hamstring stretch?"})
    urgent = post(client, auth, {"content": "half my face droops and my speech is slurred"})
    queue = client.get("/api/v1/comments?needs_reply=true", headers=auth).get_json()
    assert queue["comments"][0]["id"] == urgent.get_json()["id"]


def test_the_feed_carries_an_urgent_comment(client, auth):
    """The platform sees each urgent comment in its events feed, with the flags named."""
    body = post(client, auth, {"content": "I want to end my life tonight"}).get_json()
    feed = client.get("/api/v1/events", headers=auth).get_json()
    (event,) = [e for e in feed["events"] if e["action"] == "flagged_urgent"]
    assert event["comment_id"] == body["id"]


def test_the_author_is_e_mailed_about_an_urgent_comment(client, auth, app, smtp_server):
    """Through the configured SMTP server, at once; an ordinary comment sends nothing."""
    host, port = smtp_server.server_address
    app.config.update(SMTP_HOST=host, SMTP_PORT=port, URGENT_EMAIL_TO="author@example.org")
    post(client, auth, {"content": "Lovely recipe, thanks!"})
    assert smtp_server.received == []
    post(client, auth, {"content": "my baby is 5 weeks old and has a fever of 38.5"})
    (raw,) = smtp_server.received
    assert b"fever or poor feeding in a young baby" in raw


def test_a_sites_own_urgent_address_is_e_mailed(client, auth, app, smtp_server):
    """The site's `urgent_email_to` setting, set through the API, wins over the server's."""
    host, port = smtp_server.server_address
    app.config.update(SMTP_HOST=host, SMTP_PORT=port, URGENT_EMAIL_TO="ops@example.org")
    put_settings(client, auth, {"urgent_email_to": ["Author@Blog.Example"]})
    post(client, auth, {"content": "my throat is closing up after the prawns"})
    (raw,) = smtp_server.received
    assert b"To: Author@blog.example" in raw and b"ops@example.org" not in raw


def test_an_smtp_failure_loses_no_comment(client, auth, app, session):
    """The mail server is down: the comment is stored and answered as usual."""
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1, URGENT_EMAIL_TO="a@example.org")
    response = post(client, auth, {"content": "my throat is closing up after the prawns"})
    assert response.status_code == 201 and response.get_json()["urgent"]
    assert session.get(CommentRecord, response.get_json()["id"]) is not None


def test_a_stored_comment_is_one_transaction_that_reads_nothing_back(client, auth, app):
    """With no history rules on: the key's site, then the comment and its event written
    and committed together; the answer is built without asking the database again."""
    from sqlalchemy import event

    app.config["API_RATE_LIMIT_PER_MINUTE"] = 0
    post(client, auth, {"content": "First: the learned models' registry is read now."})
    statements: list[str] = []
    engine = app.extensions["moderator.engine"]
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    event.listen(engine, "commit", lambda _connection: statements.append("COMMIT"))
    response = post(client, auth, GENUINE)
    assert response.status_code == 201 and response.get_json()["replies"] == []
    verbs = [statement.split(None, 1)[0] for statement in statements]
    assert verbs == ["SELECT", "INSERT", "INSERT", "COMMIT"]
    assert "INTO comments" in statements[1] and "INTO events" in statements[2]
