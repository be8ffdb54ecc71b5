"""Facts about a comment, in the moderator's terms: what the spam model's signals measure.

`comment_facts` reads a comment one family of facts at a time (its text, contacts,
links, author, selling phrases, shape), keeps the evidence that reasons quote, and
turns the measurements into the metadata signals of `moderator.spam.signals`. Author
name and website only feed these facts; they never become tokens.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from moderator.core.comment import Comment
from moderator.spam.lexicons import (
    ACCOUNT_TAG,
    COMMERCIAL,
    COUNTED,
    ENGLISH,
    EVERYDAY_NUMBER,
    GENERIC_PRAISE,
    GRATITUDE,
    HANDLE,
    HELP_REQUEST,
    HTML_LINK,
    MESSENGER,
    MESSENGER_NAMES,
    MONEY,
    MONEY_MADE,
    OBFUSCATED_URL,
    OBFUSCATION_HINT,
    PERSON_SIGNS,
    PHONE,
    PLAIN_COUNT,
    PROMO_FAMILIES,
    REFERRAL_CUE,
    TRADE,
    YEAR,
)
from moderator.spam.links import (
    RISKY_TLDS,
    SHORTENERS,
    author_site_name,
    cut_links,
    link_domain,
    links_out,
    site_name_sells,
)
from moderator.spam.signals import signal_values
from moderator.text.tokens import (
    EMAIL,
    MODEL_TEXT_LIMIT,
    URL,
    is_product_name,
    normalise,
    unlink_timestamps,
)


@dataclass(frozen=True)
class CommentFacts:
    """What the metadata features measure, kept for reason messages and evidence."""

    links: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    obfuscated: tuple[str, ...] = ()
    messengers: tuple[str, ...] = ()
    money: tuple[str, ...] = ()
    shorteners: tuple[str, ...] = ()
    risky_domains: tuple[str, ...] = ()
    author_domain: str = ""
    #: the name the author's website goes by (its host or a handle on a shared host)
    author_site: str = ""
    #: (family, phrase) of every selling phrase found, in text order per family
    promo: tuple[tuple[str, str], ...] = ()
    #: the accounts the text sends readers to ("thanks to @x", "contact #y")
    referrals: tuple[str, ...] = ()
    #: the phrases in which the writer asks the author or other readers for help
    help_requests: tuple[str, ...] = ()
    features: dict = field(default_factory=dict)


# --- the families of facts: each built once by its function below, then only read --------


@dataclass(slots=True)
class Text:
    """A comment's text in the forms the measurements read."""

    #: the content as posted, HTML included
    raw: str
    #: normalised (HTML undone, NFKC-folded, spaces squeezed) and cut to the model's limit
    plain: str
    lower: str
    #: the plain text without its e-mail addresses and links
    body: str
    lower_body: str
    emails: tuple[str, ...]
    #: every link in the text, those to the page's own site included
    links: tuple[str, ...]
    #: how many digits the body has
    digits: int


@dataclass(slots=True)
class Contacts:
    """Ways to reach the commenter off the page, and amounts of money."""

    emails: tuple[str, ...]
    phones: tuple[str, ...]
    messengers: tuple[str, ...]
    money: tuple[str, ...]


@dataclass(slots=True)
class Links:
    """The links that leave the page's site, and the hosts they name."""

    links: tuple[str, ...]
    #: addresses spelt out to get past link filters ("example dot com")
    obfuscated: tuple[str, ...]
    domains: list[str]
    shorteners: tuple[str, ...]
    #: hosts of links or of the author's website with a risky ending
    risky_domains: tuple[str, ...]
    #: a link written as HTML or BBCode markup
    html: bool
    #: links and spelt-out addresses together
    count: int


@dataclass(slots=True)
class Author:
    """What the author's name and website say."""

    domain: str
    site_name: str
    site_sells: bool
    #: the website's host, or its name, appears in the text
    in_text: bool
    #: the author's name reads like a product or SEO keyword
    keyword: bool


@dataclass(slots=True)
class Promo:
    """The selling phrases in the text, and whether it praises the post generically."""

    phrases: tuple[tuple[str, str], ...]
    families: set[str]
    praise: bool


@dataclass(slots=True)
class Shape:
    """Counts that describe how the text looks, whatever it says."""

    length: int
    capitals: int
    letters: int
    symbols: int
    #: digits outside years, dates, times and grouped counts
    code_digits: int
    #: words that are not plain numbers
    words: int
    distinct_words: int
    english_words: int
    latin: int
    other_script: int
    #: a word mixes Latin letters with another script ("chеap" with a Cyrillic е)
    mixed_script: bool
    exclaim_runs: bool
    char_runs: bool
    mentions_title: bool


@dataclass(slots=True)
class Address:
    """Whom the text speaks to and whom it sends readers to, and in what voice.

    A reply opens with the handle of the person answered ("@sam 🔥"); a testimonial
    sends readers on to an account ("all thanks to @anna_fx", "contact #coach_bella1"),
    usually at the end. Both are one `<handle>` to the word n-grams, so they are told
    apart here.
    """

    #: the text opens with an @handle: a reply to someone
    reply: bool
    #: handles and account-like hashtags after the opening ones
    later: tuple[str, ...]
    #: those a referral cue leads to ("thanks to @x", "contact #y")
    referrals: tuple[str, ...]
    #: thanks, blessings, vouching for honesty
    gratitude: bool
    #: money made: an amount, returns, profits, withdrawals, trading
    money_made: bool
    #: letters written in a decorative Unicode font (mathematical bold, script, double-struck)
    styled: bool
    #: the writer asks the author or other readers for help
    help_requests: tuple[str, ...]


@dataclass(slots=True)
class Measurements:
    """Every family of facts about one comment that the metadata signals read."""

    contacts: Contacts
    links: Links
    author: Author
    promo: Promo
    shape: Shape
    address: Address


# --- measuring a comment -----------------------------------------------------------------


def comment_facts(comment: Comment) -> CommentFacts:
    """Measure the metadata signals of a comment (links, contacts, shape, script, author)."""
    text = _read_text(comment)
    author = _author(comment, text.lower)
    measured = Measurements(
        contacts=_contacts(text),
        links=_links(text, comment.permalink, author.domain),
        author=author,
        promo=_promo(text),
        shape=_shape(text, comment.post_title),
        address=_address(text),
    )
    contacts, links = measured.contacts, measured.links
    return CommentFacts(
        links=links.links,
        emails=contacts.emails,
        phones=contacts.phones,
        obfuscated=links.obfuscated,
        messengers=contacts.messengers,
        money=contacts.money,
        shorteners=links.shorteners,
        risky_domains=links.risky_domains,
        author_domain=author.domain,
        author_site=author.site_name if author.site_sells else "",
        promo=measured.promo.phrases,
        referrals=measured.address.referrals,
        help_requests=measured.address.help_requests,
        features=signal_values(measured),
    )


_DIGIT = re.compile(r"\d")


def _read_text(comment: Comment) -> Text:
    """Read a comment's text: normalised, lower-cased, and without addresses and links."""
    raw = (comment.content or "")[: MODEL_TEXT_LIMIT * 2]
    plain = normalise(raw)[:MODEL_TEXT_LIMIT]
    emails = tuple(EMAIL.findall(plain)) if "@" in plain else ()
    links, body = cut_links(EMAIL.sub(" ", plain) if emails else plain)
    return Text(
        raw=raw,
        plain=plain,
        lower=plain.lower(),
        body=body,
        lower_body=body.lower(),
        emails=emails,
        links=links,
        digits=len(_DIGIT.findall(body)),
    )


# --- contacts and links ------------------------------------------------------------------


def _contacts(text: Text) -> Contacts:
    """Find the e-mail addresses, phone numbers, messengers and money amounts."""
    # the cheap tests first: a phone number needs 9 digits, money a digit, a messenger
    # one of its names; most comments have none of them
    plain, lower = text.plain, text.lower
    phones = _phones(text.body) if text.digits >= 9 else ()
    messengers = (
        MESSENGER.find(plain, lower) if any(name in lower for name in MESSENGER_NAMES) else ()
    )
    money = tuple(m.group() for m in MONEY.finditer(plain)) if _DIGIT.search(plain) else ()
    return Contacts(emails=text.emails, phones=phones, messengers=messengers, money=money)


def _phones(body: str) -> tuple[str, ...]:
    """Return the phone numbers of a text: nine digits at least, and no count of views."""
    return tuple(
        m.group().strip()
        for m in PHONE.finditer(body)
        if sum(c.isdigit() for c in m.group()) >= 9
        and not (PLAIN_COUNT.fullmatch(m.group().strip()) and COUNTED.match(body, m.end()))
    )


def _links(text: Text, permalink: str, author_domain: str) -> Links:
    """Find the links out of the page's site, the spelt-out addresses and their hosts."""
    body, lower_body = text.body, text.lower_body
    obfuscated = (
        OBFUSCATED_URL.find(body, lower_body) if OBFUSCATION_HINT.has(body, lower_body) else ()
    )
    # "asp.net" is left in the text by `cut_links` as a product name: no address either
    obfuscated = tuple(found for found in obfuscated if not is_product_name(found))
    links, domains = links_out(text.links, permalink)
    hosts = [*domains, author_domain]
    return Links(
        links=links,
        obfuscated=obfuscated,
        domains=domains,
        shorteners=tuple(d for d in domains if d in SHORTENERS),
        risky_domains=tuple(d for d in hosts if d and d.rsplit(".", 1)[-1] in RISKY_TLDS),
        # link markup opens with "<" or "["; unlinking timestamps adds neither
        html=("<" in text.raw or "[" in text.raw)
        and HTML_LINK.search(unlink_timestamps(text.raw)) is not None,
        count=len(links) + len(obfuscated),
    )


# --- the author --------------------------------------------------------------------------


def author_looks_like_keyword(author: str) -> bool:
    """Return whether an author name reads like a product or SEO keyword, not a person."""
    name = author.strip()
    if not name:
        return False
    if URL.search(name) or EMAIL.search(name):
        return True
    words = name.split()
    if COMMERCIAL.search(name) and (len(words) >= 2 or name.islower()):
        return True
    if 2 <= len(words) <= 5 and TRADE.search(name) and not PERSON_SIGNS.search(name):
        return True
    return bool(YEAR.search(name)) and len(words) >= 2


def _author(comment: Comment, lower: str) -> Author:
    """Read the author's name and website: a keyword name, a shop's name, the site in the text."""
    author_url = comment.author_url.strip()
    domain = link_domain(author_url) if author_url else ""
    # the website's first label ("backbracereviewz"), looked for in the text
    label = domain.split(".")[0] if domain else ""
    site_name = author_site_name(author_url) if domain else ""
    return Author(
        domain=domain,
        site_name=site_name,
        site_sells=bool(domain) and site_name_sells(author_url, site_name),
        in_text=bool(domain) and (domain in lower or (len(label) >= 5 and label in lower)),
        keyword=author_looks_like_keyword(comment.author),
    )


# --- what the text says and how it looks -------------------------------------------------


def _promo(text: Text) -> Promo:
    """Find the selling phrases by family, and generic praise of the post."""
    body, lower_body = text.body, text.lower_body
    phrases = tuple(
        (family, match.group().lower())
        for family, pattern in PROMO_FAMILIES
        for match in pattern.finditer(body, lower_body)
    )
    return Promo(
        phrases=phrases,
        families={family for family, _ in phrases},
        praise=GENERIC_PRAISE.has(body, lower_body),
    )


_LETTER = re.compile(r"[^\W\d_]")
#: Every byte but an ASCII letter: deleted from ASCII text, they leave its letters.
_NOT_ASCII_LETTER = bytes(b for b in range(256) if not (chr(b).isascii() and chr(b).isalpha()))
_UPPER_ASCII = re.compile(r"[A-Z]")
_SYMBOL = re.compile(r"[^\w\s]|_")
_WORDS = re.compile(r"\w+")
_TITLE_WORD = re.compile(r"\w{4,}")
_EXCLAIM = re.compile(r"[!?]{2,}")
_CHAR_RUN = re.compile(r"(\w)\1{3,}")


def _shape(text: Text, post_title: str) -> Shape:
    """Measure how the text looks: length, capitals, symbols, digits, words, script."""
    plain = text.plain
    words = [w for w in _WORDS.findall(text.lower) if not w.isdigit()]
    latin, other, mixed = _scripts(plain)
    title_words = set(_TITLE_WORD.findall(post_title.lower())) - ENGLISH
    ascii_only = plain.isascii()
    return Shape(
        length=len(plain),
        capitals=len(_UPPER_ASCII.findall(plain)) if ascii_only else sum(map(str.isupper, plain)),
        # in ASCII text the letters are exactly the Latin ones _scripts counted
        letters=latin if ascii_only else len(_LETTER.findall(plain)),
        symbols=len(_SYMBOL.findall(text.body)),
        code_digits=_code_digits(text.body, text.digits),
        words=len(words),
        distinct_words=len(set(words)),
        english_words=sum(w in ENGLISH for w in words),
        latin=latin,
        other_script=other,
        mixed_script=mixed,
        exclaim_runs=("!" in plain or "?" in plain) and _EXCLAIM.search(plain) is not None,
        char_runs=bool(_CHAR_RUN.search(plain)),
        mentions_title=any(w in text.lower for w in title_words),
    )


def _scripts(text: str) -> tuple[int, int, bool]:
    """Count Latin and other letters; report whether a word mixes Latin with another script."""
    if text.isascii():
        # counted in C, some thirty times faster than finding every letter
        return len(text.encode("ascii").translate(None, _NOT_ASCII_LETTER)), 0, False
    latin = other = 0
    mixed = False
    for word in text.split():
        word_latin = word_other = 0
        for char in word:
            if not char.isalpha():
                continue
            if char.isascii() or "LATIN" in unicodedata.name(char, ""):
                word_latin += 1
            else:
                word_other += 1
        latin += word_latin
        other += word_other
        if word_latin and word_other and len(word) < 30:
            mixed = True
    return latin, other, mixed


def _code_digits(text: str, digits: int) -> int:
    """Count the digits of `text` outside everyday numbers (`digits` counts them all)."""
    if not digits:
        return 0
    return digits - sum(sum(c.isdigit() for c in m.group()) for m in EVERYDAY_NUMBER.finditer(text))


# --- whom the text speaks to -------------------------------------------------------------

#: Characters of decorative Unicode fonts: Mathematical Alphanumeric Symbols (bold,
#: italic, script, fraktur, double-struck, monospace letters and digits). NFKC folds
#: them to ASCII for the words; the fact that a writer used them is kept here.
_STYLED = re.compile("[\U0001d400-\U0001d7ff]")


def _address(text: Text) -> Address:
    """Read whom the text replies to, which accounts it sends readers to, and its voice."""
    body, lower_body = text.body, text.lower_body
    handles = list(HANDLE.finditer(body)) if "@" in body else []
    tags = list(ACCOUNT_TAG.finditer(body)) if "#" in body else []
    # the opening run of handles is whom the comment answers ("@ann @bob thanks!")
    opening = 0
    for match in handles:
        if body[opening : match.start()].strip(" ,:;"):
            break
        opening = match.end()
    later = sorted([m for m in handles if m.start() >= opening] + tags, key=lambda m: m.start())
    referrals = tuple(
        m.group()
        for m in later
        if REFERRAL_CUE.has(
            body[max(0, m.start() - 60) : m.start()], lower_body[max(0, m.start() - 60) : m.start()]
        )
    )
    return Address(
        reply=opening > 0,
        later=tuple(m.group() for m in later),
        referrals=referrals,
        gratitude=GRATITUDE.has(body, lower_body),
        # every money amount has a digit: most comments' bodies have none
        money_made=(text.digits > 0 and MONEY.search(body) is not None)
        or MONEY_MADE.has(body, lower_body),
        styled=not text.raw.isascii() and _STYLED.search(text.raw) is not None,
        help_requests=HELP_REQUEST.find(body, lower_body),
    )
