"""Delivering webhooks: the signature, the address check, and one POST per attempt.

The contract (the WordPress bridge verifies it, README section Webhooks):

* POST with `Content-Type: application/json` and the headers `Moderator-Webhook-Id`
  (the event id, the same on every retry), `Moderator-Webhook-Timestamp` (Unix seconds
  of this attempt) and `Moderator-Webhook-Signature: v1=<hex HMAC-SHA256 of
  "<timestamp>.<body>" under the site's secret>`, as Stripe and GitHub sign theirs.
* Any 2xx answer is a delivery; anything else, or no answer within the timeout, is
  tried again later with exponential backoff and jitter (`storage.RetryPolicy`).

A site's address is chosen by an admin, but it is still where this server sends
requests from inside the network: only HTTPS, and only to public addresses, unless
WEBHOOK_ALLOW_PRIVATE is set (then loopback and private ranges are allowed, and plain
HTTP to loopback, for a receiver on the same machine and for tests). The host is
resolved once per attempt and the connection made to the address checked, so a DNS
answer that changes in between cannot point the request elsewhere; redirects are not
followed (the answer is a failure); bodies of answers are never read beyond a little.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from moderator import metrics, storage

USER_AGENT = "moderator-webhooks/1"
#: How much of an answer's body is read (to let the connection close cleanly), at most.
ANSWER_READ_LIMIT = 4096
#: Receivers reject a timestamp further than this from their clock (documented for them).
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Return the `Moderator-Webhook-Signature` value of a body sent at `timestamp`."""
    signed = str(int(timestamp)).encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, body: bytes, header: str, now: float) -> bool:
    """Check a signature as a receiver should: fresh timestamp, constant-time compare.

    The Python form of what the WordPress bridge does; tests use it as the receiver.
    """
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, sent, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in header.split(","))


class Refused(ValueError):
    """A webhook address this server will not send to, and why."""


@dataclass(frozen=True)
class Target:
    """Where one attempt goes: the checked address to connect to, and the URL's parts."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def check_url(url: str, *, allow_private: bool) -> None:
    """Raise Refused when an address cannot be a webhook: its form, a literal local host.

    No DNS lookup here (the name may resolve elsewhere later): every attempt checks the
    addresses the name resolves to then.
    """
    _, host, _, _ = _parts(url, allow_private=allow_private)
    if allow_private:
        return
    if host == "localhost" or host.endswith(".localhost"):
        raise Refused(f"{host} is a private or local address")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not ip.is_global:
        raise Refused(f"{host} is a private or local address")


def _parts(url: str, *, allow_private: bool) -> tuple[str, str, int, str]:
    if len(url) > 2048 or any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise Refused("the address is too long or holds spaces or control characters")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.hostname:
        raise Refused("give a full https:// address")
    if parts.username or parts.password:
        raise Refused("the address may not hold a user name or password")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise Refused("the port is not a number from 1 to 65535") from exc
    host = parts.hostname
    if scheme == "http" and not (allow_private and _names_loopback(host)):
        raise Refused("webhooks go over https (plain http only to loopback, when allowed)")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port, path


def _names_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve(url: str, *, allow_private: bool) -> Target:
    """Check an address and resolve its host; raise Refused when it may not be sent to."""
    scheme, host, port, path = _parts(url, allow_private=allow_private)
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"the host {host} does not resolve") from exc
    addresses = [answer[4][0] for answer in answers]
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if not ip.is_global and not allow_private:
            raise Refused(f"{host} resolves to a private or local address ({ip})")
        if scheme == "http" and not ip.is_loopback:
            raise Refused("plain http goes only to loopback")
    return Target(scheme, host, port, path, addresses[0])


@dataclass(frozen=True)
class Answer:
    """How one attempt went: the receiver's status (None: no answer) and why it failed."""

    status: int | None
    error: str = ""

    @property
    def delivered(self) -> bool:
        """Return True when the receiver took the event (any 2xx)."""
        return self.status is not None and 200 <= self.status < 300


def post(
    url: str,
    *,
    event_id: str,
    body: str,
    secret: str,
    timestamp: int,
    timeout: float,
    allow_private: bool,
) -> Answer:
    """POST one event to a webhook address and return how it went (never raises)."""
    try:
        target = resolve(url, allow_private=allow_private)
    except Refused as exc:
        return Answer(None, str(exc))
    raw = body.encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Moderator-Webhook-Id": event_id,
        "Moderator-Webhook-Timestamp": str(timestamp),
        "Moderator-Webhook-Signature": signature(secret, timestamp, raw),
    }
    connection = _connection(target, timeout)
    try:
        connection.request("POST", target.path, body=raw, headers=headers)
        response = connection.getresponse()
        response.read(ANSWER_READ_LIMIT)
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, f"{type(exc).__name__}: {exc}"[:300])
    finally:
        connection.close()
    if 300 <= status < 400:
        return Answer(status, f"answered {status}: redirects are not followed")
    if not 200 <= status < 300:
        return Answer(status, f"answered {status}")
    return Answer(status)


def _connection(target: Target, timeout: float) -> http.client.HTTPConnection:
    """Return a connection to the checked address, with the URL's host for Host and TLS."""
    if target.scheme == "https":
        return _PinnedHTTPS(target, timeout)
    return _PinnedHTTP(target, timeout)


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to the address that was checked, not to whatever the name resolves to now."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def connect(self) -> None:
        """Connect to the checked address."""
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to the checked address, verifying the certificate of the URL's host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self.address = target.address

    def connect(self) -> None:
        """Connect to the checked address and start TLS for the URL's host name."""
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class Settings:
    """How the deliverer behaves (from the app's configuration)."""

    timeout: float = 10.0
    allow_private: bool = False
    batch: int = 20
    policy: storage.RetryPolicy = storage.RetryPolicy()

    @classmethod
    def from_config(cls, config) -> Settings:
        """Read the WEBHOOK_* settings."""
        return cls(
            timeout=float(config["WEBHOOK_TIMEOUT_SECONDS"]),
            allow_private=bool(config["WEBHOOK_ALLOW_PRIVATE"]),
            batch=int(config["WEBHOOK_BATCH"]),
            policy=storage.RetryPolicy(
                first_delay=float(config["WEBHOOK_RETRY_FIRST_SECONDS"]),
                max_delay=float(config["WEBHOOK_RETRY_MAX_SECONDS"]),
                max_attempts=int(config["WEBHOOK_MAX_ATTEMPTS"]),
            ),
        )

    @property
    def lease_seconds(self) -> float:
        """Return how long a claimed batch stays hidden from other deliverers."""
        # Every POST of the batch may take the whole timeout; a margin on top.
        return self.batch * (self.timeout + 1) + 60


def deliver_due(sessions, settings: Settings, clock) -> dict[str, int]:
    """Claim the due deliveries and POST each; return how many were delivered, retried, failed.

    `sessions` opens a database session; `clock` returns the aware UTC time. No
    transaction is open while a receiver is waited for.
    """
    from datetime import timedelta

    outcome = {"delivered": 0, "retry": 0, "failed": 0}
    with sessions() as session:
        claimed = storage.claim(
            session, clock(), lease=timedelta(seconds=settings.lease_seconds), limit=settings.batch
        )
        for delivery in claimed:
            now: datetime = clock()
            answer = post(
                delivery.url,
                event_id=delivery.event_id,
                body=delivery.body,
                secret=delivery.secret,
                timestamp=int(now.timestamp()),
                timeout=settings.timeout,
                allow_private=settings.allow_private,
            )
            if answer.delivered:
                storage.record_delivered(session, delivery.id, answer.status, clock())
                result = "delivered"
            else:
                retry = storage.record_delivery_failure(
                    session,
                    delivery.id,
                    attempts=delivery.attempts,
                    status=answer.status,
                    error=answer.error,
                    now=clock(),
                    policy=settings.policy,
                )
                result = "retry" if retry else "failed"
            outcome[result] += 1
            metrics.webhook_outcome(result)
    return outcome
