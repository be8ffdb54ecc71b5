"""The Akismet API: moderator answers rest.akismet.com's protocol, so a blog switches by host.

Form-encoded requests in, `text/plain` answers out. A comment-check is decided and
stored exactly as POST /api/v1/comments does (origin "akismet"); submit-spam and
submit-ham become labels on the comment they report. The account calls the WordPress
plugin's settings page makes (test, get-subscription, get-stats, deactivate) answer for
a self-hosted instance: always active, never limited, stats from moderator's own counts.

Two things Akismet's protocol leaves open, and what moderator does:

* **Comments held for review.** Akismet only answers `true` (spam) or `false`. A comment
  moderator holds (verdict unsure, or a site that holds everything) is answered `false`
  with an `X-akismet-error` header. WordPress then keeps it in its moderation queue:
  never published unreviewed, and never in the spam folder that empties itself after
  15 days. Clients that read only the body see "not spam" and may publish it; a site
  whose clients do can set `akismet_held_answer` to `error` (a 503 those clients take as
  a failed check, and hold) or `true` (spam).
* **The `blog` parameter.** A key belongs to one site. A `blog` naming another
  registered site is `invalid` (its comments would land in another blog's queue); a
  `blog` that matches no registered site (a staging copy, an alias domain) is accepted
  for the key's own site, with an `X-moderator-note` header saying so.
"""

from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from moderator import storage
from moderator.core import workflow
from moderator.core.comment import Comment
from moderator.core.decision import decide
from moderator.core.settings import SiteSettings
from moderator.db import get_session
from moderator.storage.schema import CommentOrigin, CommentRecord, Site, Status
from moderator.web import api
from moderator.web.akismet_form import (
    TRUE_VALUES,
    Refusal,
    is_test,
    raw_payload,
    read_fields,
    text,
    to_comment,
)
from moderator.web.params import whole_number
from moderator.web.security import unknown_key_retry_after

bp = Blueprint("akismet", __name__)

THANKS = "Thanks for making the web a better place."
#: What the account calls tell the plugin's settings page about a self-hosted instance.
ACCOUNT_NAME = "moderator (self-hosted, no usage limit)"
ACCOUNT_TYPE = "self-hosted"
#: The periods the plugin's stats widgets ask for (`from`); anything else is "all".
STATS_PERIODS = ("60-days", "6-months", "all")

#: A key as the first label of the Host header (the legacy `<key>.rest.akismet.com` form).
KEY_IN_HOST = re.compile(rf"{storage.KEY_PREFIX}[0-9a-f]{{40}}")
HEADER_TEXT_LIMIT = 300


# -- keys and sites ---------------------------------------------------------------------


def key_site(fields: dict, *names: str) -> tuple[Site, str]:
    """Return the site of the key sent in the first of `names`, or in the Host header."""
    key = next((text(fields, n).strip().lower() for n in names if text(fields, n).strip()), "")
    if not key:
        label = request.host.partition(":")[0].split(".")[0].lower()
        key = label if KEY_IN_HOST.fullmatch(label) else ""
    if not key:
        raise Refusal(f'Empty "{names[0]}" value')
    site = storage.site_for_key(get_session(), key)
    if site is None:
        retry_after = unknown_key_retry_after()
        if retry_after:
            raise _too_many(
                f"too many unknown keys from your address; retry in {retry_after} s", retry_after
            )
        raise Refusal("the key is unknown or revoked")
    _rate_limit(key)
    return site, key


def _rate_limit(key: str) -> None:
    """Refuse with 429 once the key has used up its minute (shared with API v1).

    WordPress holds a comment whose check failed for moderation and retries later.
    """
    limit = current_app.config["API_RATE_LIMIT_PER_MINUTE"]
    if not limit:
        return
    retry_after = storage.take_request(get_session(), f"key:{key[:12]}", int(limit), time.time())
    if retry_after:
        raise _too_many(
            f"this key may make {limit} requests a minute; retry in {retry_after} s", retry_after
        )


def _too_many(reason: str, retry_after: int) -> Refusal:
    """Return the refusal of a rate-limited request: 429 with Retry-After."""
    return Refusal(
        reason,
        "Too Many Requests",
        429,
        {"Retry-After": str(retry_after), "X-akismet-error": "rate-limited"},
    )


def blog_note(fields: dict, site: Site) -> str | None:
    """Check `blog` against the key's site; return a note when it names no registered site."""
    blog = text(fields, "blog").strip()
    if not blog:
        raise Refusal('Empty "blog" value')
    named = storage.site_by_url(get_session(), blog)
    if named is None:
        return f"blog {blog} is not registered; its comments are kept under {site.url}"
    if named.id != site.id:
        raise Refusal(f"this key belongs to {site.url}, not to {blog}")
    return None


def actor(key: str, fields: dict) -> str:
    """Return who acted: the reporting WordPress user when sent, else the key's prefix."""
    reporter = text(fields, "reporter").strip()
    return f"akismet:{reporter[:100]}" if reporter else f"key:{key[:12]}"


# -- answers ----------------------------------------------------------------------------


def plain(body: str, status: int = 200, headers: dict | None = None) -> Response:
    """Return a text/plain answer; header values are made safe for the wire."""
    response = Response(body, status=status, mimetype="text/plain")
    for name, value in (headers or {}).items():
        if value is not None:
            response.headers[name] = _header_text(value)
    return response


def _header_text(value: str) -> str:
    cleaned = "".join(c if " " <= c <= "~" else "?" for c in str(value))
    return cleaned[:HEADER_TEXT_LIMIT]


def check_answer(record: CommentRecord, note: str | None, held_answer: str = "false") -> Response:
    """Answer a comment-check from the stored comment: `true` spam, `false` otherwise.

    A held comment is answered as the site's `akismet_held_answer` says: `false` with
    X-akismet-error (WordPress holds it), `true` (the client files it as spam), or
    `error`: a 503 whose body is neither `true` nor `false`, which clients take as a
    failed check and hold the comment (WordPress does, and rechecks it later: the recheck
    gets the same answer until a moderator decides).
    """
    headers = {
        "X-akismet-guid": record.guid,
        "X-moderator-status": record.status,
        "X-moderator-verdict": record.verdict,
        "X-moderator-spam-score": f"{record.spam_score:.4f}",
        "X-moderator-note": note,
        "X-moderator-id": str(record.id),
    }
    if record.urgent:
        # The WordPress bridge holds an urgent comment and puts this reason first.
        headers["X-moderator-urgent"] = "true"
        headers["X-moderator-urgent-reason"] = urgent_reason(record)
    if record.status in (Status.SPAM, Status.TRASH):
        if record.discard:
            headers["X-akismet-pro-tip"] = "discard"
        return plain("true", headers=headers)
    if record.status == Status.PENDING:
        # WordPress holds a comment whose answer carries X-akismet-error for moderation.
        headers["X-akismet-error"] = "held-for-review"
        if held_answer == "true":
            return plain("true", headers=headers)
        if held_answer == "error":
            return plain("held-for-review", 503, headers=headers)
    return plain("false", headers=headers)


def urgent_reason(record: CommentRecord) -> str:
    """Return why a comment is urgent in one line: its first red flag's message."""
    reasons = record.reason_values
    flagged = [r for r in reasons if r.code == "red_flag"] or list(reasons)
    return flagged[0].message if flagged else "a reader may need help urgently"


@bp.errorhandler(Refusal)
def refused(refusal: Refusal):
    """Answer a refused request the way Akismet does: a short body and the reason."""
    return plain(
        refusal.body, refusal.status, {"X-akismet-debug-help": refusal.reason, **refusal.headers}
    )


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Keep HTTP errors (a body over MAX_BODY_BYTES ...) in Akismet's text/plain form."""
    return plain(
        error.name,
        error.code or 500,
        {"X-akismet-debug-help": error.description, "X-akismet-error": error.name},
    )


# -- endpoints --------------------------------------------------------------------------


@bp.route("/1.1/verify-key", methods=["GET", "POST"])
def verify_key():
    """Answer `valid` for an unrevoked key whose `blog` is acceptable, else `invalid`."""
    fields = read_fields()
    site, _ = key_site(fields, "key", "api_key")
    return plain("valid", headers={"X-moderator-note": blog_note(fields, site)})


@bp.post("/1.1/comment-check")
def comment_check():
    """Decide and store a comment; answer `true` for spam, `false` otherwise."""
    fields = read_fields()
    site, key = key_site(fields, "api_key")
    note = blog_note(fields, site)
    if not text(fields, "user_ip").strip():
        raise Refusal("Missing required field: user_ip.")
    settings = storage.site_settings(site)
    comment = to_comment(fields)
    trap = settings.honeypot_field
    if trap and not comment.honeypot.strip() and text(fields, trap).strip():
        comment = replace(comment, honeypot=text(fields, trap))
    record = _rechecked(site, fields, comment) or _store(site, key, fields, comment, settings)
    return check_answer(record, note, settings.akismet_held_answer)


@bp.post("/1.1/submit-spam")
def submit_spam():
    """Record that a comment is spam (a missed spam when moderator let it through)."""
    return _report(is_spam=True)


@bp.post("/1.1/submit-ham")
def submit_ham():
    """Record that a comment is genuine (a false positive when moderator held it).

    WordPress sends it on "Not spam" and puts the comment back in Pending; the workflow
    does the same here (see `workflow.GENUINE_STATUS`).
    """
    return _report(is_spam=False)


@bp.route("/1.2/usage-limit", methods=["GET", "POST"])
def usage_limit():
    """Report this month's checks; a self-hosted instance has no limit."""
    fields = read_fields()
    site, _ = key_site(fields, "api_key")
    usage = storage.akismet_usage(get_session(), site, *month_bounds(_this_month()))
    body = {"limit": "none", "usage": usage.api_calls, "percentage": "0.00", "throttled": False}
    if text(fields, "extended").strip().lower() in TRUE_VALUES:
        body.update(notice_level="NOTICE_NONE", upgrade=False)
    return jsonify(body)


@bp.route("/1.2/key-sites", methods=["GET", "POST"])
def key_sites():
    """Report the key's site and its month of traffic, as JSON or CSV."""
    fields = read_fields()
    site, key = key_site(fields, "api_key")
    month = text(fields, "month").strip() or _this_month()
    output = text(fields, "format").strip().lower() or "json"
    if output not in ("json", "csv"):
        raise Refusal("format must be json or csv", "invalid parameter", 400)
    limit, offset = _whole(fields, "limit", 500), _whole(fields, "offset", 0)
    usage = storage.akismet_usage(get_session(), site, *month_bounds(month))
    name = _site_name(site)
    row = {
        "site": name,
        "api_calls": usage.api_calls,
        "spam": usage.spam,
        "ham": usage.ham,
        "missed_spam": usage.missed_spam,
        "false_positives": usage.false_positives,
        "is_revoked": False,
    }
    rows = [row] if text(fields, "filter").strip().lower() in name.lower() else []
    total, rows = len(rows), rows[offset : offset + limit]
    if output == "json":
        return jsonify({month: rows, "limit": limit, "offset": offset, "total": total})
    out = io.StringIO()
    out.write(
        f"Active sites for {key[:12]} during {month} "
        f"(limit:{limit}, offset: {offset}, total: {total})\n"
    )
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["Site", "Total API Calls", "Spam", "Ham", "Missed Spam", "False Positives", "Is Revoked"]
    )
    for r in rows:
        writer.writerow(
            [r["site"], r["api_calls"], r["spam"], r["ham"], r["missed_spam"]]
            + [r["false_positives"], "false"]
        )
    return Response(out.getvalue(), mimetype="text/csv")


@bp.route("/1.1/test", methods=["GET", "POST"])
def connection_test():
    """Answer `connected`: the plugin's connectivity check, made without a key."""
    return plain("connected")


@bp.post("/1.1/get-subscription")
def get_subscription():
    """Describe the key's account as the plugin's settings page reads it.

    Always active and never limited: a self-hosted instance has no plan, no bill and no
    quota, and the fields the plugin shows say so.
    """
    fields = read_fields()
    site, _ = key_site(fields, "key", "api_key")
    note = blog_note(fields, site)
    usage = storage.akismet_usage(get_session(), site, *month_bounds(_this_month()))
    account = {
        "account_id": site.id,
        "account_name": ACCOUNT_NAME,
        "account_type": ACCOUNT_TYPE,
        "status": "active",
        "next_billing_date": None,
        "limit_reached": False,
        "usage_limit": "none",
        "usage": usage.api_calls,
    }
    response = jsonify(account)
    if note:
        response.headers["X-moderator-note"] = _header_text(note)
    return response


@bp.post("/1.1/get-stats")
def get_stats():
    """Summarise the key's site over `from` (60-days, 6-months or all), month by month.

    Counts are moderator's own: checks answered spam and not spam, and the spam and
    genuine reports received. `time_saved` is 0: moderator does not measure it.
    """
    fields = read_fields()
    site, _ = key_site(fields, "key", "api_key")
    note = blog_note(fields, site)
    period = text(fields, "from").strip()
    end = datetime.now(UTC)
    start = _stats_start(site, period if period in STATS_PERIODS else "all", end)
    months = storage.akismet_months(get_session(), site, start, end)
    totals = {
        name: sum(getattr(usage, name) for _, usage in months)
        for name in ("spam", "ham", "missed_spam", "false_positives")
    }
    checks = totals["spam"] + totals["ham"]
    wrong = min(checks, totals["missed_spam"] + totals["false_positives"])
    body = {
        **totals,
        "accuracy": round(100 * (checks - wrong) / checks, 2) if checks else 0,
        "time_saved": 0,
        "breakdown": {
            month: {
                "spam": usage.spam,
                "ham": usage.ham,
                "missed_spam": usage.missed_spam,
                "false_positives": usage.false_positives,
                "da": month,
            }
            for month, usage in months
        },
    }
    response = jsonify(body)
    if note:
        response.headers["X-moderator-note"] = _header_text(note)
    return response


@bp.post("/1.1/deactivate")
def deactivate():
    """Answer `deactivated` when the plugin is switched off; moderator keeps the key."""
    fields = read_fields()
    site, _ = key_site(fields, "key", "api_key")
    return plain("deactivated", headers={"X-moderator-note": blog_note(fields, site)})


# -- helpers of the endpoints -----------------------------------------------------------


def _store(
    site: Site, key: str, fields: dict, comment: Comment, settings: SiteSettings
) -> CommentRecord:
    history = storage.comment_history(get_session(), site, comment, settings)
    decision = decide(comment, settings, api.models(site), history)
    stored = storage.add_comment(
        get_session(),
        site,
        comment,
        decision,
        raw=raw_payload(fields),
        actor=actor(key, fields),
        is_test=is_test(fields),
        origin=CommentOrigin.AKISMET,
    )
    api.count_decision(stored, decision)
    api.alert_if_urgent(site, stored, decision)
    return stored.record


def _rechecked(site: Site, fields: dict, comment: Comment) -> CommentRecord | None:
    """Return the stored comment a recheck is about, so the current ruling is repeated.

    WordPress's "Check for spam" re-sends held comments with `recheck_reason`; storing
    them again would queue duplicates, and a moderator's decision should win.
    """
    if not text(fields, "recheck_reason").strip() or not comment.content:
        return None
    session = get_session()
    record = storage.find_comment(session, site, comment)
    # A recheck sends WordPress's comment_ID: remember it, so the events feed names it.
    wordpress_id = text(fields, "comment_ID").strip()
    if record is not None and wordpress_id.isdigit():
        try:
            if storage.link_external_id(session, record, wordpress_id):
                session.commit()
        except storage.Conflict:
            session.rollback()
    return record


def _reported(site: Site, fields: dict, comment: Comment) -> CommentRecord | None:
    """Return the comment a submit-* is about: by guid when sent, else the same comment."""
    session = get_session()
    guid = (text(fields, "guid") or text(fields, "akismet_guid")).strip()
    if guid:
        record = storage.comment_by_guid(session, site, guid)
        if record is not None:
            return record
    return storage.find_comment(session, site, comment)


def _report(is_spam: bool) -> Response:
    fields = read_fields()
    site, key = key_site(fields, "api_key")
    note = blog_note(fields, site)
    comment = to_comment(fields)
    record = _reported(site, fields, comment) or _store(
        site, key, fields, comment, storage.site_settings(site)
    )
    # A test report may move the comment but must not become a training label.
    storage.record_feedback(
        get_session(),
        record,
        is_spam,
        actor=actor(key, fields),
        source=workflow.AKISMET.source,
        origin=workflow.AKISMET.origin,
        test=is_test(fields),
    )
    return plain(THANKS, headers={"X-akismet-guid": record.guid, "X-moderator-note": note})


def _stats_start(site: Site, period: str, end: datetime) -> datetime:
    """Return where a stats period starts: 60 days back, 6 calendar months, or the site's start."""
    if period == "60-days":
        return end - timedelta(days=60)
    if period == "6-months":
        year, month = end.year, end.month - 5
        if month < 1:
            year, month = year - 1, month + 12
        return datetime(year, month, 1, tzinfo=UTC)
    created = site.created_at
    created = created if created.tzinfo else created.replace(tzinfo=UTC)
    return min(created, end)


def _this_month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """Return the first instant of a `YYYY-MM` month and of the next one, in UTC."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", month)
    if not match or not 1 <= int(match[1]) <= 9998 or not 1 <= int(match[2]) <= 12:
        raise Refusal("month must be YYYY-MM", "invalid parameter", 400)
    year, number = int(match[1]), int(match[2])
    start = datetime(year, number, 1, tzinfo=UTC)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    return start, end


def _whole(fields: dict, name: str, default: int) -> int:
    raw = text(fields, name).strip()
    if not raw:
        return default
    value = whole_number(raw)
    if value is None:
        raise Refusal(f"{name} must be a whole number", "invalid parameter", 400)
    return value


def _site_name(site: Site) -> str:
    """Return a site as Akismet lists it: host and path, no scheme."""
    parts = urlsplit(site.url)
    return (parts.netloc + parts.path).rstrip("/") or site.url
