"""Checks that a model learns the task, not where its text came from.

Two audits every model card carries:

- `source_discrimination`: within one class (all spam, or all genuine), a classifier
  on the model's own features tries to tell the sources apart. An AUC near 0.5 means
  the features cannot see the source; near 1.0 they can, and a model trained on those
  features may learn "sounds like corpus X" instead of "is spam". Topic alone makes
  real sources separable (cooking titles are about food), so the figure is a warning
  light read per source, not a target.
- `calibration`: how far the predicted probabilities are from observed rates, on
  scores the model gave text it never saw (reliability bins, expected calibration
  error, Brier score).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

#: Sources with fewer examples in a class are left out of that class's audit.
MIN_PER_SOURCE = 20
#: At most this many examples per source and class are audited (seeded sample).
MAX_PER_SOURCE = 1000


def source_discrimination(
    X,
    sources: Sequence[str],
    labels: Sequence[bool],
    class_names: dict | None = None,
    n_folds: int = 3,
    random_state: int = 0,
) -> dict:
    """Return, per class, how well the feature rows `X` tell their sources apart.

    For each class, a logistic regression is cross-validated on the rows of that class
    with the source as target; the result holds the macro one-vs-rest AUC over sources
    and each source's own AUC against the rest of its class. A class with fewer than two
    sources of `MIN_PER_SOURCE` examples is reported with ``auc: None``.
    """
    class_names = class_names or {True: "spam", False: "genuine"}
    sources = np.asarray(sources)
    labels = np.asarray(labels, dtype=bool)
    rng = np.random.default_rng(random_state)
    result = {}
    for value, name in class_names.items():
        rows = _sampled_rows(sources, labels == value, rng)
        kinds = sorted(set(sources[rows].tolist()))
        if len(kinds) < 2:
            result[name] = {"auc": None, "sources": kinds, "by_source": {}}
            continue
        target = np.array([kinds.index(s) for s in sources[rows].tolist()])
        probabilities = _out_of_fold_proba(X[rows], target, len(kinds), n_folds, random_state)
        by_source = {
            kind: round(float(roc_auc_score(target == i, probabilities[:, i])), 4)
            for i, kind in enumerate(kinds)
        }
        result[name] = {
            "auc": round(float(np.mean(list(by_source.values()))), 4),
            "sources": kinds,
            "examples": int(len(rows)),
            "by_source": by_source,
        }
    return result


def _sampled_rows(sources: np.ndarray, in_class: np.ndarray, rng) -> np.ndarray:
    """Return the row indices of a class, at most MAX_PER_SOURCE per source (seeded),
    leaving out sources under MIN_PER_SOURCE."""
    rows = []
    for kind in sorted(set(sources[in_class].tolist())):
        members = np.flatnonzero(in_class & (sources == kind))
        if len(members) < MIN_PER_SOURCE:
            continue
        if len(members) > MAX_PER_SOURCE:
            members = np.sort(rng.choice(members, MAX_PER_SOURCE, replace=False))
        rows.append(members)
    return np.concatenate(rows) if rows else np.array([], dtype=np.int64)


def _out_of_fold_proba(X, target, n_classes: int, n_folds: int, random_state: int):
    """Return out-of-fold class probabilities of a one-vs-rest logistic regression."""
    probabilities = np.zeros((len(target), n_classes))
    folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=random_state)
    for train, test in folds.split(np.zeros(len(target)), target):
        for i in range(n_classes):
            y = target[train] == i
            if y.all() or not y.any():
                continue
            model = LogisticRegression(C=1.0, solver="liblinear", random_state=random_state)
            model.fit(X[train], y)
            probabilities[test, i] = model.predict_proba(X[test])[:, 1]
    return probabilities


def calibration(labels, probabilities, bins: int = 10) -> dict:
    """Return the reliability of probabilities: per-bin predicted vs observed, ECE, Brier.

    Bins are equal-width over [0, 1]; empty bins are left out. ECE is the
    example-weighted mean gap between a bin's mean prediction and its observed rate.
    """
    labels = np.asarray(labels, dtype=bool)
    scores = np.clip(np.asarray(probabilities, dtype=float), 0.0, 1.0)
    if not len(labels):
        return {"examples": 0, "brier": None, "ece": None, "bins": []}
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(scores, edges[1:-1]), 0, bins - 1)
    table, gap = [], 0.0
    for i in range(bins):
        members = which == i
        if not members.any():
            continue
        predicted, observed = float(scores[members].mean()), float(labels[members].mean())
        gap += members.sum() * abs(predicted - observed)
        table.append(
            {
                "low": round(float(edges[i]), 2),
                "high": round(float(edges[i + 1]), 2),
                "examples": int(members.sum()),
                "mean_predicted": round(predicted, 4),
                "observed": round(observed, 4),
            }
        )
    return {
        "examples": int(len(labels)),
        "brier": round(float(np.mean((scores - labels) ** 2)), 4),
        "ece": round(float(gap / len(labels)), 4),
        "bins": table,
    }
