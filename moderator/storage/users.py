"""Review-page accounts, their sites, and the lock-out state every app server shares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from moderator.storage.common import Conflict
from moderator.storage.schema import (
    Role,
    Site,
    User,
    utcnow,
)


def create_user(
    session: Session, name: str, password: str, role: Role = Role.MODERATOR, sites=()
) -> User:
    """Create a review-page user with a hashed password; commit; raise Conflict if taken."""
    user = User(name=name, password_hash=generate_password_hash(password), role=Role(role).value)
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


# Accounts: lock-out state lives in the users table, so every app server sees it.


def user_by_name(session: Session, name: str) -> User | None:
    """Return the review-page user with this name, or None."""
    if not name or len(name) > 150:
        return None
    return session.execute(select(User).where(User.name == name)).scalar_one_or_none()


def get_user(session: Session, user_id: int) -> User | None:
    """Return a review-page user by id, or None."""
    return session.get(User, user_id)


def user_site_ids(session: Session, user: User) -> tuple[int, ...]:
    """Return the ids of the sites a user may see: every site for an admin."""
    if user.role == Role.ADMIN.value:
        return tuple(session.execute(select(Site.id).order_by(Site.id)).scalars())
    return tuple(sorted(site.id for site in user.sites))


def record_failed_login(
    session: Session, user: User, *, max_failures: int, lockout_seconds: int
) -> bool:
    """Count a failed login (atomically, in SQL); lock the account at the limit; commit.

    Return True when this failure locked the account.
    """
    session.execute(
        update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
    )
    session.refresh(user)
    locked = user.failed_logins >= max_failures
    if locked:
        user.failed_logins = 0
        user.locked_until = utcnow() + timedelta(seconds=lockout_seconds)
    session.commit()
    return locked


def record_login(session: Session, user: User) -> None:
    """Clear a user's failed logins and lock after a successful login; commit."""
    user.failed_logins = 0
    user.locked_until = None
    session.commit()


def locked_until(user: User) -> datetime | None:
    """Return when a user's lock-out ends, or None when the account is not locked."""
    until = user.locked_until
    if until is None:
        return None
    if until.tzinfo is None:  # SQLite hands back naive UTC
        until = until.replace(tzinfo=UTC)
    return until if until > utcnow() else None
