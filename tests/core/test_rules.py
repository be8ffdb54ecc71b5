"""Rules: fixed checks before the models; the first forced verdict wins, with its reason."""

from __future__ import annotations

import pytest

from moderator.core import rules
from moderator.core.comment import Comment
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

    def hold_everything(comment: Comment, site: SiteSettings) -> RuleOutcome:
        if not site.hold_all:
            return NO_OPINION
        return RuleOutcome("unsure", (Reason("hold_all", "the site holds every comment"),))

    monkeypatch.setattr(rules, "RULES", (*rules.RULES, hold_everything))
    assert apply_rules(Comment("hello"), SiteSettings(hold_all=True)).verdict == "unsure"
    assert apply_rules(Comment("hello"), SiteSettings()) is NO_OPINION
