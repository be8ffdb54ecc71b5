"""Shared pieces of the storage layer: its errors, pages and cursors, and timestamps."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


class NotFound(LookupError):
    """The thing asked for does not exist (or belongs to another site)."""


class Conflict(ValueError):
    """The request clashes with what is stored (e.g. an external_id reused for other content)."""


@dataclass(frozen=True)
class Page:
    """One page of a listing and the cursor of the next (None at the end)."""

    items: list
    next_cursor: str | None


@dataclass(frozen=True)
class ReviewPage:
    """One numbered page of a listing (a review queue, the activity log)."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Return how many pages the listing fills (at least one)."""
        return max(1, -(-self.total // self.per_page))


def numbered_page(
    session: Session, query: Select, order_by: Sequence, page: int, per_page: int
) -> ReviewPage:
    """Return page `page` (from 1) of a query's rows in the given order, with the total."""
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = max(1, page)
    rows = session.execute(
        query.order_by(*order_by).offset((page - 1) * per_page).limit(per_page)
    ).scalars()
    return ReviewPage(list(rows), total, page, per_page)


def encode_cursor(values: Iterable) -> str:
    """Return an opaque cursor for a position in a listing."""
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class BadCursor(ValueError):
    """A listing cursor that this service did not hand out."""


def decode_cursor(cursor: str, length: int) -> list:
    """Return the values behind a cursor, or raise BadCursor when it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeError, RecursionError) as exc:
        raise BadCursor("cursor is not valid") from exc
    if (
        not isinstance(values, list)
        or len(values) != length
        or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**31 for v in values
        )
    ):
        raise BadCursor("cursor is not valid")
    return values


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 timestamp (a trailing Z allowed); raise ValueError otherwise.

    The result is in UTC (10:00+05:00 is 05:00+00:00); a timestamp without an offset is
    taken as UTC, so both databases store the same instant.
    """
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    try:
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError as exc:  # 0001-01-01T00:00+05:00 is before the year 1 in UTC
        raise ValueError(f"{value!r} is out of range in UTC") from exc


def database_reachable(session: Session) -> bool:
    """Return whether the database answers a trivial query (for readiness checks)."""
    try:
        session.execute(select(1)).scalar_one()
    except Exception:  # any failure to answer means not ready: driver, network, lock
        session.rollback()
        return False
    return True
