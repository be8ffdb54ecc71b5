"""The gate: a candidate replaces the active model only if it is no worse where it counts.

Both are scored on labelled comments neither trained on (the site's newest labels, and
a fixed evaluation set). The candidate is refused when it blocks more genuine comments,
or catches less spam, than the active model beyond the configured tolerances; the
figures of both travel with the verdict, for the registry and the Models page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score


@dataclass(frozen=True)
class Figures:
    """How a model did on one labelled set, at the site's spam threshold."""

    comments: int
    spam: int
    blocked_genuine: float  # share of genuine comments it would send to spam
    spam_caught: float  # share of spam it would send to spam
    auc: float | None  # None when the set holds one class only

    def to_dict(self) -> dict:
        """Return the JSON form kept in the registry."""
        return {
            "comments": self.comments,
            "spam": self.spam,
            "blocked_genuine": round(self.blocked_genuine, 4),
            "spam_caught": round(self.spam_caught, 4),
            "auc": None if self.auc is None else round(self.auc, 4),
        }


def figures(spam: Sequence[bool], probabilities: Sequence[float], threshold: float) -> Figures:
    """Return the figures of scores against labels, blocking from `threshold` up."""
    y = np.asarray(spam, dtype=bool)
    p = np.asarray(probabilities, dtype=np.float64)
    blocked = p >= threshold
    genuine = ~y
    auc = float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None
    return Figures(
        comments=len(y),
        spam=int(y.sum()),
        blocked_genuine=float(blocked[genuine].mean()) if genuine.any() else 0.0,
        spam_caught=float(blocked[y].mean()) if y.any() else 0.0,
        auc=auc,
    )


@dataclass(frozen=True)
class Tolerance:
    """How much worse than the active model a candidate may be and still be promoted."""

    blocked_genuine: float = 0.0
    spam_caught: float = 0.02


@dataclass(frozen=True)
class Verdict:
    """The gate's answer: promote or not, why, and the figures it judged on."""

    promote: bool
    reason: str
    figures: dict  # {set name: {"candidate": {...}, "active": {...}}}


def judge(
    sets: dict[str, tuple[Sequence[bool], Sequence[float], Sequence[float]]],
    threshold: float,
    tolerance: Tolerance,
) -> Verdict:
    """Compare candidate and active scores on each named set: (labels, candidate, active).

    A set with no comments is skipped; with none at all the candidate is refused (there
    is nothing to show it is not worse).
    """
    table, problems = {}, []
    for name, (labels, candidate, active) in sets.items():
        if not len(labels):
            continue
        new, old = figures(labels, candidate, threshold), figures(labels, active, threshold)
        table[name] = {"candidate": new.to_dict(), "active": old.to_dict()}
        if new.blocked_genuine > old.blocked_genuine + tolerance.blocked_genuine + 1e-9:
            problems.append(
                f"{name}: blocks more genuine comments ({new.blocked_genuine:.1%} "
                f"against {old.blocked_genuine:.1%})"
            )
        if new.spam_caught < old.spam_caught - tolerance.spam_caught - 1e-9:
            problems.append(
                f"{name}: catches less spam ({new.spam_caught:.1%} against {old.spam_caught:.1%})"
            )
    if not table:
        return Verdict(False, "no labelled comments to judge it on", table)
    if problems:
        return Verdict(False, "; ".join(problems), table)
    return Verdict(True, "no worse than the active model on " + ", ".join(table), table)
