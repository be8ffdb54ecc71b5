"""The comment as the core sees it: an immutable value built from untrusted input."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, fields
from datetime import datetime

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

#: Text fields a platform may send, in the API's names.
TEXT_FIELDS = (
    "content",
    "author",
    "author_email",
    "author_url",
    "user_ip",
    "user_agent",
    "referrer",
    "permalink",
    "post_title",
    "post_id",
    "parent_id",
    "external_id",
    "comment_type",
    "language",
    "user_role",
    "honeypot",
)


#: Times a platform may send (RFC 3339 in the API).
TIME_FIELDS = ("created_at", "form_rendered_at", "submitted_at")


@dataclass(frozen=True)
class Comment:
    """A reader's comment with everything the platform told us about it.

    Every field is attacker-controlled text; nothing here is trusted.
    """

    content: str
    author: str = ""
    author_email: str = ""
    author_url: str = ""
    user_ip: str = ""
    user_agent: str = ""
    referrer: str = ""
    permalink: str = ""
    post_title: str = ""
    post_id: str = ""
    parent_id: str = ""
    external_id: str = ""
    comment_type: str = ""
    language: str = ""
    user_role: str = ""
    #: What a bot typed into the form's hidden trap field (Akismet's honeypot).
    honeypot: str = ""
    created_at: datetime | None = None
    #: When the platform rendered the comment form, and when the reader submitted it
    #: (both sent by the platform; the `min_submit_seconds` rule reads the gap).
    form_rendered_at: datetime | None = None
    submitted_at: datetime | None = None

    @classmethod
    def from_mapping(cls, data: dict) -> Comment:
        """Build a comment from a dict, ignoring unknown keys and coercing text."""
        known = {f.name for f in fields(cls)}
        values = {}
        for name in known & data.keys():
            value = data[name]
            if name in TIME_FIELDS:
                values[name] = value if isinstance(value, datetime) else None
            else:
                values[name] = "" if value is None else str(value)
        values.setdefault("content", "")
        return cls(**values)


def fold(value: str) -> str:
    """Return text for matching without regard to case or accents ("Café" -> "cafe")."""
    if value.isascii():  # most text: nothing to decompose, and casefold is lower
        return value.lower()
    decomposed = unicodedata.normalize("NFKD", value)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", bare).casefold()


def normalised_content(content: str) -> str:
    """Return a comment's text as duplicates are compared: folded, whitespace collapsed."""
    return " ".join(fold(content).split())


def content_fingerprint(content: str) -> str:
    """Return the sha256 of a comment's normalised text: equal for duplicates."""
    return hashlib.sha256(normalised_content(content).encode("utf-8", "surrogatepass")).hexdigest()


def clean_text(value: str) -> str:
    """Replace lone UTF-16 surrogates (valid JSON escapes, but not text) with U+FFFD.

    They cannot be encoded as UTF-8, so the database and the models would fail on them.
    """
    return _LONE_SURROGATE.sub("\ufffd", value)


#: How deeply a JSON payload may nest arrays and objects. A comment is flat; the deepest
#: thing a platform sends (a list of objects in an extra field) is a few levels deep.
MAX_NESTING = 32


class TooDeep(ValueError):
    """A payload nests arrays or objects deeper than MAX_NESTING."""

    def __init__(self, field: str, limit: int) -> None:
        super().__init__(f"{field} nests arrays or objects deeper than {limit} levels")
        self.field = field
        self.limit = limit


def clean_payload(value, limit: int = MAX_NESTING):
    """Return a JSON value with every string (keys too) passed through clean_text.

    Raises TooDeep, naming the top-level field, when arrays and objects nest deeper than
    `limit` (a value deep enough would otherwise exhaust Python's stack).
    """
    if isinstance(value, dict):
        return {
            clean_text(str(key)): _clean(item, 1, limit, clean_text(str(key)))
            for key, item in value.items()
        }
    return _clean(value, 0, limit, "(body)")


def _clean(value, depth: int, limit: int, field: str):
    if isinstance(value, str):
        return clean_text(value)
    if not isinstance(value, list | dict):
        return value
    if depth >= limit:
        raise TooDeep(field, limit)
    if isinstance(value, list):
        return [_clean(item, depth + 1, limit, field) for item in value]
    return {clean_text(str(k)): _clean(item, depth + 1, limit, field) for k, item in value.items()}
