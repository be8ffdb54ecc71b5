"""The OpenAPI 3.1 description of API v1 (a test keeps it in step with the routes)."""

from __future__ import annotations

from moderator.core.comment import MAX_NESTING
from moderator.core.settings import (
    AKISMET_HELD_ANSWERS,
    MAX_COUNT,
    MAX_ENTRIES,
    MAX_ENTRY_LENGTH,
    THRESHOLD_NAMES,
)
from moderator.core.states import EventOrigin
from moderator.storage import FEED_ACTIONS
from moderator.web.params import CONTENT_PATTERN, LARGEST_ID, NO_NUL_PATTERN

#: Limits the API checks (moderator.web.comment_fields reads them from here too).
SHORT_FIELD_LIMIT = 2048
EXTERNAL_ID_LIMIT = 256

_STR = {"type": "string"}
#: An optional text field: null means "not sent".
_TEXT = {"type": ["string", "null"], "maxLength": SHORT_FIELD_LIMIT, "pattern": NO_NUL_PATTERN}
#: An optional platform id: text or a whole number; null means "not sent".
_ID_OR_STR = {**_TEXT, "type": ["string", "integer", "null"]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _problem(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref("Problem")}},
    }


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds until the key may send again",
        "schema": {"type": "integer", "minimum": 1},
    }
}
_ALLOW = {"Allow": {"description": "The methods this path answers", "schema": {"type": "string"}}}

#: What every operation may answer besides its own responses.
_ERRORS = {
    "400": _problem("Malformed request (bad JSON, query parameter or cursor)"),
    "401": _problem("Missing, unknown or revoked key"),
    "413": _problem(
        "Body larger than the configured limit (1 MiB unless configured: room for the "
        "longest comment WordPress accepts, 65,525 characters, however it is escaped)"
    ),
    "405": {**_problem("This path does not answer this method"), "headers": _ALLOW},
    "429": {
        **_problem("The key used up its requests for this minute"),
        "headers": _RETRY_AFTER,
    },
}
#: What an operation with a JSON body may also answer.
_BODY_ERRORS = {
    "415": _problem("Body is not application/json"),
    "422": _problem(
        "Fields failed validation, or the body nests arrays or objects deeper than "
        f"{MAX_NESTING} levels; `errors` lists the fields"
    ),
}
_NO_SUCH_COMMENT = _problem("No such comment on this site")


def _path_id() -> dict:
    return {
        "name": "comment_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }


def _query(name: str, schema: dict, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


_COMMENT_INPUT = {
    "type": "object",
    "required": ["content"],
    "additionalProperties": True,
    "description": (
        "A new comment. Unknown fields are kept in the stored raw payload (arrays and "
        f"objects nested at most {MAX_NESTING} levels deep). Optional fields may be null, "
        "which is the same as not sending them. No text may contain NUL characters."
    ),
    "properties": {
        "content": {
            "type": "string",
            "minLength": 1,
            "pattern": CONTENT_PATTERN,
            "description": "The comment's text: at least one character that is not whitespace.",
        },
        "author": _TEXT,
        "author_email": _TEXT,
        "author_url": _TEXT,
        "user_ip": _TEXT,
        "user_agent": _TEXT,
        "referrer": _TEXT,
        "permalink": _TEXT,
        "post_title": _TEXT,
        "post_id": _ID_OR_STR,
        "parent_id": _ID_OR_STR,
        "external_id": {
            **_ID_OR_STR,
            "maxLength": EXTERNAL_ID_LIMIT,
            "description": "The platform's own id; the same value returns the stored record.",
        },
        "comment_type": _TEXT,
        "language": _TEXT,
        "user_role": {**_TEXT, "description": "`administrator` is always ham."},
        "honeypot": {
            **_TEXT,
            "description": "Value of a hidden trap field. A site whose `honeypot_field` "
            "setting names a field may send that field instead (or as well): its value, "
            "sent as text or a number, counts as this one.",
        },
        "created_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "When it was written (RFC 3339; a time without offset is UTC). "
            "Read back in UTC.",
        },
        "form_rendered_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "When the platform showed the comment form (RFC 3339); with "
            "`submitted_at`, for the site's `min_submit_seconds` rule.",
        },
        "submitted_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "When the reader sent the form (RFC 3339).",
        },
    },
}

_REASON = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": _STR,
        "message": _STR,
        "weight": {"type": "number"},
        "evidence": {"type": "array", "items": _STR},
        "source": _STR,
        "title": {
            "type": "string",
            "description": "A short name to show on its own, e.g. a red flag's "
            "(`chest pain`); only some reasons carry one.",
        },
    },
}

_DECISION = {
    "type": "object",
    "required": [
        "status",
        "verdict",
        "spam_score",
        "discard",
        "needs_reply",
        "medical_score",
        "urgent",
        "reasons",
        "model_versions",
    ],
    "properties": {
        "status": {"enum": ["approved", "pending", "spam", "trash"]},
        "verdict": {"enum": ["ham", "unsure", "spam"]},
        "spam_score": {"type": "number", "minimum": 0, "maximum": 1},
        "discard": {"type": "boolean"},
        "needs_reply": {"type": "boolean"},
        "medical_score": {"type": "number", "minimum": 0, "maximum": 1},
        "urgent": {"type": "boolean"},
        "reasons": {"type": "array", "items": _ref("Reason")},
        "model_versions": {
            "type": "object",
            "properties": {"spam": _STR, "medical": _STR},
        },
    },
}

_COMMENT = {
    "allOf": [
        _ref("Decision"),
        {
            "type": "object",
            "required": ["id", "guid", "reply_state", "content", "received_at"],
            "properties": {
                "id": {"type": "integer"},
                "guid": _STR,
                "external_id": {"type": ["string", "null"]},
                "reply_state": {"enum": ["none", "needs_reply", "replied", "dismissed"]},
                "content": _STR,
                "author": _STR,
                "author_email": _STR,
                "author_url": _STR,
                "user_ip": _STR,
                "user_agent": _STR,
                "referrer": _STR,
                "permalink": _STR,
                "post_title": _STR,
                "post_id": _STR,
                "parent_id": _STR,
                "comment_type": _STR,
                "replies": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"author": _STR, "content": _STR, "created_at": _STR},
                    },
                },
                "created_at": {"type": ["string", "null"], "format": "date-time"},
                "received_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
            },
        },
    ]
}

_EVENT = {
    "type": "object",
    "required": ["id", "action", "created_at"],
    "properties": {
        "id": _STR,
        "comment_id": {"type": ["integer", "null"]},
        "external_id": {
            "type": ["string", "null"],
            "description": "The platform's id of the comment (kept after it was deleted).",
        },
        "action": {
            "enum": list(FEED_ACTIONS),
            "description": "reply_withdrawn: a reply the author took back (Undo); "
            "details.reply_id names it.",
        },
        "from": {"type": ["string", "null"]},
        "to": {"type": ["string", "null"]},
        "actor": _STR,
        "origin": {"enum": [origin.value for origin in EventOrigin]},
        "details": {"type": "object"},
        "created_at": {"type": "string", "format": "date-time"},
    },
}

_COUNT = {"type": "integer", "minimum": 0, "maximum": MAX_COUNT}
_ENTRIES = {
    "type": "array",
    "maxItems": MAX_ENTRIES,
    "items": {"type": "string", "minLength": 1, "maxLength": MAX_ENTRY_LENGTH},
}
_ADDRESS_LIST = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "ips": {**_ENTRIES, "description": "IP addresses or networks in CIDR form"},
        "emails": {**_ENTRIES, "description": "E-mail addresses (compared ignoring case)"},
        "domains": {
            **_ENTRIES,
            "description": "Domains of the e-mail or author URL (subdomains included)",
        },
    },
}
#: Each setting: its schema and what it does (shared by the read and the update).
_SETTINGS = {
    "thresholds": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            name: {"type": "number", "minimum": 0, "maximum": 1} for name in THRESHOLD_NAMES
        },
        "description": "Spam thresholds overriding the model card's; those given must "
        "satisfy unsure <= spam <= discard.",
    },
    "hold_all": {"type": "boolean", "description": "Hold every comment for review."},
    "hold_links_at": {
        **_COUNT,
        "description": "Hold a comment with this many links or more (0: off).",
    },
    "hold_words": {
        **_ENTRIES,
        "description": "Hold a comment with one of these in its content, author, e-mail, "
        "URL, IP or user agent (ignoring case and accents; inside longer words too).",
    },
    "block_words": {**_ENTRIES, "description": "As hold_words, but the comment is spam."},
    "honeypot_field": {
        "type": "string",
        "maxLength": 100,
        "description": "Name of the form's hidden trap field the platform forwards ('' : "
        "only `honeypot`).",
    },
    "min_submit_seconds": {
        **_COUNT,
        "description": "Spam when sent sooner than this after the form was shown (0: off).",
    },
    "duplicate_window_hours": {
        **_COUNT,
        "description": "Spam when the same text (ignoring case, accents and spacing) "
        "arrived on any site within this many hours (0: off).",
    },
    "trust_approved_authors": {
        "type": "boolean",
        "description": "Approve an author (same e-mail and name) approved before, unless "
        "the spam score is over the spam threshold.",
    },
    "max_per_ip_per_hour": {
        **_COUNT,
        "description": "Hold comments from an IP that sent this many in the last hour (0: off).",
    },
    "allow": {**_ADDRESS_LIST, "description": "Always ham."},
    "deny": {**_ADDRESS_LIST, "description": "Always spam."},
    "languages": {
        **_ENTRIES,
        "description": "The blog's languages (en, pt-br...): a comment the platform says is "
        "in another is held.",
    },
    "country": {
        "type": ["string", "null"],
        "maxLength": 2,
        "description": "The blog's country (ISO 3166-1 alpha-2; '' or null: unknown), for "
        "urgent safety numbers.",
    },
    "urgent_email_to": {
        **_ENTRIES,
        "description": "Who is e-mailed at once about each urgent comment on this site (a "
        "reader who may be in danger), through the server's SMTP server; [] : the server's "
        "URGENT_EMAIL_TO.",
    },
    "akismet_held_answer": {
        "enum": list(AKISMET_HELD_ANSWERS),
        "description": "What an Akismet comment-check answers for a held comment: `false` "
        "with X-akismet-error (WordPress holds it), `true` (spam to the client), or "
        "`error` (an error response, which clients treat as hold).",
    },
}

_SITE_SETTINGS = {
    "type": "object",
    "required": list(_SETTINGS),
    "properties": _SETTINGS,
}
_SETTINGS_UPDATE = {
    "type": "object",
    "additionalProperties": False,
    "description": "The settings to replace; those not named keep their values.",
    "properties": _SETTINGS,
}

_PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": _STR,
        "title": _STR,
        "status": {"type": "integer"},
        "detail": _STR,
        "instance": _STR,
        "errors": {
            "type": "array",
            "items": {"type": "object", "properties": {"field": _STR, "message": _STR}},
        },
    },
}


_INFO = {
    "title": "moderator API",
    "version": "1",
    "description": (
        "Comment moderation for blogs: send each new comment, get approve / hold / "
        "spam with a score and the reasons, and medical questions flagged for a reply."
    ),
}


def openapi_document() -> dict:
    """Return the OpenAPI 3.1 document for /api/v1."""
    return {
        "openapi": "3.1.0",
        "info": _INFO,
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"siteKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "CommentInput": _COMMENT_INPUT,
                "Reason": _REASON,
                "Decision": _DECISION,
                "Comment": _COMMENT,
                "Event": _EVENT,
                "SiteSettings": _SITE_SETTINGS,
                "SiteSettingsUpdate": _SETTINGS_UPDATE,
                "Problem": _PROBLEM,
            },
        },
        "paths": _paths(),
    }


def _paths() -> dict:
    """Return the operations, by path (relative to the server's /api/v1)."""
    return {
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "The OpenAPI document"}},
            }
        },
        "/comments": {"post": _create_comment(), "get": _list_comments()},
        "/score": {"post": _score()},
        "/comments/{comment_id}": {"get": _get_comment(), "delete": _delete_comment()},
        "/site/settings": {"get": _get_settings(), "put": _put_settings()},
        "/comments/{comment_id}/feedback": {"post": _feedback()},
        "/comments/{comment_id}/reply-state": {"post": _reply_state()},
        "/events": {"get": _list_events()},
        "/wordpress/changes": {"post": _wordpress_change()},
        **_health_checks(),
    }


#: Where the health checks live: at the root, not under /api/v1.
ROOT_SERVERS = [{"url": "/"}]


def _health_checks() -> dict:
    """Return /healthz and /readyz (served at the root of the host; no key needed)."""
    models = {"type": "object", "additionalProperties": {"type": "string"}}
    alive = _object({"status": {"const": "ok"}, "models": models}, required=["status"])
    reason = _object(
        {
            "reason": {"enum": ["model unavailable", "database unreachable", "migrations pending"]},
            "model": _STR,
        },
        required=["reason"],
    )
    ready = _object(
        {
            "status": {"enum": ["ready", "unavailable"]},
            "models": models,
            "reasons": {"type": "array", "items": reason},
        },
        required=["status", "reasons"],
    )
    return {
        "/healthz": {
            "servers": ROOT_SERVERS,
            "get": {
                "summary": "Liveness: 200 while the process serves requests",
                "description": "Each model's version, or `unavailable` when its file could "
                "not be loaded (comments are then held for review; see /readyz).",
                "security": [],
                "responses": {"200": _answer("Alive", alive)},
            },
        },
        "/readyz": {
            "servers": ROOT_SERVERS,
            "get": {
                "summary": "Readiness: 503 while a model or the database is unavailable, "
                "or migrations are pending",
                "description": "While a model is unavailable every comment is still stored, "
                "but held for review (status pending, reason `model_unavailable`).",
                "security": [],
                "responses": {
                    "200": _answer("Ready", ready),
                    "503": {
                        **_answer("Not ready; `reasons` says why", ready),
                        "headers": {"Retry-After": _RETRY_AFTER["Retry-After"]},
                    },
                },
            },
        },
    }


# -- building blocks of operations -----------------------------------------------------


def _operation(
    summary: str,
    responses: dict,
    *,
    description: str | None = None,
    parameters: list | None = None,
    body: dict | None = None,
) -> dict:
    """Return an operation that needs the site's key and may answer any of _ERRORS."""
    operation = {"summary": summary}
    if description is not None:
        operation["description"] = description
    operation["security"] = [{"siteKey": []}]
    if parameters is not None:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {"required": True, **_json(body)}
    shared = {**_ERRORS, **(_BODY_ERRORS if body else {})}
    # an operation's own description of a shared error (its own limit) wins
    operation["responses"] = {
        **responses,
        **{k: v for k, v in shared.items() if k not in responses},
    }
    return operation


def _object(properties: dict, required: list[str] | None = None) -> dict:
    """Return an object schema (with `required` first, as the document lists it)."""
    schema = {"type": "object"}
    if required is not None:
        schema["required"] = required
    schema["properties"] = properties
    return schema


def _answer(description: str, schema: dict) -> dict:
    """Return a JSON response."""
    return {"description": description, **_json(schema)}


def _page_size() -> dict:
    return _query("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "Page size (50)")


# -- the operations --------------------------------------------------------------------


def _create_comment() -> dict:
    return _operation(
        "Decide and store a new comment",
        {
            "201": _answer("Stored; the decision", _ref("Comment")),
            "200": _answer("Already stored under this external_id", _ref("Comment")),
            "409": _problem("external_id already used for other content"),
        },
        body=_ref("CommentInput"),
    )


def _list_comments() -> dict:
    page = _object(
        {
            "comments": {"type": "array", "items": _ref("Comment")},
            "next_cursor": {"type": ["string", "null"]},
        }
    )
    return _operation(
        "List the site's comments, newest first",
        {"200": _answer("A page", page)},
        description="With needs_reply=true: the reply queue, urgent first, then oldest.",
        parameters=[
            _query(
                "status",
                {"enum": ["approved", "pending", "spam", "trash"]},
                "Only this status",
            ),
            _query("needs_reply", {"type": "boolean"}, "Only (or no) comments awaiting a reply"),
            _query(
                "cursor",
                {"type": "string", "pattern": "^[A-Za-z0-9_-]*$"},
                "next_cursor of the previous page (an opaque token: any other is a 400; "
                "empty: the first page)",
            ),
            _page_size(),
        ],
    )


def _score() -> dict:
    comments = {"type": "array", "minItems": 1, "maxItems": 1000, "items": _ref("CommentInput")}
    results = {"results": {"type": "array", "items": _ref("Decision")}}
    return _operation(
        "Decide up to 1,000 comments without storing them",
        {
            "200": _answer("One decision per comment, in order", _object(results)),
            "413": _problem(
                "Body larger than this endpoint's limit (4 MB unless configured: 1,000 "
                "comments of a real size with their fields)"
            ),
            "429": {
                **_problem(
                    "The key used up its requests, or the comments it may have scored, "
                    "for this minute (20,000 unless configured; a refused batch costs "
                    "nothing)"
                ),
                "headers": _RETRY_AFTER,
            },
        },
        body=_object({"comments": comments}, required=["comments"]),
    )


def _get_comment() -> dict:
    return _operation(
        "One of the site's comments",
        {"200": _answer("The comment", _ref("Comment")), "404": _NO_SUCH_COMMENT},
        parameters=[_path_id()],
    )


def _delete_comment() -> dict:
    return _operation(
        "Delete one of the site's comments for good",
        {"204": {"description": "Deleted, with its labels and replies"}, "404": _NO_SUCH_COMMENT},
        description="Whatever its status. The events feed reports it (`deleted`, with its "
        "external_id).",
        parameters=[_path_id()],
    )


def _get_settings() -> dict:
    return _operation(
        "The site's settings",
        {"200": _answer("Every setting", _ref("SiteSettings"))},
    )


def _put_settings() -> dict:
    return _operation(
        "Change the site's settings",
        {"200": _answer("Every setting, as stored", _ref("SiteSettings"))},
        description="Replaces the settings the body names and keeps the others. An "
        "unknown key or a bad value answers 422 naming it (`errors[].field`), among them "
        "what the schema cannot say: thresholds out of order once merged with the stored "
        "ones, a malformed IP network, e-mail, domain, language or country code, or a "
        "blank entry.",
        body=_ref("SiteSettingsUpdate"),
    )


def _feedback() -> dict:
    return _operation(
        "A moderator's decision made on the platform",
        {"200": _answer("Labelled; status moved", _ref("Comment")), "404": _NO_SUCH_COMMENT},
        parameters=[_path_id()],
        body=_object({"label": {"enum": ["spam", "ham"]}}, required=["label"]),
    )


def _reply_state() -> dict:
    state = {"enum": ["needs_reply", "replied", "dismissed"]}
    return _operation(
        "Mark a reader's question replied, dismissed or waiting",
        {"200": _answer("Updated", _ref("Comment")), "404": _NO_SUCH_COMMENT},
        parameters=[_path_id()],
        body=_object({"state": state}, required=["state"]),
    )


def _wordpress_change() -> dict:
    named = {"type": "string", "minLength": 1, "pattern": CONTENT_PATTERN}
    body = _object(
        {
            "guid": {**named, "maxLength": 36, "description": "The X-akismet-guid of its check"},
            "external_id": {
                "anyOf": [
                    {**named, "maxLength": EXTERNAL_ID_LIMIT},
                    {"type": "integer", "minimum": 0, "maximum": LARGEST_ID},
                ],
                "description": "WordPress's comment ID (remembered on first sight)",
            },
            "status": {"enum": ["approved", "pending", "spam", "trash", "deleted"]},
            "content": {**named, "description": "The comment's edited text"},
            "already_reported": {
                "type": "boolean",
                "description": "Akismet's submit-spam/ham already labelled this click: "
                "move the comment without a second label",
            },
            "actor": {
                "type": "string",
                "maxLength": 100,
                "pattern": NO_NUL_PATTERN,
                "description": "Who clicked in wp-admin",
            },
        }
    )
    # Name the comment, and say what became of it (or name it both ways, only to link).
    body["allOf"] = [
        {"anyOf": [{"required": ["guid"]}, {"required": ["external_id"]}]},
        {
            "anyOf": [
                {"required": ["status"]},
                {"required": ["content"]},
                {"required": ["guid", "external_id"]},
            ]
        },
    ]
    return _operation(
        "A change made in wp-admin, reported by the WordPress bridge",
        {
            "200": _answer("Followed; a judgement is a label from wordpress", _ref("Comment")),
            "204": {"description": "Deleted for good, as in WordPress"},
            "404": _problem("No comment of this site has that guid or external_id"),
            "409": _problem("The external_id belongs to another comment"),
        },
        body=body,
    )


def _list_events() -> dict:
    page = _object({"events": {"type": "array", "items": _ref("Event")}, "next_after": _STR})
    return _operation(
        "Changes made in moderator, for the platform to sync back",
        {"200": _answer("Events, oldest first", page)},
        parameters=[
            _query(
                "after",
                {"type": "integer", "minimum": 0, "maximum": LARGEST_ID},
                "next_after of the previous answer (0, the default: from the start)",
            ),
            _page_size(),
            _query("include_platform", {"type": "boolean"}, "Also the platform's own changes"),
        ],
    )
