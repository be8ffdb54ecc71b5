"""The admins' Users page at /review/users/: accounts, their sessions, and what admins do to them.

Every change is a form POST with the CSRF token (checked for the whole review page in
`accounts`), answered by a redirect with a notice; refusals (the last admin, a short
password) come back on the page with their reason and the status that says why.
"""

from __future__ import annotations

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
from moderator.storage.schema import User
from moderator.web.accounts import admin_required
from moderator.web.security import now

bp = Blueprint("users", __name__, url_prefix="/review/users")


def _user(user_id: int) -> User:
    user = storage.get_user(get_session(), user_id)
    if user is None:
        abort(404)
    return user


def _done(message: str, target: str | None = None):
    """Log what an admin did, and go back to the page with a notice."""
    current_app.logger.info("%s: %s", g.user.name, message)
    session["notice"] = {"message": message, "undo": []}
    return redirect(target or url_for("users.index"), code=303)


def _refused(user: User, message: str, status: int):
    """Show a user's page again with why the change was refused."""
    return render_template("user.html", **_user_context(user), error=message), status


def _user_context(user: User) -> dict:
    return {
        "user": user,
        "sessions": storage.user_sessions(get_session(), user),
        "current_session_id": g.user_session.id,
        "notice": session.pop("notice", None),
    }


@bp.get("/")
@admin_required
def index():
    """List every account: role, sites, state and open sessions."""
    db = get_session()
    return render_template(
        "users.html",
        users=storage.list_users(db),
        session_counts=storage.session_counts(db),
        notice=session.pop("notice", None),
    )


@bp.get("/<int:user_id>")
@admin_required
def detail(user_id: int):
    """Show one account with its sessions and the forms that change it."""
    return render_template("user.html", **_user_context(_user(user_id)), error="")


@bp.post("/<int:user_id>/disable")
@admin_required
def disable(user_id: int):
    """Disable an account: it cannot log in, and its sessions end now."""
    user = _user(user_id)
    try:
        ended = storage.disable_user(get_session(), user, now())
    except storage.LastAdmin as exc:
        return _refused(user, f"{exc}.", 409)
    return _done(f"Disabled {user.name}; ended {ended} session(s).")


@bp.post("/<int:user_id>/enable")
@admin_required
def enable(user_id: int):
    """Let a disabled account log in again."""
    user = _user(user_id)
    storage.enable_user(get_session(), user)
    return _done(f"Enabled {user.name}.")


@bp.post("/<int:user_id>/delete")
@admin_required
def delete(user_id: int):
    """Delete an account and its sessions (the event log keeps its name)."""
    user = _user(user_id)
    name = user.name
    try:
        storage.delete_user(get_session(), user)
    except storage.LastAdmin as exc:
        return _refused(user, f"{exc}.", 409)
    return _done(f"Deleted {name}.")


@bp.post("/<int:user_id>/password")
@admin_required
def password(user_id: int):
    """Set a new password: every session of the account ends (but the admin's own)."""
    user = _user(user_id)
    new = request.form.get("password", "")
    if new != request.form.get("confirm", ""):
        return _refused(user, "The two passwords differ; nothing changed.", 400)
    problem = storage.password_problem(new)
    if problem:
        return _refused(user, f"Not changed: {problem}.", 400)
    keep = g.user_session if user.id == g.user.id else None
    ended = storage.set_password(get_session(), user, new, keep=keep)
    return _done(
        f"New password for {user.name}; ended {ended} session(s).",
        url_for("users.detail", user_id=user.id),
    )


@bp.post("/<int:user_id>/sessions/end")
@admin_required
def end_sessions(user_id: int):
    """End every session of an account (the admin's own current one stays)."""
    user = _user(user_id)
    db = get_session()
    keep = g.user_session if user.id == g.user.id else None
    ended = storage.end_user_sessions(db, user, keep=keep)
    db.commit()
    return _done(
        f"Ended {ended} session(s) of {user.name}.", url_for("users.detail", user_id=user.id)
    )


@bp.post("/<int:user_id>/sessions/<int:session_id>/end")
@admin_required
def end_one_session(user_id: int, session_id: int):
    """End one session of an account."""
    user = _user(user_id)
    if not storage.end_session_by_id(get_session(), user, session_id):
        abort(404)
    return _done(f"Ended a session of {user.name}.", url_for("users.detail", user_id=user.id))
