"""WordPress exports (WXR 1.0 to 1.2): every post's comments, read as a stream.

Tools → Export → All content (or Posts) writes one `<item>` per post with its
`<wp:comment>`s. The file is untrusted XML: defusedxml refuses entity declarations (the
"billion laughs" and external entities). Each post is dropped from memory once read, so
a 50 MB export takes a few megabytes, not the whole tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from defusedxml import DefusedXmlException, ElementTree

from moderator.core.comment import Comment, clean_text
from moderator.core.states import Status
from moderator.imports.common import ImportFailed, Row
from moderator.web.openapi import EXTERNAL_ID_LIMIT
from moderator.web.params import is_blank

#: Every WXR version's namespace starts so (1.0, 1.1 and 1.2 differ only in the number).
WP_NAMESPACE = "http://wordpress.org/export/"

#: comment_approved as WordPress stores it, and the status it is here. `post-trashed`
#: marks the comments of a post sent to the trash: the comment was not judged itself,
#: so it is trash without a label. `approve` and `hold` are WordPress's names for 1 and 0.
STATUSES = {
    "1": Status.APPROVED,
    "approve": Status.APPROVED,
    "0": Status.PENDING,
    "hold": Status.PENDING,
    "spam": Status.SPAM,
    "trash": Status.TRASH,
    "post-trashed": Status.TRASH,
}

#: The comment fields WordPress writes, as the raw payload keeps them.
COMMENT_TAGS = (
    "comment_id",
    "comment_author",
    "comment_author_email",
    "comment_author_url",
    "comment_author_IP",
    "comment_date",
    "comment_date_gmt",
    "comment_content",
    "comment_approved",
    "comment_type",
    "comment_parent",
    "comment_user_id",
)

_POSITION = re.compile(r": line \d+, column \d+$")
_NO_DATE = "0000-00-00 00:00:00"


def read_wxr(path: Path) -> Iterator[Row]:
    """Yield a Row per comment of a WordPress export, post by post.

    Raises ImportFailed, with the line, for XML that is not well-formed (a truncated
    file), declares entities, or is not a WordPress export.
    """
    with open(path, "rb") as file:
        try:
            yield from _rows(file)
        except ElementTree.ParseError as exc:
            line = exc.position[0] if exc.position else None
            reason = _POSITION.sub("", str(getattr(exc, "msg", "") or exc))
            problem = f"not well-formed XML ({reason}); the file may be cut short"
            raise ImportFailed(problem, line) from exc
        except DefusedXmlException as exc:
            raise ImportFailed(
                "refused: the file declares XML entities, which no WordPress export does"
            ) from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _is_wp(tag: str, name: str) -> bool:
    """Whether an element is WordPress's `name` (`wp:comment`, not RSS's or wfw's)."""
    return tag.startswith("{" + WP_NAMESPACE) and _local(tag) == name


def _rows(file) -> Iterator[Row]:
    stack = []
    post_comments: list[dict] = []
    wxr_version = False
    for event, element in ElementTree.iterparse(file, events=("start", "end")):
        if event == "start":
            if not stack and _local(element.tag) != "rss":
                raise ImportFailed(
                    f"not a WordPress export: the document is <{_local(element.tag)}>, not <rss>",
                    1,
                )
            stack.append(element)
            continue
        stack.pop()
        parent = stack[-1] if stack else None
        if _is_wp(element.tag, "wxr_version"):
            wxr_version = True
        elif _is_wp(element.tag, "comment") and parent is not None and _local(parent.tag) == "item":
            post_comments.append(_comment_fields(element))
            parent.remove(element)  # drop it now: a post may hold thousands
        elif _local(element.tag) == "item" and parent is not None:
            post = _post_fields(element)
            for fields in post_comments:
                yield _row(fields, post)
            post_comments = []
            parent.remove(element)
    if not wxr_version:
        raise ImportFailed("not a WordPress export: it has no <wp:wxr_version>")


def _text(element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return clean_text(child.text or "")
    return ""


def _comment_fields(element) -> dict:
    fields = {name: _text(element, name) for name in COMMENT_TAGS}
    meta = {}
    for child in element:
        if _is_wp(child.tag, "commentmeta"):
            meta[_text(child, "meta_key")] = _text(child, "meta_value")
    if meta:
        fields["commentmeta"] = meta
    return fields


def _post_fields(item) -> dict:
    return {
        "post_title": _text(item, "title"),
        "permalink": _text(item, "link"),
        "post_id": _text(item, "post_id").strip(),
        "post_type": _text(item, "post_type").strip(),
    }


def _row(fields: dict, post: dict) -> Row:
    raw = {"format": "wxr", "comment": fields, "post": post}
    external_id = fields["comment_id"].strip()
    approved = fields["comment_approved"].strip().lower()
    status = STATUSES.get(approved)
    skip = ""
    if not external_id:
        skip = "no comment id (a re-import could not recognise it)"
    elif len(external_id) > EXTERNAL_ID_LIMIT:
        skip = f"comment id longer than {EXTERNAL_ID_LIMIT} characters"
    elif status is None:
        skip = f"unknown comment_approved {approved[:40]!r}"
    elif is_blank(fields["comment_content"]):
        skip = "empty content"
    if skip:
        return Row(None, None, raw, skip)
    parent = fields["comment_parent"].strip()
    comment = Comment(
        content=fields["comment_content"],
        author=fields["comment_author"],
        author_email=fields["comment_author_email"].strip(),
        author_url=fields["comment_author_url"].strip(),
        user_ip=fields["comment_author_IP"].strip(),
        permalink=post["permalink"].strip(),
        post_title=post["post_title"],
        post_id=post["post_id"],
        parent_id="" if parent in ("", "0") else parent,
        external_id=external_id,
        comment_type=fields["comment_type"].strip() or "comment",
        created_at=_moment(fields["comment_date_gmt"], fields["comment_date"]),
    )
    return Row(comment, status, raw)


def _moment(gmt: str, local: str) -> datetime | None:
    """Return when the comment was written, in UTC.

    comment_date_gmt is UTC; WordPress leaves it zero on some pending comments, and then
    the blog's local comment_date is taken as UTC (the export does not say the blog's
    time zone): hours off at worst, never a made-up day.
    """
    for value in (gmt.strip(), local.strip()):
        if not value or value == _NO_DATE:
            continue
        try:
            return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        except ValueError:
            continue
    return None
