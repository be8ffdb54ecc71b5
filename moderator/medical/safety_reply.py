"""The safety reply: a first answer to a reader who may be in danger, for the author to edit
and send in one action from the review page.

It names what worried us in plain words, gives the emergency number and, for a reader in
emotional crisis, a crisis line, both for the site's country (`safety_lines.toml`, with
sources). It is a draft: the author reads the comment and edits before sending.
Flask-free.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from moderator.core.reasons import Reason
from moderator.text.vocabulary import SAFETY_LINES_FILE, read_vocabulary

#: Red flags (by name) for which the reader needs a crisis line more than an ambulance.
CRISIS_FLAGS = ("suicidal thoughts, plans or goodbye", "self-harm")


@dataclass(frozen=True)
class SafetyLines:
    """The numbers a safety reply gives for one country."""

    emergency: str
    crisis: str
    source: str


@cache
def _lines() -> dict:
    return read_vocabulary(SAFETY_LINES_FILE)


def safety_lines(country: str) -> SafetyLines:
    """Return the emergency number and crisis line for an ISO country code, or the default."""
    table = _lines()
    entry = table["countries"].get((country or "").upper(), table["default"])
    return SafetyLines(entry["emergency"], entry["crisis"], entry["source"])


def safety_reply(reasons: Iterable[Reason], country: str = "") -> str:
    """Draft the reply to an urgent comment from its red-flag reasons and the site's country."""
    titles = [r.title for r in reasons if r.code == "red_flag" and r.title]
    lines = safety_lines(country)
    crisis = any(title in CRISIS_FLAGS for title in titles)
    physical = [title for title in titles if title not in CRISIS_FLAGS]
    parts = ["Thank you for writing. I'm worried about what you describe, so I'm answering first."]
    if crisis:
        parts.append(
            "You don't have to go through this alone. Please talk to someone now: "
            f"{lines.crisis}. If you are in danger or have hurt yourself, call {lines.emergency}."
        )
    if physical:
        parts.append(
            f"What you describe ({', '.join(physical)}) can be an emergency. Please don't wait "
            f"for an answer here: call {lines.emergency} now, or ask someone near you to."
        )
    if not titles:
        parts.append(f"If this is an emergency, please call {lines.emergency} now.")
    parts.append("I can't examine you online, and I'll follow up here. Please take care.")
    return "\n\n".join(parts)
