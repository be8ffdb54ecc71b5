"""Parsing untrusted request parameters into safe values."""

from __future__ import annotations

import re

_WHOLE_NUMBER = re.compile(r"[0-9]{1,10}")

#: Ids and counts fit PostgreSQL's INTEGER.
LARGEST_ID = 2**31 - 1


def whole_number(raw: str | None, maximum: int = LARGEST_ID) -> int | None:
    """Return an ASCII whole number from 0 to `maximum`, or None for anything else.

    str.isdigit() accepts "²" and other digits int() refuses, and int() accepts numbers
    the database cannot hold; this accepts neither.
    """
    if raw is None or not _WHOLE_NUMBER.fullmatch(raw):
        return None
    value = int(raw)
    return value if value <= maximum else None
