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
from urllib.parse import urlsplit

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from moderator.comment import Comment
from moderator.text import (
    EMAIL,
    EMAIL_TOKEN,
    MODEL_TEXT_LIMIT,
    NUMBER_TOKEN,
    URL,
    URL_TOKEN,
    is_word,
    model_tokens,
    normalise,
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
_OBFUSCATED_URL = re.compile(
    r"\b[a-z0-9-]{2,}\s*(?:\(|\[|\{)?\s*(?:dot|\.)\s*(?:\)|\]|\})?\s*"
    r"(?:com|net|org|info|biz|xyz|online|site|shop|store|co|io|in|ru)\b"
    r"|\b[a-z0-9-]{2,}\s*(?:\(|\[|\{)\s*(?:dot|\.)\s*(?:\)|\]|\})\s*[a-z]{2,6}\b"
    r"|\b[a-z0-9-]{2,}\s+dot\s+[a-z]{2,6}\b"
    r"|\bw\s+w\s+w\b|\bh\s*t\s*t\s*p\s*s?\s*:\s*/\s*/|\bwww\s+[a-z0-9-]{2,}\s*\.",
    re.I,
)
_PHONE = re.compile(r"(?<![\w.])\+?\(?\d[\d\s().-]{7,}\d(?![\w.])")
_MESSENGER = re.compile(
    r"\b(?:whats\s*app|telegram|viber|wechat|signal\s+app|wickr|kik|skype)\b", re.I
)
_MONEY = re.compile(
    r"[$€£₹¥]\s?\d[\d,.]*|\d[\d,.]*\s?(?:[$€£₹¥]|usd|eur|gbp|dollars?|bucks|btc|usdt|k/month)\b",
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
    features: dict = field(default_factory=dict)


def link_domain(url: str) -> str:
    """Return the lower-case host of a URL or bare domain, without ``www.``."""
    if "://" not in url:
        url = "http://" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    return host.lower().removeprefix("www.")


def _scripts(text: str) -> tuple[int, int, bool]:
    """Count Latin and other letters; report whether a word mixes Latin with another script."""
    if text.isascii():
        return sum(c.isalpha() for c in text), 0, False
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
    if len(words) >= 4:
        return True
    return bool(re.search(r"\b(?:19|20)\d\d\b", name)) and len(words) >= 2


def comment_facts(comment: Comment) -> CommentFacts:
    """Measure the metadata signals of a comment (links, contacts, shape, script, author)."""
    raw = (comment.content or "")[: MODEL_TEXT_LIMIT * 2]
    text = normalise(raw)[:MODEL_TEXT_LIMIT]
    lower = text.lower()
    emails = tuple(EMAIL.findall(text))
    links = tuple(m.group().rstrip(".,;:!?)'\"") for m in URL.finditer(EMAIL.sub(" ", text)))
    without_links = EMAIL.sub(" ", URL.sub(" ", text))
    phones = tuple(
        m.group().strip()
        for m in _PHONE.finditer(without_links)
        if sum(c.isdigit() for c in m.group()) >= 9
    )
    obfuscated = tuple(m.group() for m in _OBFUSCATED_URL.finditer(without_links))
    messengers = tuple(m.group() for m in _MESSENGER.finditer(text))
    money = tuple(m.group() for m in _MONEY.finditer(text))
    domains = [link_domain(link) for link in links]
    author_domain = link_domain(comment.author_url.strip()) if comment.author_url.strip() else ""
    shorteners = tuple(d for d in domains if d in _SHORTENERS)
    risky = tuple(d for d in [*domains, author_domain] if d and d.rsplit(".", 1)[-1] in _RISKY_TLDS)

    letters = [c for c in text if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    symbols = sum(not (c.isalnum() or c.isspace()) for c in without_links)
    digits = sum(c.isdigit() for c in without_links)
    words = [w for w in re.findall(r"\w+", lower) if not w.isdigit()]
    latin, other, mixed = _scripts(text)
    title_words = {w for w in re.findall(r"\w{4,}", comment.post_title.lower())} - _ENGLISH
    length = len(text)
    n_links = len(links) + len(obfuscated)
    author_site = author_domain.split(".")[0] if author_domain else ""

    features = {
        "link_1": float(n_links >= 1),
        "link_2": float(n_links >= 2),
        "link_4": float(n_links >= 4),
        "html_link": float(bool(_HTML_LINK.search(raw))),
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
            and (author_domain in lower or (len(author_site) >= 5 and author_site in lower))
        ),
        "author_keyword": float(author_looks_like_keyword(comment.author)),
        "len_tiny": float(length < 15),
        "len_short": float(length < 60),
        "len_long": float(length > 600),
        "len_very_long": float(length > 1500),
        "caps_ratio": upper / len(letters) if len(letters) >= 8 else 0.0,
        "shouting": float(len(letters) >= 12 and upper / len(letters) > 0.6),
        "symbol_ratio": min(1.0, 4 * symbols / max(length, 1)),
        "digit_ratio": min(1.0, 4 * digits / max(length, 1)),
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
def char_buckets(token: str, low: int, high: int, bits: int) -> tuple[int, ...]:
    """Return the distinct buckets of a word's character n-grams (padded like char_wb)."""
    padded = f" {token} "
    grams = {padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)}
    return tuple(sorted({_hash(g, bits) for g in grams}))


@lru_cache(maxsize=1 << 17)
def word_bucket(gram: str, bits: int) -> int:
    """Return the bucket of a word n-gram."""
    return _hash(gram, bits)


@dataclass
class Encoded:
    """One comment as the model sees it, with what each column came from (for reasons)."""

    tokens: list[str]
    facts: CommentFacts
    columns: np.ndarray
    values: np.ndarray
    #: column -> token positions it came from (word and char n-grams)
    origins: dict[int, tuple[int, ...]]


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
        origins: dict[int, list[int]] = {}
        low, high = self.word_ngrams
        for n in range(low, high + 1):
            for i in range(len(tokens) - n + 1):
                column = word_bucket(" ".join(tokens[i : i + n]), self.word_bits)
                origins.setdefault(column, list(range(i, i + n)))
        n_word = len(origins)
        char_low, char_high = self.char_ngrams
        offset = self.char_offset
        char_origins: dict[int, list[int]] = {}
        for i, token in enumerate(tokens):
            if is_word(token):
                for bucket in char_buckets(token, char_low, char_high, self.char_bits):
                    char_origins.setdefault(offset + bucket, []).append(i)
        facts = comment_facts(comment)
        metadata = metadata_vector(facts)
        word_value = self.word_weight / np.sqrt(n_word) if n_word else 0.0
        char_value = self.char_weight / np.sqrt(len(char_origins)) if char_origins else 0.0
        meta_columns = np.flatnonzero(metadata)
        columns = np.fromiter(
            [*origins, *char_origins, *(self.metadata_offset + meta_columns)],
            dtype=np.int64,
            count=len(origins) + len(char_origins) + len(meta_columns),
        )
        values = np.concatenate(
            [
                np.full(len(origins), word_value),
                np.full(len(char_origins), char_value),
                metadata[meta_columns] * self.metadata_weight,
            ]
        )
        origins.update(char_origins)
        return Encoded(
            tokens=tokens,
            facts=facts,
            columns=columns,
            values=values,
            origins={k: tuple(v) for k, v in origins.items()},
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
    return token in {URL_TOKEN, EMAIL_TOKEN, NUMBER_TOKEN} or token.startswith("<")
