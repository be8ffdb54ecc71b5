"""What the moderators taught: labels read back as training examples.

Every source writes labels the same way (`changes.add_label`: review page, API feedback,
Akismet submit-spam/submit-ham, imports, the WordPress bridge); test traffic never
becomes one. A label keeps a copy of its comment, so it trains a model after the
comment is deleted. Read back here, they are one example per distinct text: the latest
ruling on a text wins over earlier ones (a moderator who corrects a click, a comment
labelled by WordPress and again on the review page), and a campaign posted fifty times
counts once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderator.core.comment import Comment, content_fingerprint
from moderator.core.states import LabelKind, LabelSource
from moderator.storage.schema import LABEL_SNAPSHOT, Label


@dataclass(frozen=True)
class LabelledExample:
    """One comment and the latest ruling on its text."""

    label_id: int
    site_id: int
    comment_id: int | None  # None once the comment was deleted
    comment: Comment
    value: bool  # for LabelKind.SPAM: True spam, False genuine
    source: LabelSource
    actor: str
    created_at: datetime


def training_examples(
    session: Session,
    *,
    kind: LabelKind = LabelKind.SPAM,
    site_ids: Iterable[int] | None = None,
    since_label_id: int = 0,
) -> list[LabelledExample]:
    """Return one example per distinct text among the labels of `kind`, oldest first.

    `site_ids` limits the labels read (None: every site); among them, the latest label
    on a text (by normalised content, `core.comment.content_fingerprint`) wins and the
    others are dropped. `since_label_id` then keeps the examples whose winning label is
    newer than that id (the labels a model has not seen).
    """
    query = select(Label).where(Label.kind == LabelKind(kind).value).order_by(Label.id)
    if site_ids is not None:
        query = query.where(Label.site_id.in_(list(site_ids)))
    latest: dict[str, Label] = {}
    for label in session.execute(query.execution_options(yield_per=1000)).scalars():
        key = content_fingerprint(label.content)
        latest.pop(key, None)  # re-inserted last: the dict stays in label order
        latest[key] = label
    return [_example(label) for label in latest.values() if label.id > since_label_id]


def labels_since(session: Session, site_id: int | None, label_id: int) -> int:
    """Return how many labels (of any kind) were written after `label_id`, on one site or all."""
    query = select(func.count()).select_from(Label).where(Label.id > label_id)
    if site_id is not None:
        query = query.where(Label.site_id == site_id)
    return int(session.execute(query).scalar_one())


def latest_label_id(session: Session) -> int:
    """Return the id of the newest label (0 when there is none)."""
    return int(session.execute(select(func.max(Label.id))).scalar_one() or 0)


def _example(label: Label) -> LabelledExample:
    copy = label.fields or {}
    comment = Comment.from_mapping(
        {"content": label.content, **{name: copy.get(name, "") for name in LABEL_SNAPSHOT}}
    )
    return LabelledExample(
        label_id=label.id,
        site_id=label.site_id,
        comment_id=label.comment_id,
        comment=comment,
        value=bool(label.value),
        source=LabelSource(label.source),
        actor=label.actor,
        created_at=label.created_at,
    )
