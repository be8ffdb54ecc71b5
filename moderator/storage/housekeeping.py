"""Forgetting what is no longer of use: expired sessions, old throttles and rate counts.

Each of these is also pruned where it is written (a login ends expired sessions, a
failure forgets quiet callers); the clean-up job catches what nobody touched again
(the counts of a key never used since, the session of a browser never seen again).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from moderator.storage.schema import RateLimit, Throttle
from moderator.storage.sessions import Timeouts, end_expired_sessions
from moderator.storage.throttle import ThrottlePolicy


def forget_stale(
    session: Session, now: datetime, *, timeouts: Timeouts, throttle: ThrottlePolicy
) -> dict[str, int]:
    """Delete expired sessions, forgotten throttles and past rate windows; commit; count each."""
    second = int(now.timestamp())
    throttles = session.execute(
        delete(Throttle).where(
            Throttle.last_failure < second - throttle.forget_after,
            Throttle.blocked_until < second,
        )
    ).rowcount
    # Rate limits count per minute: a window before the previous one is never read again.
    rate_windows = session.execute(
        delete(RateLimit).where(RateLimit.window_start < second // 60 - 1)
    ).rowcount
    session.commit()
    sessions = end_expired_sessions(session, now, timeouts)
    return {"sessions": sessions, "throttles": throttles, "rate_windows": rate_windows}
