"""The background retraining pass the worker runs (`retrain_due`), one pass per call.

A site is retrained when it has `RETRAIN_AFTER_LABELS` labels newer than those its last
version learned from, or when it has any newer label and its last version is older
than `RETRAIN_EVERY_SECONDS`. The shared layer follows the same rule over the trusted
sites' labels. The worker (issue 21) makes sure one pass runs at a time across servers.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from moderator.learning.train import MODEL, LearningSettings, Outcome, train_from_labels
from moderator.storage import models_registry as rows
from moderator.storage.labels import labels_since
from moderator.storage.schema import Site

log = logging.getLogger(__name__)

#: Who the registry says trained a version the background pass made.
ACTOR = "system:retrain"


def retrain_due(app, now: datetime | None = None) -> str:
    """Retrain every scope (shared, then each site) that is due; return a summary line.

    Takes the Flask app only for its config, its models and its sessions (no request).
    """
    return summary(retrain_due_outcomes(app, now))


def summary(outcomes: list[Outcome]) -> str:
    """Return one line telling what a retraining pass did."""
    if not outcomes:
        return "retrain: nothing due"
    return "retrain: " + "; ".join(
        f"{o.scope} {o.state}" + (f" {o.version}" if o.version else "") for o in outcomes
    )


def retrain_due_outcomes(app, now: datetime | None = None) -> list[Outcome]:
    """Retrain every scope that is due and return each one's outcome (see `retrain_due`)."""
    config = app.config
    settings = LearningSettings.from_config(config)
    base = app.extensions["moderator.models"]
    now = now or datetime.now(UTC)
    session = app.extensions["moderator.sessions"]()
    try:
        outcomes: list[Outcome] = []
        if _due(session, None, rows.trusted_site_ids(session), config, now):
            outcomes.append(train_from_labels(session, base, settings, None, ACTOR))
        for site in session.query(Site).order_by(Site.id):
            if _due(session, site.id, [site.id], config, now):
                outcomes.append(train_from_labels(session, base, settings, site, ACTOR))
    finally:
        session.close()
    for outcome in outcomes:
        log.warning("retraining %s", outcome.describe().splitlines()[0])
    return outcomes


def _due(session, site_id: int | None, label_sites: list[int], config, now: datetime) -> bool:
    """Whether a scope has enough new labels, or new labels and an old enough version."""
    if not label_sites:
        return False
    last = next(iter(rows.list_versions(session, name=MODEL, site_id=site_id)), None)
    seen = int(last.trained_from.get("newest_label_id", 0)) if last is not None else 0
    new = sum(labels_since(session, sid, seen) for sid in label_sites)
    if new == 0:
        return False
    if new >= int(config["RETRAIN_AFTER_LABELS"]):
        return True
    every = float(config["RETRAIN_EVERY_SECONDS"])
    if every <= 0:
        return False
    if last is None:
        return False  # never trained: wait for RETRAIN_AFTER_LABELS labels first
    return now - last.created_at >= timedelta(seconds=every)
