"""A site's comments written out for the blogger: JSON lines, CSV or WordPress WXR.

Every comment with its status, verdict, scores, reasons, reply state, replies and labels.
JSON lines keep everything, with the API's field names and a `spam` label, so
`moderator train --data` and the training loaders read an export back. CSV is for a
spreadsheet: a cell that would start a formula is prefixed with `'` (OWASP's advice
against CSV injection; every field is attacker-controlled). WXR is WordPress's export
format, for its importer (Tools → Import → WordPress); moderator's decision travels in
each comment's `wp:commentmeta`.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO
from xml.etree import ElementTree

FORMATS = ("jsonl", "csv", "wxr")

#: The comment's own fields, in the API's names and order.
TEXT_COLUMNS = (
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
    "comment_type",
    "language",
)

#: What WordPress's comment_approved says for each moderator status.
WXR_APPROVED = {"approved": "1", "pending": "0", "spam": "spam", "trash": "trash"}

WP = "http://wordpress.org/export/1.2/"
NAMESPACES = {
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": WP,
}

#: Characters XML 1.0 cannot hold at all (ElementTree would write them, unreadable).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: A CSV cell starting with one of these is a formula to a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spam_label(record, labels) -> bool | None:
    """Return whether the comment is spam: the newest spam label, else what its status says."""
    for label in reversed(labels):
        if label.kind == "spam":
            return bool(label.value)
    return {"spam": True, "approved": False}.get(record.status)


def _time(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def comment_dict(record, labels) -> dict:
    """Return everything about a comment as JSON (the API's names, with labels and `spam`)."""
    return {
        "id": record.id,
        "guid": record.guid,
        "external_id": record.external_id,
        "status": record.status,
        "verdict": record.verdict,
        "spam": spam_label(record, labels),
        "spam_score": round(record.spam_score, 4),
        "discard": record.discard,
        "medical_score": round(record.medical_score, 4),
        "needs_reply": record.needs_reply,
        "urgent": record.urgent,
        "reply_state": record.reply_state,
        "reasons": record.reasons or [],
        "labels": [
            {
                "kind": label.kind,
                "value": label.value,
                "actor": label.actor,
                "source": label.source,
                "created_at": _time(label.created_at),
            }
            for label in labels
        ],
        "replies": [
            {"author": r.author, "content": r.content, "created_at": _time(r.created_at)}
            for r in record.replies
        ],
        **{name: getattr(record, name) for name in TEXT_COLUMNS},
        "created_at": _time(record.created_at),
        "received_at": _time(record.received_at),
        "model_versions": {
            "spam": record.spam_model_version,
            "medical": record.medical_model_version,
        },
    }


def write_jsonl(items: Iterable, out: IO[str]) -> int:
    """Write one JSON object a line; return how many comments."""
    count = 0
    for record, labels in items:
        out.write(json.dumps(comment_dict(record, labels), ensure_ascii=False) + "\n")
        count += 1
    return count


CSV_COLUMNS = (
    "id",
    "external_id",
    "status",
    "verdict",
    "spam",
    "spam_score",
    "discard",
    "medical_score",
    "needs_reply",
    "urgent",
    "reply_state",
    "reasons",
    "labels",
    "replies",
    *TEXT_COLUMNS,
    "created_at",
    "received_at",
)


def _cell(value) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def write_csv(items: Iterable, out: IO[str]) -> int:
    """Write a CSV with a header row; reasons, labels and replies as JSON cells."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for record, labels in items:
        row = comment_dict(record, labels)
        writer.writerow([_cell(row[column]) for column in CSV_COLUMNS])
        count += 1
    return count


def _xml_text(value) -> str:
    return _NOT_XML.sub("\ufffd", "" if value is None else str(value))


def _sub(parent, tag: str, text="") -> ElementTree.Element:
    prefix, _, name = tag.partition(":")
    qualified = f"{{{NAMESPACES[prefix]}}}{name}" if name else tag
    element = ElementTree.SubElement(parent, qualified)
    element.text = _xml_text(text)
    return element


def _wp_date(moment: datetime | None, utc: bool) -> str:
    if moment is None:
        return "0000-00-00 00:00:00"
    return (moment.astimezone(UTC) if utc else moment).strftime("%Y-%m-%d %H:%M:%S")


def write_wxr(items: Iterable, out: IO[str], *, site_url: str, site_name: str) -> int:
    """Write a WordPress WXR 1.2 file: one item per post, its comments inside.

    A comment's WordPress id is its external_id when that is a number (a comment that
    came from WordPress keeps its id, and replies their parent), else moderator's id.
    """
    for prefix, uri in NAMESPACES.items():
        ElementTree.register_namespace(prefix, uri)
    rss = ElementTree.Element("rss", {"version": "2.0"})
    channel = ElementTree.SubElement(rss, "channel")
    _sub(channel, "title", site_name)
    _sub(channel, "link", site_url)
    _sub(channel, "description", "Comments exported by moderator")
    _sub(channel, "wp:wxr_version", "1.2")
    _sub(channel, "wp:base_site_url", site_url)
    _sub(channel, "wp:base_blog_url", site_url)
    posts: dict[tuple[str, str], ElementTree.Element] = {}
    count = 0
    for record, labels in items:
        key = (record.post_id or "", record.post_title or "")
        item = posts.get(key)
        if item is None:
            item = ElementTree.SubElement(channel, "item")
            _sub(item, "title", record.post_title or record.permalink or "(untitled)")
            _sub(item, "link", record.permalink)
            _sub(item, "wp:post_id", record.post_id if record.post_id.isdigit() else "")
            _sub(item, "wp:post_type", "post")
            _sub(item, "wp:status", "publish")
            posts[key] = item
        _wxr_comment(item, record, labels)
        count += 1
    ElementTree.ElementTree(rss).write(out, encoding="unicode", xml_declaration=True)
    return count


def _wxr_comment(item, record, labels) -> None:
    node = _sub(item, "wp:comment")
    external = record.external_id or ""
    _sub(node, "wp:comment_id", external if external.isdigit() else str(record.id))
    _sub(node, "wp:comment_author", record.author)
    _sub(node, "wp:comment_author_email", record.author_email)
    _sub(node, "wp:comment_author_url", record.author_url)
    _sub(node, "wp:comment_author_IP", record.user_ip)
    moment = record.created_at or record.received_at
    _sub(node, "wp:comment_date", _wp_date(moment, utc=False))
    _sub(node, "wp:comment_date_gmt", _wp_date(moment, utc=True))
    _sub(node, "wp:comment_content", record.content)
    _sub(node, "wp:comment_approved", WXR_APPROVED.get(record.status, "0"))
    _sub(node, "wp:comment_type", record.comment_type or "comment")
    _sub(node, "wp:comment_parent", record.parent_id if record.parent_id.isdigit() else "0")
    _sub(node, "wp:comment_user_id", "0")
    meta = {
        "moderator_verdict": record.verdict,
        "moderator_spam_score": f"{record.spam_score:.4f}",
        "moderator_reply_state": record.reply_state,
        "moderator_reasons": json.dumps(record.reasons or [], ensure_ascii=False),
        "moderator_labels": json.dumps(
            [{"kind": x.kind, "value": x.value, "source": x.source} for x in labels]
        ),
    }
    for key, value in meta.items():
        entry = _sub(node, "wp:commentmeta")
        _sub(entry, "wp:meta_key", key)
        _sub(entry, "wp:meta_value", value)


def write_export(fmt: str, items: Iterable, out: IO[str], *, site_url: str, site_name: str) -> int:
    """Write a site's comments in one of FORMATS; return how many."""
    if fmt == "jsonl":
        return write_jsonl(items, out)
    if fmt == "csv":
        return write_csv(items, out)
    if fmt == "wxr":
        return write_wxr(items, out, site_url=site_url, site_name=site_name)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")
