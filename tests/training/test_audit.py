"""Tests for the source-discrimination and calibration audits."""

import numpy as np
import pytest
import scipy.sparse as sp

from moderator.training.audit import calibration, source_discrimination


def _rows(rng, n, columns, shift=None):
    """Return n sparse-ish random rows; `shift` adds 3 to one column (a source's tell)."""
    X = rng.normal(size=(n, columns))
    if shift is not None:
        X[:, shift] += 3.0
    return X


def test_sources_that_differ_are_told_apart_and_alike_ones_are_not():
    rng = np.random.default_rng(1)
    # spam: source a and b differ in column 0; genuine: c and d are drawn alike
    X = np.vstack(
        [_rows(rng, 200, 6, 0), _rows(rng, 200, 6), _rows(rng, 200, 6), _rows(rng, 200, 6)]
    )
    sources = ["a"] * 200 + ["b"] * 200 + ["c"] * 200 + ["d"] * 200
    labels = [True] * 400 + [False] * 400
    result = source_discrimination(sp.csr_matrix(X), sources, labels)
    assert result["spam"]["auc"] > 0.95
    assert set(result["spam"]["by_source"]) == {"a", "b"}
    assert 0.35 < result["genuine"]["auc"] < 0.65
    assert result["genuine"]["examples"] == 400


def test_a_class_with_one_source_or_tiny_sources_has_no_auc():
    rng = np.random.default_rng(2)
    X = _rows(rng, 230, 4)
    sources = ["a"] * 200 + ["b"] * 10 + ["c"] * 20
    labels = [True] * 200 + [True] * 10 + [False] * 20
    result = source_discrimination(X, sources, labels)
    assert result["spam"]["auc"] is None  # b has under MIN_PER_SOURCE examples
    assert result["spam"]["sources"] == ["a"]
    assert result["genuine"]["auc"] is None


def test_calibration_of_perfect_and_overconfident_scores():
    labels = np.array([True] * 30 + [False] * 70)
    honest = np.full(100, 0.3)
    result = calibration(labels, honest)
    assert result["ece"] == pytest.approx(0.0)
    assert result["brier"] == pytest.approx(0.21)
    (only_bin,) = result["bins"]
    assert only_bin["examples"] == 100 and only_bin["observed"] == pytest.approx(0.3)

    overconfident = np.where(labels, 0.99, 0.65)
    worse = calibration(labels, overconfident)
    assert worse["ece"] == pytest.approx(0.7 * 0.65 + 0.3 * 0.01, abs=1e-3)
    assert [b["low"] for b in worse["bins"]] == [0.6, 0.9]


def test_calibration_of_nothing():
    assert calibration([], []) == {"examples": 0, "brier": None, "ece": None, "bins": []}
