"""Watching the service run: a request id, one JSON log line per request, and `/metrics`.

Every request gets an id: a new one, or the caller's `X-Request-Id` when TRUST_REQUEST_ID
says a proxy in front sets it (and it looks like an id). It goes back in the response's
`X-Request-Id` header and into the request's log line, so a user's report, the proxy's
log and ours meet. The line holds the method, the route rule (`/api/v1/comments/<int:
comment_id>`, never the raw path with its query: Akismet clients send keys in it), the
status, the duration and the site's id; never a comment's content, an address or a key.

`/metrics` is Prometheus's text format (see `moderator.metrics`), for a scraper on the
same machine by default, or anywhere with `Authorization: Bearer <METRICS_TOKEN>`.
Anyone else gets 404, as if it were not there.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import re
import sys
import time
import uuid

from flask import Blueprint, Flask, Response, abort, current_app, g, request

from moderator import metrics, storage
from moderator.db import get_session

bp = Blueprint("monitoring", __name__)

REQUEST_ID_HEADER = "X-Request-Id"
#: What a trusted X-Request-Id may look like (anything else gets a new id).
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
#: The route of a request no rule matched (404s): one series, not one per path tried.
UNMATCHED = "<unmatched>"

request_log = logging.getLogger("moderator.requests")


def init_app(app: Flask) -> None:
    """Give every request an id, a metrics sample and a log line; serve /metrics.

    Called before the other surfaces hook in, so a request they refuse early (a body
    too large) is still counted and logged.
    """
    app.before_request(_start)
    app.after_request(_finish)
    app.register_blueprint(bp)
    if app.config["REQUEST_LOG"] and not request_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        request_log.addHandler(handler)
        request_log.setLevel(logging.INFO)
        request_log.propagate = False


def _start() -> None:
    g.request_started = time.perf_counter()
    given = request.headers.get(REQUEST_ID_HEADER, "")
    if current_app.config["TRUST_REQUEST_ID"] and REQUEST_ID.fullmatch(given):
        g.request_id = given
    else:
        g.request_id = uuid.uuid4().hex


def request_id() -> str:
    """Return this request's id (made on first use if no hook ran)."""
    if "request_id" not in g:
        g.request_id = uuid.uuid4().hex
    return g.request_id


def _finish(response: Response) -> Response:
    seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    response.headers[REQUEST_ID_HEADER] = request_id()
    metrics.observe_request(route, request.method, response.status_code, seconds)
    if current_app.config["REQUEST_LOG"]:
        site = g.get("site")
        request_log.info(
            json.dumps(
                {
                    "event": "request",
                    "request_id": request_id(),
                    "method": request.method,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 2),
                    "site_id": getattr(site, "id", None),
                },
                separators=(",", ":"),
            )
        )
    return response


def _may_scrape() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _at_scrape():
    """Yield the gauges read now: queues, urgent comments waiting, deliveries, models."""
    session = get_session()
    sizes = storage.queue_sizes(session)
    yield metrics.gauge(
        "moderator_queue_comments",
        "Comments each site holds, by status (and needs_reply: waiting for the author).",
        ["site_id", "queue"],
        [((str(site), queue), count) for (site, queue), count in sorted(sizes.items())],
    )
    yield metrics.gauge(
        "moderator_urgent_waiting",
        "Urgent comments (a reader who may be in danger) waiting for the author's reply.",
        ["site_id"],
        [((str(site),), count) for site, count in sorted(storage.urgent_waiting(session).items())],
    )
    yield metrics.gauge(
        "moderator_webhook_deliveries",
        "Webhook deliveries in the outbox, by state.",
        ["state"],
        [((state,), count) for state, count in storage.delivery_counts(session).items()],
    )
    models = current_app.extensions["moderator.models"]
    unavailable = {m.name for m in models.unavailable}
    yield metrics.gauge(
        "moderator_model_info",
        "The model this server decides with (1), by name and version.",
        ["model", "version", "available"],
        [
            ((m.name, m.version, "false" if m.name in unavailable else "true"), 1)
            for m in (models.spam, models.medical)
        ],
    )


@bp.get("/metrics")
def metrics_view():
    """Answer Prometheus's scrape: counters of every worker, gauges read now."""
    if not _may_scrape():
        abort(404)
    body = metrics.exposition(lambda: list(_at_scrape()))
    return Response(body, content_type=metrics.CONTENT_TYPE, headers={"Cache-Control": "no-store"})
