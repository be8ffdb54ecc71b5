"""Cluster-wide job locks and the cluster's job schedule, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from moderator import storage
from moderator.db import make_engine
from moderator.storage.locks import advisory_key
from moderator.storage.schema import utcnow

TTL = timedelta(minutes=5)


def test_one_holder_at_a_time_and_free_again_after(app, empty_database):
    """Two engines stand for two servers: the second is refused while the first holds."""
    mine = app.extensions["moderator.engine"]
    theirs = make_engine(empty_database)
    now = utcnow()
    try:
        with storage.job_lock(mine, "webhooks", holder="a", now=now, ttl=TTL) as held:
            assert held
            with storage.job_lock(theirs, "webhooks", holder="b", now=now, ttl=TTL) as other:
                assert not other
            with storage.job_lock(theirs, "clean-up", holder="b", now=now, ttl=TTL) as other:
                assert other  # another job is another lock
        with storage.job_lock(theirs, "webhooks", holder="b", now=now, ttl=TTL) as other:
            assert other
    finally:
        theirs.dispose()


def test_a_sqlite_lock_whose_holder_died_expires(app, empty_database):
    """A row lock outlives its holder until its ttl (PostgreSQL frees it with the connection)."""
    engine = app.extensions["moderator.engine"]
    if engine.dialect.name != "sqlite":
        return
    now = utcnow()
    lock = storage.job_lock(engine, "webhooks", holder="dead", now=now, ttl=TTL)
    assert lock.__enter__()  # entered and never left: the process died
    with storage.job_lock(engine, "webhooks", holder="b", now=now, ttl=TTL) as held:
        assert not held
    later = now + TTL + timedelta(seconds=1)
    with storage.job_lock(engine, "webhooks", holder="b", now=later, ttl=TTL) as held:
        assert held


def test_the_schedule_is_the_clusters(session):
    now = utcnow()
    hour = timedelta(hours=1)
    assert storage.job_due(session, "retrain", hour, now)
    storage.record_run(session, "retrain", now, "promoted")
    assert not storage.job_due(session, "retrain", hour, now + timedelta(minutes=59))
    assert storage.job_due(session, "retrain", hour, now + hour)
    [state] = storage.job_states(session)
    assert state.name == "retrain" and state.last_outcome == "promoted"


def test_advisory_keys_are_stable_signed_64_bit_and_distinct():
    keys = {advisory_key(name) for name in ("webhooks", "clean-up", "retrain")}
    assert len(keys) == 3 and all(-(2**63) <= key < 2**63 for key in keys)
    assert advisory_key("webhooks") == advisory_key("webhooks")


def test_record_run_after_a_sqlite_lock_made_the_row(app):
    engine = app.extensions["moderator.engine"]
    now = utcnow()
    with storage.job_lock(engine, "webhooks", holder="a", now=now, ttl=TTL) as held:
        assert held
        with Session(engine) as session:
            storage.record_run(session, "webhooks", now, "delivered 1")
    with Session(engine) as session:
        assert [s.last_outcome for s in storage.job_states(session)] == ["delivered 1"]
