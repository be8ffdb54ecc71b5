"""The metadata signals: the columns the spam model reads beside its word n-grams.

Each signal is defined once, in `SIGNALS`: its column name, the reason code its weight
is reported under, and how it reads a comment's measurements (`moderator.spam.facts`).
The order is the column order of every trained model: adding, removing or moving a
signal means retraining.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from moderator.spam.links import hides_host, is_reference_host

if TYPE_CHECKING:
    from moderator.spam.facts import Measurements


@dataclass(frozen=True, slots=True)
class Signal:
    """One metadata column: its name, the reason it feeds, and how a comment scores on it.

    `measure` returns a bool (the column is 1.0 or 0.0) or a share from 0.0 to 1.0.
    """

    name: str
    code: str
    measure: Callable[[Measurements], bool | float]


def _cites_only_sources(m: Measurements) -> bool:
    """Whether every link goes to a site readers cite, and nothing else sells or hides."""
    links, contacts = m.links, m.contacts
    return (
        bool(links.domains)
        and not (
            links.obfuscated
            or contacts.emails
            or contacts.phones
            or contacts.messengers
            or links.shorteners
            or m.author.site_sells
        )
        and not any(hides_host(link) for link in links.links)
        and all(is_reference_host(d) for d in set(links.domains))
    )


def _money_testimonial(m: Measurements) -> bool:
    """Whether the text thanks someone for money made and names an account to go to: the
    investment testimonial ("I invested $1,000 and got $9,500, all thanks to @anna_fx").

    A handle after the opening ones counts here however it is introduced; alone it is
    only a mention (fans tag each other), so `referral_handle` asks for a cue."""
    address = m.address
    sends_on = (
        bool(address.later) or "contact_request" in m.promo.families or bool(m.contacts.messengers)
    )
    return address.money_made and address.gratitude and sends_on


SIGNALS = (
    Signal("link_1", "links", lambda m: m.links.count >= 1),
    Signal("link_2", "links", lambda m: m.links.count >= 2),
    Signal("link_4", "links", lambda m: m.links.count >= 4),
    Signal("html_link", "links", lambda m: m.links.html),
    Signal("link_shortener", "link_shortener", lambda m: bool(m.links.shorteners)),
    Signal("risky_domain", "risky_domain", lambda m: bool(m.links.risky_domains)),
    Signal("obfuscated_url", "obfuscated_url", lambda m: bool(m.links.obfuscated)),
    Signal("email", "email", lambda m: bool(m.contacts.emails)),
    Signal("phone", "phone", lambda m: bool(m.contacts.phones)),
    Signal("messenger", "messenger", lambda m: bool(m.contacts.messengers)),
    Signal("money", "money", lambda m: bool(m.contacts.money)),
    Signal("author_url", "author_url", lambda m: bool(m.author.domain)),
    Signal("author_url_in_text", "author_url_in_text", lambda m: m.author.in_text),
    Signal("author_keyword", "author_keyword", lambda m: m.author.keyword),
    Signal("author_url_keyword", "author_url_keyword", lambda m: m.author.site_sells),
    Signal("self_promo", "self_promo", lambda m: "self_promo" in m.promo.families),
    Signal("call_to_action", "call_to_action", lambda m: "call_to_action" in m.promo.families),
    Signal("contact_request", "contact_request", lambda m: "contact_request" in m.promo.families),
    Signal("earn_win", "earn_win", lambda m: "earn_win" in m.promo.families),
    Signal("testimonial", "testimonial", lambda m: "testimonial" in m.promo.families),
    Signal("service_ad", "service_ad", lambda m: "service_ad" in m.promo.families),
    Signal("promo_and_link", "links", lambda m: bool(m.promo.families) and m.links.count >= 1),
    Signal(
        "praise_and_link",
        "generic_praise",
        lambda m: m.promo.praise and (m.links.count >= 1 or bool(m.author.domain)),
    ),
    Signal("reference_links", "reference_link", _cites_only_sources),
    Signal("len_tiny", "length", lambda m: m.shape.length < 15),
    Signal("len_short", "length", lambda m: m.shape.length < 60),
    Signal("len_long", "length", lambda m: m.shape.length > 600),
    Signal("len_very_long", "length", lambda m: m.shape.length > 1500),
    Signal(
        "shouting",
        "capitals",
        lambda m: m.shape.letters >= 12 and m.shape.capitals / m.shape.letters > 0.6,
    ),
    Signal(
        "symbol_ratio",
        "symbols",
        lambda m: min(1.0, 4 * m.shape.symbols / max(m.shape.length, 1)),
    ),
    Signal(
        "digit_ratio",
        "digits",
        lambda m: min(1.0, 4 * m.shape.code_digits / max(m.shape.length, 1)),
    ),
    Signal("exclaim_runs", "punctuation", lambda m: m.shape.exclaim_runs),
    Signal("char_runs", "repetition", lambda m: m.shape.char_runs),
    Signal(
        "repeated_words",
        "repetition",
        lambda m: (1 - m.shape.distinct_words / m.shape.words) if m.shape.words >= 8 else 0.0,
    ),
    Signal(
        "non_latin",
        "script",
        lambda m: (
            m.shape.other_script / (m.shape.latin + m.shape.other_script)
            if m.shape.latin + m.shape.other_script
            else 0.0
        ),
    ),
    Signal("mixed_script", "mixed_script", lambda m: m.shape.mixed_script),
    Signal(
        "english_ratio",
        "language",
        lambda m: m.shape.english_words / m.shape.words if m.shape.words else 0.0,
    ),
    Signal("mentions_title", "on_topic", lambda m: m.shape.mentions_title),
    Signal("reply_mention", "reply", lambda m: m.address.reply),
    Signal("referral_handle", "referral", lambda m: bool(m.address.referrals)),
    Signal("money_testimonial", "money_testimonial", _money_testimonial),
    Signal("styled_letters", "styled_letters", lambda m: m.address.styled),
    Signal("help_request", "help_request", lambda m: bool(m.address.help_requests)),
)
#: Metadata feature names in column order, with the reason code each one feeds.
METADATA = tuple((signal.name, signal.code) for signal in SIGNALS)
METADATA_NAMES = tuple(signal.name for signal in SIGNALS)
_MEASURES = tuple((signal.name, signal.measure) for signal in SIGNALS)


def signal_values(measured: Measurements) -> dict[str, float]:
    """Return every signal's value for one comment, by name in column order."""
    return {name: float(measure(measured)) for name, measure in _MEASURES}
