"""Background jobs across the cluster: one runner at a time, and one schedule for all.

`job_lock` never waits: a job another process runs is skipped this round. On
PostgreSQL the holder keeps a session-level advisory lock (`pg_try_advisory_lock`) on a
connection of its own while the job runs: if the process dies, the connection closes
and the lock is free at once. SQLite has no such thing, so there the holder marks the
job's row in `jobs` until the job ends or the mark expires (`ttl`: a holder that died
frees the job then). Under the lock, `job_due` and `record_run` keep the schedule in
the same row, so an hourly job runs once an hour however many servers run the worker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import or_, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderator.storage.schema import JobState

#: Advisory lock keys share one 64-bit space per database; ours are hashed under this
#: prefix, so a job's key does not meet the migration lock (726354) or another program's.
_KEY_NAMESPACE = b"moderator.job:"


def advisory_key(name: str) -> int:
    """Return the signed 64-bit advisory lock key of a job name (the same in every process)."""
    digest = hashlib.sha256(_KEY_NAMESPACE + name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def job_lock(
    engine: Engine, name: str, *, holder: str, now: datetime, ttl: timedelta
) -> Iterator[bool]:
    """Try to take the cluster-wide lock of job `name`; yield whether this process holds it.

    The lock is released when the block ends.
    """
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, name) as held:
            yield held
        return
    with _row_lock(engine, name, holder, now, ttl) as held:
        yield held


@contextmanager
def _advisory_lock(engine: Engine, name: str) -> Iterator[bool]:
    key = advisory_key(name)
    with engine.connect() as connection:
        held = bool(
            connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
        )
        # The lock belongs to the connection, not the transaction: end the transaction so
        # the connection does not sit "idle in transaction" while the job runs.
        connection.commit()
        try:
            yield held
        finally:
            if held:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()


@contextmanager
def _row_lock(
    engine: Engine, name: str, holder: str, now: datetime, ttl: timedelta
) -> Iterator[bool]:
    with Session(engine) as session:
        taken = session.execute(
            update(JobState)
            .where(
                JobState.name == name,
                or_(JobState.lock_expires_at.is_(None), JobState.lock_expires_at <= now),
            )
            .values(holder=holder, lock_expires_at=now + ttl)
        ).rowcount
        if not taken and session.get(JobState, name) is None:
            session.add(JobState(name=name, holder=holder, lock_expires_at=now + ttl))
            taken = 1
        try:
            session.commit()
        except IntegrityError:  # another process made the row first, and holds it
            session.rollback()
            taken = 0
    try:
        yield bool(taken)
    finally:
        if taken:
            with Session(engine) as session:
                session.execute(
                    update(JobState)
                    .where(JobState.name == name, JobState.holder == holder)
                    .values(holder=None, lock_expires_at=None)
                )
                session.commit()


def job_due(session: Session, name: str, every: timedelta, now: datetime) -> bool:
    """Return whether a job's last run anywhere in the cluster is `every` ago or more."""
    last = session.execute(
        select(JobState.last_run_at).where(JobState.name == name)
    ).scalar_one_or_none()
    return last is None or last + every <= now


def record_run(session: Session, name: str, now: datetime, outcome: str) -> None:
    """Note that a job ran at `now` with this outcome; commit."""
    state = session.get(JobState, name)
    if state is None:
        state = JobState(name=name)
        session.add(state)
    state.last_run_at = now
    state.last_outcome = outcome[:300]
    try:
        session.commit()
    except IntegrityError:  # the row appeared meanwhile (made by a SQLite lock)
        session.rollback()
        record_run(session, name, now, outcome)


def job_states(session: Session) -> list[JobState]:
    """Return every job's row, by name."""
    return list(session.execute(select(JobState).order_by(JobState.name)).scalars())
