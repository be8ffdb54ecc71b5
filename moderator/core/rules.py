"""Rules: fixed checks that run before the models and may settle a verdict outright.

Each rule looks at the comment and its site's settings and returns a RuleOutcome (a
forced verdict or none, and its reasons); the first rule that forces a verdict wins, as
in Isso's guard. A new rule is a function of that shape added to `RULES`; a choice it
needs from the blogger is a field of `SiteSettings`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from moderator.core.comment import Comment
from moderator.core.reasons import Reason
from moderator.core.settings import SiteSettings

#: Akismet's documented test values, honoured so existing clients' tests pass.
AKISMET_SPAM_AUTHORS = frozenset({"viagra-test-123", "akismet-guaranteed-spam"})
AKISMET_SPAM_EMAIL = "akismet-guaranteed-spam@example.com"
TRUSTED_ROLES = frozenset({"administrator"})


@dataclass(frozen=True)
class RuleOutcome:
    """What one rule concluded: a verdict it forces (or None) and why."""

    verdict: str | None = None
    reasons: tuple[Reason, ...] = ()
    discard: bool = False


NO_OPINION = RuleOutcome()


def akismet_test_spam(comment: Comment, site: SiteSettings) -> RuleOutcome:
    """Force spam for Akismet's guaranteed-spam test author and e-mail."""
    if comment.author.strip().lower() in AKISMET_SPAM_AUTHORS:
        evidence = (comment.author,)
    elif comment.author_email.strip().lower() == AKISMET_SPAM_EMAIL:
        evidence = (comment.author_email,)
    else:
        return NO_OPINION
    reason = Reason(
        "test_spam",
        "Akismet test value that always means spam",
        weight=1.0,
        evidence=evidence,
    )
    return RuleOutcome("spam", (reason,))


def trusted_role(comment: Comment, site: SiteSettings) -> RuleOutcome:
    """Force ham for comments by the site's administrators (Akismet's user_role rule)."""
    # WordPress multisite sends every role, comma-separated ("administrator,super_admin").
    roles = {role.strip().lower() for role in comment.user_role.split(",")}
    trusted = sorted(roles & TRUSTED_ROLES)
    if not trusted:
        return NO_OPINION
    reason = Reason(
        "trusted_role",
        f"written by the site's {trusted[0]}",
        weight=-1.0,
        evidence=(comment.user_role,),
    )
    return RuleOutcome("ham", (reason,))


def honeypot_filled(comment: Comment, site: SiteSettings) -> RuleOutcome:
    """Force spam when the hidden form field that people never see was filled in."""
    if not comment.honeypot.strip():
        return NO_OPINION
    reason = Reason(
        "honeypot",
        "a hidden form field only bots fill in was filled in",
        weight=1.0,
        evidence=(comment.honeypot[:100],),
    )
    return RuleOutcome("spam", (reason,), discard=True)


Rule = Callable[[Comment, SiteSettings], RuleOutcome]

#: The rules in the order they run; the first forced verdict wins.
RULES: tuple[Rule, ...] = (trusted_role, akismet_test_spam, honeypot_filled)


def apply_rules(comment: Comment, site: SiteSettings) -> RuleOutcome:
    """Run every rule and return the first that forces a verdict, or no opinion."""
    for rule in RULES:
        outcome = rule(comment, site)
        if outcome.verdict is not None:
            return outcome
    return NO_OPINION
