"""A blog's history: comments its platform had already moderated, stored in batches."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderator.core import workflow
from moderator.core.comment import Comment
from moderator.core.decision import Decision
from moderator.core.states import EventAction
from moderator.storage.changes import write
from moderator.storage.comments import new_record
from moderator.storage.events import log_event
from moderator.storage.schema import CommentOrigin, CommentRecord, Site, Status, utcnow


@dataclass(frozen=True)
class Imported:
    """One comment of a blog's history: what it says, the status its blog gave it, and
    what the current models decide about it."""

    comment: Comment
    status: Status
    decision: Decision
    raw: dict


def stored_contents(session: Session, site: Site, external_ids: Iterable[str]) -> dict[str, str]:
    """Return the content of the site's stored comments among `external_ids`, by external id."""
    wanted = list(set(external_ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(CommentRecord.external_id, CommentRecord.content).where(
            CommentRecord.site_id == site.id, CommentRecord.external_id.in_(wanted)
        )
    )
    return {external_id: content for external_id, content in rows}


def add_imported(
    session: Session,
    site: Site,
    items: Sequence[Imported],
    *,
    actor: str,
    details: dict | None = None,
) -> list[CommentRecord]:
    """Store comments of the site's history at the status their blog gave them. No commit.

    Each keeps the current models' verdict, scores and reasons, gets a `received` event of
    origin system (no feed carries it: the platform has these comments already; `details`
    adds to it, such as the file's format) and the training label its status stands for
    (`workflow.imported`), written as every door writes labels. Raises IntegrityError
    when one is stored already (check with `stored_contents` first).
    """
    channel = workflow.IMPORT
    placed = []
    for item in items:
        change = workflow.imported(item.status, item.decision.needs_reply, channel=channel)
        record = new_record(
            site, item.comment, item.decision, item.raw, origin=CommentOrigin.IMPORT
        )
        record.status = change.status.value
        record.reply_state = change.reply_state.value
        # Discarding is for spam only (the Akismet API's discard header, emptying spam).
        record.discard = item.decision.discard and change.status is Status.SPAM
        # History arrived when it was written: the duplicate and per-address rules, which
        # look back hours from a new comment, must not take a history for a flood.
        record.received_at = item.comment.created_at or utcnow()
        session.add(record)
        placed.append((record, change, item.decision))
    session.flush()  # the ids, which events and labels name
    for record, change, decision in placed:
        log_event(
            session,
            record,
            actor=actor,
            origin=channel.origin,
            action=EventAction.RECEIVED,
            to_value=record.status,
            details={
                "verdict": record.verdict,
                "spam_score": record.spam_score,
                "reasons": record.reasons,
                # What the filter would have done: set beside the blog's own ruling.
                "decided_status": decision.status.value,
                **(details or {}),
            },
        )
        write(session, record, change, actor=actor)
    return [record for record, _, _ in placed]
