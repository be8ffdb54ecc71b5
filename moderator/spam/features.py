"""Comment features for the spam model: hashed word and character n-grams plus metadata.

Everything a pipeline holds is defined at module level so the model file loads in
another process. Hashing (crc32, stable across processes and platforms) keeps the
model a few MB whatever the vocabulary. Author name, IP and date never become raw
tokens: the author name only feeds the keyword-name test, the author URL only its
domain checks.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote, urlsplit

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from moderator.core.comment import Comment
from moderator.text.tokens import (
    EMAIL,
    GROUPED_COUNT,
    MODEL_TEXT_LIMIT,
    URL,
    is_word,
    model_tokens,
    normalise,
    unlink_timestamps,
)

# --- facts about a comment, in the moderator's terms -----------------------------------

_SHORTENERS = {
    "bit.ly",
    "tinyurl.com",
    "goo.gl",
    "t.co",
    "ow.ly",
    "is.gd",
    "buff.ly",
    "cutt.ly",
    "rebrand.ly",
    "shorturl.at",
    "tiny.cc",
    "rb.gy",
    "t.ly",
    "s.id",
}
_RISKY_TLDS = {
    "xyz",
    "top",
    "online",
    "site",
    "shop",
    "store",
    "club",
    "live",
    "buzz",
    "icu",
    "click",
    "loan",
    "win",
    "bid",
    "vip",
    "work",
    "fun",
    "space",
    "website",
    "pw",
    "ru",
    "cn",
}
#: A domain label starts where no label character precedes it and is at most 63
#: characters long (as in DNS): unbounded, "1-1-1-..." cost a second of backtracking.
_LABEL = r"(?<![a-z0-9-])[a-z0-9-]{2,63}"
#: Domain endings a spelt-out address is recognised by ("example dot com").
_OBFUSCATED_TLDS = r"(?:com|net|org|info|biz|xyz|online|site|shop|store|co|io|in|ru)\b"
_OBFUSCATED_URL = re.compile(
    rf"{_LABEL}\s*(?:\(|\[|\{{)?\s*(?:dot|\.)\s*(?:\)|\]|\}})?\s*{_OBFUSCATED_TLDS}"
    rf"|{_LABEL}\s*(?:\(|\[|\{{)\s*(?:dot|\.)\s*(?:\)|\]|\}})\s*[a-z]{{2,6}}\b"
    rf"|{_LABEL}\s+dot\s+[a-z]{{2,6}}\b"
    rf"|\bw\s+w\s+w\b|\bh\s*t\s*t\s*p\s*s?\s*:\s*/\s*/|\bwww\s+{_LABEL}\s*\.",
    re.I,
)
_PHONE = re.compile(r"(?<![\w.])\+?\(?\d[\d\s().-]{7,}\d(?![\w.])")
#: A number written as a count: one run of digits or groups of three ("2.126.521.750").
#: A phone has a "+", brackets or groups of other sizes ("+1 555 123 4567").
_PLAIN_COUNT = re.compile(r"\d+|\d{1,3}(?:[ .,\u00a0]\d{3})+")
#: What such a number counts ("1000000000 views", "3 000 000 people"): then it is no phone;
#: "612.345.678" alone still is.
_COUNTED = re.compile(
    r"\s*(?:views?|likes?|subs|subscribers?|people|times|followers?|visits|plays|streams|downloads"
    r"|dollars|euros|pounds|years?|km|miles|steps|words)\b",
    re.IGNORECASE,
)
_MESSENGER = re.compile(
    r"\b(?:whats\s*app|telegram|viber|wechat|signal\s+app|wickr|kik|skype)\b", re.I
)
#: Every _MESSENGER match contains one of these (lower case).
_MESSENGER_NAMES = ("whats", "telegram", "viber", "wechat", "signal", "wickr", "kik", "skype")
#: Amounts of money. The number starts where no digit precedes it and is at most 24
#: characters long: unbounded, a 5,000-digit run cost a second of backtracking.
_MONEY = re.compile(
    r"[$€£₹¥]\s?\d[\d,.]{0,23}"
    r"|(?<![\d,.])\d[\d,.]{0,23}\s?(?:[$€£₹¥]|usd|eur|gbp|dollars?|bucks|btc|usdt|k/month)\b",
    re.I,
)
_HTML_LINK = re.compile(r"<a\s[^>]*href|\[url[=\]]|\[link[=\]]", re.I)
_EXCLAIM = re.compile(r"[!?]{2,}")
_CHAR_RUN = re.compile(r"(\w)\1{3,}")
_COMMERCIAL = re.compile(
    r"\b(?:best|cheap|buy|online|shop|store|sale|discount|deals?|price|review?s?|top|"
    r"service|services|agency|company|solutions?|loans?|casino|bet|betting|seo|essay|"
    r"writing|pills?|pharmacy|viagra|cbd|vape|crypto|bitcoin|forex|trading|hack|"
    r"repair|cleaning|movers|plumbing|lawyer|attorney|insurance|mortgage|marketing|"
    r"design|hosting|download|free|official|supplements?|keto|diet|weight\s+loss|"
    r"escorts?|dating|near\s+me|in\s+[A-Z][a-z]+|brace|cream|oil|gummies|recovery)\b",
    re.I,
)
#: Trades that SEO names are made of ("Pest Control Sydney", "Tree Removal"). A person
#: signs with one too ("Jane Smith, dentist", "Tom the tutor"), so they count only in a
#: name without a comma, a title or a joining word.
_TRADE = re.compile(
    r"\b(?:clinic|surgeon|dentist|dental|accountants?|photographers?|rentals?|removal|"
    r"boarding|treatments?|therapy|physiotherapy|fertili[sz]ers?|pest|roofing|plumbers?|"
    r"electricians?|contractors?|landscaping|locksmiths?|towing|security|guards|"
    r"consultants?|consulting|realtors?|real\s+estate|catering|kennels?|grooming|salon|"
    r"massage|cosmetics?|suppliers?|manufacturers?|wholesalers?|exporters?|packaging|"
    r"logistics|flooring|hvac|solar\s+panels?|immigration|tutoring|coaching|academy)\b",
    re.I,
)
_PERSON_SIGNS = re.compile(
    r",|\b(?:dr|mr|mrs|ms|miss|prof)\b\.?|\b(?:the|from|and|of|at|my|our)\b"
    r"|\b(?:retired|former|ex|student|trainee|apprentice|anonymous|grumpy|happy|old|young|"
    r"researcher|guy|gal|girl|lady|man|fan|mum|mom|dad|wife|husband|enthusiast|nerd|geek|"
    r"hobbyist|amateur|newbie|reader|lover)\b",
    re.I,
)
#: "subscribe" as commenters spell it: "suscribe", "subcribe", "subscrib".
_SUBSCRIBE = r"su(?:bs|b|s)?c?ri?be?"
#: Phrases that sell rather than discuss, in families that carry across sites: a
#: commenter promoting their own channel or site, calls to action, requests to be
#: contacted off the page, and promises of money or prizes. Word n-grams learn such
#: phrases per corpus; these families let one corpus teach the model about another.
_SELF_PROMO = re.compile(
    r"\b(?:my|our)\s+(?:new\s+|own\s+|youtube\s+|official\s+)?"
    r"(?:channel|vids?|videos?|songs?|music|covers?|raps?|mixtapes?|playlist|page|blog|"
    r"web\s*site|site|shop|store|business|company|agency|services?|app|products?|profile|"
    r"soundcloud|insta(?:gram)?|tiktok|twitch|podcast)\b"
    r"|\b(?:check\s+(?:out\s+)?|visit\s+|subscribe\s+to\s+|tap\s+|click\s+)(?:my|our|us)\b"
    # asking for subscribers to oneself, spelt as it comes: "sub to me", "suscribe my
    # chanel", "subscribe me plz"; not "sub my butter for oil", "subscribe my daughter
    # to ...", "(un-)subscribe me to the newsletter" or "subscribe me, the form is broken"
    rf"|\b(?:sub|{_SUBSCRIBE})\s+to\s+me\b"
    rf"|(?<![\w-]){_SUBSCRIBE}\s+(?:my\s+(?:chann?el|chanel|page|profile|vids?|videos?)\b"
    r"|me\b(?!\s+to\b|\s*[,.;:]))"
    r"|\b(?:link|see|in|read|check)\s+(?:in\s+)?my\s+bio\b|\blink\s+in\s+bio\b"
    # a subscriber goal: "help me reach 100 subs", "road to 1k", "I need 50 more followers"
    r"|\bhelp\s+(?:me|us)\s+(?:to\s+)?(?:reach|hit|get\s+to)\s+\d[\d,.]*k?|\broad\s+to\s+\d+\s*k\b"
    r"|\b(?:i|we)\s+(?:only\s+)?(?:need|want)\s+\d[\d,.]*\s*k?\s+(?:more\s+)?(?:subs|subscribers|followers)\b"
    r"|\b(?:regarde|voir|vem\s+no|ve\s+a|schau\s+(?:auf|in))\s+(?:mon|meu|mi|mein(?:em|en)?)\s+"
    r"(?:profil|perfil|kanal|canal)\b|\b(?:mein(?:em|en)?|mijn|mój|moj)\s+(?:kanal|kanaal)\b"
    r"|\b(?:mon|meu|mi|il\s+mio)\s+(?:canal|canale|cha[iî]ne)\s+(?:youtube|de\s+youtube|no\s+youtube)\b",
    re.I,
)
_CALL_TO_ACTION = re.compile(
    r"\b(?:(?<!'ll\s)(?<!will\s)(?<!to\s)(?<!gonna\s)check\s+(?:it\s+)?out|subscribe|subs?crib(?!tions?\b)\w*|"
    r"sub\s+to|click\s+(?:here|below|the\s+link|this\s+link|on\s+(?:my|the\s+link|this\s+link))|"
    r"(?:please|pls|plz)\s+(?:like|share|sub\w*|check|visit|watch|follow|help|support|view)|"
    r"follow\s+(?:me|us)|(?:i(?:'ll|\s+will)?|always|and\s+i)\s+(?:follow|sub\w*)\s+(?:you\s+)?back|"
    r"follow\s+back\s+(?:gang|pls|plz|please)|(?:follow|sub)\s*(?:4|for)\s*(?:follow|sub)|f4f|"
    r"(?:copy|paste|repost)\s+this\s+(?:to|on|in)|send\s+this\s+to\s+\d+|folge\s+mir|seguimi|"
    r"s[ií]gueme|abonne-toi|ab[oó]nate|volg\s+mij|obserwuj\s+(?:mnie|mój|moj)|sign\s*up|join\s+(?:us|now|my|our|today)|order\s+now|buy\s+now|"
    r"call\s+now|apply\s+now|shop\s+now|register\s+now|download\s+(?:now|the\s+app|it\s+now)|"
    r"(?:go|head)\s+to\s+(?:my|our|this\s+(?:link|site)|the\s+link|www|https?)|"
    r"visit\s+(?:us|our|this\s+(?:link|site)|my|\w+\s*\.\s*\w+)|thumbs\s+up|give\s+(?:me|it)\s+a\s+like|"
    r"limited\s+(?:time|offer|spots?)|act\s+now|hurry\s+(?:up\s+)?(?:and|before|now)|"
    r"don'?t\s+miss\s+(?:out|this|the\s+chance))\b",
    re.I,
)
_CONTACT_REQUEST = re.compile(
    r"\b(?:contact|e-?mail|dm|inbox|pm|whats\s*app)\s+(?:me|us|him|her|dr\.?|doctor)\b"
    r"|\b(?:contact|whats\s*app)\s+(?:now|today|on|at|via|through|directly)\b"
    r"|\b(?:write|chat\s+with)\s+me\b(?!\s+(?:a|an|the|some|up|down|off|back)\b)|\bhit\s+me\s+up\b"
    r"|\badd\s+me\s+on\b|\btalk\s+(?:in\s+)?private(?:ly)?\b"
    r"|\b(?:scrivimi|escr[ií]beme|schreib\s+mir|[ée]cris-moi|stuur\s+me|napisz\s+do\s+mnie)\b"
    r"|\b(?:mail|message|text|call|reach|ring|write\s+to)\s+"
    r"(?:me|us|dr\.?|doctor|now|today|via|directly)\b"
    r"(?!\s*,|\s+(?:old|crazy|a|an|paranoid|silly|lazy|cynical|biased|naive|what)\b)"
    r"|\b(?:reply|txt|text)\s+(?:stop|yes|no|back|\w+\s+to\s+\d)",
    re.I,
)
_EARN_WIN = re.compile(
    r"\b(?:earn(?:ed|ing|s)?|income|profits?|cash|prizes?|winners?|won|win|claim|bonus|rewards?|"
    r"jackpot|guaranteed|free\s+(?:gift|money|trial|entry|iphone|msg|cash|spins?|bitcoin|"
    r"followers|subscribers|views)|per\s+(?:day|week|hour|month)|a\s+(?:day|week|month)\s+from\s+home|"
    r"from\s+home|invest(?:ed|ment|ing)?|recover(?:ed|y)?\s+(?:my|your|lost|stolen)|loans?)\b",
    re.I,
)
_GENERIC_PRAISE = re.compile(
    r"\b(?:(?:great|nice|good|awesome|wonderful|informative|excellent|amazing|useful|helpful)\s+"
    r"(?:post|article|blog|content|info(?:rmation)?|write-?up|site|website|work|share|read)|"
    r"thanks?\s+(?:you\s+)?for\s+(?:sharing|posting|the\s+(?:info|information|post|article))|"
    r"keep\s+(?:it\s+up|up\s+the\s+good\s+work|posting|writing|sharing)|bookmark(?:ed)?|"
    r"very\s+(?:informative|helpful|useful|nice)|i\s+(?:really\s+)?(?:enjoyed|love)\s+"
    r"(?:reading|this\s+(?:post|article|blog|site)))\b",
    re.I,
)
_PROMO_FAMILIES = (
    ("self_promo", _SELF_PROMO),
    ("call_to_action", _CALL_TO_ACTION),
    ("contact_request", _CONTACT_REQUEST),
    ("earn_win", _EARN_WIN),
)
_ENGLISH = frozenset(
    "the a an and or but of to in on at for with is are was were be been it this that i "
    "you he she we they my your our his her their me him us them not no so if as do did "
    "have has had can could would should will just what when how why there here all".split()
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
    features: dict = field(default_factory=dict)


#: Hosts where many people's pages live under one name ("medium.com/@someone"): a link
#: to the same host is not a link to the same blog.
SHARED_HOSTS = frozenset(
    {
        "medium.com",
        "youtube.com",
        "youtu.be",
        "sites.google.com",
        "docs.google.com",
        "facebook.com",
        "instagram.com",
        "twitter.com",
        "x.com",
        "tiktok.com",
        "reddit.com",
        "linkedin.com",
        "pinterest.com",
        "github.com",
        "dev.to",
        "tumblr.com",
        "substack.com",
        "wordpress.com",
        "blogspot.com",
        "wixsite.com",
        "weebly.com",
        "notion.site",
    }
)
#: Sites readers cite: encyclopaedias, official documentation, Q&A, public bodies,
#: journals, major news. A comment whose every link goes to one is citing a source, not
#: selling one (a subdomain counts: "en.wikipedia.org", "docs.python.org"). Hosts where
#: anyone can publish (GitHub, Read the Docs, the Wayback Machine, DOIs) and university
#: sites (often hacked for SEO pages) are not on the list.
REFERENCE_HOSTS = frozenset(
    {
        "wikipedia.org",
        "wikimedia.org",
        "wiktionary.org",
        "stackoverflow.com",
        "stackexchange.com",
        "superuser.com",
        "serverfault.com",
        "python.org",
        "mozilla.org",
        "postgresql.org",
        "kubernetes.io",
        "react.dev",
        "learn.microsoft.com",
        "developer.apple.com",
        "developer.android.com",
        "rust-lang.org",
        "go.dev",
        "nodejs.org",
        "w3.org",
        "ietf.org",
        "rfc-editor.org",
        "archlinux.org",
        "debian.org",
        "ubuntu.com",
        "kernel.org",
        "man7.org",
        "arxiv.org",
        "nature.com",
        "sciencedirect.com",
        "thelancet.com",
        "bmj.com",
        "cochrane.org",
        "who.int",
        "nhs.uk",
        "bbc.co.uk",
        "bbc.com",
        "theguardian.com",
        "reuters.com",
        "apnews.com",
        "nytimes.com",
        "npr.org",
        "xkcd.com",
        # public bodies, by the end of their host name
        "gov",
        "gov.uk",
        "europa.eu",
        "gc.ca",
        "gov.au",
    }
)
#: Longest host name (RFC 1035); anything longer is no host.
_MAX_HOST = 253


def _suffix_in(labels: list[str], hosts: frozenset[str]) -> int:
    """Return where the first suffix of a host's labels that is in `hosts` starts, or -1
    ("en.wikipedia.org" in {"wikipedia.org"}: 1)."""
    return next((i for i in range(len(labels)) if ".".join(labels[i:]) in hosts), -1)


def is_reference_host(domain: str) -> bool:
    """Whether a link's host is a site readers cite (see REFERENCE_HOSTS)."""
    if not domain or len(domain) > _MAX_HOST:
        return False
    return _suffix_in(domain.rstrip(".").split("."), REFERENCE_HOSTS) >= 0


#: An authority a browser reads differently from urlsplit ("evil.example\@myblog.example").
_ODD_AUTHORITY = re.compile(r"^[^/?#]*[\\@\s]")


def hides_host(url: str) -> bool:
    """Whether a URL's authority reads differently to a browser than to urlsplit."""
    return bool(_ODD_AUTHORITY.match(url.split("://", 1)[-1]))


def _same_site(link: str, domain: str, home: str) -> bool:
    """Whether a link goes to the permalink's own site (the host or a subdomain of it)."""
    if domain != home and not domain.endswith("." + home):
        return False
    return not hides_host(link)


def link_domain(url: str) -> str:
    """Return the lower-case host of a URL or bare domain, without ``www.``."""
    if "://" not in url:
        url = "http://" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    return host.lower().removeprefix("www.")


_ASCII_LETTER = re.compile(r"[A-Za-z]")


def _scripts(text: str) -> tuple[int, int, bool]:
    """Count Latin and other letters; report whether a word mixes Latin with another script."""
    if text.isascii():
        return len(_ASCII_LETTER.findall(text)), 0, False
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


def author_looks_like_keyword(author: str) -> bool:
    """Return whether an author name reads like a product or SEO keyword, not a person."""
    name = author.strip()
    if not name:
        return False
    if URL.search(name) or EMAIL.search(name):
        return True
    words = name.split()
    if _COMMERCIAL.search(name) and (len(words) >= 2 or name.islower()):
        return True
    if 2 <= len(words) <= 5 and _TRADE.search(name) and not _PERSON_SIGNS.search(name):
        return True
    return bool(_YEAR.search(name)) and len(words) >= 2


#: Words that sell when they name a website ("cheap-jerseys-wholesale.us",
#: "tramadolrxshop.com"), found inside run-together names: each is a word no person's,
#: family's or hobby blog's name is made of ("bookreviews", "cryptography",
#: "myrecoveryjourney", "tombishop", "jess1988" are not selling).
_SITE_SELLING = re.compile(
    r"cheap|casino|betting|payday|viagra|(?<![aeiou])cialis|tramadol|steroids|replica(?!t)|"
    r"wholesale|(?<!new)jerseys|discount|escort|hookup|forex(?!amp|p)|backlink|guestpost|"
    r"seoservice|plumbing|roofing|gummies|predictor|(?<!s)pills|(?<!s)loans"
)
#: Words that sell only together, as whole words of a hyphenated name ("signals-pro-vip",
#: "best-office-chairs-2024"): one alone is a baker's "gluten-free" or a "card-making" blog.
_SITE_SELLING_WORD = frozenset(
    "best buy top free shop store deal deals sale sales review reviews online vip pro bonus "
    "seo cbd vape keto vpn cure loan bet promo win claim gift card cash money rx meds uk usa "
    "official essay poker pharmacy coupon coupons giveaway weightloss".split()
)
_YEAR_WORD = re.compile(r"(?:19|20)\d\d")
#: Path segments before the name on shared hosts ("youtube.com/channel/...", "/c/...").
_HANDLE_PREFIXES = frozenset({"c", "channel", "user", "u", "view", "site", "people", "in"})
#: Shared hosts where the subdomain is the user's own ("karenbakes.blogspot.com"); on the
#: others it is the service's ("web.facebook.com", "old.reddit.com") and the path names.
_SUBDOMAIN_IS_USER = frozenset(
    {
        "blogspot.com",
        "wordpress.com",
        "tumblr.com",
        "substack.com",
        "wixsite.com",
        "weebly.com",
        "notion.site",
        "medium.com",
    }
)


def author_site_name(author_url: str) -> str:
    """Return the name an author's website goes by: the host without ``www.`` and its
    last label, or the handle on a shared host ("youtube.com/@rbxtipsfree")."""
    url = unicodedata.normalize("NFKC", unquote(author_url.strip()[:2048]))
    host = link_domain(url).rstrip(".")
    if not host or len(host) > _MAX_HOST:
        return ""
    labels = host.split(".")
    shared = _suffix_in(labels, SHARED_HOSTS)
    if shared < 0:
        return ".".join(labels[:-1]) if len(labels) > 1 else host
    if shared and ".".join(labels[shared:]) in _SUBDOMAIN_IS_USER:
        return ".".join(labels[:shared])  # "karenbakes.blogspot.com"
    path = url.split("://", 1)[-1].split("/")[1:]
    segments = [seg.split("?", 1)[0].split("#", 1)[0] for seg in path]
    segments = [seg for seg in segments if seg]
    while len(segments) > 1 and segments[0].lower() in _HANDLE_PREFIXES:
        segments = segments[1:]
    return segments[0].lstrip("@~").lower() if segments else ""


def site_name_sells(author_url: str, name: str | None = None) -> bool:
    """Return whether an author's website is named like a shop or an SEO keyword, or
    hides its real host ("https://shop.example\\@youtube.com/@karen"). `name` is its
    `author_site_name`, when the caller has it already."""
    url = author_url.strip()[:2048]
    if url.lower().startswith("mailto:") or ("://" not in url and EMAIL.fullmatch(url)):
        return False  # an e-mail typed into the website field
    if hides_host(url):
        return True
    name = author_site_name(author_url) if name is None else name
    if not name:
        return False
    words = [w for w in re.split(r"[^a-z0-9]+", name) if w]
    if any(_SITE_SELLING.search(w) for w in words):
        return True
    weak = sum(w in _SITE_SELLING_WORD or bool(_YEAR_WORD.fullmatch(w)) for w in words)
    return weak >= 2


_LETTER = re.compile(r"[^\W\d_]")
_UPPER_ASCII = re.compile(r"[A-Z]")
_SYMBOL = re.compile(r"[^\w\s]|_")
_DIGIT = re.compile(r"\d")
_WORDS = re.compile(r"\w+")
_TITLE_WORD = re.compile(r"\w{4,}")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
#: Numbers every reader writes, left out of the digit share: years and decades ("2011",
#: "1990s"), dates, clock and video times ("3:45"), grouped counts ("1,250,000"),
#: ordinals ("21st"). Phone numbers, short codes and prices stay in.
_EVERYDAY_NUMBER = re.compile(
    r"\b(?:(?:19|20)\d\d(?:'?s)?|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{1,2}:\d\d(?::\d\d)?"
    rf"|{GROUPED_COUNT}|\d+(?:st|nd|rd|th))\b",
    re.IGNORECASE,
)


def _code_digits(text: str, digits: int) -> int:
    """Count the digits of `text` outside everyday numbers (`digits` counts them all)."""
    if not digits:
        return 0
    return digits - sum(
        sum(c.isdigit() for c in m.group()) for m in _EVERYDAY_NUMBER.finditer(text)
    )


def _without_ignorecase(pattern: re.Pattern) -> re.Pattern:
    """Return the pattern without re.I, for text that is already lower case.

    The standard library's re runs these word-list patterns two to three times
    faster on lower-cased text than with re.I, with the same matches.
    """
    return re.compile(pattern.pattern, pattern.flags & ~re.I)


_PROMO_FAMILIES_LOWER = tuple((family, _without_ignorecase(p)) for family, p in _PROMO_FAMILIES)
_OBFUSCATED_URL_LOWER = _without_ignorecase(_OBFUSCATED_URL)
#: What every _OBFUSCATED_URL match contains: a "dot" or "." before a domain ending, a
#: bracketed dot, a spoken " dot ", spaced "w w w" or "h t t p", or "www ". Most
#: comments have none of these, and finding that is several times cheaper than trying a
#: domain label at every word.
_OBFUSCATION_HINT = re.compile(
    rf"(?:dot|\.)\s*[)\]}}]?\s*{_OBFUSCATED_TLDS}"
    r"|[(\[{]\s*(?:dot|\.)\s*[)\]}]|\sdot\s+[a-z]|w\s+w\s+w|h\s*t\s*t\s*p\s*s?\s*:|www\s",
    re.I,
)
_OBFUSCATION_HINT_LOWER = _without_ignorecase(_OBFUSCATION_HINT)
_MESSENGER_LOWER = _without_ignorecase(_MESSENGER)
_GENERIC_PRAISE_LOWER = _without_ignorecase(_GENERIC_PRAISE)


def _find(pattern: re.Pattern, lowered: re.Pattern, text: str, lower: str) -> tuple[str, ...]:
    """Return the matches of a case-blind pattern, in the text's own case.

    Matches on the lower-cased text when lowering kept every character in place (it
    does unless a letter such as U+0130 lowers to two), else on the text with re.I.
    """
    if len(lower) == len(text):
        return tuple(text[m.start() : m.end()] for m in lowered.finditer(lower))
    return tuple(m.group() for m in pattern.finditer(text))


def _has(pattern: re.Pattern, lowered: re.Pattern, text: str, lower: str) -> bool:
    """Return whether a case-blind pattern occurs in the text (see `_find`)."""
    if len(lower) == len(text):
        return lowered.search(lower) is not None
    return pattern.search(text) is not None


_URL_LOWER = _without_ignorecase(URL)


def _cut_links(text: str) -> tuple[tuple[str, ...], str]:
    """Return the URLs in a text (trailing punctuation dropped) and the text without them."""
    lower = text.lower()
    if len(lower) != len(text):
        links = tuple(m.group().rstrip(".,;:!?)'\"") for m in URL.finditer(text))
        return links, URL.sub(" ", text) if links else text
    spans = [m.span() for m in _URL_LOWER.finditer(lower)]
    if not spans:
        return (), text
    links = tuple(text[start:end].rstrip(".,;:!?)'\"") for start, end in spans)
    kept, last = [], 0
    for start, end in spans:
        kept.append(text[last:start])
        last = end
    kept.append(text[last:])
    return links, " ".join(kept)


def _promo_phrases(text: str, lower: str) -> tuple[tuple[str, str], ...]:
    """Return (family, lower-case phrase) for every selling phrase in the text."""
    if len(lower) == len(text):
        families = _PROMO_FAMILIES_LOWER
    else:
        families, lower = _PROMO_FAMILIES, text
    return tuple(
        (family, match.group().lower())
        for family, pattern in families
        for match in pattern.finditer(lower)
    )


def comment_facts(comment: Comment) -> CommentFacts:
    """Measure the metadata signals of a comment (links, contacts, shape, script, author)."""
    raw = (comment.content or "")[: MODEL_TEXT_LIMIT * 2]
    text = normalise(raw)[:MODEL_TEXT_LIMIT]
    lower = text.lower()
    emails = tuple(EMAIL.findall(text)) if "@" in text else ()
    without_emails = EMAIL.sub(" ", text) if emails else text
    links, without_links = _cut_links(without_emails)
    digits = len(_DIGIT.findall(without_links))
    # the cheap tests first: a phone number needs 9 digits, money a digit, a messenger
    # one of its names; most comments have none of them
    phones = (
        tuple(
            m.group().strip()
            for m in _PHONE.finditer(without_links)
            if sum(c.isdigit() for c in m.group()) >= 9
            and not (
                _PLAIN_COUNT.fullmatch(m.group().strip()) and _COUNTED.match(without_links, m.end())
            )
        )
        if digits >= 9
        else ()
    )
    lower_body = without_links.lower()
    obfuscated = (
        _find(_OBFUSCATED_URL, _OBFUSCATED_URL_LOWER, without_links, lower_body)
        if _has(_OBFUSCATION_HINT, _OBFUSCATION_HINT_LOWER, without_links, lower_body)
        else ()
    )
    messengers = (
        _find(_MESSENGER, _MESSENGER_LOWER, text, lower)
        if any(name in lower for name in _MESSENGER_NAMES)
        else ()
    )
    money = tuple(m.group() for m in _MONEY.finditer(text)) if _DIGIT.search(text) else ()
    promo = _promo_phrases(without_links, lower_body)
    families = {family for family, _ in promo}
    domains = [link_domain(link) for link in links]
    # A link to the page's own site (an earlier post, the comment above) is the reader
    # finding their way around, not a link out: only the links that leave the site count.
    home = link_domain(comment.permalink.strip()) if domains and comment.permalink else ""
    if home and home not in SHARED_HOSTS:
        kept = [
            (link, domain)
            for link, domain in zip(links, domains, strict=True)
            if not _same_site(link, domain, home)
        ]
        links = tuple(link for link, _ in kept)
        domains = [domain for _, domain in kept]
    author_url = comment.author_url.strip()
    author_domain = link_domain(author_url) if author_url else ""
    shorteners = tuple(d for d in domains if d in _SHORTENERS)
    risky = tuple(d for d in [*domains, author_domain] if d and d.rsplit(".", 1)[-1] in _RISKY_TLDS)

    upper = len(_UPPER_ASCII.findall(text)) if text.isascii() else sum(map(str.isupper, text))
    symbols = len(_SYMBOL.findall(without_links))
    words = [w for w in _WORDS.findall(lower) if not w.isdigit()]
    latin, other, mixed = _scripts(text)
    # in ASCII text the letters are exactly the Latin ones _scripts counted
    n_letters = latin if text.isascii() else len(_LETTER.findall(text))
    title_words = set(_TITLE_WORD.findall(comment.post_title.lower())) - _ENGLISH
    length = len(text)
    n_links = len(links) + len(obfuscated)
    # the website's first label ("backbracereviewz"), looked for in the text
    author_label = author_domain.split(".")[0] if author_domain else ""
    site_name = author_site_name(author_url) if author_domain else ""
    site_sells = bool(author_domain) and site_name_sells(author_url, site_name)
    praise = _has(_GENERIC_PRAISE, _GENERIC_PRAISE_LOWER, without_links, lower_body)

    features = {
        "link_1": float(n_links >= 1),
        "link_2": float(n_links >= 2),
        "link_4": float(n_links >= 4),
        "html_link": float(bool(_HTML_LINK.search(unlink_timestamps(raw)))),
        "link_shortener": float(bool(shorteners)),
        "risky_domain": float(bool(risky)),
        "obfuscated_url": float(bool(obfuscated)),
        "email": float(bool(emails)),
        "phone": float(bool(phones)),
        "messenger": float(bool(messengers)),
        "money": float(bool(money)),
        "author_url": float(bool(author_domain)),
        "author_url_in_text": float(
            bool(author_domain)
            and (author_domain in lower or (len(author_label) >= 5 and author_label in lower))
        ),
        "author_keyword": float(author_looks_like_keyword(comment.author)),
        "author_url_keyword": float(site_sells),
        "self_promo": float("self_promo" in families),
        "call_to_action": float("call_to_action" in families),
        "contact_request": float("contact_request" in families),
        "earn_win": float("earn_win" in families),
        "promo_and_link": float(bool(families) and n_links >= 1),
        "praise_and_link": float(praise and (n_links >= 1 or bool(author_domain))),
        "reference_links": float(
            bool(domains)
            and not (obfuscated or emails or phones or messengers or shorteners or site_sells)
            and not any(hides_host(link) for link in links)
            and all(is_reference_host(d) for d in set(domains))
        ),
        "len_tiny": float(length < 15),
        "len_short": float(length < 60),
        "len_long": float(length > 600),
        "len_very_long": float(length > 1500),
        "caps_ratio": upper / n_letters if n_letters >= 8 else 0.0,
        "shouting": float(n_letters >= 12 and upper / n_letters > 0.6),
        "symbol_ratio": min(1.0, 4 * symbols / max(length, 1)),
        "digit_ratio": min(1.0, 4 * _code_digits(without_links, digits) / max(length, 1)),
        "exclaim_runs": float(bool(_EXCLAIM.search(text))),
        "char_runs": float(bool(_CHAR_RUN.search(text))),
        "repeated_words": (1 - len(set(words)) / len(words)) if len(words) >= 8 else 0.0,
        "non_latin": other / (latin + other) if latin + other else 0.0,
        "mixed_script": float(mixed),
        "english_ratio": (sum(w in _ENGLISH for w in words) / len(words)) if words else 0.0,
        "mentions_title": float(any(w in lower for w in title_words)),
    }
    return CommentFacts(
        links=links,
        emails=emails,
        phones=phones,
        obfuscated=obfuscated,
        messengers=messengers,
        money=money,
        shorteners=shorteners,
        risky_domains=risky,
        author_domain=author_domain,
        author_site=site_name if site_sells else "",
        promo=promo,
        features=features,
    )


#: Metadata feature names in column order, with the reason code each one feeds.
METADATA = (
    ("link_1", "links"),
    ("link_2", "links"),
    ("link_4", "links"),
    ("html_link", "links"),
    ("link_shortener", "link_shortener"),
    ("risky_domain", "risky_domain"),
    ("obfuscated_url", "obfuscated_url"),
    ("email", "email"),
    ("phone", "phone"),
    ("messenger", "messenger"),
    ("money", "money"),
    ("author_url", "author_url"),
    ("author_url_in_text", "author_url_in_text"),
    ("author_keyword", "author_keyword"),
    ("author_url_keyword", "author_url_keyword"),
    ("self_promo", "self_promo"),
    ("call_to_action", "call_to_action"),
    ("contact_request", "contact_request"),
    ("earn_win", "earn_win"),
    ("promo_and_link", "links"),
    ("praise_and_link", "generic_praise"),
    ("reference_links", "reference_link"),
    ("len_tiny", "length"),
    ("len_short", "length"),
    ("len_long", "length"),
    ("len_very_long", "length"),
    ("caps_ratio", "capitals"),
    ("shouting", "capitals"),
    ("symbol_ratio", "symbols"),
    ("digit_ratio", "digits"),
    ("exclaim_runs", "punctuation"),
    ("char_runs", "repetition"),
    ("repeated_words", "repetition"),
    ("non_latin", "script"),
    ("mixed_script", "mixed_script"),
    ("english_ratio", "language"),
    ("mentions_title", "on_topic"),
)
METADATA_NAMES = tuple(name for name, _ in METADATA)


def metadata_vector(facts: CommentFacts) -> np.ndarray:
    """Return the metadata features of a comment in `METADATA` order."""
    return np.array([facts.features[name] for name in METADATA_NAMES], dtype=np.float64)


# --- hashed n-grams ---------------------------------------------------------------------


def _hash(key: str, bits: int) -> int:
    """Return a stable bucket for a feature string (crc32 is the same in every process)."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) & ((1 << bits) - 1)


@lru_cache(maxsize=1 << 16)
def char_buckets(token: str, low: int, high: int, bits: int) -> np.ndarray:
    """Return the distinct buckets of a word's character n-grams (padded like char_wb)."""
    padded = f" {token} "
    grams = {padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)}
    buckets = np.array(sorted({_hash(g, bits) for g in grams}), dtype=np.int64)
    buckets.flags.writeable = False  # shared through the cache
    return buckets


@lru_cache(maxsize=1 << 17)
def word_bucket(gram: str, bits: int) -> int:
    """Return the bucket of a word n-gram."""
    return _hash(gram, bits)


_EMPTY = np.zeros(0, dtype=np.int64)


@dataclass
class Encoded:
    """One comment as the model sees it, with what each column came from (for reasons).

    Column ``columns[origin_slot[k]]`` came from token ``origin_token[k]`` with share
    ``origin_share[k]`` (a bigram gives each of its words half; a character n-gram is
    split between the words that contain it). Metadata columns have no token origin.
    """

    tokens: list[str]
    facts: CommentFacts
    columns: np.ndarray
    values: np.ndarray
    origin_slot: np.ndarray
    origin_token: np.ndarray
    origin_share: np.ndarray


class CommentFeatures(TransformerMixin, BaseEstimator):
    """Turn comments into one sparse row each: word n-grams | char n-grams | metadata.

    Word and character blocks are binary and L2-normalised per block, then scaled by
    their weights; metadata features are 0..1 values.
    """

    def __init__(
        self,
        word_bits: int = 18,
        char_bits: int = 18,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (3, 5),
        word_weight: float = 1.0,
        char_weight: float = 1.0,
        metadata_weight: float = 1.0,
    ):
        self.word_bits = word_bits
        self.char_bits = char_bits
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.word_weight = word_weight
        self.char_weight = char_weight
        self.metadata_weight = metadata_weight

    def fit(self, X, y=None):
        """Hashing learns nothing; record the output width."""
        self.n_features_out_ = self.char_offset + (1 << self.char_bits) + len(METADATA)
        return self

    @property
    def char_offset(self) -> int:
        """First column of the character block."""
        return 1 << self.word_bits

    @property
    def metadata_offset(self) -> int:
        """First column of the metadata block."""
        return self.char_offset + (1 << self.char_bits)

    def encode(self, comment: Comment) -> Encoded:
        """Encode one comment, keeping the token origin of every n-gram column."""
        tokens = model_tokens(comment.content)
        bits = self.word_bits
        low, high = self.word_ngrams
        # first occurrence of each word n-gram column: column -> (start, length)
        word_first: dict[int, tuple[int, int]] = {}
        for n in range(low, high + 1):
            # unigrams are the tokens themselves, without slicing and joining
            grams = (
                tokens
                if n == 1
                else [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
            )
            for i, gram in enumerate(grams):
                word_first.setdefault(word_bucket(gram, bits), (i, n))
        char_low, char_high = self.char_ngrams
        char_parts = [
            (i, char_buckets(token, char_low, char_high, self.char_bits))
            for i, token in enumerate(tokens)
            if is_word(token)
        ]
        facts = comment_facts(comment)
        metadata = metadata_vector(facts)
        meta_columns = np.flatnonzero(metadata)

        n_word = len(word_first)
        word_columns = np.fromiter(word_first, dtype=np.int64, count=n_word)
        spans = np.array(list(word_first.values()), dtype=np.int64).reshape(-1, 2)
        lengths = spans[:, 1]
        word_slot = np.repeat(np.arange(n_word), lengths)
        within = np.arange(len(word_slot)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        word_token = np.repeat(spans[:, 0], lengths) + within
        word_share = 1.0 / lengths[word_slot]

        if char_parts:
            char_all = np.concatenate([b for _, b in char_parts])
            char_token = np.repeat([i for i, _ in char_parts], [len(b) for _, b in char_parts])
            char_columns, char_slot, char_counts = np.unique(
                char_all, return_inverse=True, return_counts=True
            )
            char_share = 1.0 / char_counts[char_slot]
            char_columns = char_columns + self.char_offset
        else:
            char_columns = char_slot = char_token = _EMPTY
            char_share = np.zeros(0)
        n_char = len(char_columns)

        word_value = self.word_weight / np.sqrt(n_word) if n_word else 0.0
        char_value = self.char_weight / np.sqrt(n_char) if n_char else 0.0
        columns = np.concatenate([word_columns, char_columns, self.metadata_offset + meta_columns])
        values = np.concatenate(
            [
                np.full(n_word, word_value),
                np.full(n_char, char_value),
                metadata[meta_columns] * self.metadata_weight,
            ]
        )
        return Encoded(
            tokens=tokens,
            facts=facts,
            columns=columns,
            values=values,
            origin_slot=np.concatenate([word_slot, char_slot + n_word]),
            origin_token=np.concatenate([word_token, char_token]),
            origin_share=np.concatenate([word_share, char_share]),
        )

    def transform(self, X: Sequence[Comment]):
        """Return a CSR matrix, one row per comment."""
        rows = [self.encode(comment) for comment in X]
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(r.columns) for r in rows])
        columns = np.concatenate([r.columns for r in rows]) if rows else np.zeros(0, np.int64)
        values = np.concatenate([r.values for r in rows]) if rows else np.zeros(0)
        width = self.metadata_offset + len(METADATA)
        matrix = sp.csr_matrix((values, columns, indptr), shape=(len(rows), width))
        matrix.sort_indices()
        return matrix


def is_placeholder(token: str) -> bool:
    """Return whether a model token stands for a URL, e-mail, number or handle."""
    return token.startswith("<")  # every placeholder is "<name>"
