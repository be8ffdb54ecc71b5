"""WordPress WXR exports: a blog's own comments, with the moderator's decision as the label."""

from __future__ import annotations

from defusedxml import DefusedXmlException, ElementTree

from moderator.core.comment import Comment
from moderator.training.datasets.corpus import DatasetError, LabelledComment, files_in

PATTERNS = ("*.xml", "*.wxr")

#: WordPress comment_approved values and the spam label they give.
WXR_LABELS = {"1": False, "approve": False, "spam": True, "0": None, "trash": None}


def _local(tag: str) -> str:
    """Return an XML tag without its namespace (WXR 1.0, 1.1 and 1.2 differ only there)."""
    return tag.rsplit("}", 1)[-1]


def _child_text(element, name: str) -> str:
    """Return the text of the first child with local name `name`, or ""."""
    for child in element:
        if _local(child.tag) == name:
            return child.text or ""
    return ""


def _parent_id(text: str) -> str:
    """Return a WXR comment_parent, where "0" means a top-level comment."""
    text = text.strip()
    return "" if text == "0" else text


def load_wxr(path) -> list[LabelledComment]:
    """Load comments from a WordPress WXR export.

    ``comment_approved`` 1 is ham and ``spam`` is spam; pending (0) and trash are kept
    with ``spam=None``: trash holds both rejected spam and comments the author deleted.
    """
    items = []
    for file in files_in(path, PATTERNS):
        try:
            # An export is untrusted XML: defusedxml refuses entity expansion and
            # external entities instead of resolving them.
            root = ElementTree.parse(file).getroot()
        except ElementTree.ParseError as exc:
            raise DatasetError(f"{file}: not a WXR export ({exc})") from exc
        except DefusedXmlException as exc:
            raise DatasetError(f"{file}: refused, the XML declares entities ({exc!r})") from exc
        channel = next((e for e in root if _local(e.tag) == "channel"), root)
        site = _child_text(channel, "title").strip() or file.stem
        for item in channel:
            if _local(item.tag) != "item":
                continue
            post_title = _child_text(item, "title")
            post_id = _child_text(item, "post_id")
            permalink = _child_text(item, "link")
            for node in item:
                if _local(node.tag) != "comment":
                    continue
                approved = _child_text(node, "comment_approved").strip().lower()
                items.append(
                    LabelledComment(
                        comment=Comment(
                            content=_child_text(node, "comment_content"),
                            author=_child_text(node, "comment_author"),
                            author_email=_child_text(node, "comment_author_email"),
                            author_url=_child_text(node, "comment_author_url"),
                            user_ip=_child_text(node, "comment_author_IP"),
                            post_title=post_title,
                            post_id=post_id,
                            permalink=permalink,
                            parent_id=_parent_id(_child_text(node, "comment_parent")),
                            external_id=_child_text(node, "comment_id"),
                            comment_type=_child_text(node, "comment_type") or "comment",
                        ),
                        spam=WXR_LABELS.get(approved),
                        source=f"wxr:{site}",
                        group=f"wxr:{site}",
                    )
                )
    return items
