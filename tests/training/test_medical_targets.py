"""Leave-one-source-out: every real source scored by a model that never saw it, the
threshold chosen on the real sources only, each source's figure without its own say."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from moderator.training.medical import fitting, targets
from moderator.training.medical.examples import Example
from moderator.training.medical.fitting import SOURCE_SHARES, training_weights


def _example(corpus: str, medical: bool, kind: str = "") -> Example:
    """An example of a corpus (our corpus when "ours")."""
    return Example(
        text="t", medical=medical, urgent=False, corpus=corpus, kind=kind or corpus, held_out=False
    )


def _scored(groups: dict[tuple[str, bool], list[float]]) -> tuple[list[Example], np.ndarray]:
    """Examples of (corpus, medical) with their held-out scores."""
    examples, scores = [], []
    for (corpus, medical), values in groups.items():
        examples += [_example(corpus.split(":")[0], medical, corpus) for _ in values]
        scores += values
    return examples, np.array(scores)


def test_source_scores_never_fit_on_the_source_they_score():
    """K-QA rows look exactly like the negatives: fitted on, they would pull their own
    scores to the middle; held out, the model that never saw them calls them negatives."""
    examples = [_example("kqa", True)] * 10 + [_example("meqsum", True)] * 10
    examples += [_example("trec", False)] * 10 + [_example("ours", False)] * 10
    labels = np.array([e.medical for e in examples])
    matrix = np.zeros((40, 2))
    matrix[:10, 1] = 1  # K-QA: the negatives' feature
    matrix[10:20, 0] = 1  # MeQSum: the positives' feature
    matrix[20:, 1] = 1
    scores = fitting.source_scores(
        matrix, examples, labels, np.ones(40), lambda: LogisticRegression(C=10.0)
    )
    assert np.isnan(scores[30:]).all()  # our corpus is measured on its own held-out part
    assert scores[:10].max() < 0.2
    assert not np.isnan(scores[:30]).any()


def test_question_windows_are_held_out_with_their_source_and_never_measured():
    """A MeQSum window is never fitted on when MeQSum is scored, and gets no score."""
    from dataclasses import replace

    examples = [_example("kqa", True)] * 10 + [_example("meqsum", True)] * 10
    examples += [replace(_example("meqsum", True), window=True)] * 10
    examples += [_example("trec", False)] * 10 + [_example("ours", False)] * 10
    labels = np.array([e.medical for e in examples])
    matrix = np.zeros((50, 2))
    matrix[:20, 0] = 1
    matrix[20:30, 1] = 1  # the windows look like the negatives
    matrix[30:, 1] = 1
    seen = []

    class Recording(LogisticRegression):
        def fit(self, x, y, sample_weight=None):
            seen.append(x.shape[0])
            return super().fit(x, y, sample_weight=sample_weight)

    scores = fitting.source_scores(matrix, examples, labels, np.ones(50), Recording)
    assert np.isnan(scores[20:30]).all()
    assert not np.isnan(scores[:20]).any() and not np.isnan(scores[30:40]).any()
    # K-QA, MeQSum with its windows, TREC held out in turn
    assert sorted(seen) == [30, 40, 40]


def test_threshold_is_the_lowest_within_the_false_flag_target():
    examples, scores = _scored(
        {
            ("kqa", True): list(np.linspace(0.3, 1.0, 100)),
            ("cooking", False): [0.1] * 98 + [0.5, 0.9],  # 1% above 0.5, 2% above 0.1
            ("trec", False): [0.05] * 100,
        }
    )
    assert targets.choose_threshold(examples, scores) == pytest.approx(0.11)


def test_recall_comes_first_up_to_the_ceiling():
    # within the 2% target from 0.39, where K-QA recall is 93%; 95% needs 0.35, where 3%
    # of Cooking is flagged: under the 4% ceiling, so recall wins
    kqa = [0.2] * 3 + [0.35] * 4 + [0.9] * 93
    examples, scores = _scored({("kqa", True): kqa, ("cooking", False): [0.38] * 3 + [0.1] * 97})
    assert targets.choose_threshold(examples, scores) == pytest.approx(0.35)
    # 9% flagged at 0.35 is past the ceiling: the false-flag target wins, recall is given up
    examples, scores = _scored({("kqa", True): kqa, ("cooking", False): [0.38] * 9 + [0.1] * 91})
    assert targets.choose_threshold(examples, scores) == pytest.approx(0.39)


def test_comment_sources_are_held_to_the_ceiling_only():
    # SMS flags 3% at 0.11: over the 2% target, under the 4% ceiling: it does not move the cut
    examples, scores = _scored(
        {
            ("kqa", True): [0.9] * 100,
            ("trec", False): [0.05] * 100,
            ("sms", False): [0.5] * 3 + [0.05] * 97,
        }
    )
    assert targets.choose_threshold(examples, scores) == pytest.approx(0.06)


def test_each_source_is_judged_at_a_threshold_chosen_without_it():
    # Cooking alone would push the cut-off up; its own figure is read at TREC's cut-off
    examples, scores = _scored(
        {
            ("kqa", True): [0.9] * 100,
            ("trec", False): [0.05] * 100,
            ("cooking", False): [0.5] * 10 + [0.05] * 90,
        }
    )
    figures = targets.source_figures(examples, scores, threshold=0.51)
    assert figures["cooking"]["own_threshold"] == pytest.approx(0.06)
    assert figures["cooking"]["false_flags"] == pytest.approx(0.10)
    assert figures["cooking"]["met"] is False
    assert figures["cooking"]["false_flags_at_shipped_threshold"] == 0.0
    assert figures["kqa"]["recall"] == 1.0 and figures["kqa"]["met"] is True
    assert figures["trec"]["kind"] == "not health questions"


def test_weights_balance_the_classes_and_give_each_corpus_its_share():
    examples = [_example("ours", True)] * 30 + [_example("kqa", True)] * 300
    examples += [_example("ours", False)] * 50 + [_example("trec", False)] * 1000
    examples += [_example("se-titles", False, "se-titles:gaminggood")] * 100
    examples += [_example("se-titles", False, "se-titles:solowquality")] * 400
    weights = training_weights(examples)
    labels = np.array([e.medical for e in examples])
    assert weights.mean() == pytest.approx(1.0)
    assert weights[labels].sum() == pytest.approx(weights[~labels].sum())

    def share(corpus, medical, kind=None):
        rows = [
            i
            for i, e in enumerate(examples)
            if e.corpus == corpus and e.medical == medical and (kind is None or e.kind == kind)
        ]
        return weights[rows].sum() / weights[labels == medical].sum()

    shares = SOURCE_SHARES[True]
    assert share("ours", True) == pytest.approx(shares["ours"] / (shares["ours"] + shares["kqa"]))
    negatives = SOURCE_SHARES[False]
    total = negatives["ours"] + negatives["trec"] + negatives["se-titles"]
    # the two SE sites split the SE share evenly, whatever their sizes
    assert share("se-titles", False, "se-titles:gaminggood") == pytest.approx(
        negatives["se-titles"] / total / 2
    )
    assert share("se-titles", False, "se-titles:solowquality") == pytest.approx(
        negatives["se-titles"] / total / 2
    )


def test_figures_at_cuts_show_the_trade_off():
    examples, scores = _scored(
        {("kqa", True): [0.35, 0.55, 0.75, 0.95], ("cooking", False): [0.1, 0.2, 0.45, 0.65]}
    )
    figures = targets.figures_at_cuts(examples, scores, cuts=(0.3, 0.5, 0.7))
    assert figures["0.30"] == {"kqa": 1.0, "cooking": 0.5}
    assert figures["0.50"] == {"kqa": 0.75, "cooking": 0.25}
    assert figures["0.70"] == {"kqa": 0.5, "cooking": 0.0}
