"""What the training shares: corpus weights, the moderator's rates, the thresholds."""

import numpy as np
import pytest

from moderator.core.settings import Thresholds
from moderator.training.common import (
    THRESHOLD_TARGETS,
    choose_thresholds,
    moderation_rates,
    rates_by_group,
    sample_weights,
)


def test_sample_weights_give_each_corpus_its_share():
    corpora = ["blog"] * 10 + ["sms"] * 90
    labels = [True, False] * 5 + [True] * 10 + [False] * 80
    weights = sample_weights(corpora, labels, {"blog": 0.5, "sms": 0.5})
    assert weights[:10].sum() == pytest.approx(weights[10:].sum())
    assert weights[10:20].sum() == pytest.approx(weights[20:].sum())
    assert weights.mean() == pytest.approx(1.0)


def test_chosen_thresholds_meet_the_blocked_genuine_target():
    rng = np.random.default_rng(0)
    labels = np.r_[np.zeros(500, bool), np.ones(500, bool)]
    scores = np.clip(np.r_[rng.beta(2, 8, 500), rng.beta(8, 2, 500)], 0, 1)
    corpora = np.array(["blog", "sms"] * 500)
    chosen = Thresholds.from_dict(choose_thresholds(labels, scores, corpora))
    rates = moderation_rates(labels, scores, chosen)
    assert rates["blocked_genuine_rate"] <= THRESHOLD_TARGETS["blocked_genuine_rate"]
    assert chosen.unsure <= chosen.spam <= chosen.discard


def test_one_bad_site_raises_the_spam_threshold():
    """A corpus-wide rate within target can hide one video where many readers are blocked."""
    rng = np.random.default_rng(1)
    labels = np.r_[np.zeros(1000, bool), np.ones(1000, bool)]
    scores = np.r_[rng.beta(2, 8, 1000), rng.beta(8, 2, 1000)]
    sites = np.array(["youtube:A"] * 900 + ["youtube:B"] * 100 + ["youtube:A"] * 1000)
    scores[900:1000] = np.linspace(0.5, 0.97, 100)  # video B: genuine comments that look spammy
    corpora = np.array(["youtube"] * 2000)
    by_corpus = Thresholds.from_dict(choose_thresholds(labels, scores, corpora))
    by_site = Thresholds.from_dict(choose_thresholds(labels, scores, corpora, sites=sites))
    b_genuine = (sites == "youtube:B") & ~labels
    assert by_site.spam > by_corpus.spam
    assert (scores[b_genuine] >= by_site.spam).mean() <= THRESHOLD_TARGETS[
        "site_blocked_genuine_rate"
    ]


def test_published_spam_is_held_to_the_target_on_every_corpus():
    """An easy corpus must not let a hard one publish more spam than the target."""
    rng = np.random.default_rng(2)
    labels = np.r_[np.zeros(1000, bool), np.ones(1000, bool)]
    easy = np.r_[rng.beta(2, 12, 500), rng.beta(12, 2, 500)]  # sms-like: spam scores high
    hard = np.r_[rng.beta(2, 12, 500), rng.beta(3, 3, 500)]  # a new kind of site
    scores = np.r_[easy[:500], hard[:500], easy[500:], hard[500:]]
    corpora = np.array((["sms"] * 500 + ["youtube"] * 500) * 2)
    chosen = Thresholds.from_dict(
        choose_thresholds(labels, scores, corpora, targets={"queue_share": 1.0})
    )
    for kind in ("sms", "youtube"):
        spam = labels & (corpora == kind)
        assert (scores[spam] < chosen.unsure).mean() <= THRESHOLD_TARGETS["spam_published"]


def test_rates_by_group_gives_each_source_its_own_row():
    """One row per source, in name order, each counting only that source's comments."""
    labels = [True, False, True, False, False]
    scores = [0.9, 0.1, 0.2, 0.95, 0.5]
    rates = rates_by_group(
        labels, scores, Thresholds(0.4, 0.8, 0.99), ["sms", "sms", "blog", "blog", "blog"]
    )
    assert list(rates) == ["blog", "sms"]
    assert rates["sms"]["spam_caught"] == 1.0 and rates["sms"]["blocked_genuine_rate"] == 0.0
    assert rates["blog"]["comments"] == 3 and rates["blog"]["spam_published"] == 1.0
    assert (
        rates["blog"]["blocked_genuine_rate"] == 0.5 and rates["blog"]["genuine_queued_rate"] == 0.5
    )
