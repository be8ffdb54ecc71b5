"""Body limits hold for streamed (chunked) bodies as for bodies with a Content-Length."""

from __future__ import annotations

import io
import json

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app

from tests.stubs import stub_models

BLOG = "https://blog.example"


@pytest.fixture(scope="module")
def models():
    """Stub models: these tests are about bodies (overrides the shipped ones)."""
    return stub_models()


def chunked(app, path: str, body: bytes, content_type: str, headers: dict | None = None):
    """Send `body` as a WSGI server hands over a chunked request: no length, a terminated
    stream; return (status code, headers, body)."""
    environ = EnvironBuilder(
        path=path,
        method="POST",
        headers={**(headers or {}), "Content-Type": content_type, "Transfer-Encoding": "chunked"},
    ).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["wsgi.input_terminated"] = True
    answer, status, response_headers = run_wsgi_app(app, environ, buffered=True)
    return int(status.split()[0]), response_headers, b"".join(answer)


def _comment(size: int) -> bytes:
    return json.dumps({"content": "x" * size}).encode()


def _akismet(key: str, size: int) -> bytes:
    return f"api_key={key}&blog={BLOG}&user_ip=203.0.113.7&comment_content={'x' * size}".encode()


def test_a_chunked_json_body_over_the_limit_is_413_and_nothing_is_stored(app, auth, session):
    from moderator.storage.schema import CommentRecord

    limit = app.config["MAX_BODY_BYTES"]
    status, headers, body = chunked(
        app, "/api/v1/comments", _comment(limit + 6000), "application/json", auth
    )
    assert status == 413 and headers["Content-Type"] == "application/problem+json"
    assert json.loads(body)["detail"] == f"the request body is larger than {limit} bytes"
    assert session.query(CommentRecord).count() == 0


def test_a_chunked_json_body_within_the_limit_is_read_whole(app, auth):
    size = app.config["MAX_BODY_BYTES"] - 100
    status, _, body = chunked(app, "/api/v1/comments", _comment(size), "application/json", auth)
    assert status == 201 and len(json.loads(body)["content"]) == size


@pytest.mark.parametrize("path", ["/1.1/comment-check", "/1.1/submit-spam", "/1.1/verify-key"])
def test_a_chunked_akismet_form_over_the_limit_is_413_in_plain_text(app, site_key, session, path):
    from moderator.storage.schema import CommentRecord

    form = _akismet(site_key[1], app.config["MAX_BODY_BYTES"] + 5000)
    status, headers, _ = chunked(app, path, form, "application/x-www-form-urlencoded")
    assert status == 413 and headers["Content-Type"].startswith("text/plain")
    assert headers["X-akismet-error"]
    assert session.query(CommentRecord).count() == 0


def test_a_chunked_akismet_form_within_the_limit_keeps_all_its_content(app, site_key, session):
    from moderator.storage.schema import CommentRecord

    size = app.config["MAX_BODY_BYTES"] - 200
    form = _akismet(site_key[1], size)
    status, _, body = chunked(app, "/1.1/comment-check", form, "application/x-www-form-urlencoded")
    assert status == 200 and body in (b"true", b"false")
    assert len(session.query(CommentRecord).one().content) == size


def test_a_body_exactly_at_the_limit_passes(app, auth):
    limit = app.config["MAX_BODY_BYTES"]
    body = _comment(0)[:-1] + b" " * (limit - len(_comment(0))) + b"}"
    assert len(body) == limit
    status, _, _ = chunked(app, "/api/v1/comments", body, "application/json", auth)
    assert status == 422  # read whole and parsed (empty content), not refused for size


#: The longest comment WordPress accepts (wp_get_comment_fields_max_lengths), in the
#: character that takes the most bytes to send: 4 in UTF-8, 12 escaped.
LONGEST_WORDPRESS_COMMENT = "😀" * 65_525


def test_the_longest_comment_wordpress_accepts_is_accepted_however_it_is_escaped(
    client, auth, site_key
):
    from urllib.parse import quote

    escaped = json.dumps({"content": LONGEST_WORDPRESS_COMMENT, "author": "Ann"})  # \\ud83d...
    assert len(escaped) > 12 * 65_525
    response = client.post(
        "/api/v1/comments", data=escaped, content_type="application/json", headers=auth
    )
    assert response.status_code == 201, response.status_code
    assert response.get_json()["content"] == LONGEST_WORDPRESS_COMMENT
    form = (
        f"api_key={site_key[1]}&blog={BLOG}&user_ip=203.0.113.7&comment_author=Ann"
        f"&comment_content={quote(LONGEST_WORDPRESS_COMMENT)}"
    )
    answer = client.post(
        "/1.1/comment-check", data=form, content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200 and answer.text in ("true", "false")
