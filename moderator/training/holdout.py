"""Leave-one-source-out: every figure a model card reports comes from text its model never saw.

A *unit* is what a new site looks like to the shipped model: one YouTube video, one
WordPress blog, one public corpus (Instagram comments, Stack Exchange titles, SMS...).
Each real unit is held out in turn: a model trained on everything else scores it.

Thresholds are chosen on those held-out scores of the real units only; our own written
corpus (``ours:``) is scored the same way but reported apart and never used to choose a
threshold. Each unit's reported figures use thresholds chosen *without* that unit
(nested), so no figure comes from thresholds that saw the text they are measured on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from moderator.core.settings import Thresholds
from moderator.training.common import choose_thresholds, moderation_rates
from moderator.training.datasets import LabelledComment

#: The prefix of our own written corpus' sources.
OURS = "ours"


def unit_of(source: str) -> str:
    """Return the unit a source is held out with: a video or a blog on its own, else
    its corpus (all of ScamSpot, all Stack Exchange titles, our whole corpus)."""
    kind = source.split(":", 1)[0]
    if kind in {"youtube", "wxr"}:
        return source
    return kind


def is_ours(unit: str) -> bool:
    """Whether a unit is our own written corpus (reported apart, never tunes a threshold)."""
    return unit.split(":", 1)[0] == OURS


def held_out_scores(
    items: Sequence[LabelledComment],
    fit_and_score: Callable[[np.ndarray, np.ndarray], np.ndarray],
    progress: Callable = lambda iterable, description: iterable,
) -> tuple[np.ndarray, np.ndarray]:
    """Score every item with a model that never saw its unit; return (scores, units).

    `fit_and_score(train_rows, test_rows)` fits on the rows given and returns the
    scores of the test rows (NaN where it cannot fit, e.g. a class is missing).
    """
    units = np.array([unit_of(item.source) for item in items])
    return scores_without_each(units, fit_and_score, progress=progress), units


def scores_without_each(
    units: np.ndarray,
    fit_and_score: Callable[[np.ndarray, np.ndarray], np.ndarray],
    held: Sequence[str] | None = None,
    progress: Callable = lambda iterable, description: iterable,
) -> np.ndarray:
    """Score the rows of each unit with a fit on every other row: the one
    leave-one-source-out loop both models use.

    `held` names the units to hold out in turn (default: all); rows of the other units
    are always fitted on and keep NaN.
    """
    units = np.asarray(units)
    scores = np.full(len(units), np.nan)
    names = sorted(set(units.tolist())) if held is None else sorted(held)
    for unit in progress(names, "leave-one-source-out"):
        test = np.flatnonzero(units == unit)
        train = np.flatnonzero(units != unit)
        if len(test):
            scores[test] = fit_and_score(train, test)
    return scores


def real_mask(units: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Return which rows are real (not ours) and were scored."""
    return np.array([not is_ours(u) for u in units.tolist()]) & ~np.isnan(scores)


def thresholds_on(labels, scores, units, mask, targets: dict) -> Thresholds:
    """Choose thresholds on the held-out scores of the rows in `mask`, unit by unit."""
    return Thresholds.from_dict(
        choose_thresholds(labels[mask], scores[mask], units[mask], targets=targets)
    )


def nested_figures(labels, scores, units, targets: dict) -> dict:
    """Return each unit's moderation figures at thresholds chosen without it.

    Real units are measured at thresholds chosen on the other real units; our corpus at
    the thresholds chosen on all real units. Each entry carries the thresholds used.
    """
    labels = np.asarray(labels, dtype=bool)
    real = real_mask(units, scores)
    on_all_real = thresholds_on(labels, scores, units, real, targets)
    figures = {}
    for unit in sorted(set(units[~np.isnan(scores)].tolist())):
        rows = (units == unit) & ~np.isnan(scores)
        used = on_all_real
        if not is_ours(unit):
            others = real & (units != unit)
            if len(set(units[others].tolist())) >= 1:
                used = thresholds_on(labels, scores, units, others, targets)
        figures[unit] = moderation_rates(labels[rows], scores[rows], used) | {
            "thresholds": used.to_dict(),
            "auc": _auc(labels[rows], scores[rows]),
        }
    return figures


def worst_real(figures: dict) -> dict:
    """Return the worst held-out real unit on each target figure, with its name."""
    real = {unit: f for unit, f in figures.items() if not is_ours(unit)}
    with_genuine = {u: f for u, f in real.items() if f["ham"]}
    with_spam = {u: f for u, f in real.items() if f["spam"]}

    def worst(pool: dict, key: str, highest: bool = True) -> dict:
        if not pool:
            return {}
        unit = (max if highest else min)(pool, key=lambda u: pool[u][key])
        return {"unit": unit, "value": round(float(pool[unit][key]), 4)}

    return {
        "blocked_genuine_rate": worst(with_genuine, "blocked_genuine_rate"),
        "spam_published": worst(with_spam, "spam_published"),
        "queue_share": worst(real, "queue_share"),
        "mean_queue_share": round(float(np.mean([f["queue_share"] for f in real.values()])), 4)
        if real
        else None,
    }


def _auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """Return ROC AUC when both classes are present."""
    if labels.all() or not labels.any():
        return None
    from sklearn.metrics import roc_auc_score

    return round(float(roc_auc_score(labels, scores)), 4)
