"""A local fake SMTP server for the tests of the urgent e-mail (no network leaves)."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _FakeSMTP(socketserver.StreamRequestHandler):
    """Speaks just enough SMTP for smtplib, keeping each message it receives."""

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self._say("220 fake ESMTP")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ")[0].upper()
            if verb == "EHLO":
                self._say("250-fake")
                self._say("250 8BITMIME")
            elif verb in ("HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                self._say("250 ok")
            elif verb == "DATA":
                self._say("354 go on")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.server.received.append(data)
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("502 no")


@contextmanager
def fake_smtp_server() -> Iterator[socketserver.ThreadingTCPServer]:
    """Run a local SMTP server on a free port, recording what it is sent."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _FakeSMTP)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
