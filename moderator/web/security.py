"""Response headers that keep attacker-controlled comment text inert in browsers.

The review page renders comments from strangers. Jinja autoescaping keeps their text
text; these headers are the second wall: only our own script and style files run (no
inline script, no `style` attributes, no event-handler attributes), nothing loads from
elsewhere, forms post only to us, and no other site may frame the page.
"""

from __future__ import annotations

from flask import Flask, request

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


def init_app(app: Flask) -> None:
    """Add the security headers to every response."""

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
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.blueprint in ("review", "accounts"):
            # Pages full of e-mail addresses and IPs: keep them out of shared caches.
            headers.setdefault("Cache-Control", "no-store")
        return response
