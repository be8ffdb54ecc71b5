"""Sessions in storage: tokens stored hashed, idle and absolute timeouts, ending them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from moderator import storage
from moderator.storage.schema import UserSession

TIMEOUTS = storage.Timeouts(idle=timedelta(hours=1), absolute=timedelta(hours=8))


@pytest.fixture
def user(session):
    """A user to log in."""
    return storage.create_user(session, "mo", "correct horse battery")


def test_the_token_is_stored_only_as_its_hash(session, user, clock):
    token = storage.start_session(
        session, user, clock(), address="203.0.113.7", user_agent="x" * 500
    )
    row = session.execute(select(UserSession)).scalar_one()
    assert token not in row.token_hash and len(row.token_hash) == 64
    assert row.address == "203.0.113.7" and len(row.user_agent) == 300
    assert storage.session_for_token(session, token, clock(), TIMEOUTS).user is user


@pytest.mark.parametrize("token", ["", "forged", "x" * 500])
def test_unknown_tokens_open_nothing(session, user, clock, token):
    storage.start_session(session, user, clock())
    assert storage.session_for_token(session, token, clock(), TIMEOUTS) is None


def test_idle_timeout_counts_from_the_last_request(session, user, clock):
    token = storage.start_session(session, user, clock())
    for _ in range(3):
        clock.advance(minutes=50)
        assert storage.session_for_token(session, token, clock(), TIMEOUTS) is not None
    clock.advance(minutes=50)
    # A background poll does not refresh the session.
    assert storage.session_for_token(session, token, clock(), TIMEOUTS, touch=False)
    clock.advance(minutes=11)
    assert storage.session_for_token(session, token, clock(), TIMEOUTS) is None
    assert session.execute(select(UserSession)).first() is None  # ended, not just refused


def test_absolute_timeout_ends_a_busy_session(session, user, clock):
    token = storage.start_session(session, user, clock())
    for _ in range(15):
        clock.advance(minutes=30)
        assert storage.session_for_token(session, token, clock(), TIMEOUTS) is not None
    clock.advance(minutes=30)
    assert storage.session_for_token(session, token, clock(), TIMEOUTS) is None


def test_expired_sessions_are_swept(session, user, clock):
    old = storage.start_session(session, user, clock())
    clock.advance(minutes=61)
    fresh = storage.start_session(session, user, clock())
    assert storage.end_expired_sessions(session, clock(), TIMEOUTS) == 1
    assert storage.session_counts(session) == {user.id: 1}
    assert storage.session_for_token(session, old, clock(), TIMEOUTS) is None
    assert storage.session_for_token(session, fresh, clock(), TIMEOUTS) is not None


def test_ending_sessions(session, user, clock):
    tokens = [storage.start_session(session, user, clock()) for _ in range(3)]
    storage.end_session(session, tokens[0])
    assert storage.session_for_token(session, tokens[0], clock(), TIMEOUTS) is None
    other = storage.create_user(session, "eve", "correct horse battery")
    row = storage.user_sessions(session, user)[0]
    assert not storage.end_session_by_id(session, other, row.id)  # not hers to end
    assert storage.end_session_by_id(session, user, row.id)
    assert storage.end_user_sessions(session, user) == 1


def test_a_session_ended_between_read_and_refresh_is_no_error(session, app, user, clock):
    """Another request (a logout in another tab) ends the session while this one reads it."""
    token = storage.start_session(session, user, clock())
    clock.advance(minutes=5)
    other = app.extensions["moderator.sessions"]()

    def logout_meanwhile() -> None:
        if not getattr(logout_meanwhile, "done", False):
            logout_meanwhile.done = True
            storage.end_session(other, token)

    # Whether the refresh is a statement or a flush of a changed object, end it first.
    event.listen(session, "do_orm_execute", lambda state: state.is_update and logout_meanwhile())
    event.listen(session, "before_flush", lambda s, *_: s.dirty and logout_meanwhile())

    assert storage.session_for_token(session, token, clock(), TIMEOUTS) is not None
    other.close()
    assert storage.session_for_token(session, token, clock(), TIMEOUTS) is None
