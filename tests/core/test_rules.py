"""Rules: fixed checks before the models; the first forced verdict wins, with its reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from moderator.core import rules
from moderator.core.comment import Comment
from moderator.core.history import NO_HISTORY, History
from moderator.core.reasons import Reason
from moderator.core.rules import NO_OPINION, RuleOutcome, apply_rules
from moderator.core.settings import SiteSettings

SITE = SiteSettings()


@pytest.mark.parametrize(
    ("comment", "verdict", "code", "discard"),
    [
        (Comment("hello", author="viagra-test-123"), "spam", "test_spam", False),
        (
            Comment("hello", author_email="akismet-guaranteed-spam@example.com"),
            "spam",
            "test_spam",
            False,
        ),
        (Comment("hello", user_role="editor,administrator"), "ham", "trusted_role", False),
        (Comment("hello", honeypot="http://bot.example"), "spam", "honeypot", True),
    ],
)
def test_each_rule_forces_its_verdict_and_names_the_evidence(comment, verdict, code, discard):
    outcome = apply_rules(comment, SITE)
    assert (outcome.verdict, outcome.discard) == (verdict, discard)
    assert [reason.code for reason in outcome.reasons] == [code]
    assert outcome.reasons[0].evidence and outcome.reasons[0].evidence[0]


def test_an_ordinary_comment_gets_no_opinion():
    assert apply_rules(Comment("Thanks, this helped.", user_role="subscriber"), SITE) is NO_OPINION


def test_the_site_trusts_its_administrators_before_any_spam_rule():
    """An administrator testing the honeypot is still the site's administrator."""
    outcome = apply_rules(Comment("hi", user_role="administrator", honeypot="x"), SITE)
    assert outcome.verdict == "ham"


def test_a_new_rule_reads_the_sites_settings(monkeypatch):
    """How a rule that needs a blogger's choice plugs in: a function added to RULES."""

    def hold_everything(comment: Comment, site: SiteSettings, history) -> RuleOutcome:
        if not site.hold_all:
            return NO_OPINION
        return RuleOutcome("unsure", (Reason("hold_all", "the site holds every comment"),))

    monkeypatch.setattr(rules, "RULES", (*rules.RULES, hold_everything))
    assert apply_rules(Comment("hello"), SiteSettings(hold_all=True)).verdict == "unsure"
    assert apply_rules(Comment("hello"), SiteSettings()) is NO_OPINION


# -- the site's own rules -----------------------------------------------------------------

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("settings", "comment", "history", "verdict", "code", "evidence"),
    [
        (
            {"block_words": ["casino"]},
            Comment("Visit my CASÍNO tonight"),
            NO_HISTORY,
            "spam",
            "block_word",
            "casino",
        ),
        (
            {"block_words": ["Ünicorn"]},
            Comment("hi", author_url="https://unicorn.example"),
            NO_HISTORY,
            "spam",
            "block_word",
            "Ünicorn",
        ),
        (
            {"block_words": ["curl/"]},
            Comment("hi", user_agent="curl/8.0"),
            NO_HISTORY,
            "spam",
            "block_word",
            "curl/",
        ),
        (
            {"deny": {"ips": ["203.0.113.0/24"]}},
            Comment("hi", user_ip="203.0.113.9"),
            NO_HISTORY,
            "spam",
            "deny_list",
            "203.0.113.0/24",
        ),
        (
            {"deny": {"domains": ["spam.example"]}},
            Comment("hi", author_email="bot@mail.spam.example"),
            NO_HISTORY,
            "spam",
            "deny_list",
            "spam.example",
        ),
        (
            {"allow": {"emails": ["ann@example.org"]}},
            Comment("buy now", author_email="Ann@example.org"),
            NO_HISTORY,
            "ham",
            "allow_list",
            "ann@example.org",
        ),
        (
            {"allow": {"domains": ["example.org"]}},
            Comment("hi", author_url="https://www.example.org/about"),
            NO_HISTORY,
            "ham",
            "allow_list",
            "example.org",
        ),
        (
            {"min_submit_seconds": 5},
            Comment("hi", form_rendered_at=T0, submitted_at=T0 + timedelta(seconds=1.5)),
            NO_HISTORY,
            "spam",
            "too_fast",
            "1.5 s",
        ),
        (
            {"duplicate_window_hours": 24},
            Comment("Nice post!"),
            History(duplicate_seen=True),
            "spam",
            "duplicate",
            "Nice post!",
        ),
        (
            {"honeypot_field": "website2"},
            Comment("hi", honeypot="http://bot.example"),
            NO_HISTORY,
            "spam",
            "honeypot",
            "http://bot.example",
        ),
    ],
)
def test_a_site_rule_forces_its_verdict_with_the_evidence(
    settings, comment, history, verdict, code, evidence
):
    outcome = apply_rules(comment, SiteSettings.parse(settings), history)
    assert outcome.verdict == verdict
    assert [reason.code for reason in outcome.reasons] == [code]
    assert outcome.reasons[0].evidence[0] == evidence


@pytest.mark.parametrize(
    ("settings", "comment", "history", "code", "evidence"),
    [
        (
            {"hold_words": ["Crème"]},
            Comment("hi", author="CREME brulee fan"),
            NO_HISTORY,
            "hold_word",
            "Crème",
        ),
        (
            {"hold_links_at": 2},
            Comment("see http://a.example and https://b.example"),
            NO_HISTORY,
            "link_limit",
            "2",
        ),
        (
            {"max_per_ip_per_hour": 3},
            Comment("hi", user_ip="198.51.100.1"),
            History(ip_comments_last_hour=3),
            "ip_rate",
            "198.51.100.1",
        ),
        (
            {"languages": ["en", "de"]},
            Comment("olá", language="pt-BR"),
            NO_HISTORY,
            "language",
            "pt-br",
        ),
    ],
)
def test_a_hold_rule_holds_with_the_evidence(settings, comment, history, code, evidence):
    outcome = apply_rules(comment, SiteSettings.parse(settings), history)
    assert outcome.verdict is None and outcome.hold
    assert [reason.code for reason in outcome.reasons] == [code]
    assert outcome.reasons[0].evidence[0] == evidence


@pytest.mark.parametrize(
    ("settings", "comment", "history"),
    [
        ({"block_words": ["casino"]}, Comment("I cook at home"), NO_HISTORY),
        ({"deny": {"ips": ["203.0.113.0/24"]}}, Comment("hi", user_ip="203.0.114.9"), NO_HISTORY),
        ({"deny": {"ips": ["203.0.113.0/24"]}}, Comment("hi", user_ip="not an ip"), NO_HISTORY),
        (
            {"deny": {"domains": ["spam.example"]}},
            Comment("hi", author_email="a@nospam.example"),
            NO_HISTORY,
        ),
        (
            {"min_submit_seconds": 5},
            Comment("hi", form_rendered_at=T0, submitted_at=T0 + timedelta(seconds=5)),
            NO_HISTORY,
        ),
        ({"min_submit_seconds": 5}, Comment("hi", submitted_at=T0), NO_HISTORY),
        ({"duplicate_window_hours": 0}, Comment("hi"), History(duplicate_seen=True)),
        ({"hold_links_at": 3}, Comment("see http://a.example and https://b.example"), NO_HISTORY),
        ({"max_per_ip_per_hour": 3}, Comment("hi"), History(ip_comments_last_hour=2)),
        ({"languages": ["en"]}, Comment("hi", language="en-GB"), NO_HISTORY),
        ({"languages": ["en"]}, Comment("hi"), NO_HISTORY),
    ],
)
def test_a_site_rule_keeps_quiet_below_its_limit(settings, comment, history):
    assert apply_rules(comment, SiteSettings.parse(settings), history) is NO_OPINION


def test_every_hold_that_fired_shows():
    settings = SiteSettings.parse({"hold_words": ["free"], "hold_links_at": 1})
    outcome = apply_rules(Comment("free stuff at http://a.example"), settings)
    assert outcome.hold and [r.code for r in outcome.reasons] == ["hold_word", "link_limit"]


def test_the_allow_list_wins_over_a_block_word():
    settings = SiteSettings.parse(
        {"allow": {"emails": ["ann@example.org"]}, "block_words": ["casino"]}
    )
    outcome = apply_rules(Comment("casino trip", author_email="ann@example.org"), settings)
    assert outcome.verdict == "ham"
