"""The Akismet form: what an Akismet client sends, read as moderator's comment.

Akismet clients post `application/x-www-form-urlencoded` (or multipart) fields in the
blog's charset, with PHP's conventions for repeated names. Reading them is its own
concept beside the protocol's endpoints (`moderator.web.akismet`): the charset (refused
with a 400 naming it when no form can be sent in it), the field count, the mapping of
Akismet's field names onto a `Comment`, the honeypots, and the raw payload kept without
credentials.
"""

from __future__ import annotations

import codecs
from datetime import datetime
from urllib.parse import unquote_to_bytes

from flask import request

from moderator import storage
from moderator.core.comment import Comment, clean_text
from moderator.web.openapi import SHORT_FIELD_LIMIT

#: Akismet's field names and the comment fields they fill; the rest stay in the raw payload.
FIELD_MAP = {
    "comment_content": "content",
    "comment_author": "author",
    "comment_author_email": "author_email",
    "comment_author_url": "author_url",
    "user_ip": "user_ip",
    "user_agent": "user_agent",
    "referrer": "referrer",
    "permalink": "permalink",
    "comment_type": "comment_type",
    "blog_lang": "language",
    "user_role": "user_role",
    "comment_post_ID": "post_id",  # sent by WordPress
    "comment_parent": "parent_id",
}
#: Credentials, never copied into the stored raw payload.
SECRET_FIELDS = frozenset(
    {"api_key", "key", "HTTP_AUTHORIZATION", "HTTP_COOKIE", "HTTP_PROXY_AUTHORIZATION"}
)
#: WordPress's own hidden trap field, which its plugin forwards as a POST_* copy.
WORDPRESS_HONEYPOT = "POST_ak_hp_textarea"
TRUE_VALUES = frozenset({"1", "true", "yes", "on"})
MAX_FIELDS = 2000


class Refusal(Exception):
    """A request Akismet would refuse: answered with `body` and the reason as debug help."""

    def __init__(
        self, reason: str, body: str = "invalid", status: int = 200, headers: dict | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.body = body
        self.status = status
        self.headers = headers or {}


# -- reading requests -------------------------------------------------------------------


def read_fields() -> dict[str, str | list[str]]:
    """Return the query and form fields, decoded in the blog's charset (the body wins).

    Names ending in `[]` or `[n]` (`comment_context[]`) collect into a list under the
    bare name; any other repeated name keeps its last value, as PHP does.
    """
    pairs = _pairs(request.query_string)
    if request.mimetype == "multipart/form-data":
        decoded = _decode(pairs, "utf-8") + list(request.form.items(multi=True))
    else:
        pairs += _pairs(request.get_data(cache=True))
        decoded = _decode(pairs, _charset(pairs))
    fields: dict[str, str | list[str]] = {}
    for name, value in decoded:
        value = value.replace("\x00", "")
        base, bracket, _ = name.partition("[")
        if bracket and name.endswith("]"):
            previous = fields.get(base)
            if not isinstance(previous, list):
                previous = [] if previous is None else [previous]
            fields[base] = [*previous, value]
        else:
            fields[name] = value
    return fields


def _pairs(data: bytes) -> list[tuple[bytes, bytes]]:
    """Split a form body into (name, value) bytes, percent-decoded but not yet text."""
    pairs = []
    for part in data.split(b"&"):
        if not part:
            continue
        if len(pairs) == MAX_FIELDS:
            raise Refusal(f"more than {MAX_FIELDS} fields", "", 400)
        name, _, value = part.replace(b"+", b" ").partition(b"=")
        pairs.append((unquote_to_bytes(name), unquote_to_bytes(value)))
    return pairs


def _charset(pairs: list[tuple[bytes, bytes]]) -> str:
    """Return the codec the comment fields were encoded in: blog_charset, else the header's.

    A name that is no text encoding this server can read a form body in is refused (400,
    naming where it came from) rather than guessed at.
    """
    declared = next((value for name, value in reversed(pairs) if name == b"blog_charset"), b"")
    field, name = "blog_charset", declared.decode("ascii", "replace").strip()
    if not name:
        field, name = "the Content-Type charset", request.mimetype_params.get("charset", "")
    if not name.strip():
        return "utf-8"
    try:
        codec = codecs.lookup(name).name
        # UTF-16 and friends cannot be what a form body was percent-encoded from, and
        # UTF-7 or the escape codecs can spell lone surrogates: only plain text encodings.
        usable = (
            codec not in _UNSAFE_CODECS
            and "a=b".encode(codec) == b"a=b"
            and b"a=b".decode(codec, "replace") == "a=b"
        )
    except (LookupError, UnicodeError, TypeError, ValueError):  # ValueError: a NUL in the name
        usable = False
    if not usable:
        raise Refusal(
            f"{field} {name[:40]!r} is not a character encoding a form can be sent in; "
            "send UTF-8 (or another ASCII-compatible charset such as ISO-8859-1)",
            "invalid parameter",
            400,
        )
    return codec


_UNSAFE_CODECS = frozenset({"utf-7", "unicode-escape", "raw-unicode-escape", "punycode", "idna"})


def _decode(pairs: list[tuple[bytes, bytes]], charset: str) -> list[tuple[str, str]]:
    try:
        return [
            (clean_text(n.decode(charset, "replace")), clean_text(v.decode(charset, "replace")))
            for n, v in pairs
        ]
    except (LookupError, UnicodeError, TypeError):  # a codec that refuses "replace"
        return _decode(pairs, "utf-8") if charset != "utf-8" else []


def text(fields: dict, name: str) -> str:
    """Return one field as text ('' when absent; a list joined by newlines)."""
    value = fields.get(name, "")
    return "\n".join(value) if isinstance(value, list) else value


def is_test(fields: dict) -> bool:
    """Return whether the client marked the request as a test (never a training label)."""
    return text(fields, "is_test").strip().lower() in TRUE_VALUES


def to_comment(fields: dict) -> Comment:
    """Map Akismet's fields onto moderator's comment."""
    values = {}
    for theirs, ours in FIELD_MAP.items():
        if theirs in fields:
            value = text(fields, theirs)
            values[ours] = value if ours == "content" else value[:SHORT_FIELD_LIMIT]
    # Either trap filled in gives a bot away: the client's named one, or WordPress's own.
    trap = text(fields, "honeypot_field_name").strip()
    values["honeypot"] = (text(fields, trap) if trap else "") or text(fields, WORDPRESS_HONEYPOT)
    values["created_at"] = _gmt(text(fields, "comment_date_gmt"))
    return Comment.from_mapping(values)


def _gmt(value: str) -> datetime | None:
    """Parse an ISO 8601 or WordPress `YYYY-MM-DD HH:MM:SS` UTC time; None when unreadable."""
    if not value.strip():
        return None
    try:
        return storage.parse_time(value)  # a time without an offset is taken as UTC there
    except ValueError:
        return None


def raw_payload(fields: dict) -> dict:
    """Return everything the client sent (unknown fields included) except credentials."""
    return {name: value for name, value in fields.items() if name not in SECRET_FIELDS}
