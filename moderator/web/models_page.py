"""The admins' Models page at /review/models/: learned versions, their figures, promote, roll back.

Versions are grouped by scope (the shared layer, then each site), newest first, each
with when and from which labels it was trained, the gate's figures and plots for it
beside the model active when it was judged (drawn as inline SVG from the geometry of
`plots`), and its history. Promote and roll back are form POSTs with the CSRF token
(checked for the whole review page in `accounts`); a version whose file no longer
matches the registry is refused with the reason.
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from moderator import storage
from moderator.db import get_session
from moderator.learning import registry
from moderator.ml.modelfile import ModelError
from moderator.storage import models_registry
from moderator.web.accounts import admin_required
from moderator.web.plots import version_plots

bp = Blueprint("models_page", __name__, url_prefix="/review/models")

#: The learned model (the medical model is not learned from labels).
MODEL = "spam"

#: Versions shown per scope, newest first (the active one is always shown): retraining
#: every few dozen labels makes hundreds in a year, and `moderator models list` has them all.
SHOWN_PER_SCOPE = 10


def _done(message: str):
    """Log what an admin did, and go back to the page with a notice."""
    current_app.logger.info("%s: %s", g.user.name, message)
    session["notice"] = {"message": message, "undo": []}
    return redirect(url_for("models_page.index"), code=303)


@bp.get("/")
@admin_required
def index():
    """List every version by scope, with figures and plots side by side and the history."""
    db = get_session()
    sites = {site.id: site for site in storage.list_sites(db)}
    versions = models_registry.list_versions(db, name=MODEL)
    scopes: dict = {None: []}
    for site_id in sites:
        scopes[site_id] = []
    hidden: dict = {}
    for version in versions:
        shown = scopes.setdefault(version.site_id, [])
        if len(shown) < SHOWN_PER_SCOPE or version.state == "active":
            shown.append(version)
        else:
            hidden[version.site_id] = hidden.get(version.site_id, 0) + 1
    learned = current_app.extensions["moderator.learned"]
    return render_template(
        "models.html",
        scopes=scopes,
        hidden=hidden,
        sites=sites,
        plots={
            version.id: version_plots(version.figures, version.trained_from)
            for shown in scopes.values()
            for version in shown
        },
        serving=learned.serving(),
        check_seconds=learned.check_seconds,
        notice=session.pop("notice", None),
        error="",
    )


@bp.post("/<int:version_id>/promote")
@admin_required
def promote(version_id: int):
    """Make a version active after checking its file; the one it replaces is retired."""
    db = get_session()
    try:
        row = models_registry.version_named(db, str(version_id))
    except storage.NotFound:
        abort(404)
    try:
        registry.load_layer(
            Path(current_app.config["LEARNED_MODEL_DIR"]),
            row.version,
            row.sha256,
            fetch=lambda: models_registry.stored_copy(db, row.version),
        )
    except ModelError as exc:
        return _done(f"Not promoted: {row.version} cannot be loaded ({exc}).")
    models_registry.promote(db, row, g.user.name, f"promoted by {g.user.name}")
    return _done(f"{row.version} is active; every server serves it within a minute.")


@bp.post("/rollback")
@admin_required
def rollback():
    """Retire a scope's active version and bring back the one before it."""
    raw = request.form.get("site_id", "")
    site_id = None
    if raw:
        if not raw.isdigit():
            abort(400)
        site_id = int(raw)
    try:
        restored = models_registry.rollback(get_session(), MODEL, site_id, g.user.name)
    except storage.NotFound:
        return _done("Nothing to roll back: no learned version is active there.")
    if restored is None:
        return _done("Rolled back: no learned version of its own serves there any more.")
    return _done(f"Rolled back: {restored.version} is active again.")
