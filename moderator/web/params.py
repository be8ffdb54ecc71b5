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


#: What counts as blank in a comment's content: JavaScript's (and JSON Schema's) `\s`,
#: spelled out so that the API and its OpenAPI document agree on every character.
WHITESPACE = "\t\n\u000b\u000c\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_BLANK = re.compile(f"[{WHITESPACE}]*")

#: The OpenAPI patterns of text fields: no NUL anywhere; content with a visible character.
NO_NUL_PATTERN = "^[^\\u0000]*$"
CONTENT_PATTERN = (
    "^[^\\u0000]*[^\\u0000"
    + WHITESPACE.encode("unicode_escape").decode().replace("\\x", "\\u00")
    + "][^\\u0000]*$"
)

#: A date-time as RFC 3339 writes it (what the OpenAPI `date-time` format means).
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})?")


def is_blank(text: str) -> bool:
    """Return whether text holds nothing but whitespace (as the OpenAPI document counts it)."""
    return _BLANK.fullmatch(text) is not None
