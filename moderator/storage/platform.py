"""What a platform did to its own copy of a comment: link, move, edit or delete ours to match.

The WordPress bridge reports every status change a person makes in wp-admin (approve,
unapprove, spam, not spam, trash, untrash), every edit and every deletion; each is
carried out here through the workflow (`changes.perform`) with the platform's channel,
so it writes the labels the workflow says and events whose origin is the platform
(which the events feed leaves out: the platform never gets its own change back).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderator.core import workflow
from moderator.core.comment import content_fingerprint
from moderator.core.states import EventAction
from moderator.core.workflow import Action, Channel
from moderator.storage.changes import perform, set_status
from moderator.storage.common import Conflict
from moderator.storage.events import log_event
from moderator.storage.schema import CommentRecord, Site, Status, utcnow

#: What a platform may say became of its copy: a status, or deleted for good.
DELETED = "deleted"
PLATFORM_STATUSES = (*(status.value for status in Status), DELETED)


def platform_comment(
    session: Session, site: Site, *, guid: str = "", external_id: str = ""
) -> CommentRecord | None:
    """Return the site's comment the platform names by guid, else by its own id; or None.

    Locked for update (on PostgreSQL) until the caller commits.
    """
    for column, value in ((CommentRecord.guid, guid), (CommentRecord.external_id, external_id)):
        if value:
            record = session.execute(
                select(CommentRecord)
                .where(CommentRecord.site_id == site.id, column == value)
                .with_for_update()
            ).scalar_one_or_none()
            if record is not None:
                return record
    return None


def link_external_id(session: Session, record: CommentRecord, external_id: str) -> bool:
    """Remember the platform's id for a comment it first sent without one; no commit.

    Returns whether the comment gained the id. Raises Conflict when the comment already
    has another id, or another comment of the site has this one.
    """
    if not external_id or record.external_id == external_id:
        return False
    if record.external_id:
        raise Conflict(f"this comment is already the platform's {record.external_id!r}")
    taken = session.execute(
        select(CommentRecord.id).where(
            CommentRecord.site_id == record.site_id,
            CommentRecord.external_id == external_id,
            CommentRecord.id != record.id,
        )
    ).first()
    if taken is not None:
        raise Conflict(f"external_id {external_id!r} belongs to another comment")
    record.external_id = external_id
    return True


def edit_content(
    session: Session, record: CommentRecord, content: str, *, actor: str, channel: Channel
) -> bool:
    """Take the platform's edited text for a comment and log it; no commit.

    Returns False when the text is the same. Labels already written keep the text they
    were given for.
    """
    if content == record.content:
        return False
    log_event(
        session,
        record,
        actor=actor,
        origin=channel.origin,
        action=EventAction.EDITED,
        details={"characters_before": len(record.content), "characters_after": len(content)},
    )
    record.content = content
    record.content_hash = content_fingerprint(content)
    record.updated_at = utcnow()
    return True


def record_platform_change(
    session: Session,
    record: CommentRecord,
    *,
    status: str | None = None,
    content: str | None = None,
    actor: str,
    channel: Channel = workflow.WORDPRESS,
    labelled: bool = False,
) -> bool:
    """Follow what the platform did to its copy: new text, a new status, or deleted; commit.

    `labelled`: the judgement already came as its own label (WordPress's Akismet plugin
    sends submit-spam / submit-ham for the same click), so the move writes none.
    Returns False when the comment was deleted for good (the record is gone).
    """
    if content is not None:
        edit_content(session, record, content, actor=actor, channel=channel)
    if status == DELETED:
        gone = {"guid": record.guid, "external_id": record.external_id}
        perform(
            session,
            record,
            Action.PLATFORM_DELETE,
            actor=actor,
            channel=channel,
            details={EventAction.DELETED: gone},
        )
        session.commit()
        return False
    if status is not None and labelled:
        set_status(session, record, status, actor=actor, origin=channel.origin)
    elif status is not None:
        perform(
            session, record, workflow.platform_status_action(status), actor=actor, channel=channel
        )
    session.commit()
    return True
