"""The gate: a candidate replaces the active model only if it is no worse where it counts.

Both are scored on labelled comments neither trained on (the site's newest labels, and
a fixed evaluation set). The candidate is refused when, beyond the configured
tolerances, it blocks more genuine comments (at the spam threshold), catches less spam
(at the spam threshold), publishes more spam (below the unsure threshold, where a site
approves) or ranks spam above genuine less often (AUC, on sets with enough of both
kinds) than the active model; the
figures of both travel with the verdict, for the registry and the Models page, with
what the page plots: each model's ROC curve (at most `ROC_POINTS` points) and its
histograms of P(spam) for spam and genuine comments (`HISTOGRAM_BINS` equal bins of
[0, 1]). They are a few hundred numbers, small enough for the registry row and the card.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve

#: The most points of an ROC curve kept for the Models page's plot.
ROC_POINTS = 50
#: Equal bins of P(spam) in [0, 1] for the score histograms.
HISTOGRAM_BINS = 20
#: Fewest spam and fewest genuine comments a set needs before AUCs are compared on it:
#: with three spam labels, one comment moves the AUC by a third.
AUC_JUDGED_FROM = 10


@dataclass(frozen=True)
class Figures:
    """How a model did on one labelled set, at the site's spam threshold."""

    comments: int
    spam: int
    blocked_genuine: float  # share of genuine comments it would send to spam
    spam_caught: float  # share of spam it would send to spam
    auc: float | None  # None when the set holds one class only
    #: share of spam under the unsure threshold (approved); None when no unsure threshold
    spam_published: float | None = None
    #: [blocked genuine, spam caught] from (0, 0) to (1, 1); None with one class only.
    roc: list[list[float]] | None = None
    #: {"spam": counts, "genuine": counts} per equal bin of P(spam) in [0, 1].
    histogram: dict[str, list[int]] | None = None

    def to_dict(self) -> dict:
        """Return the JSON form kept in the registry."""
        return {
            "comments": self.comments,
            "spam": self.spam,
            "blocked_genuine": round(self.blocked_genuine, 4),
            "spam_caught": round(self.spam_caught, 4),
            "spam_published": None
            if self.spam_published is None
            else round(self.spam_published, 4),
            "auc": None if self.auc is None else round(self.auc, 4),
            "roc": self.roc,
            "histogram": self.histogram,
        }


def figures(
    spam: Sequence[bool],
    probabilities: Sequence[float],
    threshold: float,
    unsure: float | None = None,
) -> Figures:
    """Return the figures of scores against labels, blocking from `threshold` up and
    approving under `unsure` (when given)."""
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
        spam_published=None
        if unsure is None
        else float((p[y] < unsure).mean())
        if y.any()
        else 0.0,
        roc=roc_points(y, p),
        histogram=score_histogram(y, p),
    )


def roc_points(
    spam: Sequence[bool], probabilities: Sequence[float], limit: int = ROC_POINTS
) -> list[list[float]] | None:
    """Return the ROC curve as [blocked genuine, spam caught] points, at most `limit`.

    The curve runs from (0, 0) to (1, 1); a longer one keeps the points nearest to
    `limit` even steps along it (blocked genuine + spam caught grows from 0 to 2 along
    the curve), so the plot keeps its shape wherever the curve moves. None when the set
    holds one class only (there is no curve).
    """
    y = np.asarray(spam, dtype=bool)
    if not 0 < y.sum() < len(y):
        return None
    blocked, caught, _ = roc_curve(y, np.asarray(probabilities, dtype=np.float64))
    if len(blocked) > limit:
        along = blocked + caught
        steps = np.searchsorted(along, np.linspace(0.0, along[-1], limit))
        steps[0], steps[-1] = 0, len(along) - 1
        keep = np.unique(np.clip(steps, 0, len(along) - 1))
        blocked, caught = blocked[keep], caught[keep]
    return [[round(float(b), 4), round(float(c), 4)] for b, c in zip(blocked, caught, strict=True)]


def score_histogram(
    spam: Sequence[bool], probabilities: Sequence[float], bins: int = HISTOGRAM_BINS
) -> dict[str, list[int]]:
    """Return how many spam and how many genuine comments fall in each of `bins` equal
    bins of P(spam) in [0, 1] (the last bin holds 1.0)."""
    y = np.asarray(spam, dtype=bool)
    p = np.clip(np.asarray(probabilities, dtype=np.float64), 0.0, 1.0)
    edges = np.linspace(0.0, 1.0, bins + 1)
    return {
        "spam": np.histogram(p[y], edges)[0].tolist(),
        "genuine": np.histogram(p[~y], edges)[0].tolist(),
    }


@dataclass(frozen=True)
class Tolerance:
    """How much worse than the active model a candidate may be and still be promoted."""

    blocked_genuine: float = 0.0
    spam_caught: float = 0.02
    spam_published: float = 0.02
    auc: float = 0.02


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
    unsure: float | None = None,
) -> Verdict:
    """Compare candidate and active scores on each named set: (labels, candidate, active),
    blocking from `threshold` up and, when `unsure` is given, approving under it.

    A set with no comments is skipped; with none at all the candidate is refused (there
    is nothing to show it is not worse).
    """
    table, problems = {}, []
    for name, (labels, candidate, active) in sets.items():
        if not len(labels):
            continue
        new = figures(labels, candidate, threshold, unsure)
        old = figures(labels, active, threshold, unsure)
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
        if (
            new.spam_published is not None
            and old.spam_published is not None
            and new.spam_published > old.spam_published + tolerance.spam_published + 1e-9
        ):
            problems.append(
                f"{name}: publishes more spam ({new.spam_published:.1%} "
                f"against {old.spam_published:.1%})"
            )
        judged_auc = min(new.spam, new.comments - new.spam) >= AUC_JUDGED_FROM
        if (
            judged_auc
            and new.auc is not None
            and old.auc is not None
            and new.auc < old.auc - tolerance.auc - 1e-9
        ):
            problems.append(
                f"{name}: ranks spam above genuine less often (AUC {new.auc:.3f} "
                f"against {old.auc:.3f})"
            )
    if not table:
        return Verdict(False, "no labelled comments to judge it on", table)
    if problems:
        return Verdict(False, "; ".join(problems), table)
    return Verdict(True, "no worse than the active model on " + ", ".join(table), table)
