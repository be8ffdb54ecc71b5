"""Leave-one-source-out: units, held-out scores, nested thresholds, the worst source."""

import numpy as np
import pytest

from moderator.core.comment import Comment
from moderator.training import holdout
from moderator.training.datasets import LabelledComment
from moderator.training.spam import TARGETS


@pytest.mark.parametrize(
    ("source", "unit"),
    [
        ("youtube:Psy", "youtube:Psy"),
        ("wxr:My blog", "wxr:My blog"),
        ("se-titles:bad", "se-titles"),
        ("se-titles:gaminggood", "se-titles"),
        ("scamspot", "scamspot"),
        ("ours:spam.jsonl", "ours"),
    ],
)
def test_a_video_or_a_blog_is_its_own_unit_and_a_corpus_is_one(source, unit):
    assert holdout.unit_of(source) == unit


def test_every_unit_is_scored_by_a_fit_that_never_saw_it():
    items = [
        LabelledComment(comment=Comment(content=str(n)), spam=bool(n % 2), source=source)
        for n, source in enumerate(["sms", "sms", "youtube:A", "youtube:A", "ours:x", "ours:y"])
    ]
    seen = []

    def fit_and_score(train, test):
        seen.append(({items[i].source for i in train}, {items[i].source for i in test}))
        return np.full(len(test), len(seen) / 10)

    scores, units = holdout.held_out_scores(items, fit_and_score)
    assert units.tolist() == ["sms", "sms", "youtube:A", "youtube:A", "ours", "ours"]
    for trained, tested in seen:
        assert not trained & tested
    assert scores.tolist() == [0.2, 0.2, 0.3, 0.3, 0.1, 0.1]


def test_units_not_held_out_are_always_fitted_on_and_never_scored():
    """The medical model holds out only real sources: our corpus trains every fit and is
    measured on its own hash-held-out part instead."""
    units = np.array(["kqa", "kqa", "ours", "trec", "ours"])
    seen = []

    def fit_and_score(train, test):
        seen.append((set(units[train].tolist()), set(units[test].tolist())))
        return np.full(len(test), 0.5)

    scores = holdout.scores_without_each(units, fit_and_score, held=["trec", "kqa"])
    assert [tested for _, tested in seen] == [{"kqa"}, {"trec"}]
    assert all("ours" in trained and not trained & tested for trained, tested in seen)
    assert np.isnan(scores[[2, 4]]).all() and not np.isnan(scores[[0, 1, 3]]).any()


def _scored(rng, n, good=True):
    labels = np.r_[np.zeros(n, bool), np.ones(n, bool)]
    scores = np.r_[rng.beta(2, 8, n), rng.beta(8, 2, n)] if good else rng.uniform(0, 1, 2 * n)
    return labels, scores


def test_each_source_is_measured_at_thresholds_chosen_without_it():
    """A source whose genuine comments look spammy would raise the spam cut for all; its
    own figure must come from thresholds the others chose, so it shows the harm."""
    rng = np.random.default_rng(7)
    parts = {"sms": _scored(rng, 500), "scamspot": _scored(rng, 500), "ours": _scored(rng, 500)}
    y, p = parts["scamspot"]
    p[:60] = np.linspace(0.9, 0.999, 60)  # 12% of its readers look like spam
    labels = np.concatenate([parts[u][0] for u in parts])
    scores = np.concatenate([parts[u][1] for u in parts])
    units = np.concatenate([[u] * 1000 for u in parts])
    figures = holdout.nested_figures(labels, scores, units, TARGETS)
    everything = holdout.thresholds_on(
        labels, scores, units, holdout.real_mask(units, scores), TARGETS
    )
    assert (
        figures["scamspot"]["thresholds"]
        == holdout.thresholds_on(labels, scores, units, units == "sms", TARGETS).to_dict()
    )
    assert figures["scamspot"]["blocked_genuine_rate"] > 0.01  # the harm shows
    assert figures["ours"]["thresholds"] == everything.to_dict()
    assert figures["sms"]["auc"] > 0.9
    worst = holdout.worst_real(figures)
    assert worst["blocked_genuine_rate"]["unit"] == "scamspot"
    assert "ours" not in {w["unit"] for w in worst.values() if isinstance(w, dict) and w}


def test_rows_left_unscored_are_not_measured():
    rng = np.random.default_rng(8)
    labels, scores = _scored(rng, 200)
    scores = np.r_[scores, np.full(10, np.nan)]
    labels = np.r_[labels, np.zeros(10, bool)]
    units = np.array(["sms"] * 400 + ["kqa"] * 10)
    figures = holdout.nested_figures(labels, scores, units, TARGETS)
    assert set(figures) == {"sms"}
