"""The states a comment can be in, and who moved it, as plain enums the core shares.

No Flask, no database: `schema` stores them as text with CHECK constraints (the comment
origin aside, see there); `decision` and `workflow` produce them.
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


class EventOrigin(enum.StrEnum):
    """Who made a change the event log records."""

    PLATFORM = "platform"  # the blog, through API v1 or the Akismet API
    MODERATOR = "moderator"  # a person on the review page
    SYSTEM = "system"  # moderator itself (a job, an import)


class CommentOrigin(enum.StrEnum):
    """Which door a comment came in by."""

    API = "api"
    AKISMET = "akismet"
    REVIEW = "review"
    IMPORT = "import"  # a blog's history, read from an export file


class LabelSource(enum.StrEnum):
    """Where a training label came from."""

    REVIEW = "review"  # a click on the review page
    API = "api"  # the platform's feedback through API v1
    AKISMET = "akismet"  # submit-spam / submit-ham
    IMPORT = "import"  # a blog's moderation history, imported
    WORDPRESS = "wordpress"  # a ruling made in wp-admin, reported by the bridge


class ModelState(enum.StrEnum):
    """Where a trained model version stands in the registry."""

    CANDIDATE = "candidate"  # trained, not yet judged by the gate
    ACTIVE = "active"  # the one serving (one per model name and site)
    REFUSED = "refused"  # failed the gate or its file check; kept with the reason
    RETIRED = "retired"  # served once, replaced by a newer or rolled-back version


class EventAction(enum.StrEnum):
    """What an event-log line records."""

    RECEIVED = "received"
    STATUS_CHANGED = "status_changed"
    REPLY_STATE_CHANGED = "reply_state_changed"
    REPLIED = "replied"
    REPLY_WITHDRAWN = "reply_withdrawn"
    DELETED = "deleted"
    #: One person's comments erased at their request (the log keeps no address).
    ERASED = "erased"
    FLAGGED_URGENT = "flagged_urgent"  # a new comment describes an emergency (issue 16)
    #: A comment's text or fields changed: a moderator's quick edit, or the platform's
    #: edit reported by the bridge; details keep the old and new value of each field.
    EDITED = "edited"
    #: Decided again with the current models and settings; details keep before and after.
    CHECKED_AGAIN = "checked_again"
