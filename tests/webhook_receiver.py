"""A local webhook receiver for the tests (http.server on loopback; no network leaves).

It keeps every request it gets and answers each with the next status of a script
(200 by default, or a redirect to check it is not followed), as a platform would.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Received:
    """One request the receiver got: path, headers (lower-case names) and raw body."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What a running receiver got, and how it answers."""

    url: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0

    def ids(self) -> list[str]:
        """Return the Moderator-Webhook-Id of each request, in order."""
        return [r.headers.get("moderator-webhook-id", "") for r in self.received]


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        receiver: Receiver = self.server.receiver
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if receiver.delay:
            threading.Event().wait(receiver.delay)
        headers = {name.lower(): value for name, value in self.headers.items()}
        receiver.received.append(Received(self.path, headers, body))
        status = receiver.statuses.pop(0) if receiver.statuses else 200
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", "/elsewhere")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        """Keep the test output quiet."""


@contextmanager
def webhook_receiver(path: str = "/hooks/moderator") -> Iterator[Receiver]:
    """Run a receiver on a free loopback port; yield it; stop it afterwards."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.receiver = Receiver(f"http://127.0.0.1:{server.server_address[1]}{path}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.receiver
    finally:
        server.shutdown()
        server.server_close()
