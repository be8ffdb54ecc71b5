"""Review-page accounts: login and logout, sessions, throttling, CSRF, and access checks.

Sessions: Flask's signed cookie carries a random session token (and the CSRF token); the
session itself is a row in the database (`storage.sessions`), checked on every request.
Logging out ends it; a new password, a disabled or deleted account end all of the
user's sessions; SESSION_IDLE_SECONDS and SESSION_ABSOLUTE_SECONDS end them on time.
Every app server reads the same rows, so an ended session is ended everywhere at once.

Throttling, not lock-out: failed logins slow down the address they come from
(`storage.throttle`), never the account, so no one can lock a moderator out. Unknown
names, wrong passwords and disabled accounts get the same answer after the same work
(a password hash check each).

CSRF: a random token per session, kept in the signed cookie and compared in constant
time with the `csrf_token` form field or the `X-CSRF-Token` header of every POST under
/review/. This needs no extra dependency (Flask-WTF's CSRFProtect would do the same job
but brings WTForms along for one check), and the SameSite=Lax cookie is a second line of
defence.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
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

from moderator import storage
from moderator.core.states import Role
from moderator.db import get_session
from moderator.storage.schema import User
from moderator.web.security import SESSION_BLUEPRINTS, client_address, now

bp = Blueprint("accounts", __name__, url_prefix="/review")

WRONG_LOGIN = "Wrong name or password."


# -- settings read per request ----------------------------------------------------------


def timeouts() -> storage.Timeouts:
    """Return the configured session timeouts."""
    config = current_app.config
    return storage.Timeouts(
        idle=timedelta(seconds=int(config["SESSION_IDLE_SECONDS"])),
        absolute=timedelta(seconds=int(config["SESSION_ABSOLUTE_SECONDS"])),
    )


def login_policy() -> storage.ThrottlePolicy:
    """Return how failed logins from one address are slowed down."""
    config = current_app.config
    return storage.ThrottlePolicy(
        free_failures=int(config["LOGIN_FREE_FAILURES"]),
        max_delay=int(config["LOGIN_MAX_DELAY_SECONDS"]),
    )


# -- passwords --------------------------------------------------------------------------


def authenticate(name: str, password: str) -> User | None:
    """Return the active user this name and password belong to, or None.

    Unknown, disabled and wrong all cost one hash check and return None alike.
    """
    db = get_session()
    user = storage.user_by_name(db, name.strip())
    return user if storage.check_password(db, user, password) else None


def _login_bucket() -> str:
    return storage.address_bucket("login", client_address())


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


def background(view):
    """Mark a view the page calls on its own (a poll): it does not keep a session alive."""
    view.background = True
    return view


def load_user() -> None:
    """Set g.user, g.user_session and g.site_ids from the session (None, None, () if none)."""
    g.user, g.user_session, g.site_ids = None, None, ()
    token = session.get("sid")
    if not token:
        return
    view = current_app.view_functions.get(request.endpoint)
    db = get_session()
    row = storage.session_for_token(
        db, token, now(), timeouts(), touch=not getattr(view, "background", False)
    )
    if row is None:
        # Keep the CSRF token: the page's next POST then learns that the session ended
        # (401) rather than that the form expired.
        session.pop("sid", None)
        return
    g.user, g.user_session = row.user, row
    g.site_ids = storage.user_site_ids(db, row.user)


def start_session(user: User) -> None:
    """Log a user in: a fresh cookie (nothing from before survives) and a session row."""
    db = get_session()
    storage.end_expired_sessions(db, now(), timeouts())
    token = storage.start_session(
        db,
        user,
        now(),
        address=client_address(),
        user_agent=request.headers.get("User-Agent", ""),
    )
    session.clear()
    session.permanent = True
    session["sid"] = token
    csrf_token()


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


def admin_required(view):
    """Let only admins in (anonymous visitors go to the login page, moderators get 403)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if g.user.role != Role.ADMIN.value:
            abort(403, "Only admins manage accounts.")
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


@bp.record_once
def _prepare_password_checks(state) -> None:
    storage.dummy_password_hash(state.app.config["PASSWORD_HASH_METHOD"])


@bp.before_app_request
def _before_review_request():
    if request.blueprint in SESSION_BLUEPRINTS:
        load_user()
        check_csrf()


@bp.app_context_processor
def _template_globals():
    return {
        "csrf_token": csrf_token,
        "current_user": g.get("user"),
        "is_admin": g.get("user") is not None and g.user.role == Role.ADMIN.value,
    }


# -- views ------------------------------------------------------------------------------


def _login_refused(message: str, status: int, target: str, retry_after: int = 0):
    response = make_response(render_template("login.html", error=message, next=target), status)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on POST check the password and start a session."""
    target = safe_next(request.values.get("next"), url_for("review.queue"))
    if g.user is not None and request.method == "GET":
        return redirect(target)
    if request.method == "GET":
        return render_template("login.html", error="", next=target)
    db = get_session()
    moment = now().timestamp()
    busy = storage.take_request(
        db,
        storage.address_bucket("login-rate", client_address()),
        int(current_app.config["LOGIN_ATTEMPTS_PER_MINUTE"]),
        moment,
    )
    if busy:
        message = f"Too many login attempts from your address. Try again in {busy} s."
        return _login_refused(message, 429, target, busy)
    bucket = _login_bucket()
    wait = storage.wait_seconds(db, bucket, moment)
    if wait:
        message = f"Too many failed logins from your address. Try again in {wait} s."
        return _login_refused(message, 429, target, wait)
    user = authenticate(request.form.get("name", ""), request.form.get("password", ""))
    if user is None:
        delay = storage.record_failure(db, bucket, login_policy(), moment)
        # For fail2ban and the like: the address, never the name or password tried.
        current_app.logger.warning("failed login from %s (next try in %d s)", bucket, delay)
        return _login_refused(WRONG_LOGIN, 401, target)
    start_session(user)
    return redirect(target, code=303)


@bp.post("/logout")
def logout():
    """End every session of the user, on every device and app server (issue 19: logout,
    like a new password, disabling or deleting, ends them all at once)."""
    token = session.get("sid")
    if token:
        db = get_session()
        storage.end_session(db, token)
        user = getattr(g, "user", None)
        if user is not None:
            storage.end_user_sessions(db, user)
            db.commit()
    session.clear()
    return redirect(url_for("accounts.login"), code=303)


# -- your account -----------------------------------------------------------------------


def _account_page(error: str = "", status: int = 200):
    config = current_app.config
    page = render_template(
        "account.html",
        sessions=storage.user_sessions(get_session(), g.user),
        current_session_id=g.user_session.id,
        idle_hours=round(int(config["SESSION_IDLE_SECONDS"]) / 3600, 1),
        absolute_hours=round(int(config["SESSION_ABSOLUTE_SECONDS"]) / 3600, 1),
        notice=session.pop("notice", None),
        error=error,
    )
    return page, status


def _back_to_account(message: str):
    session["notice"] = {"message": message, "undo": []}
    return redirect(url_for("accounts.account"), code=303)


@bp.get("/account")
@login_required
def account():
    """Show the user's own sessions and the form to change their password."""
    return _account_page()


@bp.post("/account/password")
@login_required
def change_password():
    """Change one's own password (the current one first); the other sessions end.

    A wrong current password counts as a failed login from this address, so a borrowed
    session cannot be used to guess it.
    """
    db = get_session()
    moment = now().timestamp()
    bucket = _login_bucket()
    wait = storage.wait_seconds(db, bucket, moment)
    if wait:
        return _account_page(f"Too many failed tries from your address. Wait {wait} s.", 429)
    if not storage.check_password(db, g.user, request.form.get("current", "")):
        storage.record_failure(db, bucket, login_policy(), moment)
        return _account_page("Your current password was wrong; nothing changed.", 400)
    new = request.form.get("password", "")
    if new != request.form.get("confirm", ""):
        return _account_page("The two new passwords differ; nothing changed.", 400)
    problem = storage.password_problem(new)
    if problem:
        return _account_page(f"Not changed: {problem}.", 400)
    ended = storage.set_password(db, g.user, new, keep=g.user_session)
    return _back_to_account(f"Password changed; ended {ended} other session(s).")


@bp.post("/account/sessions/<int:session_id>/end")
@login_required
def end_own_session(session_id: int):
    """End one of the user's other sessions (a browser left logged in elsewhere)."""
    if not storage.end_session_by_id(get_session(), g.user, session_id):
        abort(404)
    return _back_to_account("Ended that session.")


@bp.post("/account/sessions/end")
@login_required
def end_other_sessions():
    """Log the user out everywhere but here."""
    db = get_session()
    ended = storage.end_user_sessions(db, g.user, keep=g.user_session)
    db.commit()
    return _back_to_account(f"Ended {ended} other session(s).")
