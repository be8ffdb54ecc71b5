"""Sites' keys and the per-key counters every app server shares."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from moderator import storage

#: 12:00:10 on some day, as a timestamp: 50 s left in its minute.
NOON = 1_765_108_810.0


@pytest.fixture
def engine(session):
    """The test database's engine, for sessions of their own (one per "server")."""
    return session.get_bind()


def test_a_key_finds_its_site_in_one_query_and_a_revoked_key_none(session, site_key, engine):
    site_id, key = site_key
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    assert storage.site_for_key(session, key).id == site_id
    assert len(statements) == 1
    storage.revoke_key(session, key)
    assert storage.site_for_key(session, key) is None
    assert storage.site_for_key(session, "mod" + "0" * 40) is None


def test_requests_are_counted_across_servers_until_the_minute_ends(engine):
    first, second = Session(engine), Session(engine)
    try:
        waits = [storage.take_request(server, "key:abc", 3, NOON) for server in (first, second) * 2]
        assert waits == [0, 0, 0, 50]  # the fourth in the minute waits for the next one
        assert storage.take_request(first, "key:abc", 3, NOON + 50) == 0
        assert storage.take_request(second, "key:other", 3, NOON) == 0
    finally:
        first.close()
        second.close()


def test_a_budget_is_spent_up_to_its_limit_and_a_refused_batch_costs_nothing(session):
    spend = [storage.take_budget(session, "comments:key", 50, n, NOON) for n in (30, 30, 20, 1)]
    assert spend == [0, 50, 0, 50]  # 30 + 20 = 50 fills it; the refused 30 cost nothing
    assert storage.take_budget(session, "comments:key", 50, 51, NOON + 60) == 50
    assert storage.take_budget(session, "comments:key", 50, 50, NOON + 60) == 0


def test_servers_spending_one_budget_at_once_never_pass_it_together(engine):
    """Four threads, each with its own session (as four servers would be), spend 3 at a
    time from a budget of 50: exactly 16 batches (48) go through, whatever the order."""
    granted, lock = [], threading.Lock()

    def server() -> None:
        with Session(engine) as own:
            for _ in range(10):
                if storage.take_budget(own, "comments:shared", 50, 3, NOON) == 0:
                    with lock:
                        granted.append(3)

    threads = [threading.Thread(target=server) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == 48
