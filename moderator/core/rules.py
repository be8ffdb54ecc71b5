"""Rules: fixed checks that run before the models and may settle a verdict outright.

Each rule looks at the comment, its site's settings and what the site has seen before
(`History`), and returns a RuleOutcome: a verdict it forces, or a hold, or nothing, with
its reasons. The first rule that forces a verdict wins, as in Isso's guard; otherwise
every hold that fired is kept, and the models decide with the comment held for review
unless they call it spam. A new rule is a function of that shape added to `RULES`; a
choice it needs from the blogger is a field of `SiteSettings`.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network

from moderator.core.comment import Comment, fold
from moderator.core.history import NO_HISTORY, History
from moderator.core.reasons import Reason
from moderator.core.settings import AddressList, SiteSettings

#: Akismet's documented test values, honoured so existing clients' tests pass.
AKISMET_SPAM_AUTHORS = frozenset({"viagra-test-123", "akismet-guaranteed-spam"})
AKISMET_SPAM_EMAIL = "akismet-guaranteed-spam@example.com"
TRUSTED_ROLES = frozenset({"administrator"})

#: A link as WordPress counts them for "hold a comment with N or more links": every
#: `//` after an optional scheme, `href=` or not (wp-includes/comment.php).
LINK = re.compile(r"(?:https?:)?//", re.IGNORECASE)

#: The fields a hold or block word is looked for in, with the name a reason shows.
WORD_FIELDS = (
    ("content", "content"),
    ("author", "author"),
    ("author_email", "e-mail"),
    ("author_url", "URL"),
    ("user_ip", "IP"),
    ("user_agent", "user agent"),
)


@dataclass(frozen=True)
class RuleOutcome:
    """What one rule concluded: a verdict it forces (or None), a hold, and why."""

    verdict: str | None = None
    reasons: tuple[Reason, ...] = ()
    discard: bool = False
    #: Held for review whatever the models say, unless they say spam.
    hold: bool = False


NO_OPINION = RuleOutcome()

IPNetwork = IPv4Network | IPv6Network


def _spam(code: str, message: str, evidence: tuple[str, ...], **kwargs) -> RuleOutcome:
    return RuleOutcome("spam", (Reason(code, message, weight=1.0, evidence=evidence),), **kwargs)


def _ham(code: str, message: str, evidence: tuple[str, ...]) -> RuleOutcome:
    return RuleOutcome("ham", (Reason(code, message, weight=-1.0, evidence=evidence),))


def _hold(code: str, message: str, evidence: tuple[str, ...]) -> RuleOutcome:
    return RuleOutcome(None, (Reason(code, message, weight=0.5, evidence=evidence),), hold=True)


def akismet_test_spam(comment: Comment, site: SiteSettings, history: History) -> RuleOutcome:
    """Force spam for Akismet's guaranteed-spam test author and e-mail."""
    if comment.author.strip().lower() in AKISMET_SPAM_AUTHORS:
        evidence = (comment.author,)
    elif comment.author_email.strip().lower() == AKISMET_SPAM_EMAIL:
        evidence = (comment.author_email,)
    else:
        return NO_OPINION
    return _spam("test_spam", "Akismet test value that always means spam", evidence)


def trusted_role(comment: Comment, site: SiteSettings, history: History) -> RuleOutcome:
    """Force ham for comments by the site's administrators (Akismet's user_role rule)."""
    # WordPress multisite sends every role, comma-separated ("administrator,super_admin").
    roles = {role.strip().lower() for role in comment.user_role.split(",")}
    trusted = sorted(roles & TRUSTED_ROLES)
    if not trusted:
        return NO_OPINION
    return _ham("trusted_role", f"written by the site's {trusted[0]}", (comment.user_role,))


def listed(comment: Comment, entries: AddressList) -> tuple[str, str] | None:
    """Return (what matched, the entry) when the comment's IP, e-mail or domain is listed."""
    if entries.ips and comment.user_ip.strip():
        try:
            address = ipaddress.ip_address(comment.user_ip.strip())
        except ValueError:
            address = None
        if address is not None:
            by_length = _networks(entries.ips).get(address.version, {})
            for length, networks in by_length.items():
                network = ipaddress.ip_network((address, length), strict=False)
                if network in networks:
                    return f"IP {comment.user_ip.strip()}", networks[network]
    email = comment.author_email.strip().lower()
    if email and email in entries.emails:
        return f"e-mail {email}", email
    if entries.domains:
        domains = _domain_set(entries.domains)
        for host in _domains(comment):
            labels = host.split(".")
            # The host itself, then each domain above it: a.b.example -> b.example -> example.
            for start in range(len(labels)):
                if ".".join(labels[start:]) in domains:
                    return f"domain {host}", ".".join(labels[start:])
    return None


@functools.lru_cache(maxsize=64)
def _networks(ips: tuple[str, ...]) -> dict[int, dict[int, dict[IPNetwork, str]]]:
    """Return a list's networks by IP version and prefix length, built once per list.

    An address is then looked up once per prefix length the list uses, however long it is.
    """
    index: dict[int, dict[int, dict[IPNetwork, str]]] = {}
    for entry in ips:
        network = ipaddress.ip_network(entry)
        lengths = index.setdefault(network.version, {})
        lengths.setdefault(network.prefixlen, {}).setdefault(network, entry)
    return index


@functools.lru_cache(maxsize=64)
def _domain_set(domains: tuple[str, ...]) -> frozenset[str]:
    return frozenset(domains)


def _domains(comment: Comment) -> list[str]:
    """Return the e-mail's domain and the author URL's host, lower-cased."""
    hosts = []
    _, at, domain = comment.author_email.strip().rpartition("@")
    if at and domain:
        hosts.append(domain.lower().rstrip("."))
    url = comment.author_url.strip().lower()
    if url:
        host = url.split("//", 1)[-1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        host = host.rpartition("@")[2].split(":", 1)[0].rstrip(".")
        if host:
            hosts.append(host)
    return hosts


def allow_listed(comment: Comment, site: SiteSettings, history: History) -> RuleOutcome:
    """Force ham for an IP (or network), e-mail or domain on the site's allow list."""
    match = listed(comment, site.allow)
    if match is None:
        return NO_OPINION
    what, entry = match
    return _ham("allow_list", f"{what} is on the site's allow list ({entry})", (entry,))


def deny_listed(comment: Comment, site: SiteSettings, history: History) -> RuleOutcome:
    """Force spam for an IP (or network), e-mail or domain on the site's deny list."""
    match = listed(comment, site.deny)
    if match is None:
        return NO_OPINION
    what, entry = match
    return _spam("deny_list", f"{what} is on the site's deny list ({entry})", (entry,))


def matched_word(comment: Comment, words: tuple[str, ...]) -> tuple[str, str] | None:
    """Return (the word, the field's name) for a word found in the comment.

    Matching ignores case and accents, and finds a word inside a longer one, as
    WordPress's comment moderation and disallowed keys do ("press" in "WordPress").
    """
    if not words:
        return None
    pattern, originals = _word_pattern(words)
    if pattern is None:
        return None
    for name, shown in WORD_FIELDS:
        found = pattern.search(fold(getattr(comment, name)))
        if found:
            return originals[found.group()], shown
    return None


@functools.lru_cache(maxsize=64)
def _word_pattern(words: tuple[str, ...]) -> tuple[re.Pattern | None, dict[str, str]]:
    """Return one pattern finding any of the words (folded), and each folded word's original.

    Built once per list (settings are frozen values): one scan of a field finds any word.
    Longer words come first, so "casino" is named rather than "casi".
    """
    originals: dict[str, str] = {}
    for word in words:
        originals.setdefault(fold(word), word)
    originals.pop("", None)
    if not originals:
        return None, originals
    alternatives = sorted(originals, key=len, reverse=True)
    return re.compile("|".join(re.escape(word) for word in alternatives)), originals


def block_word(comment: Comment, site: SiteSettings, history: History) -> RuleOutcome:
    """Force spam when one of the site's block words appears in the comment."""
    match = matched_word(comment, site.block_words)
    if match is None:
        return NO_OPINION
    word, shown = match
    return _spam("block_word", f"the {shown} contains the blocked word “{word}”", (word,))


def honeypot_filled(comment: Comment, site: SiteSettings, history: History) -> RuleOutcome:
    """Force spam when the hidden form field that people never see was filled in."""
    if not comment.honeypot.strip():
        return NO_OPINION
    return _spam(
        "honeypot",
        "a hidden form field only bots fill in was filled in",
        (comment.honeypot[:100],),
        discard=True,
    )


def submitted_too_fast(comment: Comment, site: SiteSettings, history: History) -> RuleOutcome:
    """Force spam when the form was sent sooner after it was shown than a person types."""
    rendered, submitted = comment.form_rendered_at, comment.submitted_at
    if not site.min_submit_seconds or rendered is None or submitted is None:
        return NO_OPINION
    seconds = (submitted - rendered).total_seconds()
    if seconds >= site.min_submit_seconds:
        return NO_OPINION
    return _spam(
        "too_fast",
        f"sent {seconds:g} s after the form was shown (the site expects at least "
        f"{site.min_submit_seconds} s)",
        (f"{seconds:g} s",),
    )


def duplicate(comment: Comment, site: SiteSettings, history: History) -> RuleOutcome:
    """Force spam for the same text seen within the site's duplicate window."""
    if not site.duplicate_window_hours or not history.duplicate_seen:
        return NO_OPINION
    return _spam(
        "duplicate",
        f"the same text arrived in the last {site.duplicate_window_hours} h",
        (comment.content[:100],),
    )


def hold_word(comment: Comment, site: SiteSettings, history: History) -> RuleOutcome:
    """Hold a comment in which one of the site's hold words appears."""
    match = matched_word(comment, site.hold_words)
    if match is None:
        return NO_OPINION
    word, shown = match
    return _hold("hold_word", f"the {shown} contains the held word “{word}”", (word,))


def too_many_links(comment: Comment, site: SiteSettings, history: History) -> RuleOutcome:
    """Hold a comment with the site's number of links or more."""
    if not site.hold_links_at:
        return NO_OPINION
    count = len(LINK.findall(comment.content))
    if count < site.hold_links_at:
        return NO_OPINION
    return _hold(
        "link_limit",
        f"{count} links (the site holds comments with {site.hold_links_at} or more)",
        (str(count),),
    )


def too_many_from_ip(comment: Comment, site: SiteSettings, history: History) -> RuleOutcome:
    """Hold a comment from an IP that already sent the site's hourly maximum."""
    limit = site.max_per_ip_per_hour
    if not limit or history.ip_comments_last_hour < limit:
        return NO_OPINION
    return _hold(
        "ip_rate",
        f"{history.ip_comments_last_hour} comments from {comment.user_ip} in the last hour "
        f"(the site allows {limit})",
        (comment.user_ip, str(history.ip_comments_last_hour)),
    )


def other_language(comment: Comment, site: SiteSettings, history: History) -> RuleOutcome:
    """Hold a comment the platform says is in a language the blog does not publish in."""
    language = comment.language.strip().lower().replace("_", "-")
    if not site.languages or not language:
        return NO_OPINION
    if any(language == lang or language.startswith(lang + "-") for lang in site.languages):
        return NO_OPINION
    return _hold(
        "language",
        f"written in {language}; the blog's languages are {', '.join(site.languages)}",
        (language,),
    )


Rule = Callable[[Comment, SiteSettings, History], RuleOutcome]

#: The rules in the order they run; the first forced verdict wins, then every hold counts.
RULES: tuple[Rule, ...] = (
    trusted_role,
    akismet_test_spam,
    allow_listed,
    deny_listed,
    block_word,
    honeypot_filled,
    submitted_too_fast,
    duplicate,
    hold_word,
    too_many_links,
    too_many_from_ip,
    other_language,
)


def apply_rules(comment: Comment, site: SiteSettings, history: History = NO_HISTORY) -> RuleOutcome:
    """Return the first outcome that forces a verdict, else every hold, else no opinion."""
    holds: list[Reason] = []
    for rule in RULES:
        outcome = rule(comment, site, history)
        if outcome.verdict is not None:
            return outcome
        if outcome.hold:
            holds.extend(outcome.reasons)
    return RuleOutcome(None, tuple(holds), hold=True) if holds else NO_OPINION
