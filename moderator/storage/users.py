"""Review-page accounts: who they are, their sites, their passwords, disabling and deleting.

Passwords are hashed with the method the session's `info["password_method"]` names (the
app sets it from its PASSWORD_HASH_METHOD setting), werkzeug's scrypt by default. Every
change that should end a user's sessions (a new password, disabling, deleting) ends them
here, in the same transaction.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from moderator.storage.common import Conflict
from moderator.storage.schema import (
    Role,
    Site,
    User,
    utcnow,
)
from moderator.storage.sessions import end_user_sessions

#: werkzeug's default: scrypt with n=32768, about a twentieth of a second per hash.
DEFAULT_PASSWORD_METHOD = "scrypt"
PASSWORD_MIN_LENGTH = 8
#: Longer passwords only cost hashing time; no one types 1,000 characters.
PASSWORD_MAX_LENGTH = 1000
NAME_MAX_LENGTH = 150


#: How the review page lays out a queue: a card per comment, or one line each.
REVIEW_LAYOUTS = ("cards", "list")
#: How many comments a review page shows (WordPress's Screen Options, in steps).
PAGE_SIZES = (25, 50, 100, 200)


@dataclass(frozen=True)
class ReviewPreferences:
    """How one user likes the review page: its layout and page size, kept in the database."""

    layout: str = REVIEW_LAYOUTS[0]
    per_page: int = PAGE_SIZES[0]

    @classmethod
    def from_dict(cls, data: dict | None) -> ReviewPreferences:
        """Read stored preferences, falling back to the defaults for anything unknown."""
        data = data if isinstance(data, dict) else {}
        layout = data.get("layout")
        per_page = data.get("per_page")
        return cls(
            layout if layout in REVIEW_LAYOUTS else cls.layout,
            per_page if per_page in PAGE_SIZES and not isinstance(per_page, bool) else cls.per_page,
        )


def review_preferences(user: User) -> ReviewPreferences:
    """Return how a user likes the review page."""
    return ReviewPreferences.from_dict((user.preferences or {}).get("review"))


def set_review_preferences(
    session: Session, user: User, *, layout: str | None = None, per_page: int | None = None
) -> ReviewPreferences:
    """Remember a user's review layout and page size (ValueError for others); commit."""
    if layout is not None and layout not in REVIEW_LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(REVIEW_LAYOUTS)}")
    if per_page is not None and per_page not in PAGE_SIZES:
        raise ValueError(f"page size must be one of {', '.join(map(str, PAGE_SIZES))}")
    now = review_preferences(user)
    chosen = ReviewPreferences(layout or now.layout, per_page or now.per_page)
    user.preferences = {
        **(user.preferences or {}),
        "review": {"layout": chosen.layout, "per_page": chosen.per_page},
    }
    session.commit()
    return chosen


class LastAdmin(Conflict):
    """The change would leave no active admin to manage the others."""


def password_problem(password: str) -> str | None:
    """Return why a new password is refused, or None when it is acceptable."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"the password must have at least {PASSWORD_MIN_LENGTH} characters"
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"the password must have at most {PASSWORD_MAX_LENGTH} characters"
    return None


def _hash(session: Session, password: str) -> str:
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    return generate_password_hash(password, method=_method(session))


def _method(session: Session) -> str:
    return session.info.get("password_method") or DEFAULT_PASSWORD_METHOD


@functools.cache
def dummy_password_hash(method: str) -> str:
    """Return a hash to check when the name is unknown, made with the same work factor.

    Made once per process; the app makes it at start, so that the first unknown name
    costs no more than the others.
    """
    return generate_password_hash("no account has this password", method=method)


def check_password(session: Session, user: User | None, password: str) -> bool:
    """Return True when the password is the user's and the account is active.

    An unknown name (None) and a disabled account cost a hash check too, so the time an
    answer takes says nothing about which names exist.
    """
    stored = user.password_hash if user is not None else dummy_password_hash(_method(session))
    # Longer than any password can be: checked (for the time) but never accepted.
    too_long = len(password) > PASSWORD_MAX_LENGTH
    matches = check_password_hash(stored, password[:PASSWORD_MAX_LENGTH]) and not too_long
    return matches and user is not None and user.active


def create_user(
    session: Session, name: str, password: str, role: Role = Role.MODERATOR, sites=()
) -> User:
    """Create a review-page user with a hashed password; commit.

    Raises Conflict if the name is taken, ValueError if the password is refused.
    """
    name = name.strip()
    if not name or len(name) > NAME_MAX_LENGTH or not name.isprintable():
        raise ValueError(f"a name has 1 to {NAME_MAX_LENGTH} printable characters")
    user = User(name=name, password_hash=_hash(session, password), role=Role(role).value)
    user.sites = list(sites)
    session.add(user)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(f"user {name!r} already exists") from exc
    return user


def count_rows(session: Session) -> dict[str, int]:
    """Return how many sites and users exist (for the first-start hint)."""
    return {
        "sites": session.execute(select(func.count()).select_from(Site)).scalar_one(),
        "users": session.execute(select(func.count()).select_from(User)).scalar_one(),
    }


def user_by_name(session: Session, name: str) -> User | None:
    """Return the review-page user with this name, or None."""
    if not name or len(name) > NAME_MAX_LENGTH:
        return None
    return session.execute(select(User).where(User.name == name)).scalar_one_or_none()


def get_user(session: Session, user_id: int) -> User | None:
    """Return a review-page user by id, or None."""
    return session.get(User, user_id)


def list_users(session: Session) -> list[User]:
    """Return every review-page user, by name."""
    return list(session.execute(select(User).order_by(User.name)).scalars())


def user_site_ids(session: Session, user: User) -> tuple[int, ...]:
    """Return the ids of the sites a user may see: every site for an admin."""
    if user.role == Role.ADMIN.value:
        return tuple(session.execute(select(Site.id).order_by(Site.id)).scalars())
    return tuple(sorted(site.id for site in user.sites))


def set_password(session: Session, user: User, password: str, *, keep=None) -> int:
    """Give a user a new password and end their sessions (but `keep`); commit.

    Returns how many sessions ended. Raises ValueError if the password is refused.
    """
    user.password_hash = _hash(session, password)
    ended = end_user_sessions(session, user, keep=keep)
    session.commit()
    return ended


def disable_user(session: Session, user: User, now: datetime | None = None) -> int:
    """Disable an account and end its sessions; commit; return how many sessions ended.

    Raises LastAdmin (and changes nothing) rather than disable the last active admin.
    """
    with _an_admin_stays(session, user):
        if user.disabled_at is None:
            user.disabled_at = now or utcnow()
        ended = end_user_sessions(session, user)
    session.commit()
    return ended


def enable_user(session: Session, user: User) -> None:
    """Let a disabled account log in again; commit."""
    user.disabled_at = None
    session.commit()


def delete_user(session: Session, user: User) -> None:
    """Delete an account with its sessions (the event log keeps its name); commit.

    Raises LastAdmin (and changes nothing) rather than delete the last active admin.
    """
    with _an_admin_stays(session, user):
        end_user_sessions(session, user)
        session.delete(user)
    session.commit()


@contextmanager
def _an_admin_stays(session: Session, user: User):
    """Make a change to `user`, then undo it and raise LastAdmin if no active admin is left.

    Two admins disabling each other at once must not both succeed. On PostgreSQL the
    active admins' rows are locked first (FOR UPDATE), so the second waits and then sees
    the first's change. On SQLite, which ignores FOR UPDATE, the change is written before
    the count: SQLite lets one transaction write at a time, so the second one's count
    comes after the first one's commit.
    """
    guarded = user.role == Role.ADMIN.value and user.active
    if guarded:
        session.execute(
            select(User.id)
            .where(User.role == Role.ADMIN.value, User.disabled_at.is_(None))
            .with_for_update()
        ).all()
    yield
    if not guarded:
        return
    session.flush()
    left = session.execute(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN.value, User.disabled_at.is_(None))
    ).scalar_one()
    if not left:
        session.rollback()
        raise LastAdmin(f"{user.name} is the last active admin; make another admin first")
