"""Throttling in storage: progressive delays per caller, shared through the database."""

from __future__ import annotations

import pytest

from moderator import storage

POLICY = storage.ThrottlePolicy(free_failures=3, first_delay=2, max_delay=60, forget_after=600)


@pytest.mark.parametrize(
    "failures, delay", [(0, 0), (3, 0), (4, 2), (5, 4), (6, 8), (8, 32), (9, 60), (500, 60)]
)
def test_delays_double_after_the_free_failures_up_to_the_cap(failures, delay):
    assert POLICY.delay(failures) == delay


@pytest.mark.parametrize(
    "address, bucket",
    [
        ("203.0.113.7", "login:203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "login:2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "login:2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "login:203.0.113.7"),
        ("not an address", "login:not an address"),
    ],
)
def test_addresses_are_counted_by_host_or_ipv6_64(address, bucket):
    assert storage.address_bucket("login", address) == bucket


def test_failures_earn_waits_and_a_quiet_spell_forgets_them(session):
    now = 1_000_000.0
    delays = [storage.record_failure(session, "login:a", POLICY, now + n) for n in range(5)]
    assert delays == [0, 0, 0, 2, 4]
    assert storage.wait_seconds(session, "login:a", now + 4) == 4
    assert storage.wait_seconds(session, "login:a", now + 7.5) == 1
    assert storage.wait_seconds(session, "login:a", now + 8) == 0
    assert storage.wait_seconds(session, "login:b", now + 4) == 0  # others are not slowed
    later = now + 4 + 601
    assert storage.record_failure(session, "login:a", POLICY, later) == 0
    assert storage.record_failure(session, "login:a", POLICY, later + 1) == 0


def test_failures_at_once_from_several_servers_are_all_counted(app):
    """Eight app servers' failures in the same second: none is lost, the delay follows."""
    import threading

    from moderator.db import get_session

    start = threading.Barrier(8)
    delays = []

    def fail() -> None:
        with app.app_context():
            db = get_session()
            start.wait()
            delays.append(storage.record_failure(db, "login:a", POLICY, 1_000_000.0))

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(delays) == [POLICY.delay(n) for n in range(1, 9)]
