"""Progressive delays for a caller that keeps failing (wrong passwords from one address).

A caller is a bucket such as `login:203.0.113.7`, never an account: failures slow down
the address they come from, so no one can lock a moderator out by failing on purpose.
The first few failures are free; each further one doubles the wait, up to a cap; an
hour without failures forgets them. The counts live in the database (`throttles`), so
every app server applies the same delay.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass

from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import Session

from moderator.storage.schema import Throttle


@dataclass(frozen=True)
class ThrottlePolicy:
    """How failures turn into waiting time."""

    free_failures: int = 5
    first_delay: int = 2  # seconds after the first failure beyond the free ones
    max_delay: int = 900
    forget_after: int = 3600  # seconds without a failure that wipe the count

    def delay(self, failures: int) -> int:
        """Return the seconds a caller waits after its `failures`-th failure in a row."""
        beyond = failures - self.free_failures
        if beyond <= 0:
            return 0
        return min(self.max_delay, self.first_delay * 2 ** min(beyond - 1, 30))


def address_bucket(kind: str, address: str) -> str:
    """Return the bucket of a client address: the address itself, or its /64 for IPv6.

    One IPv6 host usually holds a whole /64, so counting single addresses would let it
    try a new one each time.
    """
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return f"{kind}:{address[:100]}"
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:  # ::ffff:203.0.113.7 is 203.0.113.7
            return f"{kind}:{parsed.ipv4_mapped}"
        return f"{kind}:{ipaddress.ip_network(f'{parsed}/64', strict=False)}"
    return f"{kind}:{parsed}"


def wait_seconds(session: Session, bucket: str, now: float) -> int:
    """Return how many seconds a caller must still wait before its next try (0: none)."""
    blocked_until = session.execute(
        select(Throttle.blocked_until).where(Throttle.bucket == bucket)
    ).scalar_one_or_none()
    if not blocked_until or blocked_until <= now:
        return 0
    return max(1, math.ceil(blocked_until - now))


def record_failure(session: Session, bucket: str, policy: ThrottlePolicy, now: float) -> int:
    """Count a failure against a caller; commit; return the seconds it must now wait.

    The count is an upsert in the database, atomic on SQLite and PostgreSQL alike.
    """
    second = int(now)
    table = Throttle.__table__
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(
        bucket=bucket, failures=1, last_failure=second, blocked_until=0
    )
    forgotten = table.c.last_failure < second - policy.forget_after
    statement = statement.on_conflict_do_update(
        index_elements=["bucket"],
        set_={
            "failures": case((forgotten, 1), else_=table.c.failures + 1),
            "last_failure": second,
        },
    ).returning(table.c.failures)
    failures = session.execute(statement).scalar_one()
    delay = policy.delay(failures)
    if delay:
        session.execute(
            update(Throttle).where(Throttle.bucket == bucket).values(blocked_until=second + delay)
        )
    # Callers quiet for long enough are of no further interest.
    session.execute(
        delete(Throttle).where(
            Throttle.last_failure < second - policy.forget_after,
            Throttle.blocked_until < second,
        )
    )
    session.commit()
    return delay
