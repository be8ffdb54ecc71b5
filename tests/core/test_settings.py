"""A site's settings: strict parsing, lenient reading of stored JSON, and the write path."""

from __future__ import annotations

import dataclasses

import pytest

from moderator import storage
from moderator.core.settings import SettingsError, SiteSettings
from moderator.db import get_session
from tests.stubs import stub_models

STRICT = {"thresholds": {"unsure": 0.3, "spam": 0.8}, "hold_all": True}
#: Every key the issue names, with its default: what clients and checks rely on.
DEFAULTS = {
    "thresholds": {},
    "hold_all": False,
    "hold_links_at": 0,
    "hold_words": [],
    "block_words": [],
    "honeypot_field": "",
    "min_submit_seconds": 0,
    "duplicate_window_hours": 0,
    "trust_approved_authors": False,
    "max_per_ip_per_hour": 0,
    "allow": {"ips": [], "emails": [], "domains": []},
    "deny": {"ips": [], "emails": [], "domains": []},
    "languages": [],
    "country": "",
    "urgent_email_to": [],
    "akismet_held_answer": "false",
}


@pytest.fixture
def models():
    """Stub models, so a comment's verdict follows the `spam=` marker in its text."""
    return stub_models()


# -- the value ----------------------------------------------------------------------------


def test_parse_keeps_what_was_entered_and_round_trips():
    settings = SiteSettings.parse(STRICT)
    assert settings == SiteSettings(thresholds={"unsure": 0.3, "spam": 0.8}, hold_all=True)
    assert settings.to_dict() == {**SiteSettings().to_dict(), **STRICT}
    assert SiteSettings.parse(settings.to_dict()) == settings
    assert SiteSettings.from_dict(settings.to_dict()) == settings


def test_nothing_entered_means_the_defaults():
    assert SiteSettings.parse({}) == SiteSettings()
    assert SiteSettings().to_dict() == DEFAULTS


def test_settings_are_a_frozen_value():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SiteSettings().hold_all = True  # type: ignore[misc]


@pytest.mark.parametrize(
    ("entered", "field", "message"),
    [
        ({"thresholds": {"spam": 7}}, "thresholds.spam", "must be a number from 0 to 1"),
        ({"thresholds": {"spam": -0.1}}, "thresholds.spam", "must be a number from 0 to 1"),
        ({"thresholds": {"spam": "0.8"}}, "thresholds.spam", "must be a number from 0 to 1"),
        ({"thresholds": {"spam": True}}, "thresholds.spam", "must be a number from 0 to 1"),
        ({"thresholds": {"spam": float("nan")}}, "thresholds.spam", "must be a number"),
        ({"thresholds": {"bogus": 0.5}}, "thresholds.bogus", "is not a threshold"),
        ({"thresholds": {"unsure": 0.9, "spam": 0.5}}, "thresholds", "unsure <= spam"),
        ({"thresholds": {"spam": 0.9, "discard": 0.8}}, "thresholds", "spam <= discard"),
        ({"thresholds": [0.5]}, "thresholds", "must be an object"),
        ({"hold_all": "yes"}, "hold_all", "must be true or false"),
        ({"hold_all": 1}, "hold_all", "must be true or false"),
        ({"hold_al": True}, "hold_al", "is not a setting"),
        ("hold everything", "settings", "must be an object"),
        ({"hold_links_at": -1}, "hold_links_at", "whole number from 0"),
        ({"hold_links_at": 2.5}, "hold_links_at", "whole number from 0"),
        ({"min_submit_seconds": "3"}, "min_submit_seconds", "whole number from 0"),
        ({"duplicate_window_hours": True}, "duplicate_window_hours", "whole number"),
        ({"max_per_ip_per_hour": 10**9}, "max_per_ip_per_hour", "to 1000000"),
        ({"trust_approved_authors": "true"}, "trust_approved_authors", "true or false"),
        ({"hold_words": "viagra"}, "hold_words", "must be a list"),
        ({"block_words": ["ok", 3]}, "block_words[1]", "must be a string"),
        ({"block_words": ["  "]}, "block_words[0]", "1 to 200 characters"),
        ({"honeypot_field": "a b"}, "honeypot_field", "form field name"),
        ({"honeypot_field": "content"}, "honeypot_field", "must not be a comment field"),
        ({"allow": {"ips": ["10.0.0.300"]}}, "allow.ips[0]", "CIDR"),
        ({"deny": {"emails": ["nobody"]}}, "deny.emails[0]", "e-mail address"),
        ({"deny": {"domains": ["exa mple.com"]}}, "deny.domains[0]", "domain name"),
        ({"deny": {"hosts": []}}, "deny.hosts", "is not a list"),
        ({"allow": ["1.2.3.4"]}, "allow", "must be an object"),
        ({"languages": ["english!"]}, "languages[0]", "language code"),
        ({"country": "Germany"}, "country", "ISO 3166-1"),
        ({"akismet_held_answer": "maybe"}, "akismet_held_answer", "false, true, error"),
        ({"urgent_email_to": ["nobody"]}, "urgent_email_to[0]", "one e-mail address"),
        # A second recipient, or a header, smuggled into one entry of the To list.
        ({"urgent_email_to": ["a@b.org,evil@x.org"]}, "urgent_email_to[0]", "one e-mail"),
        ({"urgent_email_to": ["Ann <a@b.org>"]}, "urgent_email_to[0]", "one e-mail"),
        ({"urgent_email_to": "a@b.org"}, "urgent_email_to", "must be a list"),
        (None, "settings", "must be an object"),
    ],
)
def test_parse_names_the_bad_field(entered, field, message):
    with pytest.raises(SettingsError) as raised:
        SiteSettings.parse(entered)
    assert len(raised.value.errors) == 1
    name, why = raised.value.errors[0]
    assert name == field and message in why
    assert f"{field}: " in str(raised.value)


def test_parse_names_every_bad_field_at_once():
    entered = {"thresholds": {"spam": 2, "discard": "high"}, "hold_all": "no", "colour": "red"}
    with pytest.raises(ValueError) as raised:  # a SettingsError is a ValueError
        SiteSettings.parse(entered)
    fields = {name for name, _ in raised.value.errors}
    assert fields == {"thresholds.spam", "thresholds.discard", "hold_all", "colour"}


def test_entries_are_stored_in_one_form():
    settings = SiteSettings.parse(
        {
            "allow": {"ips": ["192.0.2.7/24", "2001:db8::1"], "emails": ["Ann@Example.org"]},
            "deny": {"domains": ["*.Spam.Example.", "spam.example"]},
            "languages": ["pt_BR", "en"],
            "country": "de",
        }
    )
    assert settings.allow.ips == ("192.0.2.0/24", "2001:db8::1/128")
    assert settings.allow.emails == ("ann@example.org",)
    assert settings.deny.domains == ("spam.example",)
    assert settings.languages == ("pt-br", "en")
    assert settings.country == "DE"
    assert SiteSettings.parse(settings.to_dict()) == settings


def test_updated_replaces_the_named_keys_and_keeps_the_others():
    before = SiteSettings.parse({"hold_links_at": 2, "block_words": ["casino"]})
    after = before.updated({"block_words": ["poker"], "hold_all": True})
    assert after.hold_links_at == 2 and after.block_words == ("poker",) and after.hold_all
    with pytest.raises(SettingsError) as raised:
        before.updated({"hold_linksat": 3})
    assert raised.value.errors == [("hold_linksat", "is not a setting")]


def test_from_dict_drops_bad_stored_values_and_keeps_the_good_ones():
    stored = {"thresholds": {"unsure": 0.2, "spam": 7, "bogus": 1}, "hold_all": "yes", "x": 1}
    assert SiteSettings.from_dict(stored) == SiteSettings(thresholds={"unsure": 0.2})
    assert SiteSettings.from_dict("not a dict") == SiteSettings()
    assert SiteSettings.from_dict(None) == SiteSettings()


# -- stored -------------------------------------------------------------------------------


@pytest.fixture
def site(session, site_key):
    """The test site as a row."""
    return storage.get_site(session, site_key[0])


def post(client, auth, content: str) -> str:
    """Send a comment through the API; return the status it was given."""
    response = client.post("/api/v1/comments", json={"content": content}, headers=auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["status"]


def test_a_new_site_has_the_default_settings(session, site):
    assert storage.site_settings(site) == SiteSettings()


def test_stored_settings_are_read_back_by_a_later_request(app, session, site):
    stored = storage.update_site_settings(session, site, SiteSettings.parse(STRICT))
    assert stored == SiteSettings.parse(STRICT)
    with app.app_context():  # a new session, as the next request has
        again = storage.get_site(get_session(), site.id)
        assert again.settings == {**DEFAULTS, **STRICT}
        assert storage.site_settings(again) == stored


def test_stored_settings_shape_the_sites_decisions(client, auth, session, site):
    assert post(client, auth, "Thanks! spam=0.1") == "approved"
    storage.update_site_settings(session, site, SiteSettings(hold_all=True))
    assert post(client, auth, "Thanks again! spam=0.1") == "pending"
    strict = SiteSettings(thresholds={"unsure": 0.02, "spam": 0.05})
    storage.update_site_settings(session, site, strict)
    assert post(client, auth, "Thanks once more! spam=0.1") == "spam"


def test_only_a_settings_value_is_stored(session, site):
    with pytest.raises(TypeError, match="SiteSettings"):
        storage.update_site_settings(session, site, {"hold_all": True})
    session.rollback()
    assert storage.site_settings(storage.get_site(session, site.id)) == SiteSettings()


def test_a_bad_stored_value_does_not_take_the_site_down(client, auth, session, site):
    site.settings = {"thresholds": {"spam": "abc"}, "hold_all": "yes"}
    session.commit()
    assert storage.site_settings(site) == SiteSettings()
    assert post(client, auth, "Thanks! spam=0.1") == "approved"


@pytest.mark.parametrize(("given", "stored"), [("GB", "GB"), ("us", "US"), ("", ""), (None, "")])
def test_a_site_sets_its_country_for_the_safety_numbers(given, stored):
    """ISO 3166-1 alpha-2, upper-cased; empty means unknown (the default wording)."""
    settings = SiteSettings.parse({"country": given})
    assert settings.country == stored
    assert SiteSettings.from_dict(settings.to_dict()) == settings


@pytest.mark.parametrize("given", ["GBR", "G", "1A", 44, "é1", True])
def test_a_bad_country_is_refused_by_name(given):
    with pytest.raises(SettingsError) as refused:
        SiteSettings.parse({"country": given})
    assert [name for name, _ in refused.value.errors] == ["country"]
    assert SiteSettings.from_dict({"country": given}).country == ""


def test_urgent_addresses_keep_their_mailbox_and_fold_the_domain():
    """The domain is case-blind, the mailbox may not be: only the domain is folded."""
    settings = SiteSettings.parse(
        {"urgent_email_to": ["Ann.Author@Blog.Example", " ann.author@blog.example "]}
    )
    assert settings.urgent_email_to == ("Ann.Author@blog.example", "ann.author@blog.example")
