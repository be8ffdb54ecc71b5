"""The states a comment can be in, as plain enums the Flask- and database-free core shares.

`schema` stores them as text with CHECK constraints; `decision` produces them.
"""

from __future__ import annotations

import enum


class Status(enum.StrEnum):
    """Where a comment stands for the public."""

    APPROVED = "approved"
    PENDING = "pending"
    SPAM = "spam"
    TRASH = "trash"


class Verdict(enum.StrEnum):
    """What the filter thinks of a comment."""

    HAM = "ham"
    UNSURE = "unsure"
    SPAM = "spam"


class ReplyState(enum.StrEnum):
    """Whether a reader's question waits for the author; its own field, not a status."""

    NONE = "none"
    NEEDS_REPLY = "needs_reply"
    REPLIED = "replied"
    DISMISSED = "dismissed"


class Role(enum.StrEnum):
    """What a review-page user may do."""

    MODERATOR = "moderator"
    ADMIN = "admin"


class LabelKind(enum.StrEnum):
    """What a label states about a comment."""

    SPAM = "spam"  # value True: spam, False: genuine
    NEEDS_REPLY = "needs_reply"  # value True: a question for the author
