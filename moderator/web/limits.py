"""Request body limits that hold for streamed bodies too.

Flask refuses a body whose Content-Length is over MAX_CONTENT_LENGTH, but a body sent
with `Transfer-Encoding: chunked` has no length up front, and Werkzeug reads such a
stream up to the limit and stops there without an error: the request went on with its
body cut. Here a streamed body is read whole before any view, up to one byte past the
limit; over it, the request is refused with 413 (as problem JSON under /api/, in
Akismet's text/plain form on its endpoints); within it, the view reads it as if it had
come with its length.
"""

from __future__ import annotations

import io

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

#: How much of a streamed body is read at a time.
CHUNK = 64 * 1024


def read_streamed_body(limit: int) -> None:
    """Read a streamed (length-less) body of this request, refusing it past `limit` bytes."""
    environ = request.environ
    if request.content_length is not None:  # None when chunked, whatever else is sent
        return  # Werkzeug checks a declared length itself
    if not environ.get("wsgi.input_terminated"):
        return  # the server does not say where the body ends: Werkzeug reads none of it
    stream = environ["wsgi.input"]
    body, size = [], 0
    while size <= limit:
        chunk = stream.read(min(CHUNK, limit + 1 - size))
        if not chunk:
            break
        body.append(chunk)
        size += len(chunk)
    if size > limit:
        raise RequestEntityTooLarge()
    environ["wsgi.input"] = io.BytesIO(b"".join(body))
    environ["CONTENT_LENGTH"] = str(size)
    environ.pop("HTTP_TRANSFER_ENCODING", None)


#: Endpoints whose body may be larger than MAX_CONTENT_LENGTH, and the setting that says
#: how large: a batch of SCORE_BATCH_LIMIT comments does not fit one comment's limit.
LARGER_BODIES = {"api.score": "SCORE_BODY_BYTES"}


def body_limit(app: Flask) -> int:
    """Return the largest body this request may send, in bytes."""
    setting = LARGER_BODIES.get(request.endpoint or "")
    return int(app.config[setting if setting else "MAX_CONTENT_LENGTH"])


def init_app(app: Flask) -> None:
    """Hold every request body, streamed ones too, to its endpoint's limit before its view runs."""

    @app.before_request
    def limit_bodies() -> None:
        limit = body_limit(app)
        request.max_content_length = limit
        read_streamed_body(limit)
