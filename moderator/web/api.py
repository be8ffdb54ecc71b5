"""API v1: JSON endpoints a blog platform calls with its site key."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request, url_for

from moderator import metrics, notifications, storage
from moderator.core import workflow
from moderator.core.comment import MAX_NESTING, TooDeep, clean_payload
from moderator.core.decision import decide, decide_many
from moderator.core.settings import SettingsError
from moderator.db import get_session
from moderator.storage.schema import CommentRecord, Event, ReplyState, utcnow
from moderator.web.comment_fields import parse_comment
from moderator.web.openapi import EXTERNAL_ID_LIMIT, openapi_document
from moderator.web.params import LARGEST_ID, is_blank, whole_number
from moderator.web.problems import Problem, invalid
from moderator.web.security import unknown_key_retry_after

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# -- request helpers ------------------------------------------------------------------


def require_key(view):
    """Let the view run only with a valid `Authorization: Bearer <site key>`; sets g.site."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise _unauthorized("send the site key as `Authorization: Bearer <key>`")
        site = storage.site_for_key(get_session(), key.strip())
        if site is None:
            retry_after = unknown_key_retry_after()
            if retry_after:
                raise Problem(
                    429,
                    "Too Many Requests",
                    f"too many unknown keys from your address; retry in {retry_after} s",
                    retry_after=retry_after,
                )
            raise _unauthorized("the key is unknown or revoked")
        g.site = site
        g.actor = f"key:{key.strip()[:12]}"
        _rate_limit(g.actor)
        return view(*args, **kwargs)

    return wrapped


def _rate_limit(bucket: str) -> None:
    """Refuse with 429 once a key has used up its requests for this minute."""
    limit = current_app.config["API_RATE_LIMIT_PER_MINUTE"]
    if not limit:
        return
    retry_after = storage.take_request(get_session(), bucket, int(limit), time.time())
    if retry_after:
        raise Problem(
            429,
            "Too Many Requests",
            f"this key may make {limit} requests a minute; retry in {retry_after} s",
            retry_after=retry_after,
        )


def _charge_comments(count: int) -> None:
    """Refuse with 429 when scoring `count` more comments would pass this key's
    API_COMMENTS_PER_MINUTE (nothing is charged then). Batches pay by the comment; a
    request of one comment is held by API_RATE_LIMIT_PER_MINUTE already."""
    limit = current_app.config["API_COMMENTS_PER_MINUTE"]
    if not limit:
        return
    retry_after = storage.take_budget(
        get_session(), f"comments:{g.actor}", int(limit), count, time.time()
    )
    if retry_after:
        raise Problem(
            429,
            "Too Many Requests",
            f"this key may have {limit} comments scored a minute; {count} more would pass "
            f"that: retry in {retry_after} s, or send a smaller batch",
            retry_after=retry_after,
        )


def _unauthorized(detail: str) -> Problem:
    problem = Problem(401, "Unauthorized", detail)
    return problem


def json_body() -> dict:
    """Return the request's JSON object, or raise 415/400/422 problems."""
    if not request.is_json:
        raise Problem(415, "Unsupported Media Type", "send the body as application/json")
    try:
        payload = json.loads(request.get_data())
    except RecursionError as exc:  # deeper than the parser goes: deeper than allowed too
        raise _too_deep(TooDeep("(body)", MAX_NESTING)) from exc
    except ValueError as exc:
        raise Problem(400, "Bad Request", "the body is not valid JSON") from exc
    if not isinstance(payload, dict):
        raise Problem(400, "Bad Request", "the body must be a JSON object")
    try:
        return clean_payload(payload)
    except TooDeep as exc:
        raise _too_deep(exc) from exc


def _too_deep(exc: TooDeep) -> Problem:
    return invalid(
        [
            {
                "field": exc.field,
                "message": f"nests arrays or objects deeper than {exc.limit} levels",
            }
        ],
        detail=f"the body nests arrays or objects deeper than {exc.limit} levels",
    )


def page_limit() -> int:
    """Return the `limit` query parameter, validated."""
    limit = whole_number(request.args.get("limit", "50"))
    if limit is None or not 1 <= limit <= current_app.config["PAGE_LIMIT_MAX"]:
        raise Problem(
            400,
            "Bad Request",
            f"limit must be a whole number from 1 to {current_app.config['PAGE_LIMIT_MAX']}",
        )
    return limit


def flag(name: str) -> bool | None:
    """Return a true/false query parameter, or None when absent."""
    raw = request.args.get(name)
    if raw is None:
        return None
    if raw in ("true", "false"):
        return raw == "true"
    raise Problem(400, "Bad Request", f"{name} must be true or false")


def models(site=None):
    """Return the models a site's comments are decided with: the shared ones, with the
    layers learned from labels on top (`moderator.learning.serving`)."""
    shared = current_app.extensions["moderator.models"]
    if site is None:
        return shared
    return current_app.extensions["moderator.learned"].for_site(site.id, shared)


def count_decision(stored, decision) -> None:
    """Count a newly stored comment's verdict and status for /metrics."""
    if stored.created:
        metrics.verdict(decision.verdict.value, decision.status.value)


def alert_if_urgent(site, stored, decision) -> None:
    """E-mail the author about a newly stored urgent comment (when configured)."""
    if stored.created and decision.urgent:
        notifications.notify_urgent(
            current_app.config,
            site_name=site.name or site.url,
            comment_id=stored.record.id,
            content=stored.record.content,
            reasons=decision.reasons,
            site_addresses=storage.site_settings(site).urgent_email_to,
        )


# -- representations ----------------------------------------------------------------------


def comment_json(record: CommentRecord) -> dict:
    """Return the API form of a stored comment."""
    return {
        "id": record.id,
        "guid": record.guid,
        "external_id": record.external_id,
        "status": record.status,
        "verdict": record.verdict,
        "spam_score": round(record.spam_score, 4),
        "discard": record.discard,
        "needs_reply": record.needs_reply,
        "reply_state": record.reply_state,
        "medical_score": round(record.medical_score, 4),
        "urgent": record.urgent,
        "reasons": record.reasons,
        "model_versions": {
            "spam": record.spam_model_version,
            "medical": record.medical_model_version,
        },
        "content": record.content,
        "author": record.author,
        "author_email": record.author_email,
        "author_url": record.author_url,
        "user_ip": record.user_ip,
        "user_agent": record.user_agent,
        "referrer": record.referrer,
        "permalink": record.permalink,
        "post_title": record.post_title,
        "post_id": record.post_id,
        "parent_id": record.parent_id,
        "comment_type": record.comment_type,
        "replies": [
            {"author": r.author, "content": r.content, "created_at": r.created_at.isoformat()}
            for r in record.replies
        ],
        "created_at": record.created_at.isoformat() if record.created_at else None,
        "received_at": record.received_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
    }


def event_json(event: Event, external_ids: dict[int, str | None]) -> dict:
    """Return the API form of a feed event (`external_ids`: by comment id, for those stored)."""
    external_id = external_ids.get(event.comment_id) if event.comment_id is not None else None
    if external_id is None and isinstance(event.details, dict):
        kept = event.details.get("external_id")  # a deleted comment's, kept in its event
        external_id = kept if isinstance(kept, str) else None
    return {
        "id": str(event.id),
        "comment_id": event.comment_id,
        "external_id": external_id,
        "action": event.action,
        "from": event.from_value,
        "to": event.to_value,
        "actor": event.actor,
        "origin": event.origin,
        "details": event.details,
        "created_at": event.created_at.isoformat(),
    }


# -- endpoints --------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi():
    """Serve the OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())


@bp.post("/comments")
@require_key
def create_comment():
    """Decide a new comment, store it, and answer with the decision (201; 200 if known)."""
    payload = json_body()
    settings = storage.site_settings(g.site)
    comment, errors = parse_comment(payload, honeypot_field=settings.honeypot_field)
    if errors:
        raise invalid(errors)
    session = get_session()
    history = storage.comment_history(session, g.site, comment, settings)
    decision = decide(comment, settings, models(g.site), history)
    try:
        stored = storage.add_comment(session, g.site, comment, decision, raw=payload, actor=g.actor)
    except storage.Conflict as exc:
        raise Problem(409, "Conflict", str(exc)) from exc
    count_decision(stored, decision)
    alert_if_urgent(g.site, stored, decision)
    response = jsonify(comment_json(stored.record))
    response.status_code = 201 if stored.created else 200
    response.headers["Location"] = url_for("api.get_comment", comment_id=stored.record.id)
    return response


@bp.post("/score")
@require_key
def score():
    """Decide up to SCORE_BATCH_LIMIT comments without storing anything."""
    payload = json_body()
    batch = payload.get("comments")
    limit = current_app.config["SCORE_BATCH_LIMIT"]
    if not isinstance(batch, list):
        raise invalid([{"field": "comments", "message": "must be a list of comment objects"}])
    if not 1 <= len(batch) <= limit:
        raise invalid([{"field": "comments", "message": f"must hold 1 to {limit} comments"}])
    settings = storage.site_settings(g.site)
    comments, errors = [], []
    for index, item in enumerate(batch):
        if not isinstance(item, dict):
            errors.append({"field": f"comments[{index}]", "message": "must be an object"})
            continue
        comment, item_errors = parse_comment(
            item, prefix=f"comments[{index}].", honeypot_field=settings.honeypot_field
        )
        errors.extend(item_errors)
        comments.append(comment)
    if errors:
        raise invalid(errors)
    _charge_comments(len(comments))
    histories = storage.comment_histories(get_session(), g.site, comments, settings)
    decisions = decide_many(comments, settings, models(g.site), histories)
    return jsonify({"results": [decision.to_dict() for decision in decisions]})


@bp.get("/comments/<int:comment_id>")
@require_key
def get_comment(comment_id: int):
    """Return one of the site's comments."""
    return jsonify(comment_json(_own_comment(comment_id)))


@bp.get("/comments")
@require_key
def list_comments():
    """Return the site's comments, newest first (or the reply queue with needs_reply=true)."""
    status = request.args.get("status")
    if status is not None and status not in ("approved", "pending", "spam", "trash"):
        raise Problem(400, "Bad Request", "status must be approved, pending, spam or trash")
    needs_reply, limit = flag("needs_reply"), page_limit()
    try:
        page = storage.list_comments(
            get_session(),
            g.site,
            status=status,
            needs_reply=needs_reply,
            cursor=request.args.get("cursor"),
            limit=limit,
        )
    except storage.BadCursor as exc:
        raise Problem(400, "Bad Request", "cursor is not one this API handed out") from exc
    return jsonify(
        {"comments": [comment_json(r) for r in page.items], "next_cursor": page.next_cursor}
    )


@bp.post("/comments/<int:comment_id>/feedback")
@require_key
def feedback(comment_id: int):
    """Record the platform's moderator decision (spam or ham) as a label and a status."""
    payload = json_body()
    label = payload.get("label")
    if label not in ("spam", "ham"):
        raise invalid([{"field": "label", "message": "must be 'spam' or 'ham'"}])
    record = _own_comment(comment_id, for_update=True)
    channel = workflow.API
    storage.record_feedback(
        get_session(),
        record,
        label == "spam",
        actor=g.actor,
        source=channel.source,
        origin=channel.origin,
    )
    return jsonify(comment_json(record))


@bp.post("/comments/<int:comment_id>/reply-state")
@require_key
def reply_state(comment_id: int):
    """Mark a reader's question replied, dismissed, or waiting again."""
    payload = json_body()
    state = payload.get("state")
    allowed = (ReplyState.NEEDS_REPLY, ReplyState.REPLIED, ReplyState.DISMISSED)
    if state not in [s.value for s in allowed]:
        raise invalid(
            [{"field": "state", "message": "must be 'needs_reply', 'replied' or 'dismissed'"}]
        )
    record = _own_comment(comment_id, for_update=True)
    channel = workflow.API
    storage.record_reply_state(
        get_session(),
        record,
        ReplyState(state),
        actor=g.actor,
        source=channel.source,
        origin=channel.origin,
    )
    return jsonify(comment_json(record))


@bp.get("/events")
@require_key
def events():
    """Return the feed of changes made in moderator after the `after` cursor, oldest first."""
    raw_after = request.args.get("after", "0")
    after = whole_number(raw_after)
    if after is None:
        raise Problem(400, "Bad Request", "after must be an event id from an earlier answer")
    rows = storage.events_after(
        get_session(),
        g.site,
        after=after,
        limit=page_limit(),
        include_platform=bool(flag("include_platform")),
        settled_before=utcnow() - timedelta(seconds=current_app.config["EVENTS_SETTLE_SECONDS"]),
    )
    external_ids = storage.external_ids(get_session(), [e.comment_id for e in rows])
    return jsonify(
        {
            "events": [event_json(e, external_ids) for e in rows],
            "next_after": str(rows[-1].id) if rows else raw_after,
        }
    )


@bp.post("/wordpress/changes")
@require_key
def wordpress_change():
    """Follow a change made in wp-admin, as the WordPress bridge reports it.

    The body names the comment by `guid` (the X-akismet-guid moderator answered its
    check with) and/or `external_id` (WordPress's comment ID, remembered for the comment
    on first sight, so the events feed names it), and says what became of it: `status`
    (approved, pending, spam, trash, or deleted for good) and/or `content` (its edited
    text); with both names and neither, it only links them. Labels are written with
    source `wordpress` where the workflow says a move is a judgement (see
    `workflow._platform`), unless `already_reported` says Akismet's submit-spam /
    submit-ham for the same click wrote one. The events have origin `platform`, so the
    feed never sends the change back. 404 when moderator has no such comment (one
    posted before the bridge): the bridge drops the report.
    """
    payload = json_body()
    errors: list[dict] = []
    names = {
        "guid": _named_text(payload, "guid", 36, errors),
        "external_id": _named_text(payload, "external_id", EXTERNAL_ID_LIMIT, errors),
        "content": _named_text(payload, "content", None, errors),
    }
    actor = payload.get("actor", "")
    if not isinstance(actor, str) or len(actor) > 100 or "\x00" in actor:
        errors.append({"field": "actor", "message": "must be text of at most 100 characters"})
        actor = ""
    already_reported = payload.get("already_reported", False)
    if not isinstance(already_reported, bool):
        errors.append({"field": "already_reported", "message": "must be true or false"})
    status = payload.get("status")
    if "status" in payload and status not in storage.PLATFORM_STATUSES:
        allowed = ", ".join(storage.PLATFORM_STATUSES)
        errors.append({"field": "status", "message": f"must be one of {allowed}"})
    if not errors and not (names["guid"] or names["external_id"]):
        errors.append({"field": "guid", "message": "send the guid or the external_id"})
    linking = names["guid"] and names["external_id"]
    if not errors and status is None and names["content"] is None and not linking:
        errors.append({"field": "status", "message": "send a status, a content, or both"})
    if errors:
        raise invalid(errors)
    session = get_session()
    record = storage.platform_comment(
        session, g.site, guid=names["guid"], external_id=names["external_id"]
    )
    if record is None:
        raise Problem(404, "Not Found", "no comment of this site has that guid or external_id")
    try:
        storage.link_external_id(session, record, names["external_id"])
    except storage.Conflict as exc:
        session.rollback()
        raise Problem(409, "Conflict", str(exc)) from exc
    actor = f"wordpress:{actor.strip()}" if actor.strip() else g.actor
    if not storage.record_platform_change(
        session,
        record,
        status=status,
        content=names["content"],
        actor=actor,
        labelled=already_reported is True,
    ):
        return "", 204
    return jsonify(comment_json(record))


@bp.delete("/comments/<int:comment_id>")
@require_key
def delete_comment(comment_id: int):
    """Delete one of the site's comments for good, whatever its status (204)."""
    record = _own_comment(comment_id, for_update=True)
    storage.delete_comment(get_session(), record, actor=g.actor, origin=workflow.API.origin)
    return "", 204


@bp.get("/site/settings")
@require_key
def site_settings():
    """Return the settings of the key's site."""
    return jsonify(storage.site_settings(g.site).to_dict())


@bp.put("/site/settings")
@require_key
def update_site_settings():
    """Replace the settings the body names, keep the others; answer with all of them."""
    payload = json_body()
    try:
        settings = storage.site_settings(g.site).updated(payload)
    except SettingsError as exc:
        raise invalid(
            [{"field": name, "message": message} for name, message in exc.errors],
            detail=f"invalid settings: {exc}",
        ) from exc
    stored = storage.update_site_settings(get_session(), g.site, settings)
    return jsonify(stored.to_dict())


def _named_text(payload: dict, name: str, limit: int | None, errors: list[dict]) -> str | None:
    """Return a field that must hold visible text (an id may be a whole number); None if absent.

    A wrong value adds its error to `errors` (and counts as absent).
    """
    if name not in payload:
        return None
    value = payload[name]
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON Schema's integer: 41.0 is one
    if name == "external_id" and isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value <= LARGEST_ID:
            return str(value)
    elif isinstance(value, str) and not is_blank(value) and "\x00" not in value:
        if limit is None or len(value) <= limit:
            return value if name == "content" else value.strip()
    size = f" of at most {limit} characters" if limit else ""
    errors.append({"field": name, "message": f"must be visible text{size}"})
    return None


def _own_comment(comment_id: int, *, for_update: bool = False) -> CommentRecord:
    try:
        return storage.get_comment(get_session(), g.site, comment_id, for_update=for_update)
    except storage.NotFound as exc:
        raise Problem(404, "Not Found", f"no comment {comment_id} on this site") from exc
