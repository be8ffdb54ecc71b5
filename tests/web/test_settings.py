"""The admins' Settings page: each site's rules as a form, saved with CSRF, errors named."""

from __future__ import annotations

import pytest

from moderator import storage
from moderator.core.settings import SiteSettings
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
    return client, token_of(client.get("/review/").text)


def stored(app, site_id: int) -> SiteSettings:
    """Return a site's settings as the next request reads them."""
    with app.app_context():
        return storage.site_settings(storage.get_site(get_session(), site_id))


def form(token: str, **fields) -> dict:
    """Return a complete settings form (the defaults) with `fields` changed."""
    data = {
        "csrf_token": token,
        "hold_links_at": "0",
        "min_submit_seconds": "0",
        "duplicate_window_hours": "0",
        "max_per_ip_per_hour": "0",
        "akismet_held_answer": "false",
    }
    return {**data, **fields}


def test_the_page_shows_every_setting_of_the_site(admin, sites):
    client, _ = admin
    page = client.get(f"/review/settings/{sites[0]}")
    assert page.status_code == 200
    for name in SiteSettings().to_dict():
        assert f'name="{name}' in page.text
    assert 'href="/review/settings/"' in page.text  # the admin's menu
    assert client.get("/review/settings/").status_code == 302


def test_saving_stores_the_settings_and_says_so(app, admin, sites):
    client, token = admin
    entered = form(
        token,
        hold_all="on",
        hold_links_at="2",
        block_words="casino\n  Poker \n\n",
        **{"deny.ips": "203.0.113.0/24", "thresholds.spam": "0.8"},
        country="de",
        urgent_email_to="ann@blog.example\r\n nurse@blog.example\n",
        akismet_held_answer="error",
    )
    response = client.post(f"/review/settings/{sites[0]}", data=entered)
    assert response.status_code == 303
    settings = stored(app, sites[0])
    assert settings.hold_all and settings.hold_links_at == 2
    assert settings.block_words == ("casino", "Poker") and settings.deny.ips == ("203.0.113.0/24",)
    assert settings.thresholds == {"spam": 0.8} and settings.country == "DE"
    assert settings.akismet_held_answer == "error"
    assert settings.urgent_email_to == ("ann@blog.example", "nurse@blog.example")
    assert "Saved the settings" in client.get(response.headers["Location"]).text
    assert stored(app, sites[1]) == SiteSettings()  # the other site is untouched


def test_a_bad_field_is_named_and_nothing_is_saved(app, admin, sites):
    client, token = admin
    hostile = "<script>alert(1)</script>"
    response = client.post(
        f"/review/settings/{sites[0]}",
        data=form(
            token,
            hold_links_at="many",
            country=hostile,
            block_words=hostile,
            urgent_email_to="ann@blog.example\nann@blog.example, eve@evil.example",
            **{"allow.ips": "10.0.0.300"},
        ),
    )
    assert response.status_code == 422
    assert "hold_links_at: must be a whole number" in response.text
    assert "allow.ips[0]: must be an IP address" in response.text
    assert "country: must be a two-letter" in response.text
    assert "urgent_email_to[1]: must be one e-mail address" in response.text
    assert hostile not in response.text and "&lt;script&gt;" in response.text  # kept, escaped
    assert stored(app, sites[0]) == SiteSettings()


def test_only_admins_with_the_token_may_change_settings(app, admin, sites):
    client, token = admin
    assert client.post(f"/review/settings/{sites[0]}", data=form("")).status_code == 400
    make_user(app, "mo", site_ids=[sites[0]])
    mo = app.test_client()
    login(mo, "mo")
    mine = token_of(mo.get("/review/").text)
    assert mo.get(f"/review/settings/{sites[0]}").status_code == 403
    assert (
        mo.post(f"/review/settings/{sites[0]}", data=form(mine, hold_all="on")).status_code == 403
    )
    assert 'href="/review/settings/"' not in mo.get("/review/").text
    assert app.test_client().get(f"/review/settings/{sites[0]}").status_code == 302
    assert client.get("/review/settings/999").status_code == 404
    assert stored(app, sites[0]) == SiteSettings()


def test_the_root_leads_to_the_review_page(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/review/")
