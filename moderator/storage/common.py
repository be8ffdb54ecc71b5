"""Shared pieces of the storage layer: its errors, pages and cursors, and timestamps."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


class NotFound(LookupError):
    """The thing asked for does not exist (or belongs to another site)."""


class Conflict(ValueError):
    """The request clashes with what is stored (e.g. an external_id reused for other content)."""


@dataclass(frozen=True)
class Page:
    """One page of a listing and the cursor of the next (None at the end)."""

    items: list
    next_cursor: str | None


def encode_cursor(values: Iterable) -> str:
    """Return an opaque cursor for a position in a listing."""
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list:
    """Return the values behind a cursor, or raise ValueError when it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeError) as exc:
        raise ValueError("cursor is not valid") from exc
    if (
        not isinstance(values, list)
        or len(values) != length
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in values)
    ):
        raise ValueError("cursor is not valid")
    return values


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 timestamp (a trailing Z allowed); raise ValueError otherwise."""
    return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
