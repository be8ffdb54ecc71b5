"""What every surface shares for safety: headers, cookies, proxies, the clock, bad keys.

The review page renders comments from strangers. Jinja autoescaping keeps their text
text; the headers are the second wall: only our own script and style files run (no
inline script, no `style` attributes, no event-handler attributes), nothing loads from
elsewhere, forms post only to us, and no other site may frame the page.

The session cookie is `Secure` whenever the request came over HTTPS, directly or through
the operator's TRUSTED_PROXIES (werkzeug's ProxyFix reads their X-Forwarded-* headers;
with none trusted, the headers are ignored, since any client can send them).
"""

from __future__ import annotations

import functools
from datetime import datetime

from flask import Flask, current_app, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from moderator import storage
from moderator.db import get_session

#: The blueprints of the review page, whose requests carry a logged-in session.
SESSION_BLUEPRINTS = ("accounts", "review", "users", "settings", "models_page")

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-src 'none'",
        "frame-ancestors 'none'",
    )
)

#: Browser features the review page never needs.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure on every request that came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Return True when the setting forces it or this request is HTTPS."""
        forced = super().get_cookie_secure(app)
        return forced or (has_request_context() and request.is_secure)


def now() -> datetime:
    """Return the app's idea of the current time (aware UTC; tests move it)."""
    return current_app.extensions["moderator.clock"]()


def client_address() -> str:
    """Return the client's address (the proxies' X-Forwarded-For only when trusted)."""
    if "X-Forwarded-For" in request.headers and not current_app.config["TRUSTED_PROXIES"]:
        _warn_untrusted_proxy()
    return request.remote_addr or ""


@functools.cache
def _warn_untrusted_proxy() -> None:
    """Say once per process that a proxy's client addresses are being ignored."""
    current_app.logger.warning(
        "requests carry X-Forwarded-For but TRUSTED_PROXIES is 0: if a reverse proxy of "
        "yours sets it, every client behind it shares one address (and one login "
        "throttle); set MODERATOR_TRUSTED_PROXIES to the number of proxies"
    )


def unknown_key_retry_after() -> int:
    """Count a request with an unknown key against its address; return the wait (0: none).

    Valid keys are never held back by this, even from the same address: several blogs
    on one shared host keep working when one of them sends a revoked key.
    """
    limit = int(current_app.config["API_BAD_KEYS_PER_MINUTE"])
    if limit <= 0:
        return 0
    bucket = storage.address_bucket("bad-key", client_address())
    return storage.take_request(get_session(), bucket, limit, now().timestamp())


def init_app(app: Flask) -> None:
    """Trust the configured proxies, sign cookies, and add the security headers."""
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    app.session_interface = SessionCookies()

    @app.after_request
    def add_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE") or request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.blueprint in SESSION_BLUEPRINTS:
            # Pages full of e-mail addresses and IPs: keep them out of shared caches.
            headers.setdefault("Cache-Control", "no-store")
        return response
