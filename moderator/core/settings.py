"""A site's settings: the choices that shape its decisions, as one validated value."""

from __future__ import annotations

from dataclasses import dataclass, field

#: The spam thresholds a site may override, lowest first.
THRESHOLD_NAMES = ("unsure", "spam", "discard")


class SettingsError(ValueError):
    """Settings that failed validation; `errors` lists (field, message) for each bad field."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = list(errors)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors))


@dataclass(frozen=True)
class SiteSettings:
    """A site's choices that shape decisions (thresholds override the model card's)."""

    thresholds: dict = field(default_factory=dict)
    hold_all: bool = False
    #: ISO 3166-1 alpha-2 code ("GB", "US"), "" when unknown: the safety reply's numbers.
    country: str = ""

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

    def to_dict(self) -> dict:
        """Return the JSON form stored in `Site.settings` (`from_dict` and `parse` read it back).

        `country` is there only when set, so sites without one keep their stored form.
        """
        data = {"thresholds": dict(self.thresholds), "hold_all": self.hold_all}
        if self.country:
            data["country"] = self.country
        return data


def _read(data) -> tuple[SiteSettings, list[tuple[str, str]]]:
    """Return the settings built from the valid fields of `data`, and what was wrong."""
    if not isinstance(data, dict):
        return SiteSettings(), [("settings", "must be an object")]
    known = ("thresholds", "hold_all", "country")
    errors = [(name, "is not a setting") for name in data if name not in known]
    thresholds, threshold_errors = _read_thresholds(data.get("thresholds", {}))
    errors += threshold_errors
    hold_all = data.get("hold_all", False)
    if not isinstance(hold_all, bool):
        errors.append(("hold_all", "must be true or false"))
        hold_all = False
    country, country_error = _read_country(data.get("country", ""))
    errors += country_error
    return SiteSettings(thresholds=thresholds, hold_all=hold_all, country=country), errors


def _read_country(given) -> tuple[str, list[tuple[str, str]]]:
    """Return an ISO 3166-1 alpha-2 code in upper case ("" = unknown), and what was wrong."""
    if given is None or given == "":
        return "", []
    if isinstance(given, str) and len(given) == 2 and given.isascii() and given.isalpha():
        return given.upper(), []
    return "", [("country", "must be a two-letter ISO 3166-1 country code such as GB or US")]


def _read_thresholds(given) -> tuple[dict, list[tuple[str, str]]]:
    """Return the valid threshold overrides in `given`, and what was wrong."""
    if not isinstance(given, dict):
        return {}, [("thresholds", "must be an object")]
    thresholds, errors = {}, []
    for name, value in given.items():
        if name not in THRESHOLD_NAMES:
            errors.append((f"thresholds.{name}", "is not a threshold (unsure, spam, discard)"))
        elif not _is_probability(value):
            errors.append((f"thresholds.{name}", "must be a number from 0 to 1"))
        else:
            thresholds[name] = float(value)
    ordered = [thresholds[name] for name in THRESHOLD_NAMES if name in thresholds]
    if ordered != sorted(ordered):
        # Kept by from_dict all the same: the decision checks the order again once merged
        # with the model card's thresholds, and falls back to the card's.
        errors.append(("thresholds", "must satisfy unsure <= spam <= discard"))
    return thresholds, errors


def _is_probability(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1


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
