"""Training and evaluating the spam model.

The recipe: load and deduplicate every labelled source (the real public corpora, our
written corpus as one source among several), cap the genuine texts of the large title
sets, weight the corpora, hash word and character n-grams plus metadata (links,
contacts, selling-phrase families), scale the n-gram columns by their naive-Bayes
log-count ratios and fit a logistic regression (NBSVM-style), calibrate it on
out-of-fold scores grouped by source.

Every figure is measured on text the scoring model never saw: each real source (a
video, ScamSpot, the Stack Exchange titles, SMS, ...) is held out in turn
(`moderator.training.holdout`), the thresholds are chosen on those held-out scores of
real sources only, and each source's figures use thresholds chosen without it. Our own
corpus is reported apart; the validation-only corpora are scored once, never fitted.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.calibration import (
    CalibratedClassifierCV,
    _CalibratedClassifier,
    _SigmoidCalibration,
)
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, PredefinedSplit
from sklearn.pipeline import Pipeline

from moderator.core.settings import Thresholds
from moderator.ml.modelfile import save_model
from moderator.spam.features import CommentFeatures
from moderator.spam.model import MODEL_NAME, load_spam_model
from moderator.training import datasets, holdout
from moderator.training.audit import calibration, source_discrimination
from moderator.training.common import (
    CORPUS_SHARES,
    classification_figures,
    corpus_of,
    moderation_rates,
    rates_by_group,
    sample_weights,
)
from moderator.training.datasets import LabelledComment, catalogue

#: The one configuration used for the shipped model and every benchmark.
FEATURE_PARAMS = {
    "word_bits": 18,
    "char_bits": 18,
    "word_ngrams": (1, 2),
    "char_ngrams": (2, 4),
    "word_weight": 1.0,
    "char_weight": 1.0,
    "metadata_weight": 1.0,
}
LINEAR_PARAMS = {"C": 4.0, "solver": "liblinear", "dual": True, "max_iter": 1000}
#: Smoothing of the naive-Bayes log-count ratios that scale the n-gram columns.
NB_ALPHA = 1.0
N_FOLDS = 5


#: Genuine texts kept per source at most (seeded sample): the title sets hold 15,000 to
#: 50,000 each, and past a few thousand they add training time, not variety.
MAX_GENUINE_PER_SOURCE = 3000
#: Sources never trained on: the Stack Exchange query export in which about a fifth of
#: the "spam" titles are legitimate questions (see its PROVENANCE).
EXCLUDED_SOURCES = frozenset({datasets.SE_NOISY_SPAM})
#: Folds of the out-of-fold calibration of the shipped model and of each held-out model.
HOLDOUT_FOLDS = 3
#: What the thresholds are chosen for, on held-out scores of real sources (issue 15):
#: blocked genuine at most 1% on every held-out source; published spam and the queue
#: as low as that leaves (no cut-off meets 10% published on every source yet).
TARGETS = {
    "blocked_genuine_rate": 0.01,
    "site_blocked_genuine_rate": 0.01,
    "spam_published": 0.10,
    "queue_share": 0.15,
    "discarded_genuine_rate": 0.001,
}


def shared_datasets(project_root: Path) -> Path:
    """Return where the shared public corpora sit beside a project checkout."""
    return Path(project_root).resolve().parent / "shared" / "datasets"


def default_sources(project_root: Path) -> list[Path]:
    """Return training_data/*.jsonl plus every trainable shared corpus that is present."""
    project_root = Path(project_root).resolve()
    sources = sorted((project_root / "training_data").glob("*.jsonl"))
    shared = shared_datasets(project_root)
    for corpus in catalogue.present(shared)[catalogue.TRAIN]:
        sources.append(corpus.path(shared))
    return sources


def validation_sources(project_root: Path) -> list[Path]:
    """Return the validation-only shared corpora that are present: scored, never fitted."""
    shared = shared_datasets(project_root)
    return [corpus.path(shared) for corpus in catalogue.present(shared)[catalogue.VALIDATION]]


def load_labelled(
    paths: Sequence[Path], max_genuine: int | None = MAX_GENUINE_PER_SOURCE, seed: int = 0
) -> tuple[list[LabelledComment], list[dict]]:
    """Load, keep spam-labelled comments, deduplicate, cap genuine texts per source;
    return them with each source's provenance (licence and attribution when catalogued)."""
    items, provenance = [], []
    for path in paths:
        loaded = datasets.load(path)
        provenance.append(_with_licence(datasets.provenance(path, loaded), loaded))
        items.extend(
            item for item in loaded if item.spam is not None and item.source not in EXCLUDED_SOURCES
        )
    items = datasets.deduplicate(items)
    if max_genuine is not None:
        items = cap_genuine(items, max_genuine, seed)
    return items, provenance


def _with_licence(described: dict, loaded: Sequence[LabelledComment]) -> dict:
    """Add the catalogue's title, licence, attribution and use to a source's provenance."""
    corpus = catalogue.corpus_for_source(loaded[0].source) if loaded else None
    if corpus is None:
        return described | {"licence": "ours (written for this project)"}
    return described | corpus.card()


def cap_genuine(items: Sequence[LabelledComment], per_source: int, seed: int = 0) -> list:
    """Keep every spam item and at most `per_source` genuine ones per source (seeded)."""
    rng = np.random.default_rng(seed)
    by_source: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        if not item.spam:
            by_source.setdefault(item.source, []).append(index)
    dropped = set()
    for source in sorted(by_source):
        indices = by_source[source]
        if len(indices) > per_source:
            kept = set(rng.choice(indices, per_source, replace=False).tolist())
            dropped.update(i for i in indices if i not in kept)
    return [item for index, item in enumerate(items) if index not in dropped]


def make_features() -> CommentFeatures:
    """Return the feature encoder with the shipped configuration."""
    return CommentFeatures(**FEATURE_PARAMS).fit(None)


def make_linear(random_state: int = 0) -> LogisticRegression:
    """Return the unfitted linear model."""
    return LogisticRegression(random_state=random_state, **LINEAR_PARAMS)


def log_count_ratios(X, labels, weights, n_text_columns: int, alpha: float = NB_ALPHA):
    """Return the NBSVM column scale: |log-count ratio| for n-gram columns, 1 for metadata.

    An n-gram column is scaled by how lopsided its (weighted) presence is between spam
    and genuine comments, so the regression starts from naive-Bayes evidence and its
    penalty falls hardest on n-grams that are common to both classes (Wang and Manning,
    "Baselines and Bigrams", ACL 2012).
    """
    labels = np.asarray(labels, dtype=bool)
    present = (X[:, :n_text_columns] != 0).astype(np.float64)
    spam = alpha + present.T @ (weights * labels)
    genuine = alpha + present.T @ (weights * ~labels)
    ratios = np.abs(np.log(spam / spam.sum()) - np.log(genuine / genuine.sum()))
    return np.concatenate([ratios, np.ones(X.shape[1] - n_text_columns)])


def fit_linear(X, labels, weights, n_text_columns: int, random_state: int = 0):
    """Fit the NB-scaled logistic regression; return it with the scale folded into coef_.

    The regression is fitted on X * scale; multiplying its coefficients by the scale
    gives the same decision on unscaled X, so the shipped pipeline is a plain
    LogisticRegression over `CommentFeatures` and scoring needs no extra step.
    """
    scale = log_count_ratios(X, labels, weights, n_text_columns)
    linear = make_linear(random_state).fit(X @ sp.diags(scale), labels, sample_weight=weights)
    linear.coef_ = linear.coef_ * scale
    return linear


def group_folds(groups: Sequence[str], n_folds: int = N_FOLDS) -> np.ndarray:
    """Return a fold number per sample so no group is split across folds."""
    groups = np.asarray(groups)
    n_folds = max(2, min(n_folds, len(set(groups.tolist()))))
    folds = np.zeros(len(groups), dtype=np.int64)
    splitter = GroupKFold(n_splits=n_folds)
    for fold, (_, test) in enumerate(splitter.split(groups, groups=groups)):
        folds[test] = fold
    return folds


def validation_group(item: LabelledComment) -> str:
    """Return the group a comment is held out with when validating.

    Public corpora are held out by group (a whole video, all of SMS) so validation is
    cross-source. Our blog corpus is split into ten stable slices instead of by family:
    its genuine families are deliberate hard cases (readers linking their own posts),
    and holding out a whole family means scoring a kind of genuine comment the model
    has never seen, which drove the spam threshold to 0.999.
    """
    if corpus_of(item.source) == "blog":
        slice_ = zlib.crc32(item.comment.content.encode("utf-8")) % 10
        return f"{item.source}:{slice_}"
    return item.group or item.source


def fit_calibrated(
    X, labels, weights, folds, n_text_columns: int, random_state: int = 0, progress: bool = False
):
    """Fit the calibrated classifier; return it with the out-of-fold P(spam).

    The first `n_text_columns` columns are n-grams, scaled by `log_count_ratios`.

    The sigmoid calibrator is fitted on out-of-fold decision scores, so the
    out-of-fold probabilities are what the shipped model would give an unseen group.
    The result is the `CalibratedClassifierCV(..., cv=PredefinedSplit(folds),
    ensemble=False)` that scikit-learn would fit, assembled from the fold models we
    need anyway instead of fitting every fold twice.
    """
    labels = np.asarray(labels, dtype=bool)
    decisions = np.zeros(len(labels))
    fold_ids = sorted(set(folds.tolist()))
    for fold in _progress(fold_ids, progress, "grouped folds"):
        train, test = folds != fold, folds == fold
        linear = fit_linear(X[train], labels[train], weights[train], n_text_columns, random_state)
        decisions[test] = linear.decision_function(X[test])
    calibrator = _SigmoidCalibration().fit(decisions, labels, sample_weight=weights)
    linear = fit_linear(X, labels, weights, n_text_columns, random_state)
    model = CalibratedClassifierCV(
        make_linear(random_state), method="sigmoid", cv=PredefinedSplit(folds), ensemble=False
    )
    model.classes_ = linear.classes_
    model.n_features_in_ = X.shape[1]
    model.calibrated_classifiers_ = [
        _CalibratedClassifier(linear, [calibrator], method="sigmoid", classes=linear.classes_)
    ]
    return model, calibrator.predict(decisions)


def fit_rows(
    X,
    items,
    labels,
    rows,
    n_text_columns: int,
    n_folds: int,
    random_state: int = 0,
    progress: bool = False,
):
    """Fit the calibrated classifier on the given rows of an encoded corpus; return it with
    the rows' out-of-fold P(spam). Weights and calibration folds come from the rows' items."""
    rows = np.asarray(rows)
    chosen = [items[i] for i in rows.tolist()]
    weights = sample_weights([corpus_of(item.source) for item in chosen], labels[rows])
    folds = group_folds([validation_group(item) for item in chosen], n_folds)
    return fit_calibrated(
        X[rows], labels[rows], weights, folds, n_text_columns, random_state, progress
    )


def encode(items: Sequence[LabelledComment]) -> tuple[CommentFeatures, sp.csr_matrix, np.ndarray]:
    """Return the encoder, the encoded rows of every item (once, for every fit) and labels."""
    features = make_features()
    X = sp.csr_matrix(features.transform([item.comment for item in items]))
    return features, X, np.array([item.spam for item in items], dtype=bool)


def train_items(
    items: Sequence[LabelledComment], random_state: int = 0, progress: bool = False
) -> tuple[Pipeline, np.ndarray]:
    """Train a spam pipeline on labelled comments; return it with out-of-fold P(spam)."""
    features, X, labels = encode(items)
    model, out_of_fold = fit_rows(
        X,
        items,
        labels,
        np.arange(len(items)),
        features.metadata_offset,
        N_FOLDS,
        random_state,
        progress,
    )
    return Pipeline([("features", features), ("model", model)]), out_of_fold


def predict(pipeline: Pipeline, comments: Sequence) -> np.ndarray:
    """Return P(spam) for many comments through the pipeline (batch path)."""
    return pipeline.predict_proba(list(comments))[:, 1]


def held_out(
    items: Sequence[LabelledComment],
    X,
    labels,
    n_text_columns: int,
    random_state: int = 0,
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Score every item with a model trained without its unit (see `holdout`)."""

    def fit_and_score(train_rows, test_rows):
        if len(set(labels[train_rows].tolist())) < 2:
            return np.full(len(test_rows), np.nan)
        model, _ = fit_rows(
            X, items, labels, train_rows, n_text_columns, HOLDOUT_FOLDS, random_state
        )
        return model.predict_proba(X[test_rows])[:, 1]

    return holdout.held_out_scores(
        items, fit_and_score, lambda iterable, what: _progress(iterable, progress, what)
    )


def choose(labels, out_of_fold, scores, units) -> tuple[Thresholds, str]:
    """Return the thresholds and what they were chosen on: the held-out scores of the
    real sources when there are any, else (our corpus alone) the out-of-fold scores."""
    real = holdout.real_mask(units, scores)
    if real.any() and (~labels[real]).any():
        return holdout.thresholds_on(labels, scores, units, real, TARGETS), (
            "each real source held out in turn (a video, a blog, a public corpus); "
            "our written corpus never used"
        )
    every = np.ones(len(labels), dtype=bool)
    return holdout.thresholds_on(labels, out_of_fold, units, every, TARGETS), (
        "out-of-fold scores of our written corpus (no real source was given)"
    )


#: Texts scored per validation-only corpus at most (seeded sample): C3's 12,000 long
#: news comments would take longer to score than the model takes to train.
MAX_VALIDATION_PER_CORPUS = 3000


def score_validation(pipeline: Pipeline, paths: Sequence[Path], thresholds: Thresholds) -> dict:
    """Score the validation-only corpora once with the trained model: figures per source
    (at most MAX_VALIDATION_PER_CORPUS texts of each, seeded)."""
    figures = {}
    for path in paths:
        items = [item for item in datasets.load(path) if item.spam is not None]
        if len(items) > MAX_VALIDATION_PER_CORPUS:
            rng = np.random.default_rng(0)
            keep = np.sort(rng.choice(len(items), MAX_VALIDATION_PER_CORPUS, replace=False))
            items = [items[i] for i in keep.tolist()]
        if not items:
            continue
        labels = np.array([item.spam for item in items], dtype=bool)
        scores = predict(pipeline, [item.comment for item in items])
        name = items[0].source.split(":", 1)[0]
        figures[name] = moderation_rates(labels, scores, thresholds)
    return figures


def train(
    data: Sequence[Path],
    model_dir: Path,
    report_dir: Path | None = None,
    progress: bool = True,
    random_state: int = 0,
    validation: Sequence[Path] = (),
) -> dict:
    """Train the spam model on `data`, save it with its card (and report); return the card.

    `validation` names validation-only corpora: scored once with the trained model and
    reported, never fitted on and never used to choose a threshold.
    """
    items, provenance = load_labelled([Path(p) for p in data])
    datasets.require_trainable(items)
    if len({item.spam for item in items}) < 2:
        raise ValueError("training needs both spam and genuine comments")
    features, X, labels = encode(items)
    offset = features.metadata_offset
    model, out_of_fold = fit_rows(
        X, items, labels, np.arange(len(items)), offset, N_FOLDS, random_state, progress
    )
    pipeline = Pipeline([("features", features), ("model", model)])
    scores, units = held_out(items, X, labels, offset, random_state, progress)
    thresholds, chosen_on = choose(labels, out_of_fold, scores, units)
    real = holdout.real_mask(units, scores)
    by_source = holdout.nested_figures(labels, scores, units, TARGETS) if real.any() else {}
    corpora = np.array([corpus_of(item.source) for item in items])
    metrics = {
        "validation": "each source held out in turn; thresholds for each source's figures "
        "chosen on the other real sources (nested)",
        "thresholds_chosen_on": chosen_on,
        "held_out_by_source": by_source,
        "worst_held_out_real_source": holdout.worst_real(by_source),
        "held_out_real_pooled": moderation_rates(labels[real], scores[real], thresholds),
        "calibration_held_out_real": calibration(labels[real], scores[real]),
        "source_discrimination": source_discrimination(
            X, corpora, labels, random_state=random_state
        ),
        "out_of_fold": moderation_rates(labels, out_of_fold, thresholds),
        "validation_only": score_validation(pipeline, [Path(p) for p in validation], thresholds),
    }
    card = model_card(provenance, labels, corpora, random_state, thresholds, metrics)
    model_dir = Path(model_dir)
    save_model(pipeline, card, model_dir, MODEL_NAME)
    saved = load_spam_model(model_dir)
    if report_dir is not None:
        from moderator.training.report import write_report

        write_report(
            Path(report_dir),
            title=f"Spam model {saved.version}",
            labels=labels[real] if real.any() else labels,
            probabilities=scores[real] if real.any() else out_of_fold,
            thresholds=thresholds,
            groups=units[real] if real.any() else corpora,
            metrics=metrics,
            note="Scores are held out: each comment was scored by a model that never saw "
            "its source (a video, a public corpus). The first table uses the shipped "
            "thresholds; the next gives each source at thresholds chosen without it.",
            tables={
                "Each source held out, at thresholds chosen without it": by_source,
                "Validation-only corpora, scored once": metrics["validation_only"],
            },
        )
    return saved.card | {"version": saved.version}


def model_card(
    provenance: list[dict],
    labels: np.ndarray,
    corpora: np.ndarray,
    random_state: int,
    thresholds: Thresholds,
    metrics: dict,
) -> dict:
    """Return the card of a model trained on these sources, with its thresholds and figures."""
    return {
        "kind": "spam",
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "sources": provenance,
        "excluded_sources": sorted(EXCLUDED_SOURCES),
        "max_genuine_per_source": MAX_GENUINE_PER_SOURCE,
        "training_comments": len(labels),
        "training_by_corpus": {
            kind: {
                "spam": int((labels & (corpora == kind)).sum()),
                "ham": int((~labels & (corpora == kind)).sum()),
            }
            for kind in sorted(set(corpora.tolist()))
        },
        "corpus_shares": CORPUS_SHARES,
        "features": {k: list(v) if isinstance(v, tuple) else v for k, v in FEATURE_PARAMS.items()},
        "classifier": {
            "linear": "LogisticRegression",
            **LINEAR_PARAMS,
            "ngram_scaling": f"naive-Bayes log-count ratio (alpha {NB_ALPHA}), folded into coef",
            "calibration": "sigmoid, out-of-fold",
        },
        "random_state": random_state,
        "thresholds": thresholds.to_dict(),
        "threshold_targets": TARGETS,
        "metrics": metrics,
    }


def evaluate(data: Sequence[Path], model_dir: Path, report_dir: Path) -> dict:
    """Score every labelled comment of `data` with the saved model; write the report."""
    model = load_spam_model(Path(model_dir))
    items = []
    for path in data:
        items.extend(item for item in datasets.load(Path(path)) if item.spam is not None)
    if not items:
        raise ValueError("no spam-labelled comments in the data given")
    labels = np.array([item.spam for item in items], dtype=bool)
    probabilities = np.array([s.probability for s in model.score_many([i.comment for i in items])])
    sources = np.array([item.source.split(":", 1)[0] for item in items])
    metrics = {
        "model": model.version,
        "data": [str(p) for p in data],
        "overall": moderation_rates(labels, probabilities, model.thresholds),
        "hard_verdict": classification_figures(labels, probabilities >= model.thresholds.spam),
        "by_source": rates_by_group(labels, probabilities, model.thresholds, sources),
    }
    from moderator.training.report import write_report

    write_report(
        Path(report_dir),
        title=f"Evaluation of {model.version}",
        labels=labels,
        probabilities=probabilities,
        thresholds=model.thresholds,
        groups=sources,
        metrics=metrics,
    )
    return metrics


def _progress(iterable, enabled: bool, description: str):
    """Wrap an iterable in a tqdm bar when asked."""
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, desc=description, unit="step")


__all__ = ["default_sources", "evaluate", "train"]
