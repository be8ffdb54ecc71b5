"""Logged-in sessions, kept in the database so that every app server can end them at once.

The browser's cookie carries a random token; the table keeps only its sha256, so a copy
of the database opens no session. A session ends when its user logs out, after
`idle` seconds without a request, `absolute` seconds after the login, or when its user
gets a new password, is disabled or deleted.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session, joinedload

from moderator.storage.schema import User, UserSession

#: A request refreshes `last_seen_at` only when it is older than this, so that a page's
#: requests do not each write to the database (the idle timeout is this much coarser).
TOUCH_EVERY = timedelta(seconds=60)
USER_AGENT_LIMIT = 300
ADDRESS_LIMIT = 64


@dataclass(frozen=True)
class Timeouts:
    """How long a session lives: without a request (`idle`) and at most (`absolute`)."""

    idle: timedelta
    absolute: timedelta

    def expired(self, row: UserSession, now: datetime) -> bool:
        """Return True when the session has been idle or alive too long."""
        return (
            now - _aware(row.last_seen_at) >= self.idle
            or now - _aware(row.created_at) >= self.absolute
        )


def _aware(moment: datetime) -> datetime:
    """Return a stored time as aware UTC (SQLite hands back naive UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def token_hash(token: str) -> str:
    """Return the stored form of a session token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start_session(
    session: Session, user: User, now: datetime, *, address: str = "", user_agent: str = ""
) -> str:
    """Open a session for a user who just logged in; commit; return its token (for the cookie)."""
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            address=address[:ADDRESS_LIMIT],
            user_agent=user_agent[:USER_AGENT_LIMIT],
        )
    )
    session.commit()
    return token


def session_for_token(
    session: Session, token: str, now: datetime, timeouts: Timeouts, *, touch: bool = True
) -> UserSession | None:
    """Return the live session a cookie's token opens, or None; end it if it expired.

    `touch` marks the request as the user's activity (a page's background poll is not).
    Commits when it ends or refreshes the session.
    """
    if not token or len(token) > 100:
        return None
    row = session.execute(
        select(UserSession)
        .options(joinedload(UserSession.user))  # every request needs both: one query
        .where(UserSession.token_hash == token_hash(token))
    ).scalar_one_or_none()
    if row is None:
        return None
    # Statements by id, not the ORM's unit of work: another request may end this session
    # meanwhile (a logout in another tab), and then they simply change no row.
    if timeouts.expired(row, now) or not row.user.active:
        session.execute(delete(UserSession).where(UserSession.id == row.id))
        session.commit()
        return None
    if touch and now - _aware(row.last_seen_at) >= TOUCH_EVERY:
        session.execute(
            update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now)
        )
        session.commit()
    return row


def end_session(session: Session, token: str) -> None:
    """End the session a token opens (logging out); commit."""
    session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))
    session.commit()


def end_session_by_id(session: Session, user: User, session_id: int) -> bool:
    """End one of a user's sessions by its id; commit; return False if there is none."""
    ended = session.execute(
        delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id)
    ).rowcount
    session.commit()
    return bool(ended)


def end_user_sessions(session: Session, user: User, *, keep: UserSession | None = None) -> int:
    """End every session of a user but `keep`; return how many ended (the caller commits)."""
    statement = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    return session.execute(statement).rowcount


def user_sessions(session: Session, user: User) -> list[UserSession]:
    """Return a user's sessions, the most recently active first."""
    return list(
        session.execute(
            select(UserSession)
            .where(UserSession.user_id == user.id)
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        ).scalars()
    )


def session_counts(session: Session) -> dict[int, int]:
    """Return how many sessions each user has open (users without any are left out)."""
    rows = session.execute(
        select(UserSession.user_id, func.count()).group_by(UserSession.user_id)
    ).all()
    return {user_id: count for user_id, count in rows}


def end_expired_sessions(session: Session, now: datetime, timeouts: Timeouts) -> int:
    """Delete the sessions that can no longer be used; commit; return how many."""
    ended = session.execute(
        delete(UserSession).where(
            or_(
                UserSession.last_seen_at <= now - timeouts.idle,
                UserSession.created_at <= now - timeouts.absolute,
            )
        )
    ).rowcount
    session.commit()
    return ended
