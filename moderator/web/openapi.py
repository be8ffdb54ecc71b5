"""The OpenAPI 3.1 description of API v1 (a test keeps it in step with the routes)."""

from __future__ import annotations

from moderator.storage import FEED_ACTIONS

_STR = {"type": "string"}
_ID_OR_STR = {"type": ["string", "integer"]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _problem(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref("Problem")}},
    }


_ERRORS = {
    "400": _problem("Malformed request (bad JSON, query parameter or cursor)"),
    "401": _problem("Missing, unknown or revoked key"),
    "413": _problem("Body larger than the configured limit"),
    "415": _problem("Body is not application/json"),
    "422": _problem("Fields failed validation; `errors` lists them"),
}


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
    "description": "A new comment. Unknown fields are kept in the stored raw payload.",
    "properties": {
        "content": {"type": "string", "minLength": 1},
        "author": _STR,
        "author_email": _STR,
        "author_url": _STR,
        "user_ip": _STR,
        "user_agent": _STR,
        "referrer": _STR,
        "permalink": _STR,
        "post_title": _STR,
        "post_id": _ID_OR_STR,
        "parent_id": _ID_OR_STR,
        "external_id": {
            "type": ["string", "integer"],
            "description": "The platform's own id; the same value returns the stored record.",
        },
        "comment_type": _STR,
        "language": _STR,
        "user_role": {"type": "string", "description": "`administrator` is always ham."},
        "honeypot": {"type": "string", "description": "Value of a hidden trap field."},
        "created_at": {"type": "string", "format": "date-time"},
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
        "action": {
            "enum": list(FEED_ACTIONS),
            "description": "reply_withdrawn: a reply the author took back (Undo); "
            "details.reply_id names it.",
        },
        "from": {"type": ["string", "null"]},
        "to": {"type": ["string", "null"]},
        "actor": _STR,
        "origin": {"enum": ["platform", "moderator", "system"]},
        "details": {"type": "object"},
        "created_at": {"type": "string", "format": "date-time"},
    },
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


def openapi_document() -> dict:
    """Return the OpenAPI 3.1 document for /api/v1."""
    secured = [{"siteKey": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "moderator API",
            "version": "1",
            "description": (
                "Comment moderation for blogs: send each new comment, get approve / hold / "
                "spam with a score and the reasons, and medical questions flagged for a reply."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"siteKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "CommentInput": _COMMENT_INPUT,
                "Reason": _REASON,
                "Decision": _DECISION,
                "Comment": _COMMENT,
                "Event": _EVENT,
                "Problem": _PROBLEM,
            },
        },
        "paths": {
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": {"description": "The OpenAPI document"}},
                }
            },
            "/comments": {
                "post": {
                    "summary": "Decide and store a new comment",
                    "security": secured,
                    "requestBody": {"required": True, **_json(_ref("CommentInput"))},
                    "responses": {
                        "201": {"description": "Stored; the decision", **_json(_ref("Comment"))},
                        "200": {
                            "description": "Already stored under this external_id",
                            **_json(_ref("Comment")),
                        },
                        "409": _problem("external_id already used for other content"),
                        **_ERRORS,
                    },
                },
                "get": {
                    "summary": "List the site's comments, newest first",
                    "description": (
                        "With needs_reply=true: the reply queue, urgent first, then oldest."
                    ),
                    "security": secured,
                    "parameters": [
                        _query(
                            "status",
                            {"enum": ["approved", "pending", "spam", "trash"]},
                            "Only this status",
                        ),
                        _query(
                            "needs_reply",
                            {"type": "boolean"},
                            "Only (or no) comments awaiting a reply",
                        ),
                        _query("cursor", _STR, "next_cursor of the previous page"),
                        _query(
                            "limit",
                            {"type": "integer", "minimum": 1, "maximum": 200},
                            "Page size (50)",
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "A page",
                            **_json(
                                {
                                    "type": "object",
                                    "properties": {
                                        "comments": {"type": "array", "items": _ref("Comment")},
                                        "next_cursor": {"type": ["string", "null"]},
                                    },
                                }
                            ),
                        },
                        **_ERRORS,
                    },
                },
            },
            "/score": {
                "post": {
                    "summary": "Decide up to 1,000 comments without storing them",
                    "security": secured,
                    "requestBody": {
                        "required": True,
                        **_json(
                            {
                                "type": "object",
                                "required": ["comments"],
                                "properties": {
                                    "comments": {
                                        "type": "array",
                                        "minItems": 1,
                                        "maxItems": 1000,
                                        "items": _ref("CommentInput"),
                                    }
                                },
                            }
                        ),
                    },
                    "responses": {
                        "200": {
                            "description": "One decision per comment, in order",
                            **_json(
                                {
                                    "type": "object",
                                    "properties": {
                                        "results": {"type": "array", "items": _ref("Decision")}
                                    },
                                }
                            ),
                        },
                        **_ERRORS,
                    },
                }
            },
            "/comments/{comment_id}": {
                "get": {
                    "summary": "One of the site's comments",
                    "security": secured,
                    "parameters": [_path_id()],
                    "responses": {
                        "200": {"description": "The comment", **_json(_ref("Comment"))},
                        "404": _problem("No such comment on this site"),
                        **_ERRORS,
                    },
                }
            },
            "/comments/{comment_id}/feedback": {
                "post": {
                    "summary": "A moderator's decision made on the platform",
                    "security": secured,
                    "parameters": [_path_id()],
                    "requestBody": {
                        "required": True,
                        **_json(
                            {
                                "type": "object",
                                "required": ["label"],
                                "properties": {"label": {"enum": ["spam", "ham"]}},
                            }
                        ),
                    },
                    "responses": {
                        "200": {"description": "Labelled; status moved", **_json(_ref("Comment"))},
                        "404": _problem("No such comment on this site"),
                        **_ERRORS,
                    },
                }
            },
            "/comments/{comment_id}/reply-state": {
                "post": {
                    "summary": "Mark a reader's question replied, dismissed or waiting",
                    "security": secured,
                    "parameters": [_path_id()],
                    "requestBody": {
                        "required": True,
                        **_json(
                            {
                                "type": "object",
                                "required": ["state"],
                                "properties": {
                                    "state": {"enum": ["needs_reply", "replied", "dismissed"]}
                                },
                            }
                        ),
                    },
                    "responses": {
                        "200": {"description": "Updated", **_json(_ref("Comment"))},
                        "404": _problem("No such comment on this site"),
                        **_ERRORS,
                    },
                }
            },
            "/events": {
                "get": {
                    "summary": "Changes made in moderator, for the platform to sync back",
                    "security": secured,
                    "parameters": [
                        _query(
                            "after", _STR, "next_after of the previous answer (0: from the start)"
                        ),
                        _query(
                            "limit",
                            {"type": "integer", "minimum": 1, "maximum": 200},
                            "Page size (50)",
                        ),
                        _query(
                            "include_platform",
                            {"type": "boolean"},
                            "Also the platform's own changes",
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "Events, oldest first",
                            **_json(
                                {
                                    "type": "object",
                                    "properties": {
                                        "events": {"type": "array", "items": _ref("Event")},
                                        "next_after": _STR,
                                    },
                                }
                            ),
                        },
                        **_ERRORS,
                    },
                }
            },
        },
    }
