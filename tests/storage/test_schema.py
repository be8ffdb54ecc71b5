"""The tables: timestamps are stored in UTC and read back aware, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from moderator.storage.schema import Site, as_utc

PLUS_FIVE = timezone(timedelta(hours=5))


@pytest.mark.parametrize(
    "written",
    [
        datetime(2026, 1, 1, 10, 0, tzinfo=PLUS_FIVE),
        datetime(2026, 1, 1, 5, 0, tzinfo=UTC),
        datetime(2026, 1, 1, 5, 0),  # naive: taken as UTC
    ],
)
def test_a_timestamp_is_stored_as_the_same_instant_and_read_back_in_utc(session, written):
    session.add(Site(url="https://blog.example", name="Blog", settings={}, created_at=written))
    session.commit()
    session.expire_all()
    read = session.execute(select(Site.created_at)).scalar_one()
    assert read.isoformat() == "2026-01-01T05:00:00+00:00"
    # The stored form sorts and compares as UTC: a bound parameter is converted the same way.
    later = datetime(2026, 1, 1, 9, 59, tzinfo=PLUS_FIVE)  # 04:59 UTC
    assert session.execute(select(Site.id).where(Site.created_at > later)).scalar_one()


def test_sqlite_stores_the_utc_digits(session):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL stores instants (timestamptz)")
    session.add(
        Site(
            url="https://blog.example",
            settings={},
            created_at=datetime(2026, 1, 1, 10, tzinfo=PLUS_FIVE),
        )
    )
    session.commit()
    stored = session.execute(text("SELECT created_at FROM sites")).scalar_one()
    assert stored.startswith("2026-01-01 05:00:00")


def test_as_utc_converts_and_assumes_utc_for_naive_values():
    assert as_utc(datetime(2026, 1, 1, 10, tzinfo=PLUS_FIVE)) == datetime(2026, 1, 1, 5, tzinfo=UTC)
    assert as_utc(datetime(2026, 1, 1, 5)).tzinfo is UTC
