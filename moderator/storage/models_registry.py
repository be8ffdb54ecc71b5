"""The model registry's rows, and which sites are trusted.

A version's file lives in the model store (`moderator.learning.registry` writes and
checks it); its row here says where it stands. Promoting retires the version it
replaces in the same transaction, so at most one version per (model, site) is active,
and every change is appended to the version's `history`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderator.core.states import ModelState
from moderator.storage.common import NotFound
from moderator.storage.schema import CommentRecord, ModelVersion, Site, utcnow


@dataclass(frozen=True)
class ActiveVersion:
    """What a server needs to know to serve an active version: which file, which hash."""

    id: int
    name: str
    site_id: int | None
    version: str
    file: str
    sha256: str


def add_version(
    session: Session,
    *,
    name: str,
    site_id: int | None,
    version: str,
    file: str,
    sha256: str,
    trained_from: dict,
    actor: str,
    artifact: bytes | None = None,
    card: dict | None = None,
) -> ModelVersion:
    """Record a newly written candidate (with its file's bytes and card); commit; return it."""
    row = ModelVersion(
        name=name,
        site_id=site_id,
        version=version,
        file=file,
        sha256=sha256,
        artifact=artifact,
        card=card,
        state=ModelState.CANDIDATE.value,
        reason="",
        trained_from=trained_from,
        figures={},
        history=[],
        actor=actor,
    )
    session.add(row)
    session.commit()
    return row


def version_named(session: Session, version: str) -> ModelVersion:
    """Return a version by its name (or its row id, given as digits); raise NotFound."""
    row = session.execute(
        select(ModelVersion).where(ModelVersion.version == version)
    ).scalar_one_or_none()
    if row is None and version.isdigit():
        row = session.get(ModelVersion, int(version))
    if row is None:
        raise NotFound(f"no model version {version}")
    return row


def list_versions(
    session: Session, *, name: str | None = None, site_id: int | None | str = "any"
) -> list[ModelVersion]:
    """Return versions newest first: of one model and one site (None: the shared one)."""
    query = select(ModelVersion).order_by(ModelVersion.id.desc())
    if name is not None:
        query = query.where(ModelVersion.name == name)
    if site_id is None:
        query = query.where(ModelVersion.site_id.is_(None))
    elif site_id != "any":
        query = query.where(ModelVersion.site_id == site_id)
    return list(session.execute(query).scalars())


def decided_scores(session: Session, comment_ids, version: str) -> dict[int, float]:
    """Return the spam score each comment was decided with, for those decided by `version`.

    A training pass reuses them instead of scoring every labelled comment again: the
    score a comment got on arrival is the one the same model would give it now.
    """
    wanted = sorted({i for i in comment_ids if i is not None})
    found: dict[int, float] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(CommentRecord.id, CommentRecord.spam_score).where(
                CommentRecord.id.in_(wanted[start : start + 500]),
                CommentRecord.spam_model_version == version,
            )
        ).all()
        found.update((row.id, float(row.spam_score)) for row in rows)
    return found


def stored_copy(session: Session, version: str) -> tuple[bytes, dict] | None:
    """Return a version's file bytes and card as the database keeps them (None: not kept)."""
    row = session.execute(
        select(ModelVersion.artifact, ModelVersion.card).where(ModelVersion.version == version)
    ).one_or_none()
    if row is None or row.artifact is None or row.card is None:
        return None
    return bytes(row.artifact), dict(row.card)


def active_versions(session: Session) -> list[ActiveVersion]:
    """Return every active version (one small query: servers ask this every few seconds)."""
    rows = session.execute(
        select(
            ModelVersion.id,
            ModelVersion.name,
            ModelVersion.site_id,
            ModelVersion.version,
            ModelVersion.file,
            ModelVersion.sha256,
        )
        .where(ModelVersion.state == ModelState.ACTIVE.value)
        .order_by(ModelVersion.id)
    ).all()
    return [ActiveVersion(*row) for row in rows]


def active_version(session: Session, name: str, site_id: int | None) -> ModelVersion | None:
    """Return the active version of a model for a site (None: the shared one), if any."""
    return session.execute(
        select(ModelVersion).where(
            ModelVersion.name == name,
            _site_is(site_id),
            ModelVersion.state == ModelState.ACTIVE.value,
        )
    ).scalar_one_or_none()


def _site_is(site_id: int | None):
    if site_id is None:
        return ModelVersion.site_id.is_(None)
    return ModelVersion.site_id == site_id


def _note(row: ModelVersion, state: ModelState, actor: str, reason: str) -> None:
    row.state = state.value
    row.reason = reason
    # a new list, so the JSON column is seen as changed
    row.history = [
        *row.history,
        {"at": utcnow().isoformat(), "actor": actor, "to": state.value, "reason": reason},
    ]


def promote(session: Session, row: ModelVersion, actor: str, reason: str) -> ModelVersion | None:
    """Make a version the active one of its model and site; commit.

    The version it replaces is retired in the same transaction; returns that one (or None).
    """
    previous = active_version(session, row.name, row.site_id)
    if previous is not None and previous.id != row.id:
        _note(previous, ModelState.RETIRED, actor, f"replaced by {row.version}")
    _note(row, ModelState.ACTIVE, actor, reason)
    row.promoted_at = utcnow()
    session.commit()
    return previous if previous is not None and previous.id != row.id else None


def refuse(session: Session, row: ModelVersion, actor: str, reason: str) -> None:
    """Keep a version as refused, with the reason; commit."""
    _note(row, ModelState.REFUSED, actor, reason)
    session.commit()


def rollback(session: Session, name: str, site_id: int | None, actor: str) -> ModelVersion | None:
    """Retire the active version and bring back the one it replaced; commit.

    Returns the version now active, or None when the site is back to no version of its
    own (the shared model alone). Raises NotFound when nothing is active.
    """
    current = active_version(session, name, site_id)
    if current is None:
        raise NotFound("no active version to roll back")
    earlier = session.execute(
        select(ModelVersion)
        .where(
            ModelVersion.name == name,
            _site_is(site_id),
            ModelVersion.state == ModelState.RETIRED.value,
            ModelVersion.promoted_at.is_not(None),
            ModelVersion.id < current.id,
        )
        .order_by(ModelVersion.promoted_at.desc(), ModelVersion.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    _note(current, ModelState.RETIRED, actor, "rolled back")
    if earlier is not None:
        _note(earlier, ModelState.ACTIVE, actor, f"restored by rolling back {current.version}")
        earlier.promoted_at = utcnow()
    session.commit()
    return earlier


def set_trusted(session: Session, site: Site, trusted: bool) -> None:
    """Mark whether a site's labels train the shared model; commit."""
    site.trusted = bool(trusted)
    session.commit()


def trusted_site_ids(session: Session) -> list[int]:
    """Return the ids of the sites whose labels train the shared model."""
    return list(session.execute(select(Site.id).where(Site.trusted.is_(True))).scalars())
