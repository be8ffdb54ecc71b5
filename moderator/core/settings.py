"""A site's settings: the choices that shape its decisions, as one validated value.

The JSON keys are the API's (`GET`/`PUT /api/v1/site/settings`), the CLI's
(`moderator sites settings URL --set KEY=VALUE`) and the stored form's. `parse` reads
what a person entered and names every bad key; `from_dict` reads what was stored and
drops a bad value rather than take the site down.
"""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass, field, fields, replace

from moderator.core.comment import TEXT_FIELDS, TIME_FIELDS

#: The fields of a comment, which a honeypot field may not be named after.
COMMENT_FIELDS = frozenset((*TEXT_FIELDS, *TIME_FIELDS))

#: The spam thresholds a site may override, lowest first.
THRESHOLD_NAMES = ("unsure", "spam", "discard")
#: The kinds of entries an allow or deny list holds.
LIST_KINDS = ("ips", "emails", "domains")
#: What an Akismet comment-check answers for a comment moderator holds for review.
AKISMET_HELD_ANSWERS = ("false", "true", "error")

#: How many words, or list entries, a site may keep in one setting.
MAX_ENTRIES = 1000
#: How long one word or entry may be.
MAX_ENTRY_LENGTH = 200
#: The largest number a counting setting takes (a week in hours, a day in seconds...).
MAX_COUNT = 1_000_000

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
#: An address mail is sent to: no comma, bracket, quote or space that could name another
#: recipient or break the To header (a stricter `_EMAIL`).
_MAILBOX = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@([A-Za-z0-9-]{1,63}\.)*[A-Za-z0-9-]{1,63}"
)
_DOMAIN = re.compile(r"(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)*[A-Za-z0-9-]{1,63}")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*")
_COUNTRY = re.compile(r"[A-Za-z]{2}")
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-\[\]]{0,99}")


class SettingsError(ValueError):
    """Settings that failed validation; `errors` lists (field, message) for each bad field."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = list(errors)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors))


@dataclass(frozen=True)
class AddressList:
    """IPs and networks (CIDR), e-mail addresses and domains: a site's allow or deny list."""

    ips: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """Return the JSON form: {"ips": [...], "emails": [...], "domains": [...]}."""
        return {"ips": list(self.ips), "emails": list(self.emails), "domains": list(self.domains)}

    def __bool__(self) -> bool:
        return bool(self.ips or self.emails or self.domains)


@dataclass(frozen=True)
class SiteSettings:
    """A site's choices that shape decisions (thresholds override the model card's).

    A count of 0 turns its check off (`hold_links_at`, `min_submit_seconds`,
    `duplicate_window_hours`, `max_per_ip_per_hour`); so does an empty word list or
    field name.
    """

    thresholds: dict = field(default_factory=dict)
    hold_all: bool = False
    hold_links_at: int = 0
    hold_words: tuple[str, ...] = ()
    block_words: tuple[str, ...] = ()
    honeypot_field: str = ""
    min_submit_seconds: int = 0
    duplicate_window_hours: int = 0
    trust_approved_authors: bool = False
    max_per_ip_per_hour: int = 0
    allow: AddressList = field(default_factory=AddressList)
    deny: AddressList = field(default_factory=AddressList)
    languages: tuple[str, ...] = ()
    country: str = ""
    #: Who is e-mailed at once about an urgent comment on this site (empty: the server's
    #: URGENT_EMAIL_TO).
    urgent_email_to: tuple[str, ...] = ()
    akismet_held_answer: str = "false"

    @classmethod
    def from_dict(cls, data: dict | None) -> SiteSettings:
        """Build settings from a site's stored JSON, ignoring unknown keys and bad values.

        A bad stored value must not take the site down: it is dropped, and the default
        (the model card's threshold, no hold) applies.
        """
        settings, _errors = _read(data)
        return settings

    @classmethod
    def parse(cls, data) -> SiteSettings:
        """Build settings from what a person entered; raise SettingsError naming each bad field."""
        settings, errors = _read(data)
        if errors:
            raise SettingsError(errors)
        return settings

    def updated(self, changes) -> SiteSettings:
        """Return these settings with the keys `changes` names replaced (validated as parse).

        The keys it does not name keep their values: what `PUT /api/v1/site/settings` does.
        """
        if not isinstance(changes, dict):
            raise SettingsError([("settings", "must be an object")])
        return SiteSettings.parse({**self.to_dict(), **changes})

    def to_dict(self) -> dict:
        """Return the JSON form stored in `Site.settings` (`from_dict` and `parse` read it back)."""
        data = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, AddressList):
                value = value.to_dict()
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, dict):
                value = dict(value)
            data[f.name] = value
        return data


#: Every setting's JSON key, in the order the API and the Settings page list them.
SETTING_NAMES = tuple(f.name for f in fields(SiteSettings))


def _read(data) -> tuple[SiteSettings, list[tuple[str, str]]]:
    """Return the settings built from the valid fields of `data`, and what was wrong."""
    if not isinstance(data, dict):
        return SiteSettings(), [("settings", "must be an object")]
    errors = [(str(name), "is not a setting") for name in data if name not in SETTING_NAMES]
    values = {}
    for name in SETTING_NAMES:
        if name not in data:
            continue
        value, field_errors = _READERS[name](name, data[name])
        errors += field_errors
        if value is not None:
            values[name] = value
    return replace(SiteSettings(), **values), errors


def _read_thresholds(name: str, given) -> tuple[dict, list[tuple[str, str]]]:
    """Return the valid threshold overrides in `given`, and what was wrong."""
    if not isinstance(given, dict):
        return {}, [(name, "must be an object")]
    thresholds, errors = {}, []
    for key, value in given.items():
        if key not in THRESHOLD_NAMES:
            errors.append((f"{name}.{key}", "is not a threshold (unsure, spam, discard)"))
        elif not _is_probability(value):
            errors.append((f"{name}.{key}", "must be a number from 0 to 1"))
        else:
            thresholds[key] = float(value)
    ordered = [thresholds[key] for key in THRESHOLD_NAMES if key in thresholds]
    if ordered != sorted(ordered):
        # Kept by from_dict all the same: the decision checks the order again once merged
        # with the model card's thresholds, and falls back to the card's.
        errors.append((name, "must satisfy unsure <= spam <= discard"))
    return thresholds, errors


def _is_probability(value) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= 1
    )


def _read_flag(name: str, given) -> tuple[bool | None, list[tuple[str, str]]]:
    if not isinstance(given, bool):
        return None, [(name, "must be true or false")]
    return given, []


def _read_count(name: str, given) -> tuple[int | None, list[tuple[str, str]]]:
    if isinstance(given, bool) or not isinstance(given, int) or not 0 <= given <= MAX_COUNT:
        return None, [(name, f"must be a whole number from 0 (off) to {MAX_COUNT}")]
    return given, []


def _read_entries(name: str, given, clean) -> tuple[tuple | None, list[tuple[str, str]]]:
    """Return the distinct valid entries of a list, each passed through `clean`.

    `clean` returns the stored form of one entry, or raises ValueError saying what is wrong.
    """
    if not isinstance(given, list):
        return None, [(name, "must be a list")]
    if len(given) > MAX_ENTRIES:
        return None, [(name, f"must hold at most {MAX_ENTRIES} entries")]
    kept, errors = [], []
    for index, entry in enumerate(given):
        where = f"{name}[{index}]"
        if not isinstance(entry, str):
            errors.append((where, "must be a string"))
            continue
        entry = entry.strip()
        if not entry or len(entry) > MAX_ENTRY_LENGTH:
            errors.append((where, f"must be 1 to {MAX_ENTRY_LENGTH} characters"))
            continue
        try:
            entry = clean(entry)
        except ValueError as exc:
            errors.append((where, str(exc)))
            continue
        if entry not in kept:
            kept.append(entry)
    return tuple(kept), errors


def _word(entry: str) -> str:
    if "\x00" in entry:
        raise ValueError("must not contain NUL characters")
    return entry


def _ip(entry: str) -> str:
    try:
        return str(ipaddress.ip_network(entry, strict=False))
    except ValueError:
        raise ValueError("must be an IP address or a network in CIDR form") from None


def _email(entry: str) -> str:
    if not _EMAIL.fullmatch(entry):
        raise ValueError("must be an e-mail address")
    return entry.lower()


def _mailbox(entry: str) -> str:
    if not _MAILBOX.fullmatch(entry):
        raise ValueError("must be one e-mail address, such as author@blog.example")
    local, _, domain = entry.rpartition("@")
    return f"{local}@{domain.lower()}"


def _domain(entry: str) -> str:
    domain = entry.rstrip(".").removeprefix("*.").removeprefix("@")
    if not _DOMAIN.fullmatch(domain):
        raise ValueError("must be a domain name such as example.com")
    return domain.lower()


def _language(entry: str) -> str:
    if not _LANGUAGE.fullmatch(entry):
        raise ValueError("must be a language code such as en or pt-br")
    return entry.lower().replace("_", "-")


def _read_words(name: str, given):
    return _read_entries(name, given, _word)


def _read_languages(name: str, given):
    return _read_entries(name, given, _language)


def _read_mailboxes(name: str, given):
    return _read_entries(name, given, _mailbox)


def _read_address_list(name: str, given) -> tuple[AddressList | None, list[tuple[str, str]]]:
    if not isinstance(given, dict):
        return None, [(name, "must be an object with ips, emails and domains")]
    errors = [
        (f"{name}.{key}", "is not a list (ips, emails, domains)")
        for key in given
        if key not in LIST_KINDS
    ]
    values = {}
    for kind, clean in (("ips", _ip), ("emails", _email), ("domains", _domain)):
        entries, kind_errors = _read_entries(f"{name}.{kind}", given.get(kind, []), clean)
        errors += kind_errors
        values[kind] = entries or ()
    return AddressList(**values), errors


def _read_honeypot_field(name: str, given) -> tuple[str | None, list[tuple[str, str]]]:
    if not isinstance(given, str) or not (given == "" or _FIELD_NAME.fullmatch(given)):
        return None, [(name, "must be a form field name (letters, digits, _ - [ ]) or empty")]
    if given in COMMENT_FIELDS:
        # A trap named like a real field would call every comment that has it spam.
        return None, [(name, f"must not be a comment field such as {given}")]
    return given, []


def _read_country(name: str, given) -> tuple[str | None, list[tuple[str, str]]]:
    if given is None:  # null: unknown, as ""
        return "", []
    if not isinstance(given, str) or not (given == "" or _COUNTRY.fullmatch(given)):
        return None, [(name, "must be a two-letter ISO 3166-1 country code, or empty")]
    return given.upper(), []


def _read_akismet_answer(name: str, given) -> tuple[str | None, list[tuple[str, str]]]:
    if given not in AKISMET_HELD_ANSWERS:
        return None, [(name, "must be one of " + ", ".join(AKISMET_HELD_ANSWERS))]
    return given, []


_READERS = {
    "thresholds": _read_thresholds,
    "hold_all": _read_flag,
    "hold_links_at": _read_count,
    "hold_words": _read_words,
    "block_words": _read_words,
    "honeypot_field": _read_honeypot_field,
    "min_submit_seconds": _read_count,
    "duplicate_window_hours": _read_count,
    "trust_approved_authors": _read_flag,
    "max_per_ip_per_hour": _read_count,
    "allow": _read_address_list,
    "deny": _read_address_list,
    "languages": _read_languages,
    "country": _read_country,
    "urgent_email_to": _read_mailboxes,
    "akismet_held_answer": _read_akismet_answer,
}


@dataclass(frozen=True)
class Thresholds:
    """Cut-offs on P(spam): from `unsure` a comment is held, from `spam` it is spam, and
    from `discard` it is thrown away unseen (the defaults serve a card without any)."""

    unsure: float = 0.5
    spam: float = 0.9
    discard: float = 0.99

    def __post_init__(self):
        if not 0.0 <= self.unsure <= self.spam <= self.discard <= 1.0:
            raise ValueError(
                f"thresholds must satisfy 0 <= unsure <= spam <= discard <= 1, got {self}"
            )

    def verdict(self, score: float) -> str:
        """Return "ham", "unsure" or "spam" for a probability."""
        if score >= self.spam:
            return "spam"
        if score >= self.unsure:
            return "unsure"
        return "ham"

    @classmethod
    def from_dict(cls, d: dict) -> Thresholds:
        """Build thresholds from a card or settings dict."""
        try:
            return cls(
                unsure=float(d["unsure"]), spam=float(d["spam"]), discard=float(d["discard"])
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"thresholds need numeric unsure, spam and discard ({exc})") from exc

    @classmethod
    def from_card(cls, card: dict) -> Thresholds:
        """Return the thresholds a spam model card was trained for (the defaults if none)."""
        given = card.get("thresholds")
        return cls.from_dict(given) if given else cls()

    def to_dict(self) -> dict:
        """Return the JSON form stored in the model card and site settings."""
        return {"unsure": self.unsure, "spam": self.spam, "discard": self.discard}
