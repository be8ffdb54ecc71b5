"""Links and hosts: where a comment's links go, and what an author's website is called.

The host lists (shorteners, risky endings, shared and reference hosts) are data, read
at import from `moderator/text/vocabulary/spam_hosts.toml`.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

from moderator.spam.lexicons import SITE_SELLING, SITE_SELLING_WORD, YEAR_WORD, CaseBlind
from moderator.text.tokens import EMAIL, URL, is_product_name
from moderator.text.vocabulary import SPAM_HOSTS_FILE, read_vocabulary

_HOSTS = read_vocabulary(SPAM_HOSTS_FILE)
#: Link shorteners, by their exact host.
SHORTENERS = frozenset(_HOSTS["shorteners"])
#: Domain endings spam sites crowd ("xyz", "top", "ru").
RISKY_TLDS = frozenset(_HOSTS["risky_tlds"])
#: Hosts where many people's pages live under one name ("medium.com/@someone").
SHARED_HOSTS = frozenset(_HOSTS["shared_hosts"])
#: Shared hosts where the subdomain is the user's own ("karenbakes.blogspot.com").
SUBDOMAIN_IS_USER = frozenset(_HOSTS["subdomain_is_user"])
#: Sites readers cite, by the end of their host name ("wikipedia.org", "gov.uk").
REFERENCE_HOSTS = frozenset(_HOSTS["reference_hosts"])
#: Longest host name (RFC 1035); anything longer is no host.
_MAX_HOST = 253
#: An authority a browser reads differently from urlsplit ("evil.example\@myblog.example").
_ODD_AUTHORITY = re.compile(r"^[^/?#]*[\\@\s]")
#: Path segments before the name on shared hosts ("youtube.com/channel/...", "/c/...").
_HANDLE_PREFIXES = frozenset({"c", "channel", "user", "u", "view", "site", "people", "in"})
#: A web address in a comment, with its lower-case twin.
_URL = CaseBlind(URL.pattern, URL.flags)


def link_domain(url: str) -> str:
    """Return the lower-case host of a URL or bare domain, without ``www.``."""
    if "://" not in url:
        url = "http://" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    return host.lower().removeprefix("www.")


def hides_host(url: str) -> bool:
    """Whether a URL's authority reads differently to a browser than to urlsplit."""
    return bool(_ODD_AUTHORITY.match(url.split("://", 1)[-1]))


def _suffix_in(labels: list[str], hosts: frozenset[str]) -> int:
    """Return where the first suffix of a host's labels that is in `hosts` starts, or -1
    ("en.wikipedia.org" in {"wikipedia.org"}: 1)."""
    return next((i for i in range(len(labels)) if ".".join(labels[i:]) in hosts), -1)


def is_reference_host(domain: str) -> bool:
    """Whether a link's host is a site readers cite (see REFERENCE_HOSTS)."""
    if not domain or len(domain) > _MAX_HOST:
        return False
    return _suffix_in(domain.rstrip(".").split("."), REFERENCE_HOSTS) >= 0


def cut_links(text: str) -> tuple[tuple[str, ...], str]:
    """Return the URLs in a text (trailing punctuation dropped) and the text without them.

    A product name such as "ASP.NET" is no URL (`is_product_name`).
    """
    if "." not in text and ":" not in text:  # every address has a dot or a "://"
        return (), text
    spans = [
        m.span()
        for m in _URL.finditer(text, text.lower())
        if not is_product_name(text[m.start() : m.end()])
    ]
    if not spans:
        return (), text
    links = tuple(text[start:end].rstrip(".,;:!?)'\"") for start, end in spans)
    kept, last = [], 0
    for start, end in spans:
        kept.append(text[last:start])
        last = end
    kept.append(text[last:])
    return links, " ".join(kept)


def _same_site(link: str, domain: str, home: str) -> bool:
    """Whether a link goes to the permalink's own site (the host or a subdomain of it)."""
    if domain != home and not domain.endswith("." + home):
        return False
    return not hides_host(link)


def links_out(links: tuple[str, ...], permalink: str) -> tuple[tuple[str, ...], list[str]]:
    """Return the links that leave the commented page's site, and their hosts.

    A link to the page's own site (an earlier post, the comment above) is the reader
    finding their way around, not a link out. On a shared host every link is out.
    """
    domains = [link_domain(link) for link in links]
    home = link_domain(permalink.strip()) if domains and permalink else ""
    if home and home not in SHARED_HOSTS:
        kept = [
            (link, domain)
            for link, domain in zip(links, domains, strict=True)
            if not _same_site(link, domain, home)
        ]
        links = tuple(link for link, _ in kept)
        domains = [domain for _, domain in kept]
    return links, domains


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
    if shared and ".".join(labels[shared:]) in SUBDOMAIN_IS_USER:
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
    if any(SITE_SELLING.search(w) for w in words):
        return True
    weak = sum(w in SITE_SELLING_WORD or bool(YEAR_WORD.fullmatch(w)) for w in words)
    return weak >= 2
