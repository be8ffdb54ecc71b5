"""Security of the review page: headers, CSP-clean templates, and comment payloads kept inert."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.web import test_review as review
from tests.web.test_review import add, card_ids

# The review tests' fixtures: stub models, two sites, a logged-in moderator.
models, sites, moderator = review.models, review.sites, review.moderator

#: Script, HTML and URL payloads a commenter might send; the page must show them as text.
PAYLOADS = (
    "<script>window.__pwned=1</script>",
    "<img src=x onerror=window.__pwned=1>",
    "<svg onload=window.__pwned=1>",
    "<svg><script>window.__pwned=1</script></svg>",
    "<body onload=window.__pwned=1>",
    "<iframe src=javascript:window.__pwned=1></iframe>",
    "<iframe srcdoc='<script>parent.__pwned=1</script>'></iframe>",
    "<a href=javascript:window.__pwned=1>click</a>",
    "javascript:window.__pwned=1",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>window.__pwned=1</script>",
    '"><script>window.__pwned=1</script>',
    "'><img src=x onerror=window.__pwned=1>",
    "</textarea><script>window.__pwned=1</script>",
    "</title><script>window.__pwned=1</script>",
    "<details open ontoggle=window.__pwned=1>",
    "<input autofocus onfocus=window.__pwned=1>",
    "<video><source onerror=window.__pwned=1></video>",
    "<audio src=x onerror=window.__pwned=1>",
    "<marquee onstart=window.__pwned=1>",
    "<object data=javascript:window.__pwned=1>",
    "<embed src=javascript:window.__pwned=1>",
    "<form action=javascript:window.__pwned=1><button>go</button></form>",
    "<math><mtext><script>window.__pwned=1</script></mtext></math>",
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<base href=//evil.example/>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    "{{ 7*7 }} {% raw %}",
    "${alert(1)}",
    "<scr<script>ipt>window.__pwned=1</scr</script>ipt>",
    "&lt;script&gt;window.__pwned=1&lt;/script&gt;",
    '<img src="x" onerror="alert(document.cookie)">',
    "<template><script>window.__pwned=1</script></template>",
    "http://evil.example/?q=<script>window.__pwned=1</script>",
    '<noscript><p title="</noscript><img src=x onerror=window.__pwned=1>">',
    "\u202e<script>window.__pwned=1</script>",
)


class TagCollector(HTMLParser):
    """Record every tag and attribute the browser would see."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict]]:
    """Return the (tag, attributes) pairs of a page."""
    parser = TagCollector()
    parser.feed(html)
    return parser.tags


def assert_csp_clean(html: str) -> None:
    """Fail on anything the strict CSP would block: inline script, style, handlers, js: URLs."""
    for tag, attrs in tags_of(html):
        assert tag not in ("style", "iframe", "object", "embed", "base", "svg", "math"), tag
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), attrs
        if tag == "link":
            assert attrs.get("href", "").startswith("/static/"), attrs
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name != "style", tag
            if name in ("href", "src", "action", "formaction"):
                assert (value or "").startswith("/"), (tag, name, value)


@pytest.fixture
def hostile(app, sites):
    """Comments whose every field carries a payload, in the pending and reply queues."""
    for n, payload in enumerate(PAYLOADS):
        add(
            app,
            sites[0],
            f"{payload} spam=0.6 {n}",
            author=payload,
            author_email=payload,
            author_url=payload,
            user_ip=payload[:40],
            post_title=payload,
            post_id=payload,
            permalink=payload,
            parent_id=payload,
        )
    add(app, sites[0], "medical " + PAYLOADS[0], author=PAYLOADS[1])


def test_there_are_at_least_thirty_payloads():
    assert len(PAYLOADS) >= 30


@pytest.mark.parametrize("queue", ["pending", "needs_reply"])
def test_payloads_render_as_escaped_text(client, moderator, hostile, queue):
    page = client.get(f"/review/?queue={queue}&page=1").text
    assert_csp_clean(page)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "<script>window" not in page


def test_payloads_are_inert_in_history_and_activity(app, client, moderator, hostile):
    first = card_ids(client.get("/review/?queue=pending").text)[0]
    for path in (
        f"/review/comments/{first}",
        f"/review/comments/{first}/history",
        f"/review/comments/{first}/history?partial=1",
        "/review/activity",
        "/review/?queue=pending&q=%3Cscript%3E",
    ):
        page = client.get(path).text
        assert_csp_clean(page)
        assert "<script>window" not in page, path


def test_search_text_is_escaped(client, moderator):
    page = client.get('/review/?q="><script>window.__pwned=1</script>').text
    assert_csp_clean(page)
    assert "&#34;&gt;&lt;script&gt;" in page


def test_login_page_is_csp_clean(client):
    assert_csp_clean(client.get("/review/login").text)


@pytest.mark.parametrize("path", ["/review/login", "/review/", "/review/activity"])
def test_security_headers(client, moderator, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    for directive in (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    ):
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize(
    "path, mimetype",
    [("/static/review.css", "text/css"), ("/static/review.js", "text/javascript")],
)
def test_static_files_have_exact_types(client, path, mimetype):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == mimetype
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


# -- unknown keys, per address ------------------------------------------------------------


def test_unknown_api_keys_are_limited_per_address(app, client, site_key):
    limit = app.config["API_BAD_KEYS_PER_MINUTE"] = 5
    client.environ_base["REMOTE_ADDR"] = "203.0.113.66"
    guesses = [
        client.get("/api/v1/comments", headers={"Authorization": f"Bearer mod{n:040x}"})
        for n in range(limit + 2)
    ]
    # A minute boundary may fall among the guesses: the limit is reached either way.
    assert [r.status_code for r in guesses[:limit]].count(401) >= limit - 1
    refused = guesses[-1]
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "unknown keys from your address" in refused.json["detail"]
    # The right key still works from that address, and other addresses still get 401.
    good = {"Authorization": f"Bearer {site_key[1]}"}
    assert client.get("/api/v1/comments", headers=good).status_code == 200
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    bad = {"Authorization": "Bearer modnotakey"}
    assert elsewhere.get("/api/v1/comments", headers=bad).status_code == 401


def test_unknown_akismet_keys_are_limited_per_address(app, client, site_key):
    limit = app.config["API_BAD_KEYS_PER_MINUTE"] = 5
    answers = [
        client.post("/1.1/verify-key", data={"key": f"mod{n:040x}", "blog": "https://blog.example"})
        for n in range(limit + 2)
    ]
    assert answers[0].text == "invalid" and answers[0].status_code == 200
    assert answers[-1].status_code == 429 and "Retry-After" in answers[-1].headers
    valid = client.post(
        "/1.1/verify-key", data={"key": site_key[1], "blog": "https://blog.example"}
    )
    assert valid.text == "valid"


def test_a_missing_key_is_not_counted_as_a_guess(app, client):
    app.config["API_BAD_KEYS_PER_MINUTE"] = 5
    for _ in range(7):
        assert client.get("/api/v1/comments").status_code == 401


def test_a_forwarded_address_from_an_untrusted_proxy_is_ignored_with_a_warning(app, client, caplog):
    from moderator.web import security

    security._warn_untrusted_proxy.cache_clear()
    forwarded = {"X-Forwarded-For": "198.51.100.9"}
    for _ in range(2):
        with app.test_request_context(headers=forwarded, environ_base={"REMOTE_ADDR": "10.0.0.2"}):
            assert security.client_address() == "10.0.0.2"
    warnings = [r for r in caplog.records if "TRUSTED_PROXIES is 0" in r.getMessage()]
    assert len(warnings) == 1
