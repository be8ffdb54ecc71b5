"""Check again: decide stored comments anew with the current models and settings.

A preview changes nothing; applying writes the fresh decision (scores, reasons, verdict)
and moves each comment where the workflow says (`workflow.check_again`), logging the
before and after. Each comment is decided with the past it had when it arrived.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from moderator.core import workflow
from moderator.core.comment import TEXT_FIELDS, Comment
from moderator.core.decision import Decision, Models, decide_many
from moderator.core.states import EventAction
from moderator.storage.changes import current_state, state_of, write
from moderator.storage.comments import decision_columns
from moderator.storage.history import comment_history
from moderator.storage.moderation import Change, _Added, _finish
from moderator.storage.schema import CommentRecord, Status
from moderator.storage.sites import site_settings

#: A score moved by less than this is shown as unchanged.
SCORE_STEP = 0.005


@dataclass(frozen=True)
class Outcome:
    """What a decision said of a comment, as Check again compares it."""

    status: str
    verdict: str
    spam_score: float
    needs_reply: bool
    urgent: bool
    reasons: tuple[str, ...]

    def to_dict(self) -> dict:
        """Return the JSON form the page and the event log show."""
        return {
            "status": self.status,
            "verdict": self.verdict,
            "spam_score": round(self.spam_score, 4),
            "needs_reply": self.needs_reply,
            "urgent": self.urgent,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class Rechecked:
    """One comment checked again: where it stands, and where the fresh decision puts it."""

    comment_id: int
    before: Outcome
    after: Outcome

    @property
    def changed(self) -> bool:
        """Return whether anything a moderator would notice differs."""
        a, b = self.before, self.after
        return (
            (a.status, a.verdict, a.needs_reply, a.urgent, a.reasons)
            != (b.status, b.verdict, b.needs_reply, b.urgent, b.reasons)
        ) or abs(a.spam_score - b.spam_score) >= SCORE_STEP

    def to_dict(self) -> dict:
        """Return the JSON form of the page's diff."""
        return {
            "id": self.comment_id,
            "changed": self.changed,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
        }


def comment_of(record: CommentRecord) -> Comment:
    """Return a stored comment as the value the decision reads."""
    fields = {name: getattr(record, name) for name in TEXT_FIELDS if hasattr(record, name)}
    return Comment.from_mapping({**fields, "created_at": record.created_at})


def _stored(record: CommentRecord) -> Outcome:
    return Outcome(
        record.status,
        record.verdict,
        float(record.spam_score),
        record.reply_state == "needs_reply",
        bool(record.urgent),
        tuple(r.code for r in record.reason_values),
    )


def _fresh(record: CommentRecord, decision: Decision) -> Outcome:
    state = state_of(record)
    change = workflow.check_again(state, workflow.REVIEW, decision.status, decision.needs_reply)
    return Outcome(
        change.status.value,
        decision.verdict.value,
        float(decision.spam_score),
        change.reply_state.value == "needs_reply",
        decision.urgent,
        tuple(r.code for r in decision.reasons),
    )


def _decide(
    session: Session, records: list[CommentRecord], models: Models
) -> list[tuple[CommentRecord, Decision]]:
    """Decide each comment anew, site by site, with its settings and its past at arrival."""
    by_site: dict[int, list[CommentRecord]] = {}
    for record in records:
        if record.status != Status.TRASH.value:
            by_site.setdefault(record.site_id, []).append(record)
    decided = []
    for group in by_site.values():
        site = group[0].site
        settings = site_settings(site)
        comments = [comment_of(r) for r in group]
        histories = [
            comment_history(session, site, c, settings, now=r.received_at, before_id=r.id)
            for r, c in zip(group, comments, strict=True)
        ]
        decisions = decide_many(comments, settings, models, histories)
        decided.extend(zip(group, decisions, strict=True))
    return sorted(decided, key=lambda pair: pair[0].id)


def preview_check_again(
    session: Session, records: Iterable[CommentRecord], models: Models
) -> list[Rechecked]:
    """Return what checking the comments again would change; write nothing.

    Trashed comments are left out: restore one first.
    """
    return [
        Rechecked(record.id, _stored(record), _fresh(record, decision))
        for record, decision in _decide(session, list(records), models)
    ]


def apply_check_again(
    session: Session, records: Iterable[CommentRecord], models: Models, *, actor: str
) -> tuple[list[Rechecked], Change]:
    """Check the comments again and store the fresh decisions; commit.

    Each comment's "checked_again" event keeps the decision before and after; a status
    it moves is logged as the moderator's, so undo takes it back.
    """
    results, touched = [], []
    with _Added(session) as added:
        for record, decision in _decide(session, list(records), models):
            before, after = _stored(record), _fresh(record, decision)
            state = current_state(session, record)
            change = workflow.check_again(
                state, workflow.REVIEW, decision.status, decision.needs_reply
            )
            details = {"before": before.to_dict(), "after": after.to_dict()}
            write(
                session, record, change, actor=actor, details={EventAction.CHECKED_AGAIN: details}
            )
            columns = decision_columns(decision)
            for name in ("status", "reply_state"):
                columns.pop(name)
            for name, value in columns.items():
                setattr(record, name, value)
            results.append(Rechecked(record.id, before, after))
            touched.append(record)
    return results, _finish(session, added, touched, {"action": workflow.Action.CHECK_AGAIN.value})
