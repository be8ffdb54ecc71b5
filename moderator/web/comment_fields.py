"""Reading one comment object of API v1 into a `Comment`, or the list of field errors.

No Flask here: `POST /api/v1/comments` and `/score` read comments with it, and so does
`moderator import-jsonl`, whose lines carry the API's field names.
"""

from __future__ import annotations

from moderator import storage
from moderator.core.comment import TEXT_FIELDS, TIME_FIELDS, Comment
from moderator.web.openapi import EXTERNAL_ID_LIMIT, SHORT_FIELD_LIMIT
from moderator.web.params import RFC3339, is_blank

#: Fields a comment may carry, each a string (ids may come as numbers).
COMMENT_FIELDS = TEXT_FIELDS
#: The fields that may come as whole numbers: the platform's ids.
ID_FIELDS = frozenset({"post_id", "parent_id", "external_id"})


def parse_comment(
    payload: dict, prefix: str = "", honeypot_field: str = ""
) -> tuple[Comment | None, list[dict]]:
    """Validate one comment object; return the Comment or the list of field errors.

    `honeypot_field` is the site's trap field: its value in the payload, when it is text,
    is what a bot typed into it (as `honeypot` is).
    """
    errors = []
    values: dict = {}
    trap = payload.get(honeypot_field) if honeypot_field else None
    if isinstance(trap, str | int | float) and not isinstance(trap, bool) and str(trap).strip():
        if not (isinstance(payload.get("honeypot"), str) and payload["honeypot"].strip()):
            payload = {**payload, "honeypot": str(trap)[:SHORT_FIELD_LIMIT].replace("\x00", "")}
    for name in COMMENT_FIELDS:
        value = payload.get(name)
        if value is None:  # null is the same as not sent
            continue
        if name in ID_FIELDS and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            kind = "a string or a whole number" if name in ID_FIELDS else "a string"
            errors.append({"field": prefix + name, "message": f"must be {kind}"})
            continue
        if "\x00" in value:
            errors.append({"field": prefix + name, "message": "must not contain NUL characters"})
            continue
        limit = EXTERNAL_ID_LIMIT if name == "external_id" else SHORT_FIELD_LIMIT
        if name != "content" and len(value) > limit:
            errors.append({"field": prefix + name, "message": f"longer than {limit} characters"})
            continue
        values[name] = value
    content = values.get("content", "")
    if "content" not in payload or payload.get("content") is None:
        errors.append({"field": prefix + "content", "message": "is required"})
    elif isinstance(payload["content"], str) and is_blank(content):
        errors.append({"field": prefix + "content", "message": "must not be empty"})
    for name in TIME_FIELDS:
        moment = payload.get(name)
        if moment is None:
            continue
        try:
            if not isinstance(moment, str) or not RFC3339.fullmatch(moment):
                raise ValueError
            values[name] = storage.parse_time(moment)
        except ValueError:
            errors.append({"field": prefix + name, "message": "must be an RFC 3339 date-time"})
    if errors:
        return None, errors
    return Comment.from_mapping(values), []
