"""A site's settings: the choices that shape its decisions, as one validated value."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SiteSettings:
    """A site's choices that shape decisions (thresholds override the model card's)."""

    thresholds: dict = field(default_factory=dict)
    hold_all: bool = False

    @classmethod
    def from_dict(cls, data: dict | None) -> SiteSettings:
        """Build settings from a site's stored JSON, ignoring unknown keys."""
        data = data if isinstance(data, dict) else {}
        given = data.get("thresholds")
        thresholds = {}
        for key, value in (given if isinstance(given, dict) else {}).items():
            # A bad stored value must not take the site down: it is ignored.
            if key in ("unsure", "spam", "discard") and _is_probability(value):
                thresholds[key] = float(value)
        return cls(thresholds=thresholds, hold_all=data.get("hold_all") is True)


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
