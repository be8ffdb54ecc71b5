"""The gate: a candidate that blocks more genuine comments or catches less spam is refused."""

from __future__ import annotations

from moderator.learning.gate import Tolerance, figures, judge

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


def test_nothing_to_judge_on_is_a_refusal():
    verdict = judge({"newest labels": ([], [], [])}, 0.7, Tolerance())
    assert not verdict.promote and "no labelled comments" in verdict.reason
