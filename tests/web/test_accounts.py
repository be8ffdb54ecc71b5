"""Review-page accounts: login, lock-out kept in the database, sessions, logout, CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest

from moderator import create_app, storage
from moderator.db import get_session
from moderator.storage.schema import User, utcnow
from tests.web import test_review as review
from tests.web.test_review import PASSWORD, login, make_user, token_of

# The review tests' fixtures: stub models and two sites.
models, sites = review.models, review.sites


def user_row(app, name):
    """Return a user as stored."""
    with app.app_context():
        return storage.user_by_name(get_session(), name)


def test_login_page_renders(client):
    page = client.get("/review/login")
    assert page.status_code == 200 and 'type="password"' in page.text


def test_login_starts_a_session_with_a_safe_cookie(app, client, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    response = login(client, "mo")
    assert response.status_code == 303 and response.location == "/review/"
    cookie = response.headers["Set-Cookie"]
    assert "moderator_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    assert client.get("/review/").status_code == 200


def test_cookie_is_secure_behind_https(database_url, tmp_path, sites, app):
    make_user(app, "mo", site_ids=[sites[0]])
    secure = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "SESSION_COOKIE_SECURE": True,
            "INSTANCE_PATH": str(tmp_path / "secure"),
        },
        models=app.extensions["moderator.models"],
    )
    client = secure.test_client()
    response = login(client, "mo")
    assert "Secure" in response.headers["Set-Cookie"]
    assert "max-age" in response.headers["Strict-Transport-Security"]
    secure.extensions["moderator.engine"].dispose()


def test_login_goes_back_to_the_page_asked_for(app, client, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    token = token_of(client.get("/review/login").text)
    response = client.post(
        "/review/login",
        data={"name": "mo", "password": PASSWORD, "csrf_token": token, "next": "/review/activity"},
    )
    assert response.location == "/review/activity"


def test_login_never_redirects_off_site(app, client, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    token = token_of(client.get("/review/login").text)
    response = client.post(
        "/review/login",
        data={"name": "mo", "password": PASSWORD, "csrf_token": token, "next": "//evil.example"},
    )
    assert response.location == "/review/"


@pytest.mark.parametrize("name, password", [("mo", "wrong password"), ("nobody", PASSWORD)])
def test_wrong_name_or_password_gets_the_same_answer(app, client, sites, name, password):
    make_user(app, "mo", site_ids=[sites[0]])
    response = login(client, name, password)
    assert response.status_code == 401 and "Wrong name or password." in response.text
    assert client.get("/review/").status_code == 302


def test_login_needs_the_csrf_token(app, client, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    client.get("/review/login")
    response = client.post("/review/login", data={"name": "mo", "password": PASSWORD})
    assert response.status_code == 400


def test_failures_are_counted_and_lock_the_account(app, client, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    limit = app.config["LOGIN_MAX_FAILURES"]
    for attempt in range(1, limit):
        login(client, "mo", "nope")
        assert user_row(app, "mo").failed_logins == attempt
    response = login(client, "mo", "nope")
    assert "Too many failed logins" in response.text
    assert user_row(app, "mo").locked_until is not None
    # Even the right password is refused while locked.
    locked = login(client, "mo")
    assert locked.status_code == 401 and "Too many failed logins" in locked.text


def test_lock_ends_and_success_resets_the_count(app, client, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    login(client, "mo", "nope")
    with app.app_context():
        db = get_session()
        user = storage.user_by_name(db, "mo")
        user.locked_until = utcnow() - timedelta(seconds=1)
        db.commit()
    assert login(client, "mo").status_code == 303
    stored = user_row(app, "mo")
    assert stored.failed_logins == 0 and stored.locked_until is None


def test_lock_out_is_shared_by_every_app_server(app, database_url, tmp_path, sites):
    """Two app instances on one database: failures at one lock the account at the other."""
    make_user(app, "mo", site_ids=[sites[0]])
    second = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "second"),
        },
        models=app.extensions["moderator.models"],
    )
    one, two = app.test_client(), second.test_client()
    for n in range(app.config["LOGIN_MAX_FAILURES"]):
        login(one if n % 2 else two, "mo", "nope")
    assert login(one, "mo").status_code == 401
    assert login(two, "mo").status_code == 401
    second.extensions["moderator.engine"].dispose()


def test_logout_is_a_post_with_csrf(app, client, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    login(client, "mo")
    token = token_of(client.get("/review/").text)
    assert client.get("/review/logout").status_code == 405
    assert client.post("/review/logout").status_code == 400
    response = client.post("/review/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert client.get("/review/").status_code == 302


def test_a_new_password_ends_old_sessions(app, client, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    login(client, "mo")
    with app.app_context():
        db = get_session()
        user = db.query(User).filter_by(name="mo").one()
        user.password_hash = "scrypt:changed"
        db.commit()
    assert client.get("/review/").status_code == 302


def test_a_deleted_user_is_logged_out(app, client, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    login(client, "mo")
    with app.app_context():
        db = get_session()
        db.delete(storage.user_by_name(db, "mo"))
        db.commit()
    assert client.get("/review/").status_code == 302


def test_user_made_by_the_cli_can_log_in(app, client, runner, sites):
    result = runner.invoke(
        args=["users", "create", "cli-mod", "--password-stdin", "--site", str(sites[0])],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert login(client, "cli-mod").status_code == 303
    page = client.get("/review/")
    assert page.status_code == 200 and "cli-mod (moderator)" in page.text


def test_one_address_trying_many_names_is_slowed_down(app, client, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    app.config["LOGIN_ATTEMPTS_PER_MINUTE"] = 3
    # Eight tries reach the limit even if a minute boundary falls among them.
    statuses = [login(client, f"guess{n}", "wrong password").status_code for n in range(8)]
    assert statuses[:3] == [401, 401, 401]
    assert statuses[-1] == 429
    refused = login(client, "mo")
    assert refused.status_code == 429 and "Try again in" in refused.text
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
