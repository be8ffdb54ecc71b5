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


def init_app(app: Flask) -> None:
    """Check every streamed request body against MAX_CONTENT_LENGTH before its view runs."""

    @app.before_request
    def limit_streamed_bodies() -> None:
        read_streamed_body(int(app.config["MAX_CONTENT_LENGTH"]))
