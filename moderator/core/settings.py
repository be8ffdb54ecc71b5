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
