"""Accounts in storage: passwords with the configured cost, disabling, deleting, last admin."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from moderator import storage
from moderator.storage.schema import User, UserSession, UserSite
from tests.conftest import TEST_PASSWORD_METHOD

PASSWORD = "correct horse battery"


@pytest.fixture
def site(session, site_key):
    """The test site as a row."""
    return storage.get_site(session, site_key[0])


def sessions_of(session, user) -> int:
    """Return how many sessions a user has open."""
    return len(storage.user_sessions(session, user))


def test_passwords_are_hashed_with_the_configured_method(session):
    user = storage.create_user(session, "mo", PASSWORD)
    assert user.password_hash.startswith(TEST_PASSWORD_METHOD + "$")
    assert PASSWORD not in user.password_hash


def test_unknown_names_check_a_hash_of_the_same_cost(session):
    """The dummy hash an unknown name is checked against costs what a real one does."""
    real = storage.create_user(session, "mo", PASSWORD).password_hash
    dummy = storage.dummy_password_hash(TEST_PASSWORD_METHOD)
    assert dummy.split("$")[0] == real.split("$")[0] == TEST_PASSWORD_METHOD
    assert storage.check_password(session, None, PASSWORD) is False


def test_check_password_refuses_wrong_and_disabled(session):
    user = storage.create_user(session, "mo", PASSWORD)
    assert storage.check_password(session, user, PASSWORD)
    assert not storage.check_password(session, user, PASSWORD + "!")
    longest = storage.create_user(session, "long", "y" * 1000)
    assert storage.check_password(session, longest, "y" * 1000)
    assert not storage.check_password(session, longest, "y" * 1000 + "z")
    storage.disable_user(session, user)
    assert not storage.check_password(session, user, PASSWORD)
    storage.enable_user(session, user)
    assert storage.check_password(session, user, PASSWORD)


@pytest.mark.parametrize(
    "name, password, problem",
    [
        ("mo", "short", "at least 8"),
        ("mo", "x" * 1001, "at most 1000"),
        ("", PASSWORD, "printable"),
        ("tab\there", PASSWORD, "printable"),
    ],
)
def test_create_user_refuses_bad_names_and_passwords(session, name, password, problem):
    with pytest.raises(ValueError, match=problem):
        storage.create_user(session, name, password)
    assert session.execute(select(User)).first() is None


def test_a_new_password_ends_sessions_but_the_one_kept(session, clock):
    user = storage.create_user(session, "mo", PASSWORD)
    for _ in range(3):
        storage.start_session(session, user, clock())
    kept = storage.user_sessions(session, user)[0]
    assert storage.set_password(session, user, "a new password", keep=kept) == 2
    assert storage.user_sessions(session, user) == [kept]
    assert storage.check_password(session, user, "a new password")
    with pytest.raises(ValueError):
        storage.set_password(session, user, "short")


def test_disable_and_delete_end_sessions(session, site, clock):
    mo = storage.create_user(session, "mo", PASSWORD, sites=[site])
    storage.start_session(session, mo, clock())
    assert storage.disable_user(session, mo, clock()) == 1
    assert mo.disabled_at is not None and not mo.active and sessions_of(session, mo) == 0
    storage.enable_user(session, mo)
    storage.start_session(session, mo, clock())
    storage.delete_user(session, mo)
    assert session.execute(select(UserSession)).first() is None
    assert session.execute(select(UserSite)).first() is None


def test_the_last_active_admin_stays(session, clock):
    root = storage.create_user(session, "root", PASSWORD, role="admin")
    storage.start_session(session, root, clock())
    with pytest.raises(storage.LastAdmin):
        storage.disable_user(session, root)
    with pytest.raises(storage.LastAdmin):
        storage.delete_user(session, root)
    # Refused means untouched: still active, still logged in.
    assert root.active and sessions_of(session, root) == 1
    deputy = storage.create_user(session, "deputy", PASSWORD, role="admin")
    storage.disable_user(session, deputy)
    with pytest.raises(storage.LastAdmin):  # a disabled admin manages no one
        storage.delete_user(session, root)
    storage.delete_user(session, deputy)  # disabled: not the last active one
    assert [u.name for u in storage.list_users(session)] == ["root"]


def test_two_admins_disabling_each_other_at_once_leave_one(app, session):
    """Two app servers, two admins, each disabling the other at the same moment."""
    import threading

    from moderator.db import get_session

    for name in ("ann", "bob"):
        storage.create_user(session, name, PASSWORD, role="admin")
    start = threading.Barrier(2)
    outcomes = {}

    def disable(name: str) -> None:
        with app.app_context():
            db = get_session()
            user = storage.user_by_name(db, name)
            start.wait()
            try:
                storage.disable_user(db, user)
                outcomes[name] = "disabled"
            except storage.LastAdmin:
                outcomes[name] = "refused"

    threads = [threading.Thread(target=disable, args=(name,)) for name in ("ann", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["disabled", "refused"]
    session.expire_all()
    assert len([u for u in storage.list_users(session) if u.active]) == 1
