"""The comment as the core sees it: an immutable value built from untrusted input."""

from __future__ import annotations

import re
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

    @classmethod
    def from_mapping(cls, data: dict) -> Comment:
        """Build a comment from a dict, ignoring unknown keys and coercing text."""
        known = {f.name for f in fields(cls)}
        values = {}
        for name in known & data.keys():
            value = data[name]
            if name == "created_at":
                values[name] = value if isinstance(value, datetime) else None
            else:
                values[name] = "" if value is None else str(value)
        values.setdefault("content", "")
        return cls(**values)


def clean_text(value: str) -> str:
    """Replace lone UTF-16 surrogates (valid JSON escapes, but not text) with U+FFFD.

    They cannot be encoded as UTF-8, so the database and the models would fail on them.
    """
    return _LONE_SURROGATE.sub("\ufffd", value)


def clean_payload(value):
    """Return a JSON value with every string (keys too) passed through clean_text."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_payload(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(str(key)): clean_payload(item) for key, item in value.items()}
    return value
