"""Shared training helpers: corpus blending, the moderator's error rates, thresholds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import f1_score, matthews_corrcoef

#: How much of the training weight each kind of corpus gets (classes balanced inside
#: each). Real text carries most of it: our written blog corpus is one source among
#: several, the real comment corpora (YouTube, Instagram) and Stack Exchange's spam
#: titles come next, SMS adds variety, and real questions (cooking, patients',
#: consumers', trivia) teach that asking for help is not selling.
CORPUS_SHARES = {
    "blog": 0.2,
    "youtube": 0.2,
    "scamspot": 0.15,
    "se-titles": 0.15,
    "sms": 0.1,
    "cooking": 0.05,
    "kqa": 0.05,
    "meqsum": 0.05,
    "trec": 0.05,
}


def corpus_of(source: str) -> str:
    """Return the corpus kind of a source label: blog, youtube, sms or the source itself."""
    kind = source.split(":", 1)[0]
    if kind in {"ours", "wxr"}:
        return "blog"
    return kind


def site_of(source: str) -> str:
    """Return the site a comment came from: a YouTube video, a WordPress site, or the
    corpus (our blog corpus and SMS each count as one site)."""
    kind, _, name = source.partition(":")
    if kind in {"youtube", "wxr"} and name:
        return source
    return corpus_of(source)


def sample_weights(
    corpora: Sequence[str], labels: Sequence[bool], shares: dict | None = None
) -> np.ndarray:
    """Weight samples so each corpus gets its share and, inside it, both classes half.

    Corpora missing from `shares` get the smallest share; shares are renormalised over
    the corpora present. Weights average 1.
    """
    shares = shares or CORPUS_SHARES
    corpora = np.asarray(corpora)
    labels = np.asarray(labels, dtype=bool)
    present = sorted(set(corpora.tolist()))
    default = min(shares.values())
    total = sum(shares.get(c, default) for c in present)
    weights = np.zeros(len(labels))
    for corpus in present:
        share = shares.get(corpus, default) / total
        in_corpus = corpora == corpus
        classes = [cls for cls in (True, False) if np.any(in_corpus & (labels == cls))]
        for cls in classes:
            mask = in_corpus & (labels == cls)
            weights[mask] = share / len(classes) / mask.sum()
    return weights * len(labels) / weights.sum()


def moderation_rates(labels, probabilities, thresholds) -> dict:
    """Return what a moderator would see at these thresholds.

    blocked_genuine_rate: genuine comments marked spam; spam_caught: spam marked spam;
    spam_published: spam that went straight through as ham; queue_share: all comments
    held as unsure.
    """
    labels = np.asarray(labels, dtype=bool)
    scores = np.asarray(probabilities, dtype=float)
    is_spam = scores >= thresholds.spam
    is_unsure = (scores >= thresholds.unsure) & ~is_spam
    is_ham = scores < thresholds.unsure
    ham, spam = ~labels, labels
    return {
        "comments": int(len(labels)),
        "spam": int(spam.sum()),
        "ham": int(ham.sum()),
        "blocked_genuine_rate": _share(is_spam, ham),
        "genuine_queued_rate": _share(is_unsure, ham),
        "spam_caught": _share(is_spam, spam),
        "spam_published": _share(is_ham, spam),
        "queue_share": float(is_unsure.mean()) if len(labels) else 0.0,
        "discarded_genuine_rate": _share(scores >= thresholds.discard, ham),
        "mcc_at_spam": _mcc(labels, is_spam),
        "mcc_at_unsure": _mcc(labels, ~is_ham),
    }


def rates_by_group(labels, probabilities, thresholds, groups) -> dict:
    """Return `moderation_rates` for each group (a corpus, a source), in name order."""
    labels = np.asarray(labels, dtype=bool)
    scores = np.asarray(probabilities, dtype=float)
    groups = np.asarray(groups)
    return {
        group: moderation_rates(labels[groups == group], scores[groups == group], thresholds)
        for group in sorted(set(groups.tolist()))
    }


def _share(selected: np.ndarray, within: np.ndarray) -> float:
    """Return the fraction of `within` that is `selected` (0 when `within` is empty)."""
    count = within.sum()
    return float((selected & within).sum() / count) if count else 0.0


def _mcc(labels: np.ndarray, predicted: np.ndarray) -> float:
    """Return MCC, 0 when one side is constant."""
    if len(set(labels.tolist())) < 2 and len(set(predicted.tolist())) < 2:
        return 0.0
    return float(matthews_corrcoef(labels, predicted))


def classification_figures(labels, predicted) -> dict:
    """Return accuracy, spam caught, blocked ham, F1 and MCC of hard predictions."""
    labels = np.asarray(labels, dtype=bool)
    predicted = np.asarray(predicted, dtype=bool)
    return {
        "accuracy": float((labels == predicted).mean()),
        "spam_caught": _share(predicted, labels),
        "blocked_ham": _share(predicted, ~labels),
        "f1": float(f1_score(labels, predicted, zero_division=0)),
        "mcc": _mcc(labels, predicted),
    }


#: Targets the thresholds are chosen for, on scores of corpora the model never saw
#: (leave-one-corpus-out): the shipped model is judged on sites it has never seen, and
#: in-distribution scores put the band where unseen comments do not fall. Blocked
#: genuine is the worst outcome, so it is met on every corpus with a margin below the
#: issue's 2%; published spam comes before queue length, and no cut-off meets the
#: issue's 10% / 20% on unseen corpora yet, so the queue target is looser.
THRESHOLD_TARGETS = {
    "blocked_genuine_rate": 0.015,  # worst corpus; the issue allows 2%
    "spam_published": 0.10,  # worst corpus
    "queue_share": 0.25,  # mean over corpora; the issue asks for 20%
    "discarded_genuine_rate": 0.001,
    # worst single site (a video) with at least MIN_SITE_GENUINE genuine comments: a
    # corpus-wide rate can hide one site where 1 reader in 40 is blocked
    "site_blocked_genuine_rate": 0.02,
}
MIN_SITE_GENUINE = 100


def choose_thresholds(
    labels, probabilities, corpora, targets: dict | None = None, sites=None
) -> dict:
    """Pick unsure/spam/discard cut-offs on held-out predictions for the targets.

    spam: the lowest cut-off whose blocked-genuine rate is within target on every
    corpus and, when `sites` is given, on every site large enough to measure. unsure:
    the highest cut-off that publishes at most the target share of spam on every
    corpus, raised again while the mean queue is too long. discard: above all but a
    sliver of ham.
    """
    targets = {**THRESHOLD_TARGETS, **(targets or {})}
    labels = np.asarray(labels, dtype=bool)
    scores = np.asarray(probabilities, dtype=float)
    corpora = np.asarray(corpora)
    grid = np.unique(np.round(np.concatenate([scores, np.linspace(0.01, 0.99, 99)]), 4))
    spam_cut = _spam_cut(grid, labels, scores, corpora, sites, targets)
    unsure_cut = _unsure_cut(grid, labels, scores, corpora, spam_cut, targets)
    discard_cut = _discard_cut(labels, scores, spam_cut, targets["discarded_genuine_rate"])
    return {
        "unsure": round(float(unsure_cut), 4),
        "spam": round(float(spam_cut), 4),
        "discard": round(float(discard_cut), 4),
    }


def _at_or_above(scores: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Return, for every cut-off of `grid`, the share of `scores` at or above it."""
    if not len(scores):
        return np.zeros(len(grid))
    ordered = np.sort(scores)
    return 1.0 - np.searchsorted(ordered, grid, side="left") / len(ordered)


def _worst_blocked(labels, scores, groups, names, grid: np.ndarray) -> np.ndarray:
    """Return, for every cut-off of `grid`, the highest blocked-genuine rate among the
    named groups (those with genuine comments)."""
    rates = [
        _at_or_above(scores[(groups == k) & ~labels], grid)
        for k in names
        if (~labels[groups == k]).any()
    ]
    return np.max(rates, axis=0) if rates else np.zeros(len(grid))


def _spam_cut(grid, labels, scores, corpora, sites, targets: dict) -> float:
    """Return the lowest cut-off (0.5 at least) within the blocked-genuine targets on every
    corpus and on every site with at least MIN_SITE_GENUINE genuine comments."""
    kinds = sorted(set(corpora.tolist()))
    site_groups = np.asarray(sites) if sites is not None else corpora
    measurable = [
        site
        for site in sorted(set(site_groups.tolist()))
        if (~labels[site_groups == site]).sum() >= MIN_SITE_GENUINE
    ]
    within = (
        _worst_blocked(labels, scores, corpora, kinds, grid) <= targets["blocked_genuine_rate"]
    ) & (
        _worst_blocked(labels, scores, site_groups, measurable, grid)
        <= targets["site_blocked_genuine_rate"]
    )
    spam_cut = float(grid[np.argmax(within)]) if within.any() else 0.99
    return max(spam_cut, 0.5)


def _unsure_cut(grid, labels, scores, corpora, spam_cut: float, targets: dict) -> float:
    """Return the highest cut-off under `spam_cut` publishing at most the target share of
    spam on every corpus, raised by 0.01 while the mean queue is over its target."""
    kinds = sorted(set(corpora.tolist()))
    below = grid[grid <= spam_cut]
    # the worst corpus, not the mean: an easy corpus must not buy a hard one more spam
    published = np.max(
        [
            1.0 - _at_or_above(scores[(corpora == k) & labels], below)
            for k in kinds
            if (labels[corpora == k]).any()
        ]
        or [np.zeros(len(below))],
        axis=0,
    )
    allowed = below[published <= targets["spam_published"]]
    unsure_cut = float(allowed.max()) if len(allowed) else float(below[0])
    parts = [scores[corpora == k] for k in kinds]

    def queued(cut: float) -> float:
        # the mean over corpora of the share held as unsure
        values = [float(((part >= cut) & (part < spam_cut)).mean()) for part in parts]
        return float(np.mean(values)) if values else 0.0

    while queued(unsure_cut) > targets["queue_share"] and unsure_cut < spam_cut:
        unsure_cut = min(spam_cut, round(unsure_cut + 0.01, 4))
    return unsure_cut


def _discard_cut(labels, scores, spam_cut: float, discarded_genuine_rate: float) -> float:
    """Return a cut-off just above all but `discarded_genuine_rate` of genuine scores, and
    never under `spam_cut`."""
    ham_scores = np.sort(scores[~labels])
    discard_cut = spam_cut
    if len(ham_scores):
        discard_cut = max(spam_cut, float(np.quantile(ham_scores, 1 - discarded_genuine_rate)))
    return max(min(discard_cut + 0.005, 0.999), spam_cut)
