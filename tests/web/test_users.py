"""The admins' Users page: list, disable/enable, delete, new password, end sessions."""

from __future__ import annotations

import pytest

from moderator import storage
from moderator.db import get_session
from tests.web import test_review as review
from tests.web.test_review import login, make_user, token_of

# The review tests' fixtures: stub models and two sites.
models, sites = review.models, review.sites


@pytest.fixture
def admin(app, sites):
    """An admin, logged in: (client, CSRF token)."""
    make_user(app, "root", role="admin")
    client = app.test_client()
    login(client, "root")
    return client, token_of(client.get("/review/users/").text)


@pytest.fixture
def mo(app, sites):
    """A moderator of the first site, logged in on a client of their own; returns it."""
    make_user(app, "mo", site_ids=[sites[0]])
    client = app.test_client()
    login(client, "mo")
    return client


def user_id(app, name: str) -> int | None:
    """Return the id of the user with this name, or None once deleted."""
    with app.app_context():
        user = storage.user_by_name(get_session(), name)
        return user.id if user else None


def test_the_page_lists_every_account_with_its_sessions(app, admin, mo):
    client, _ = admin
    page = client.get("/review/users/")
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert "root" in page.text and "mo" in page.text and "My blog" in page.text
    assert 'href="/review/users/"' in client.get("/review/").text  # the admin's menu


def test_moderators_and_strangers_cannot_use_it(app, admin, mo):
    assert mo.get("/review/users/").status_code == 403
    assert 'href="/review/users/"' not in mo.get("/review/").text
    token = token_of(mo.get("/review/").text)
    root = user_id(app, "root")
    assert mo.post(f"/review/users/{root}/disable", data={"csrf_token": token}).status_code == 403
    assert app.test_client().get("/review/users/").status_code == 302


def test_every_change_needs_the_csrf_token(app, admin, mo):
    client, _ = admin
    assert client.post(f"/review/users/{user_id(app, 'mo')}/disable").status_code == 400
    assert mo.get("/review/").status_code == 200


def test_disable_ends_the_sessions_and_enable_lets_them_back(app, admin, mo):
    client, token = admin
    target = user_id(app, "mo")
    done = client.post(f"/review/users/{target}/disable", data={"csrf_token": token})
    assert done.status_code == 303
    assert "Disabled mo; ended 1 session(s)." in client.get(done.location).text
    assert mo.get("/review/").status_code == 302
    refused = login(mo, "mo")
    assert refused.status_code == 401 and "Wrong name or password." in refused.text
    client.post(f"/review/users/{target}/enable", data={"csrf_token": token})
    assert login(mo, "mo").status_code == 303


def test_delete_removes_the_account_and_its_sessions(app, admin, mo):
    client, token = admin
    client.post(f"/review/users/{user_id(app, 'mo')}/delete", data={"csrf_token": token})
    assert user_id(app, "mo") is None
    assert mo.get("/review/").status_code == 302


@pytest.mark.parametrize("action", ["disable", "delete"])
def test_the_last_admin_cannot_be_disabled_or_deleted(app, admin, action):
    client, token = admin
    root = user_id(app, "root")
    refused = client.post(f"/review/users/{root}/{action}", data={"csrf_token": token})
    assert refused.status_code == 409 and "last active admin" in refused.text
    assert client.get("/review/users/").status_code == 200  # still logged in
    # With a second admin, an admin may leave: their own session ends too.
    make_user(app, "deputy", role="admin")
    client.post(f"/review/users/{root}/{action}", data={"csrf_token": token})
    assert client.get("/review/users/").status_code == 302


def test_a_new_password_ends_the_users_sessions(app, admin, mo):
    client, token = admin
    form = {"csrf_token": token, "password": "a new long password", "confirm": ""}
    target = user_id(app, "mo")
    differ = client.post(f"/review/users/{target}/password", data=form)
    assert differ.status_code == 400 and "differ" in differ.text
    short = client.post(
        f"/review/users/{target}/password", data=form | {"password": "short", "confirm": "short"}
    )
    assert short.status_code == 400 and "at least 8 characters" in short.text
    assert mo.get("/review/").status_code == 200  # nothing changed so far
    form["confirm"] = form["password"]
    done = client.post(f"/review/users/{target}/password", data=form)
    assert done.status_code == 303
    assert mo.get("/review/").status_code == 302
    assert login(mo, "mo").status_code == 401
    assert login(mo, "mo", "a new long password").status_code == 303


def test_an_admin_changing_their_own_password_stays_logged_in(app, admin):
    client, token = admin
    elsewhere = app.test_client()
    login(elsewhere, "root")
    root = user_id(app, "root")
    form = {"csrf_token": token, "password": "another password", "confirm": "another password"}
    assert client.post(f"/review/users/{root}/password", data=form).status_code == 303
    assert client.get("/review/users/").status_code == 200
    assert elsewhere.get("/review/").status_code == 302


def test_end_sessions_logs_a_user_out_everywhere(app, admin, mo):
    client, token = admin
    phone = app.test_client()
    login(phone, "mo")
    target = user_id(app, "mo")
    detail = client.get(f"/review/users/{target}")
    assert detail.text.count("/sessions/") >= 2  # one End button per session, and End all
    client.post(f"/review/users/{target}/sessions/end", data={"csrf_token": token})
    assert mo.get("/review/").status_code == 302 and phone.get("/review/").status_code == 302
    assert login(mo, "mo").status_code == 303  # the account itself is fine


def test_end_one_session(app, admin, mo):
    client, token = admin
    phone = app.test_client()
    login(phone, "mo")
    with app.app_context():
        db = get_session()
        sessions = storage.user_sessions(db, storage.user_by_name(db, "mo"))
    newest = sessions[0].id if sessions[0].id > sessions[1].id else sessions[1].id
    target = user_id(app, "mo")
    url = f"/review/users/{target}/sessions/{newest}/end"
    assert client.post(url, data={"csrf_token": token}).status_code == 303
    assert phone.get("/review/").status_code == 302 and mo.get("/review/").status_code == 200
    assert client.post(url, data={"csrf_token": token}).status_code == 404


def test_names_and_browsers_are_shown_escaped(app, admin, sites):
    client, _ = admin
    make_user(app, "<b>eve</b>", site_ids=[sites[0]])
    eve = app.test_client()
    eve.environ_base["HTTP_USER_AGENT"] = "<script>alert(1)</script>"
    login(eve, "<b>eve</b>")
    listing = client.get("/review/users/").text
    assert "<b>eve</b>" not in listing and "&lt;b&gt;eve&lt;/b&gt;" in listing
    detail = client.get(f"/review/users/{user_id(app, '<b>eve</b>')}").text
    assert "<script>alert(1)" not in detail and "&lt;script&gt;alert(1)" in detail


def test_unknown_accounts_are_404(admin):
    client, token = admin
    assert client.get("/review/users/999").status_code == 404
    assert client.post("/review/users/999/disable", data={"csrf_token": token}).status_code == 404


def test_each_account_offers_what_fits_its_state(app, admin, mo):
    client, token = admin
    base = f"/review/users/{user_id(app, 'mo')}"

    def pages() -> tuple[str, str]:
        return client.get("/review/users/").text, client.get(base).text

    for page in pages():
        assert f"{base}/disable" in page and f"{base}/delete" in page
        assert f"{base}/enable" not in page
    client.post(f"{base}/disable", data={"csrf_token": token})
    for page in pages():
        assert f"{base}/enable" in page and f"{base}/disable" not in page
