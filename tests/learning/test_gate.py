"""The gate: a candidate that blocks more genuine comments, catches less spam, publishes more
spam or ranks worse is refused."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from moderator.learning.gate import (
    AUC_JUDGED_FROM,
    HISTOGRAM_BINS,
    ROC_POINTS,
    Tolerance,
    figures,
    judge,
    roc_points,
    score_histogram,
)

LABELS = [True, True, True, True, False, False, False, False]
ACTIVE = [0.9, 0.8, 0.75, 0.45, 0.1, 0.2, 0.3, 0.4]


def test_figures_count_at_the_threshold():
    f = figures(LABELS, ACTIVE, 0.7)
    assert (f.comments, f.spam, f.spam_caught, f.blocked_genuine) == (8, 4, 0.75, 0.0)
    assert f.auc == 1.0


def test_a_better_candidate_is_promoted():
    better = [0.9, 0.8, 0.75, 0.72, 0.1, 0.2, 0.3, 0.4]
    verdict = judge({"newest labels": (LABELS, better, ACTIVE)}, 0.7, Tolerance())
    assert verdict.promote
    assert verdict.figures["newest labels"]["candidate"]["spam_caught"] == 1.0


def test_a_candidate_blocking_genuine_comments_is_refused_with_the_reason():
    worse = [0.9, 0.8, 0.75, 0.72, 0.1, 0.2, 0.3, 0.8]
    verdict = judge({"newest labels": (LABELS, worse, ACTIVE)}, 0.7, Tolerance())
    assert not verdict.promote
    assert "blocks more genuine comments (25.0% against 0.0%)" in verdict.reason


def test_a_candidate_catching_less_spam_is_refused_beyond_the_tolerance():
    worse = [0.9, 0.8, 0.5, 0.3, 0.1, 0.2, 0.3, 0.4]
    assert not judge({"s": (LABELS, worse, ACTIVE)}, 0.7, Tolerance()).promote
    assert judge({"s": (LABELS, worse, ACTIVE)}, 0.7, Tolerance(spam_caught=0.3)).promote


def test_spam_published_counts_spam_under_the_unsure_threshold():
    f = figures(LABELS, ACTIVE, 0.7, unsure=0.5)
    assert f.spam_published == 0.25  # the 0.45 spam is approved
    assert f.to_dict()["spam_published"] == 0.25
    assert figures(LABELS, ACTIVE, 0.7).spam_published is None  # no unsure threshold given


def test_a_candidate_publishing_more_spam_is_refused_even_catching_as_much():
    # as much spam blocked as the active model (two of four), but one more approved
    active = [0.9, 0.8, 0.6, 0.6, 0.1, 0.2, 0.3, 0.4]
    worse = [0.9, 0.8, 0.6, 0.3, 0.1, 0.2, 0.3, 0.4]
    verdict = judge({"newest labels": (LABELS, worse, active)}, 0.7, Tolerance(), unsure=0.5)
    assert not verdict.promote
    assert "publishes more spam (25.0% against 0.0%)" in verdict.reason
    # without an unsure threshold, or with room for one comment in four, it passes
    assert judge({"newest labels": (LABELS, worse, active)}, 0.7, Tolerance()).promote
    tolerant = Tolerance(spam_published=0.25)
    assert judge({"s": (LABELS, worse, active)}, 0.7, tolerant, unsure=0.5).promote


def _ranked_set(spam: int, genuine: int, swap: int):
    """Return labels, a perfect ranking, and one where `swap` spam fall under every genuine
    comment, none of it crossing the thresholds 0.99 and 0.01 the tests judge at."""
    labels = [True] * spam + [False] * genuine
    perfect = [0.9] * spam + [0.1] * genuine
    swapped = [0.05] * swap + [0.9] * (spam - swap) + [0.1] * genuine
    return labels, perfect, swapped


def test_a_candidate_ranking_worse_is_refused_on_a_set_with_enough_of_both_kinds():
    labels, perfect, swapped = _ranked_set(AUC_JUDGED_FROM, AUC_JUDGED_FROM, swap=1)
    verdict = judge({"evaluation set": (labels, swapped, perfect)}, 0.99, Tolerance(), unsure=0.01)
    assert not verdict.promote
    assert "ranks spam above genuine less often (AUC 0.900 against 1.000)" in verdict.reason
    assert judge({"s": (labels, swapped, perfect)}, 0.99, Tolerance(auc=0.1), unsure=0.01).promote


def test_the_auc_of_a_few_labels_is_shown_but_not_judged():
    labels, perfect, swapped = _ranked_set(AUC_JUDGED_FROM - 1, 40, swap=1)
    verdict = judge({"newest labels": (labels, swapped, perfect)}, 0.99, Tolerance(), unsure=0.01)
    assert verdict.promote
    assert verdict.figures["newest labels"]["candidate"]["auc"] < 1.0


def test_nothing_to_judge_on_is_a_refusal():
    verdict = judge({"newest labels": ([], [], [])}, 0.7, Tolerance())
    assert not verdict.promote and "no labelled comments" in verdict.reason


def test_the_roc_curve_runs_from_nothing_blocked_to_everything_blocked():
    perfect = [[0.0, 0.0], [0.0, 0.25], [0.0, 1.0], [1.0, 1.0]]  # every spam above the genuine
    assert figures(LABELS, ACTIVE, 0.7).roc == perfect
    mixed = [0.9, 0.3, 0.75, 0.45, 0.1, 0.2, 0.8, 0.4]
    curve = roc_points(LABELS, mixed)
    assert curve[0] == [0.0, 0.0] and curve[-1] == [1.0, 1.0]
    assert [0.25, 0.75] in curve  # from 0.45 up: three spam caught, one genuine (0.8) blocked


def test_a_long_roc_curve_is_cut_to_fifty_points_keeping_its_shape():
    rng = np.random.default_rng(7)
    labels = rng.random(4000) < 0.3
    scores = np.clip(rng.normal(np.where(labels, 0.65, 0.35), 0.2), 0, 1)
    curve = np.array(roc_points(labels, scores))
    assert len(curve) <= ROC_POINTS
    assert curve[0].tolist() == [0.0, 0.0] and curve[-1].tolist() == [1.0, 1.0]
    assert (np.diff(curve, axis=0) >= 0).all()  # still a curve: both rates only grow
    area = float(np.sum(np.diff(curve[:, 0]) * (curve[1:, 1] + curve[:-1, 1]) / 2))
    assert area == pytest.approx(roc_auc_score(labels, scores), abs=0.01)


def test_a_set_of_one_class_has_no_curve_but_a_histogram():
    f = figures([False, False, False], [0.1, 0.5, 0.95], 0.7)
    assert f.roc is None and f.auc is None
    assert sum(f.histogram["genuine"]) == 3 and sum(f.histogram["spam"]) == 0


def test_the_histograms_count_each_comment_once_in_its_bin():
    counts = score_histogram(LABELS + [True, False], ACTIVE + [1.0, 0.0])
    assert len(counts["spam"]) == len(counts["genuine"]) == HISTOGRAM_BINS
    assert (sum(counts["spam"]), sum(counts["genuine"])) == (5, 5)
    assert counts["spam"][19] == 1 and counts["genuine"][0] == 1  # 1.0 and 0.0 are inside
    assert counts["spam"][18] == 1  # 0.9, as every score, in [i/20, (i+1)/20)
    assert counts["spam"][9] == 1 and counts["genuine"][8] == 1  # 0.45 and 0.4


def test_the_verdict_carries_both_models_curves_for_the_models_page():
    better = [0.9, 0.8, 0.75, 0.72, 0.1, 0.2, 0.3, 0.4]
    verdict = judge({"newest labels": (LABELS, better, ACTIVE)}, 0.7, Tolerance())
    pair = verdict.figures["newest labels"]
    assert pair["candidate"]["roc"] == pair["active"]["roc"] == [[0, 0], [0, 0.25], [0, 1], [1, 1]]
    assert sum(pair["candidate"]["histogram"]["spam"]) == 4
    assert pair["active"]["histogram"]["spam"][9] == 1  # the active model's 0.45
    assert pair["candidate"]["histogram"]["spam"][9] == 0  # the candidate's 0.72 is not
