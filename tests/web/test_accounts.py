"""Review-page accounts: login, sessions kept in the database, timeouts, throttling, CSRF."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest

from moderator import create_app, storage
from moderator.db import get_session
from tests.conftest import TEST_PASSWORD_METHOD
from tests.web import test_review as review
from tests.web.test_review import PASSWORD, login, make_user, token_of

# The review tests' fixtures: stub models and two sites.
models, sites = review.models, review.sites


def user_row(app, name):
    """Return a user as stored."""
    with app.app_context():
        return storage.user_by_name(get_session(), name)


@pytest.fixture
def another_app(app, database_url, tmp_path):
    """A factory of more app servers on the test's database, each with extra settings.

    They share the first app's clock, as servers share the time of day: a server on real
    time would see a throttle set on the test's frozen clock expire while a slow machine
    runs the test.
    """
    made = []

    def make(**settings):
        other = create_app(
            {
                "DATABASE_URL": database_url,
                "SECRET_KEY": "test-secret",
                "TESTING": True,
                "PASSWORD_HASH_METHOD": TEST_PASSWORD_METHOD,
                "INSTANCE_PATH": str(tmp_path / f"server{len(made)}"),
            }
            | settings,
            models=app.extensions["moderator.models"],
            clock=app.extensions["moderator.clock"],
        )
        made.append(other)
        return other

    yield make
    for other in made:
        other.extensions["moderator.engine"].dispose()


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


def test_cookie_is_secure_when_forced(another_app, sites, app):
    make_user(app, "mo", site_ids=[sites[0]])
    secure = another_app(SESSION_COOKIE_SECURE=True)
    client = secure.test_client()
    response = login(client, "mo")
    assert "Secure" in response.headers["Set-Cookie"]
    assert "max-age" in response.headers["Strict-Transport-Security"]


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


def disable(app, name):
    """Disable an account as the CLI and the users page do."""
    with app.app_context():
        db = get_session()
        storage.disable_user(db, storage.user_by_name(db, name))


@pytest.mark.parametrize(
    "name, password, disabled",
    [("mo", "wrong password", False), ("nobody", PASSWORD, False), ("mo", PASSWORD, True)],
    ids=["wrong password", "unknown name", "disabled account"],
)
def test_wrong_unknown_and_disabled_get_the_same_answer(
    app, client, sites, name, password, disabled
):
    make_user(app, "mo", site_ids=[sites[0]])
    if disabled:
        disable(app, "mo")
    response = login(client, name, password)
    assert response.status_code == 401
    assert response.text.count("Wrong name or password.") == 1
    assert "Retry-After" not in response.headers
    assert client.get("/review/").status_code == 302


def test_login_needs_the_csrf_token(app, client, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    client.get("/review/login")
    response = client.post("/review/login", data={"name": "mo", "password": PASSWORD})
    assert response.status_code == 400


def test_cookie_is_secure_on_an_https_request(app, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    client = app.test_client()
    token = token_of(client.get("/review/login", base_url="https://localhost").text)
    response = client.post(
        "/review/login",
        data={"name": "mo", "password": PASSWORD, "csrf_token": token},
        base_url="https://localhost",
    )
    assert response.status_code == 303
    assert "Secure" in response.headers["Set-Cookie"]
    assert "max-age" in response.headers["Strict-Transport-Security"]


@pytest.mark.parametrize("trusted, secure", [(0, False), (1, True)])
def test_forwarded_https_counts_only_from_trusted_proxies(another_app, sites, app, trusted, secure):
    make_user(app, "mo", site_ids=[sites[0]])
    behind = another_app(TRUSTED_PROXIES=trusted)
    client = behind.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.9"}
    token = token_of(client.get("/review/login", headers=forwarded).text)
    response = client.post(
        "/review/login",
        data={"name": "mo", "password": PASSWORD, "csrf_token": token},
        headers=forwarded,
    )
    assert response.status_code == 303
    assert ("Secure" in response.headers["Set-Cookie"]) is secure
    with behind.app_context():
        (row,) = storage.user_sessions(get_session(), storage.user_by_name(get_session(), "mo"))
        assert (row.address == "198.51.100.9") is secure


def test_a_cookie_copied_before_logout_no_longer_opens_the_page(app, client, sites):
    """The issue's reproduction: logging out ends the session on the server."""
    make_user(app, "mo", site_ids=[sites[0]])
    login(client, "mo")
    copied = client.get_cookie("moderator_session").value
    token = token_of(client.get("/review/").text)
    assert client.post("/review/logout", data={"csrf_token": token}).status_code == 303
    thief = app.test_client()
    thief.set_cookie("moderator_session", copied)
    assert thief.get("/review/").status_code == 302
    assert thief.get("/review/counts", headers={"Accept": "application/json"}).status_code == 401


def test_logout_ends_every_session_of_the_account(app, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    make_user(app, "other", site_ids=[sites[0]])
    laptop, phone, colleague = app.test_client(), app.test_client(), app.test_client()
    login(laptop, "mo")
    login(phone, "mo")
    login(colleague, "other")
    token = token_of(laptop.get("/review/").text)
    laptop.post("/review/logout", data={"csrf_token": token})
    assert laptop.get("/review/").status_code == 302
    assert phone.get("/review/").status_code == 302
    assert colleague.get("/review/").status_code == 200


def change(app, name, what):
    """Disable, delete, or give a new password to an account, through storage."""
    with app.app_context():
        db = get_session()
        user = storage.user_by_name(db, name)
        if what == "disable":
            storage.disable_user(db, user)
        elif what == "delete":
            storage.delete_user(db, user)
        else:
            storage.set_password(db, user, "a brand new password")


@pytest.mark.parametrize("what", ["disable", "delete", "passwd"])
def test_disable_delete_and_a_new_password_end_every_session(app, sites, what):
    make_user(app, "mo", site_ids=[sites[0]])
    clients = [app.test_client() for _ in range(2)]
    for client in clients:
        login(client, "mo")
        assert client.get("/review/").status_code == 200
    change(app, "mo", what)
    for client in clients:
        assert client.get("/review/").status_code == 302
    # The old password opens nothing either.
    assert login(app.test_client(), "mo").status_code == 401


def test_sessions_end_on_every_app_server(app, another_app, sites):
    """Two app instances on one database: a session ended at one is ended at the other."""
    make_user(app, "mo", site_ids=[sites[0]])
    second = another_app()
    one = app.test_client()
    login(one, "mo")
    two = second.test_client()
    two.set_cookie("moderator_session", one.get_cookie("moderator_session").value)
    assert two.get("/review/").status_code == 200
    token = token_of(one.get("/review/").text)
    one.post("/review/logout", data={"csrf_token": token})
    assert two.get("/review/").status_code == 302


def test_a_session_ends_after_the_idle_timeout(app, client, clock, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    login(client, "mo")
    idle = app.config["SESSION_IDLE_SECONDS"]
    for _ in range(3):  # activity keeps it alive past one idle period
        clock.advance(seconds=idle - 120)
        assert client.get("/review/").status_code == 200
    clock.advance(seconds=idle)
    assert client.get("/review/").status_code == 302


def test_an_action_after_the_session_ended_says_so(app, client, clock, sites):
    """The page's script shows "Your session ended; log in again." on a 401."""
    make_user(app, "mo", site_ids=[sites[0]])
    login(client, "mo")
    token = token_of(client.get("/review/").text)
    clock.advance(seconds=app.config["SESSION_IDLE_SECONDS"])
    response = client.post(
        "/review/bulk",
        data={"action": "approve", "ids": "1"},
        headers={"Accept": "application/json", "X-CSRF-Token": token},
    )
    assert response.status_code == 401


def test_the_page_poll_does_not_keep_a_session_alive(app, client, clock, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    login(client, "mo")
    idle = app.config["SESSION_IDLE_SECONDS"]
    json = {"Accept": "application/json"}
    for _ in range(4):
        clock.advance(seconds=idle // 4 - 60)
        assert client.get("/review/counts", headers=json).status_code == 200
    clock.advance(seconds=240)
    assert client.get("/review/counts", headers=json).status_code == 401


def test_a_session_ends_after_the_absolute_timeout_however_busy(app, client, clock, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    login(client, "mo")
    absolute = app.config["SESSION_ABSOLUTE_SECONDS"]
    step = app.config["SESSION_IDLE_SECONDS"] // 2
    for _ in range(absolute // step - 1):
        clock.advance(seconds=step)
        assert client.get("/review/").status_code == 200
    clock.advance(seconds=step)
    assert client.get("/review/").status_code == 302
    assert login(client, "mo").status_code == 303  # a new login starts a new session


def test_cookie_lasts_no_longer_than_the_session(app, client, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    cookie = login(client, "mo").headers["Set-Cookie"]
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    lifetime = expires - datetime.now(UTC)
    assert abs(lifetime.total_seconds() - app.config["SESSION_ABSOLUTE_SECONDS"]) < 60


def test_a_session_survives_the_login_form_cookie_being_replaced(app, client, sites):
    """Logging in issues a new cookie: the one from before the login opens nothing."""
    make_user(app, "mo", site_ids=[sites[0]])
    client.get("/review/login")
    before = client.get_cookie("moderator_session").value
    login(client, "mo")
    assert client.get_cookie("moderator_session").value != before
    other = app.test_client()
    other.set_cookie("moderator_session", before)
    assert other.get("/review/").status_code == 302


def from_address(client, address: str):
    """Make the client's requests come from `address`."""
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_five_wrong_passwords_do_not_lock_the_user_out_from_another_address(app, sites):
    make_user(app, "admin", role="admin")
    attacker = from_address(app.test_client(), "203.0.113.66")
    for _ in range(app.config["LOGIN_FREE_FAILURES"]):
        assert login(attacker, "admin", "guess").status_code == 401
    owner = from_address(app.test_client(), "198.51.100.20")
    assert login(owner, "admin").status_code == 303


def test_failures_slow_down_their_address_progressively(app, clock, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    app.config["LOGIN_ATTEMPTS_PER_MINUTE"] = 100  # the delays alone
    attacker = from_address(app.test_client(), "203.0.113.66")
    for _ in range(app.config["LOGIN_FREE_FAILURES"] + 1):
        login(attacker, "mo", "guess")
    waits = []
    for _ in range(3):
        refused = login(attacker, "mo")  # even the right password waits its turn
        assert refused.status_code == 429 and "failed logins from your address" in refused.text
        waits.append(int(refused.headers["Retry-After"]))
        clock.advance(seconds=waits[-1])
        assert login(attacker, "mo", "guess").status_code == 401
    assert waits == [2, 4, 8]
    # The owner, elsewhere, is not slowed down at all.
    assert login(from_address(app.test_client(), "198.51.100.20"), "mo").status_code == 303
    # An hour without failures forgets them.
    clock.advance(seconds=3600 + 16)
    assert login(attacker, "mo").status_code == 303


def test_throttling_is_shared_by_every_app_server(app, another_app, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    second = another_app()
    one, two = app.test_client(), second.test_client()
    for n in range(app.config["LOGIN_FREE_FAILURES"] + 1):
        login(one if n % 2 else two, "mo", "nope")
    assert login(one, "mo").status_code == 429
    assert login(two, "mo").status_code == 429


def test_user_made_by_the_cli_can_log_in(app, client, runner, sites):
    result = runner.invoke(
        args=["users", "create", "cli-mod", "--role", "moderator", "--password-stdin"]
        + ["--site", str(sites[0])],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert login(client, "cli-mod").status_code == 303
    page = client.get("/review/")
    assert page.status_code == 200 and "cli-mod (moderator)" in page.text


def test_one_address_trying_many_names_is_slowed_down(app, client, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    app.config["LOGIN_ATTEMPTS_PER_MINUTE"] = 3
    app.config["LOGIN_FREE_FAILURES"] = 100  # the per-minute limit alone
    # Eight tries reach the limit even if a minute boundary falls among them.
    statuses = [login(client, f"guess{n}", "wrong password").status_code for n in range(8)]
    assert statuses[:3] == [401, 401, 401]
    assert statuses[-1] == 429
    refused = login(client, "mo")
    assert refused.status_code == 429 and "Try again in" in refused.text
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


# -- your account ---------------------------------------------------------------------------


def test_your_account_lists_your_sessions_only(app, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    make_user(app, "eve", site_ids=[sites[0]])
    laptop, phone = app.test_client(), app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = "PhoneBrowser/1.0"
    login(laptop, "mo")
    login(phone, "mo")
    login(app.test_client(), "eve")
    page = laptop.get("/review/account")
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert "PhoneBrowser/1.0" in page.text and "this session" in page.text
    assert page.text.count("/review/account/sessions/") == 2  # End for the phone, and End all


def test_log_out_everywhere_else(app, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "mo")
    login(phone, "mo")
    token = token_of(laptop.get("/review/account").text)
    done = laptop.post("/review/account/sessions/end", data={"csrf_token": token})
    assert "Ended 1 other session(s)." in laptop.get(done.location).text
    assert phone.get("/review/").status_code == 302
    assert laptop.get("/review/").status_code == 200


def test_end_one_of_your_sessions_but_not_someone_elses(app, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    make_user(app, "eve", site_ids=[sites[0]])
    laptop, phone, eve = app.test_client(), app.test_client(), app.test_client()
    for client, name in ((laptop, "mo"), (phone, "mo"), (eve, "eve")):
        login(client, name)
    with app.app_context():
        db = get_session()
        phone_id = max(s.id for s in storage.user_sessions(db, storage.user_by_name(db, "mo")))
        (eve_id,) = [s.id for s in storage.user_sessions(db, storage.user_by_name(db, "eve"))]
    token = token_of(laptop.get("/review/account").text)
    url = "/review/account/sessions/{}/end"
    assert laptop.post(url.format(eve_id), data={"csrf_token": token}).status_code == 404
    assert eve.get("/review/").status_code == 200
    assert laptop.post(url.format(phone_id), data={"csrf_token": token}).status_code == 303
    assert phone.get("/review/").status_code == 302


def test_change_your_password(app, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "mo")
    login(phone, "mo")
    token = token_of(laptop.get("/review/account").text)
    form = {"csrf_token": token, "current": PASSWORD, "password": "new words here"}
    differ = laptop.post("/review/account/password", data=form | {"confirm": "other words"})
    assert differ.status_code == 400 and "differ" in differ.text
    short = laptop.post(
        "/review/account/password",
        data=form | {"password": "short", "confirm": "short"},
    )
    assert short.status_code == 400 and "at least 8" in short.text
    done = laptop.post("/review/account/password", data=form | {"confirm": "new words here"})
    assert done.status_code == 303
    assert laptop.get("/review/").status_code == 200 and phone.get("/review/").status_code == 302
    assert login(app.test_client(), "mo", "new words here").status_code == 303


def test_a_wrong_current_password_counts_as_a_failed_login(app, client, sites):
    make_user(app, "mo", site_ids=[sites[0]])
    login(client, "mo")
    token = token_of(client.get("/review/account").text)
    form = {"csrf_token": token, "current": "guess", "password": "x" * 10, "confirm": "x" * 10}
    answers = [
        client.post("/review/account/password", data=form).status_code
        for _ in range(app.config["LOGIN_FREE_FAILURES"] + 2)
    ]
    assert answers[0] == 400 and answers[-1] == 429
    assert login(app.test_client(), "mo").status_code == 429  # same address


def test_the_unknown_name_stand_in_is_hashed_at_start(another_app):
    """So that the first unknown name a server sees costs no more than the others."""
    storage.dummy_password_hash.cache_clear()
    another_app(PASSWORD_HASH_METHOD="scrypt:2048:8:1")
    before = storage.dummy_password_hash.cache_info()
    storage.dummy_password_hash("scrypt:2048:8:1")
    assert storage.dummy_password_hash.cache_info().hits == before.hits + 1
