"""Review-page accounts: login and logout, lock-out, sessions, CSRF, and access checks.

CSRF: a random token per session, kept in Flask's signed session cookie and compared in
constant time with the `csrf_token` form field or the `X-CSRF-Token` header of every
POST under /review/. This needs no extra dependency (Flask-WTF's CSRFProtect would do
the same job but brings WTForms along for one check), and the SameSite=Lax cookie is a
second line of defence.

Lock-out: failed logins are counted in the users table (`failed_logins`, `locked_until`)
with an atomic SQL increment, so every app server enforces the same limit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.security import check_password_hash, generate_password_hash

from moderator import storage
from moderator.db import get_session
from moderator.storage.schema import User

bp = Blueprint("accounts", __name__, url_prefix="/review")

#: A hash to check against when the name is unknown, so both paths cost the same time.
_DUMMY_HASH = generate_password_hash("not a real password")


# -- passwords and lock-out -------------------------------------------------------------


def authenticate(name: str, password: str) -> tuple[User | None, str]:
    """Check a name and password; return the user, or None and why the login failed.

    While an account is locked even the right password is refused, and the failure
    is not counted again, so a lock-out does not extend itself.
    """
    db = get_session()
    user = storage.user_by_name(db, name.strip())
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None, "Wrong name or password."
    if storage.locked_until(user) is not None:
        return None, "Too many failed logins. Try again later."
    if not check_password_hash(user.password_hash, password):
        locked = storage.record_failed_login(
            db,
            user,
            max_failures=int(current_app.config["LOGIN_MAX_FAILURES"]),
            lockout_seconds=int(current_app.config["LOGIN_LOCKOUT_SECONDS"]),
        )
        if locked:
            return None, "Too many failed logins. Try again later."
        return None, "Wrong name or password."
    storage.record_login(db, user)
    return user, ""


def _password_stamp(user: User) -> str:
    """Return a short fingerprint of the password hash: a new password ends old sessions."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


# -- sessions and CSRF ----------------------------------------------------------------


def csrf_token() -> str:
    """Return this session's CSRF token, creating it on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """Abort with 400 unless a POST carries this session's CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, "The form expired or did not come from this page. Reload and try again.")


def load_user() -> None:
    """Set g.user and g.site_ids from the session (None and () when logged out)."""
    g.user, g.site_ids = None, ()
    user_id = session.get("user_id")
    if user_id is None:
        return
    user = storage.get_user(get_session(), int(user_id))
    if user is None or session.get("stamp") != _password_stamp(user):
        session.clear()
        return
    g.user = user
    g.site_ids = storage.user_site_ids(get_session(), user)


def login_required(view):
    """Send anonymous visitors to the login page (JSON callers get 401)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("user") is None:
            if request.accept_mimetypes.best == "application/json":
                abort(401)
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def require_site(site_id: int) -> int:
    """Return the site id when the user may see it; 404 otherwise (no hint it exists)."""
    if site_id not in g.site_ids:
        abort(404)
    return site_id


def safe_next(target: str | None, default: str) -> str:
    """Return a redirect target inside the review page, never another host."""
    if target and target.startswith("/review") and not target.startswith("//"):
        if "\\" not in target and "\n" not in target and "\r" not in target:
            return target
    return default


@bp.before_app_request
def _before_review_request():
    if request.blueprint in ("accounts", "review"):
        load_user()
        check_csrf()


@bp.app_context_processor
def _template_globals():
    return {"csrf_token": csrf_token, "current_user": g.get("user")}


# -- views ------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on POST check the password and start a session."""
    target = safe_next(request.values.get("next"), url_for("review.queue"))
    if g.user is not None and request.method == "GET":
        return redirect(target)
    error = ""
    if request.method == "POST":
        retry_after = storage.take_request(
            get_session(),
            f"login:{request.remote_addr}",
            int(current_app.config["LOGIN_ATTEMPTS_PER_MINUTE"]),
            time.time(),
        )
        if retry_after:
            message = f"Too many login attempts from your address. Try again in {retry_after} s."
            response = make_response(render_template("login.html", error=message, next=target))
            response.status_code = 429
            response.headers["Retry-After"] = str(retry_after)
            return response
        user, error = authenticate(request.form.get("name", ""), request.form.get("password", ""))
        if user is not None:
            # A fresh session on every login: nothing from before survives.
            session.clear()
            session["user_id"] = user.id
            session["stamp"] = _password_stamp(user)
            csrf_token()
            return redirect(target, code=303)
    status = 401 if error else 200
    return render_template("login.html", error=error, next=target), status


@bp.post("/logout")
def logout():
    """End the session."""
    session.clear()
    return redirect(url_for("accounts.login"), code=303)
