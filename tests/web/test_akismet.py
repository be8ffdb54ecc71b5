"""The Akismet API: the real `akismet` client (sync and async, in-process and over a socket),
and raw form posts as the WordPress plugin sends them."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from urllib.parse import quote, quote_from_bytes

import akismet
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.serving import make_server

from moderator import storage
from moderator.core.decision import Models
from moderator.storage.schema import CommentRecord, Label
from tests.fuzz import FUZZ, HOSTILE_TEXT
from tests.paths import MODELS
from tests.stubs import StubMedicalModel, stub_models, stub_triage

BLOG = "https://blog.example"
IP = "203.0.113.7"
THANKS = "Thanks for making the web a better place."
# Stub models score a comment by the number after `spam=` (0.1 without one);
# thresholds are unsure 0.5, spam 0.9, discard 0.99.
HAM = {
    "comment_content": "Thanks for the walkthrough, step 3 finally made the migration click.",
    "comment_author": "Mary K.",
    "comment_author_email": "mary@example.org",
    "comment_type": "comment",
}
SPAM = {
    "comment_content": "Cheap pills, best price, visit now spam=0.95",
    "comment_author": "Pill Shop",
    "comment_author_url": "http://pills.example.top",
}
BLATANT = {**SPAM, "comment_content": "CHEAP PILLS CHEAP PILLS CHEAP PILLS spam=0.995"}
UNSURE = {**HAM, "comment_content": "Nice post, see my site for more spam=0.6"}


@pytest.fixture(scope="module")
def models():
    """Stub models, so ham, unsure, spam and discard are exact (overrides the shipped ones)."""
    return stub_models()


@pytest.fixture
def key(site_key):
    """The first site's key, as an Akismet client holds it."""
    return site_key[1]


@pytest.fixture
def server(app):
    """The app on a real socket, as a blog's HTTP client reaches a moderator instance."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    # a short poll: shutting down waits for it, once per test
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    httpd.server_close()
    thread.join()


class ToServer(httpx.BaseTransport):
    """Send requests for rest.akismet.com to the test server (the Host header is kept)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class AsyncToServer(httpx.AsyncBaseTransport):
    """The async twin of ToServer."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class AsyncWSGI(httpx.AsyncBaseTransport):
    """Call the Flask app in-process from the async client (httpx's WSGITransport is sync)."""

    def __init__(self, app) -> None:
        self.inner = httpx.WSGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        response = self.inner.handle_request(request)
        return httpx.Response(
            response.status_code, headers=response.headers, content=response.read()
        )


@pytest.fixture(params=["in-process", "socket"])
def route(request, app):
    """How the client reaches the app: httpx's WSGI transport, or TCP to a real server."""
    if request.param == "in-process":
        return lambda: httpx.WSGITransport(app=app), lambda: AsyncWSGI(app)
    port = request.getfixturevalue("server")
    return lambda: ToServer(port), lambda: AsyncToServer(port)


def sync_client(route, key: str, url: str = BLOG, **http) -> akismet.SyncClient:
    """The real sync client, its requests for rest.akismet.com routed to the app."""
    http_client = httpx.Client(transport=route[0](), **http)
    return akismet.SyncClient(config=akismet.Config(key=key, url=url), http_client=http_client)


def async_client(route, key: str, url: str = BLOG) -> akismet.AsyncClient:
    """The real async client, routed like sync_client."""
    http_client = httpx.AsyncClient(transport=route[1]())
    return akismet.AsyncClient(config=akismet.Config(key=key, url=url), http_client=http_client)


def stored(session, **filters) -> list[CommentRecord]:
    """Return stored comments, oldest first, as the app committed them."""
    session.rollback()  # end an earlier read, whose snapshot would hide the app's writes
    query = select(CommentRecord).filter_by(**filters).order_by(CommentRecord.id)
    return list(session.scalars(query))


def labels(session) -> list[tuple[int, bool, str]]:
    """Return (comment id, is spam, source) of every label, oldest first."""
    session.rollback()
    rows = session.scalars(select(Label).order_by(Label.id))
    return [(label.comment_id, label.value, label.source) for label in rows]


def form(key: str | None = None, **fields) -> dict:
    """Return a comment-check form for the first site."""
    body = {"blog": BLOG, "user_ip": IP, **fields}
    if key:
        body["api_key"] = key
    return body


def run_async(coroutine_function):
    """Run an async client's test in its own thread and event loop; return its result.

    A fresh thread keeps asyncio.run independent of any loop another fixture left running.
    """
    outcome = {}

    def target():
        try:
            outcome["value"] = asyncio.run(coroutine_function())
        except BaseException as exc:  # re-raised in the test's own thread
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


# -- the real client ---------------------------------------------------------------------


def test_verify_key_good_and_bad(route, key, other_site_key):
    with sync_client(route, key) as client:  # the context manager verifies the key
        assert client.verify_key()
        assert not client.verify_key("mod" + "0" * 40, BLOG)

    async def run():
        async with async_client(route, key) as client:
            assert await client.verify_key()
            assert not await client.verify_key(key, "https://other.example")

    run_async(run)


def test_a_bad_key_is_refused_by_the_validating_constructor(route, app):
    with pytest.raises(akismet.APIKeyError):
        akismet.SyncClient.validated_client(
            config=akismet.Config(key="mod" + "1" * 40, url=BLOG),
            http_client=httpx.Client(transport=route[0]()),
        )


def test_comment_check_answers_ham_spam_and_discard(route, key, session):
    with sync_client(route, key) as client:
        assert client.comment_check(IP, **HAM) is akismet.CheckResponse.HAM
        assert client.comment_check(IP, **SPAM) is akismet.CheckResponse.SPAM
        assert client.comment_check(IP, **BLATANT) is akismet.CheckResponse.DISCARD

    async def run():
        async with async_client(route, key) as client:
            return [
                await client.comment_check(IP, **HAM),
                await client.comment_check(IP, **SPAM),
                await client.comment_check(IP, **BLATANT),
            ]

    assert run_async(run) == [0, 1, 2]
    records = stored(session, origin="akismet")
    assert [r.status for r in records] == ["approved", "spam", "spam"] * 2
    assert [r.discard for r in records] == [False, False, True] * 2


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"comment_author": "viagra-test-123"}, akismet.CheckResponse.SPAM),
        ({"comment_author": "akismet-guaranteed-spam"}, akismet.CheckResponse.SPAM),
        (
            {"comment_author_email": "akismet-guaranteed-spam@example.com"},
            akismet.CheckResponse.SPAM,
        ),
        ({**SPAM, "user_role": "administrator"}, akismet.CheckResponse.HAM),
    ],
)
def test_akismets_test_values(route, key, fields, expected):
    with sync_client(route, key) as client:
        check = {"comment_content": "Hello", **fields}
        assert client.comment_check(IP, is_test=True, **check) == expected


def test_submit_spam_and_ham_label_the_checked_comment(route, key, session):
    with sync_client(route, key) as client:
        client.comment_check(IP, **HAM)
        client.comment_check(IP, **SPAM)
        assert client.submit_spam(IP, **HAM) is True

    async def run():
        async with async_client(route, key) as client:
            assert await client.submit_ham(IP, **SPAM) is True

    run_async(run)
    ham, spam = stored(session, origin="akismet")
    assert labels(session) == [(ham.id, True, "akismet"), (spam.id, False, "akismet")]
    # "Not spam" in WordPress puts the comment back in Pending; moderator agrees.
    assert (ham.status, spam.status) == ("spam", "pending")


def test_a_report_about_an_unknown_comment_is_stored_and_labelled(route, key, session):
    with sync_client(route, key) as client:
        client.submit_spam(IP, comment_content="Never checked before", comment_author="Bot")
    (record,) = stored(session)
    assert (record.content, record.status, record.origin) == (
        "Never checked before",
        "spam",
        "akismet",
    )
    assert labels(session) == [(record.id, True, "akismet")]


def test_test_traffic_never_becomes_a_label(route, key, session):
    with sync_client(route, key) as client:
        client.comment_check(IP, is_test=True, **HAM)
        client.submit_spam(IP, is_test=True, **HAM)
    (record,) = stored(session)
    assert record.is_test and record.status == "spam"
    assert labels(session) == []


def test_usage_limit_counts_this_months_checks(route, key):
    with sync_client(route, key) as client:
        client.comment_check(IP, **HAM)
        client.comment_check(IP, **SPAM)
        assert client.usage_limit() == {
            "limit": "none",
            "usage": 2,
            "percentage": "0.00",
            "throttled": False,
        }

    async def run():
        async with async_client(route, key) as client:
            return await client.usage_limit()

    assert run_async(run)["usage"] == 2


def test_key_sites_needs_the_key_the_client_forgets_to_send(route, key):
    with sync_client(route, key) as client:
        with pytest.raises(akismet.APIKeyError):
            client.key_sites()
    # The workaround: give the HTTP client the key as a default query parameter.
    with sync_client(route, key, params={"api_key": key}) as client:
        client.comment_check(IP, **SPAM)
        client.submit_ham(IP, **SPAM)
        report = client.key_sites()
        csv_report = client.key_sites(result_format="csv")
    (month,) = set(report) - {"limit", "offset", "total"}
    assert report[month] == [
        {
            "site": "blog.example",
            "api_calls": 1,
            "spam": 1,
            "ham": 0,
            "missed_spam": 0,
            "false_positives": 1,
            "is_revoked": False,
        }
    ]
    assert (report["limit"], report["offset"], report["total"]) == (500, 0, 1)
    assert csv_report.splitlines() == [
        f"Active sites for {key[:12]} during {month} (limit:500, offset: 0, total: 1)",
        "Site,Total API Calls,Spam,Ham,Missed Spam,False Positives,Is Revoked",
        "blog.example,1,1,0,0,1,false",
    ]


@pytest.fixture(scope="module")
def shipped_spam_model():
    """The spam model in models/, loaded once, to check the drop-in with real scores."""
    from moderator.spam.model import load_spam_model

    return load_spam_model(MODELS)


def test_the_shipped_spam_model_through_the_real_client(route, key, app, shipped_spam_model):
    app.extensions["moderator.models"] = Models(shipped_spam_model, StubMedicalModel(), stub_triage)
    genuine = "Thanks for the walkthrough, step 3 finally made the migration click for me."
    spam = (
        "Buy cheap viagra online no prescription!!! http://pills.example.top/buy "
        "http://pills.example.top/cheap best price visit now"
    )
    with sync_client(route, key) as client:
        assert client.comment_check(IP, comment_content=genuine, comment_author="Mary K.") == 0
        answer = client.comment_check(
            IP,
            comment_content=spam,
            comment_author="Cheap Viagra Online",
            comment_author_url="http://pills.example.top",
        )
    assert answer in (akismet.CheckResponse.SPAM, akismet.CheckResponse.DISCARD)


# -- raw requests ---------------------------------------------------------------------


def test_key_sites_with_raw_requests(client, key):
    response = client.get("/1.2/key-sites", query_string={"api_key": key, "month": "2020-01"})
    row = {"site": "blog.example", "api_calls": 0, "spam": 0, "ham": 0, "missed_spam": 0}
    row |= {"false_positives": 0, "is_revoked": False}
    assert response.get_json() == {"2020-01": [row], "limit": 500, "offset": 0, "total": 1}
    filtered = client.get("/1.2/key-sites", query_string={"api_key": key, "filter": "nomatch"})
    assert filtered.get_json()["total"] == 0
    csv_answer = client.get("/1.2/key-sites", query_string={"api_key": key, "format": "csv"})
    assert csv_answer.mimetype == "text/csv"
    assert client.get("/1.2/key-sites").get_data(as_text=True) == "invalid"


def test_wordpress_extra_fields_are_accepted_and_kept(client, key, session):
    body = form(
        key,
        **HAM,
        comment_post_ID="42",
        HTTP_USER_AGENT="Mozilla/5.0",
        HTTP_ACCEPT_LANGUAGE="en-GB",
        HTTP_AUTHORIZATION="Basic c2VjcmV0",
        REQUEST_URI="/wp-comments-post.php",
        POST_comment="the same text",
        POST_ak_js="1712345678901",
        akismet_comment_nonce="passed",
        callback="https://blog.example/wp-json/akismet/v1/webhook",
    )
    body["comment_context[]"] = ["Databases", "PostgreSQL"]
    response = client.post("/1.1/comment-check", data=body)
    assert response.get_data(as_text=True) == "false"
    assert response.mimetype == "text/plain"
    (record,) = stored(session)
    assert response.headers["X-akismet-guid"] == record.guid
    assert record.post_id == "42"
    assert record.raw["HTTP_ACCEPT_LANGUAGE"] == "en-GB"
    assert record.raw["POST_ak_js"] == "1712345678901"
    assert record.raw["comment_context"] == ["Databases", "PostgreSQL"]
    assert not {"api_key", "HTTP_AUTHORIZATION"} & record.raw.keys()


def test_indexed_array_fields_collect_too(client, key, session):
    body = "&".join(
        [f"api_key={key}", "blog=https%3A%2F%2Fblog.example", "user_ip=1.2.3.4"]
        + ["comment_content=Hi", "comment_context%5B0%5D=a", "comment_context%5B1%5D=b"]
    )
    client.post("/1.1/comment-check", data=body, content_type="application/x-www-form-urlencoded")
    assert stored(session)[0].raw["comment_context"] == ["a", "b"]


def test_blog_charset_is_honoured(client, key, session):
    latin1 = "Très bien écrit, merci ! Ça marche.".encode("iso-8859-1")
    author = "Zoë".encode("iso-8859-1")
    body = (
        f"api_key={key}&blog=https%3A%2F%2Fblog.example&user_ip={IP}&blog_charset=ISO-8859-1"
        f"&comment_content={quote_from_bytes(latin1)}&comment_author={quote_from_bytes(author)}"
    )
    response = client.post(
        "/1.1/comment-check",
        data=body,
        content_type="application/x-www-form-urlencoded; charset=ISO-8859-1",
    )
    assert response.get_data(as_text=True) == "false"
    (record,) = stored(session)
    assert (record.content, record.author) == ("Très bien écrit, merci ! Ça marche.", "Zoë")


@pytest.mark.parametrize(
    "trap",
    [
        {"honeypot_field_name": "hidden_trap", "hidden_trap": "http://spam.example"},
        {"POST_ak_hp_textarea": "filled by a bot"},  # WordPress's own trap field
    ],
)
def test_a_filled_honeypot_is_spam_to_discard(client, key, trap):
    response = client.post("/1.1/comment-check", data=form(key, **HAM, **trap))
    assert response.get_data(as_text=True) == "true"
    assert response.headers["X-akismet-pro-tip"] == "discard"


def test_an_empty_honeypot_changes_nothing(client, key):
    trap = {"honeypot_field_name": "hidden_trap", "hidden_trap": ""}
    response = client.post("/1.1/comment-check", data=form(key, **HAM, **trap))
    assert response.get_data(as_text=True) == "false"


def test_key_in_the_host_name(client, key, session):
    host = f"{key}.rest.akismet.com"
    verified = client.post("/1.1/verify-key", data={"blog": BLOG}, headers={"Host": host})
    assert verified.get_data(as_text=True) == "valid"
    checked = client.post("/1.1/comment-check", data=form(**SPAM), headers={"Host": host})
    assert checked.get_data(as_text=True) == "true"
    assert len(stored(session)) == 1


def test_an_unsure_comment_is_held_for_review_not_published(client, key, session):
    response = client.post("/1.1/comment-check", data=form(key, **UNSURE))
    # `false` keeps body-only clients from discarding it; the error header makes
    # WordPress hold it in its moderation queue.
    assert response.get_data(as_text=True) == "false"
    assert response.headers["X-akismet-error"] == "held-for-review"
    assert response.headers["X-moderator-verdict"] == "unsure"
    assert stored(session)[0].status == "pending"


def test_a_recheck_repeats_the_moderators_ruling(client, key, session, auth):
    first = client.post("/1.1/comment-check", data=form(key, **UNSURE))
    (record,) = stored(session)
    client.post(f"/api/v1/comments/{record.id}/feedback", json={"label": "ham"}, headers=auth)
    again = client.post(
        "/1.1/comment-check", data=form(key, **UNSURE, recheck_reason="recheck_queue")
    )
    assert again.get_data(as_text=True) == "false"
    assert "X-akismet-error" not in again.headers
    assert again.headers["X-akismet-guid"] == first.headers["X-akismet-guid"]
    assert len(stored(session)) == 1


def test_checked_comments_appear_in_api_v1_with_the_same_decision(client, key, auth):
    client.post("/1.1/comment-check", data=form(key, **UNSURE))
    direct = client.post(
        "/api/v1/comments",
        json={"content": UNSURE["comment_content"], "author": UNSURE["comment_author"]},
        headers=auth,
    ).get_json()
    via_akismet = client.get("/api/v1/comments", headers=auth).get_json()["comments"][-1]
    decision = ("status", "verdict", "spam_score", "discard", "needs_reply", "reasons")
    assert {f: via_akismet[f] for f in decision} == {f: direct[f] for f in decision}
    assert via_akismet["author_email"] == UNSURE["comment_author_email"]


def test_a_question_is_queued_for_a_reply(client, key, auth):
    content = "Is this medical advice safe with my medication?"
    client.post("/1.1/comment-check", data=form(key, comment_content=content))
    queue = client.get("/api/v1/comments?needs_reply=true", headers=auth).get_json()
    assert [c["content"] for c in queue["comments"]] == [content]


def test_submit_matches_by_guid(client, key, session):
    check = client.post("/1.1/comment-check", data=form(key, **HAM))
    guid = check.headers["X-akismet-guid"]
    edited = {**HAM, "comment_content": "edited since"}
    response = client.post("/1.1/submit-spam", data=form(key, **edited, guid=guid))
    assert response.get_data(as_text=True) == THANKS
    (record,) = stored(session)
    assert labels(session) == [(record.id, True, "akismet")]


@pytest.mark.parametrize(
    "path, data, reason",
    [
        ("/1.1/verify-key", {"blog": BLOG}, 'Empty "key" value'),
        ("/1.1/verify-key", {"key": "mod" + "2" * 40, "blog": BLOG}, "unknown or revoked"),
        ("/1.1/comment-check", {"blog": BLOG, "user_ip": IP}, 'Empty "api_key" value'),
        ("/1.1/comment-check", {"api_key": "nope", "blog": BLOG}, "unknown or revoked"),
    ],
)
def test_bad_keys_are_invalid_with_debug_help(client, path, data, reason):
    response = client.post(path, data=data)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "invalid"
    assert reason in response.headers["X-akismet-debug-help"]


def test_a_revoked_key_is_invalid(client, app, key):
    with app.app_context():
        from moderator.db import get_session

        storage.revoke_key(get_session(), key)
    response = client.post("/1.1/verify-key", data={"key": key, "blog": BLOG})
    assert response.get_data(as_text=True) == "invalid"


def test_blog_must_be_the_keys_site_or_unregistered(client, key, other_site_key):
    other = client.post("/1.1/verify-key", data={"key": key, "blog": "https://other.example"})
    assert other.get_data(as_text=True) == "invalid"
    assert "belongs to https://blog.example" in other.headers["X-akismet-debug-help"]
    staging = client.post("/1.1/verify-key", data={"key": key, "blog": "https://staging.test"})
    assert staging.get_data(as_text=True) == "valid"
    assert "not registered" in staging.headers["X-moderator-note"]
    same = client.post("/1.1/verify-key", data={"key": key, "blog": "http://blog.example/"})
    assert same.get_data(as_text=True) == "valid"
    assert "X-moderator-note" not in same.headers
    missing = client.post("/1.1/comment-check", data={"api_key": key, "user_ip": IP})
    assert missing.headers["X-akismet-debug-help"] == 'Empty "blog" value'
    no_ip = client.post("/1.1/comment-check", data={"api_key": key, "blog": BLOG})
    assert no_ip.get_data(as_text=True) == "invalid"


@pytest.mark.parametrize(
    "path, body, content_type",
    [
        ("/1.1/comment-check", b"\xff\xfe\x00garbage=%%%&&==", "application/x-www-form-urlencoded"),
        ("/1.1/comment-check", b'{"json": true}', "application/json"),
        ("/1.1/comment-check", b"comment_content=%00%00&user_ip=%0d%0a", None),
        ("/1.1/comment-check", b"blog_charset=utf-16&comment_content=x", None),
        ("/1.1/comment-check", b"blog_charset=rot13&comment_content=x", None),
        ("/1.1/comment-check", b"blog_charset=idna&comment_content=%ff", None),
        ("/1.1/comment-check", b"x[=1&[]=2&a[b]c=3&comment_context=1&comment_context[]=2", None),
        ("/1.1/comment-check", b"&".join([b"f=1"] * 3000), None),
        ("/1.1/submit-ham", b"comment_date_gmt=not-a-date", None),
        ("/1.1/submit-spam", b"guid=" + b"g" * 500, None),
        ("/1.2/key-sites", b"month=2024-13", None),
        ("/1.2/key-sites", b"month=0000-01", None),
        ("/1.2/key-sites", b"limit=-1", None),
        ("/1.2/key-sites", b"format=xml", None),
        ("/1.2/usage-limit", b"extended=%ff", None),
        ("/1.1/get-stats", b"from=%ff%00", None),
        ("/1.1/get-stats", b"from[]=all&from[]=6-months", None),
        ("/1.1/get-subscription", b"blog_charset=rot13", None),
        ("/1.1/deactivate", b"key[]=x", None),
        ("/1.2/key-sites", "limit=²".encode(), None),
        ("/1.1/comment-check", b"blog_charset=utf-7&comment_content=%2B2D0-", None),
        ("/1.1/comment-check", b"blog_charset=unicode_escape&comment_content=%5Cud800", None),
        ("/1.1/comment-check", b"blog_charset=raw_unicode_escape&comment_author=%5Cud800", None),
    ],
)
def test_bad_input_never_gets_a_500(client, key, path, body, content_type):
    query = {"api_key": key, "blog": BLOG, "user_ip": IP}
    response = client.post(
        path,
        query_string=query,
        data=body,
        content_type=content_type or "application/x-www-form-urlencoded",
    )
    assert response.status_code < 500
    assert response.mimetype in ("text/plain", "application/json", "text/csv")


def test_a_header_injection_attempt_is_neutralised(client, key):
    blog = "https://staging.test/\r\nSet-Cookie: x=1"
    response = client.post("/1.1/verify-key", data={"key": key, "blog": blog})
    assert response.get_data(as_text=True) == "valid"
    assert "Set-Cookie" not in response.headers
    assert "\n" not in response.headers["X-moderator-note"]


def test_a_body_over_the_limit_is_refused_in_plain_text(client, key, app):
    big = "x" * (app.config["MAX_BODY_BYTES"] + 1)
    response = client.post("/1.1/comment-check", data=form(key, comment_content=big))
    assert response.status_code == 413
    assert response.mimetype == "text/plain"
    assert response.headers["X-akismet-error"]


def test_the_rate_limit_is_shared_with_api_v1_and_answered_in_plain_text(client, key, auth, app):
    app.config["API_RATE_LIMIT_PER_MINUTE"] = 3
    statuses = [client.get("/api/v1/comments", headers=auth).status_code for _ in range(2)]
    statuses += [client.post("/1.1/verify-key", data={"key": key, "blog": BLOG}).status_code]
    assert statuses == [200, 200, 200]
    # Requests in the same minute can straddle a window edge; then a later one is refused.
    for _ in range(4):
        limited = client.post("/1.1/comment-check", data=form(key, **HAM))
        if limited.status_code == 429:
            break
    assert limited.status_code == 429
    assert limited.mimetype == "text/plain"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["X-akismet-error"] == "rate-limited"


def test_a_report_without_guid_never_relabels_another_readers_same_words(client, key, session):
    words = {"comment_content": "Nice post spam=0.95", "comment_author": ""}
    client.post("/1.1/comment-check", data=form(key, **words))
    client.post("/1.1/submit-ham", data={**form(key, **words), "user_ip": "198.51.100.9"})
    first, second = stored(session)
    assert (first.user_ip, first.status) == (IP, "spam")  # the bot's comment is untouched
    assert (second.user_ip, second.status) == ("198.51.100.9", "pending")
    labels = session.scalars(select(Label).order_by(Label.id)).all()
    assert [(label.comment_id, label.value) for label in labels] == [(second.id, False)]


@pytest.mark.parametrize(
    "path",
    [
        "/1.1/comment-check",
        "/1.1/verify-key",
        "/1.1/submit-spam",
        "/1.1/submit-ham",
        "/1.2/usage-limit",
        "/1.2/key-sites",
    ],
)
@pytest.mark.parametrize(
    "charset", ["%00", "utf-8%00", "no-such-charset", "utf-16", "utf-7", "rot13"]
)
def test_an_unusable_charset_is_a_400_naming_the_field_with_no_key_needed(client, path, charset):
    response = client.post(
        path,
        data=f"blog_charset={charset}&comment_content=x".encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400 and response.mimetype == "text/plain"
    assert response.headers["X-akismet-debug-help"].startswith("blog_charset ")


def test_an_unusable_content_type_charset_is_named_too(client):
    response = client.post(
        "/1.1/comment-check",
        data=b"comment_content=x",
        content_type="application/x-www-form-urlencoded; charset=x-no-such",
    )
    assert response.status_code == 400
    assert "Content-Type charset" in response.headers["X-akismet-debug-help"]


# -- fuzzing: the form parser takes any body ---------------------------------------------

CHARSETS = st.sampled_from(
    ["", "utf-8", "ISO-8859-1", "%00", "utf-16", "utf-7", "rot13", "x" * 300, "%ff%fe", "cp1252"]
)


@st.composite
def hostile_forms(draw) -> bytes:
    """A form body: hostile names and values percent-encoded (or not), a charset, noise."""
    pairs = draw(st.lists(st.tuples(HOSTILE_TEXT, HOSTILE_TEXT), max_size=6))
    body = "&".join(
        f"{quote(n.encode('utf-8', 'surrogatepass'))}={quote(v.encode('utf-8', 'surrogatepass'))}"
        for n, v in pairs
    ).encode()
    charset = draw(CHARSETS)
    noise = draw(st.binary(max_size=200))
    return b"&".join(part for part in (body, f"blog_charset={charset}".encode(), noise) if part)


@FUZZ
@given(body=hostile_forms() | st.binary(max_size=2000))
def test_the_form_parser_takes_any_body(app, body):
    from werkzeug.exceptions import RequestEntityTooLarge

    from moderator.web.akismet_form import Refusal, read_fields

    with app.test_request_context(
        "/1.1/comment-check",
        method="POST",
        data=body,
        content_type="application/x-www-form-urlencoded",
    ):
        try:
            fields = read_fields()
        except Refusal as refusal:
            assert refusal.status == 400
            return
        except RequestEntityTooLarge:
            assert len(body) > app.config["MAX_BODY_BYTES"]
            return
    for name, value in fields.items():
        for text in [name, *(value if isinstance(value, list) else [value])]:
            assert "\x00" not in text or text is name
            text.encode("utf-8")


@pytest.mark.parametrize(
    ("answer", "status", "body"),
    [("false", 200, "false"), ("true", 200, "true"), ("error", 503, "held-for-review")],
)
def test_a_held_comment_gets_the_answer_the_site_chose(
    client, key, auth, session, answer, status, body
):
    client.put("/api/v1/site/settings", json={"akismet_held_answer": answer}, headers=auth)
    response = client.post("/1.1/comment-check", data=form(key, **UNSURE))
    assert (response.status_code, response.get_data(as_text=True)) == (status, body)
    assert response.headers["X-akismet-error"] == "held-for-review"
    assert stored(session)[0].status == "pending"  # held whatever the client is told
    assert "discard" not in response.headers.get("X-akismet-pro-tip", "")


def test_the_sites_rules_apply_to_akismet_checks(client, key, auth):
    settings = {"block_words": ["bonanza"], "honeypot_field": "trap_field"}
    client.put("/api/v1/site/settings", json=settings, headers=auth)
    blocked = client.post(
        "/1.1/comment-check", data=form(key, **{**HAM, "comment_content": "A Bonanza!"})
    )
    assert blocked.get_data(as_text=True) == "true"
    trapped = client.post("/1.1/comment-check", data=form(key, **HAM, trap_field="x"))
    assert trapped.get_data(as_text=True) == "true"
    assert trapped.headers["X-akismet-pro-tip"] == "discard"


# -- the calls of the WordPress plugin's settings page (Akismet 5) ------------------------


def account_form(key: str | None, **fields) -> dict:
    """Return the form the plugin's account calls send: the key as `key`, and `blog`."""
    return {"blog": BLOG, **({"key": key} if key else {}), **fields}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_connectivity_check_answers_connected_without_a_key(client, method):
    response = client.open("/1.1/test", method=method)
    assert (response.status_code, response.mimetype) == (200, "text/plain")
    assert response.get_data(as_text=True) == "connected"


@pytest.mark.parametrize("name", ["key", "api_key"])
def test_get_subscription_is_an_active_account_with_no_limit(client, key, name):
    client.post("/1.1/comment-check", data=form(key, **HAM))
    response = client.post("/1.1/get-subscription", data={"blog": BLOG, name: key})
    assert response.mimetype == "application/json"
    account = response.get_json()
    # What the plugin reads: `active` keeps the key and shows the settings page;
    # nothing is billed and nothing is limited, and the fields it shows say so.
    assert account["status"] == "active"
    assert "no usage limit" in account["account_name"]
    assert account["limit_reached"] is False
    assert account["usage_limit"] == "none"
    assert account["next_billing_date"] is None
    assert account["usage"] == 1


@pytest.mark.parametrize("path", ["/1.1/get-subscription", "/1.1/get-stats", "/1.1/deactivate"])
def test_account_calls_with_a_bad_key_are_invalid_with_debug_help(
    client, key, other_site_key, path
):
    for data, reason in [
        (account_form(None), 'Empty "key" value'),
        (account_form("mod" + "2" * 40), "unknown or revoked"),
        (account_form(key, blog="https://other.example"), "belongs to https://blog.example"),
    ]:
        response = client.post(path, data=data)
        assert response.status_code == 200 and response.mimetype == "text/plain"
        assert response.get_data(as_text=True) == "invalid"
        assert reason in response.headers["X-akismet-debug-help"]


def test_get_stats_summarises_the_sites_own_counts(client, key, other_site_key):
    client.post("/1.1/comment-check", data=form(key, **HAM))
    client.post("/1.1/comment-check", data=form(key, **SPAM))
    client.post("/1.1/comment-check", data=form(key, **UNSURE))
    client.post("/1.1/submit-ham", data=form(key, **SPAM))
    other_key = other_site_key[1]
    client.post("/1.1/comment-check", data=form(other_key, **SPAM, blog="https://other.example"))
    for period in ("6-months", "all", "60-days", "no-such-period"):
        stats = client.post("/1.1/get-stats", data=account_form(key, **{"from": period}))
        body = stats.get_json()
        figures = {n: body[n] for n in ("spam", "ham", "missed_spam", "false_positives")}
        # the held comment counts as not spam: Akismet answered it `false`
        assert figures == {"spam": 1, "ham": 2, "missed_spam": 0, "false_positives": 1}, period
        assert body["accuracy"] == round(100 * 2 / 3, 2)
        assert body["time_saved"] == 0
        month = datetime.now(UTC).strftime("%Y-%m")
        assert body["breakdown"][month] == {**figures, "da": month}
        assert sum(row["spam"] for row in body["breakdown"].values()) == 1


def test_get_stats_of_a_quiet_site_is_empty_but_valid(client, key):
    body = client.post("/1.1/get-stats", data=account_form(key, **{"from": "6-months"})).get_json()
    assert {n: body[n] for n in ("spam", "ham", "missed_spam", "false_positives")} == dict.fromkeys(
        ("spam", "ham", "missed_spam", "false_positives"), 0
    )
    assert body["accuracy"] == 0
    # six calendar months, each present so the plugin's chart has its rows
    assert len(body["breakdown"]) == 6
    assert all(
        set(row) == {"spam", "ham", "missed_spam", "false_positives", "da"}
        for row in body["breakdown"].values()
    )


def test_deactivate_answers_deactivated_and_keeps_the_key(client, key):
    response = client.post("/1.1/deactivate", data=account_form(key))
    assert response.get_data(as_text=True) == "deactivated"
    again = client.post("/1.1/verify-key", data={"key": key, "blog": BLOG})
    assert again.get_data(as_text=True) == "valid"


def test_not_spam_in_wordpress_leaves_the_comment_pending_with_a_genuine_label(
    client, key, session, auth
):
    check = client.post("/1.1/comment-check", data=form(key, **SPAM))
    assert check.get_data(as_text=True) == "true"
    guid = check.headers["X-akismet-guid"]
    report = client.post("/1.1/submit-ham", data=form(key, **SPAM, guid=guid))
    assert report.get_data(as_text=True) == THANKS
    (record,) = stored(session)
    assert record.status == "pending"
    assert labels(session) == [(record.id, False, "akismet")]
    listed = client.get("/api/v1/comments?status=pending", headers=auth).get_json()["comments"]
    assert [c["id"] for c in listed] == [record.id]
    # WordPress's "Check for spam" on its Pending queue hears "hold", not "spam".
    recheck = client.post(
        "/1.1/comment-check", data=form(key, **SPAM, recheck_reason="recheck_queue")
    )
    assert recheck.get_data(as_text=True) == "false"
    assert recheck.headers["X-akismet-error"] == "held-for-review"


# -- what the WordPress bridge reads ------------------------------------------------------


def test_an_urgent_comment_says_so_and_why(client, key):
    urgent = {**HAM, "comment_content": "urgent medical question: my chest hurts"}
    response = client.post("/1.1/comment-check", data=form(key, **urgent))
    assert response.headers["X-moderator-urgent"] == "true"
    assert response.headers["X-moderator-urgent-reason"]
    assert response.headers["X-moderator-id"].isdigit()
    calm = client.post("/1.1/comment-check", data=form(key, **HAM))
    assert "X-moderator-urgent" not in calm.headers


def test_a_recheck_remembers_the_wordpress_id(client, key, session, auth):
    client.post("/1.1/comment-check", data=form(key, **UNSURE))
    client.post(
        "/1.1/comment-check",
        data=form(key, **UNSURE, recheck_reason="recheck_queue", comment_ID="17"),
    )
    (record,) = stored(session)
    assert record.external_id == "17"
    # A later recheck naming another ID does not take the comment from the first.
    client.post(
        "/1.1/comment-check",
        data=form(key, **UNSURE, recheck_reason="recheck_queue", comment_ID="18"),
    )
    assert stored(session)[0].external_id == "17"
