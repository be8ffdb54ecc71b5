"""JSON lines: a blog's history from any platform, one comment object a line.

Each line holds the fields of `POST /api/v1/comments` (content, author, author_email,
author_url, user_ip, user_agent, referrer, permalink, post_title, post_id, parent_id,
comment_type, language, created_at, ...) plus `external_id` (the platform's id of the
comment, required: it is how a second import recognises it) and `status` (approved,
pending, spam or trash). Other keys are ignored, so `moderator export --format jsonl`
reads back. Every line is checked as the API checks a comment; the first that fails
stops the import with its line number, before anything is stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from moderator.core.comment import MAX_NESTING, TooDeep, clean_payload
from moderator.core.states import Status
from moderator.imports.common import ImportFailed, Row
from moderator.web.comment_fields import parse_comment

STATUSES = tuple(status.value for status in Status)


def read_jsonl(path: Path) -> Iterator[Row]:
    """Yield a Row per line of a JSON-lines history (blank lines are skipped).

    Raises ImportFailed, with the line number, for a line that is not UTF-8, not a JSON
    object, or not a valid comment with its status and external_id.
    """
    with open(path, "rb") as file:
        for number, line in enumerate(file, 1):
            try:
                text = line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise ImportFailed("not UTF-8 text", number) from exc
            if not text.strip():
                continue
            yield _row(text, number)


def _row(text: str, number: int) -> Row:
    try:
        payload = json.loads(text)
    except RecursionError as exc:
        raise ImportFailed(f"nests deeper than {MAX_NESTING} levels", number) from exc
    except ValueError as exc:
        reason = getattr(exc, "msg", "invalid")
        column = getattr(exc, "colno", None)
        where = f" at column {column}" if column else ""
        raise ImportFailed(f"not valid JSON ({reason}{where})", number) from exc
    if not isinstance(payload, dict):
        raise ImportFailed("must be a JSON object, one comment a line", number)
    try:
        payload = clean_payload(payload)
    except TooDeep as exc:
        raise ImportFailed(str(exc), number) from exc
    comment, errors = parse_comment(payload)
    status = payload.get("status")
    if status not in STATUSES:
        errors.append({"field": "status", "message": f"must be one of {', '.join(STATUSES)}"})
    if not str(payload.get("external_id") or "").strip():
        errors.append({"field": "external_id", "message": "is required"})
    if errors:
        raise ImportFailed("; ".join(f"{e['field']} {e['message']}" for e in errors), number)
    return Row(comment, Status(status), payload)
