"""Health checks for load balancers and process managers: alive, and ready to decide.

`/healthz` answers 200 while the process serves requests at all (a restart would not
help otherwise). `/readyz` answers 503 while comments cannot be decided as usual: a
model that could not be loaded (comments are then held for review), a database that
does not answer, or one whose migrations are behind this code (a release started
before `moderator db upgrade` ran). A database migrated by a newer release is fine:
migrations only expand the schema ahead of the code that needs them. Neither check
needs a key, and neither tells more than which part is wrong.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from moderator import db, storage
from moderator.db import get_session

bp = Blueprint("health", __name__)

MODEL_UNAVAILABLE = "model unavailable"
DATABASE_UNREACHABLE = "database unreachable"
MIGRATIONS_PENDING = "migrations pending"


def _model_states() -> dict[str, str]:
    """Return each model's version, or "unavailable"."""
    models = current_app.extensions["moderator.models"]
    unavailable = {m.name for m in models.unavailable}
    return {
        m.name: "unavailable" if m.name in unavailable else m.version
        for m in (models.spam, models.medical)
    }


def _migrations_behind() -> bool:
    """Return True when the database lacks migrations this code has (one cheap query)."""
    head = current_app.extensions.setdefault("moderator.head_revision", db.head_revision())
    try:
        return db.schema_state(current_app.extensions["moderator.engine"], head) in (
            "behind",
            "empty",
        )
    except Exception:  # an answer we cannot read is no readiness either
        return True


@bp.get("/healthz")
def healthz():
    """Answer 200 while the process is up, with each model's version or "unavailable"."""
    return jsonify({"status": "ok", "models": _model_states()})


@bp.get("/readyz")
def readyz():
    """Answer 200 when the models are loaded and the database answers, migrated; else 503."""
    models = _model_states()
    reasons = [
        {"reason": MODEL_UNAVAILABLE, "model": name}
        for name, state in models.items()
        if state == "unavailable"
    ]
    if not storage.database_reachable(get_session()):
        reasons.append({"reason": DATABASE_UNREACHABLE})
    elif _migrations_behind():
        reasons.append({"reason": MIGRATIONS_PENDING})
    body = {"status": "unavailable" if reasons else "ready", "models": models, "reasons": reasons}
    response = jsonify(body)
    response.status_code = 503 if reasons else 200
    response.headers["Cache-Control"] = "no-store"
    if reasons:
        response.headers["Retry-After"] = "30"
    return response
