"""Model plumbing: model files saved whole or not at all, versions, the calibrated scorer."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import numpy as np
import pytest
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression

from moderator.core.comment import Comment
from moderator.ml import modelfile
from moderator.ml.linear import CalibratedLinear
from moderator.ml.modelfile import ModelError, load_model, model_version, save_card, save_model
from moderator.ml.protocol import Model, Score
from tests.paths import MODELS
from tests.stubs import StubMedicalModel, StubSpamModel

# A small separable problem: the first column says yes, the second no.
FEATURES = np.array(
    [[1, 0, 0.5], [2, 0, 0.1], [0, 1, 0.4], [0, 2, 0.9], [1.5, 0.2, 0.3], [0.1, 1.4, 0.2]] * 4
)
LABELS = np.array([1, 1, 0, 0, 1, 0] * 4)


@pytest.fixture(scope="module")
def calibrated() -> CalibratedClassifierCV:
    """A fitted single-calibrator classifier like the shipped models' (tiny and fast)."""
    return CalibratedClassifierCV(LogisticRegression(), method="sigmoid", cv=2, ensemble=False).fit(
        FEATURES, LABELS
    )


# --------------------------------------------------------------------------- model files


def test_save_then_load_gives_the_model_and_its_card(tmp_path):
    save_model({"weights": [1, 2]}, {"trained_on": "20260101"}, tmp_path, "toy")
    estimator, card = load_model(tmp_path, "toy")
    assert estimator == {"weights": [1, 2]}
    assert card["name"] == "toy" and card["artifact"]["file"] == "toy.joblib"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["toy.joblib", "toy.json"]


def _fail_while_dumping(estimator, filename, **kwargs):
    """Write half a file, then fail, as a full disk or a killed process would."""
    Path(filename).write_bytes(b"half a pickle")
    raise OSError("No space left on device")


def _fail_while_carding():
    raise RuntimeError("interrupted")


@pytest.mark.parametrize(
    ("target", "failure"),
    [
        (joblib, ("dump", _fail_while_dumping)),
        (modelfile, ("runtime_versions", _fail_while_carding)),
    ],
    ids=["while dumping the model", "while writing the card"],
)
def test_a_failed_save_leaves_the_old_pair_usable_and_no_temporary_files(
    tmp_path, monkeypatch, target, failure
):
    save_model({"generation": 1}, {"trained_on": "20260101"}, tmp_path, "toy")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    monkeypatch.setattr(target, *failure)
    with pytest.raises((OSError, RuntimeError)):
        save_model({"generation": 2}, {"trained_on": "20260202"}, tmp_path, "toy")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    estimator, card = load_model(tmp_path, "toy")
    assert estimator == {"generation": 1} and card["trained_on"] == "20260101"


def test_a_second_save_replaces_both_files(tmp_path):
    save_model({"generation": 1}, {"trained_on": "20260101"}, tmp_path, "toy")
    save_model({"generation": 2}, {"trained_on": "20260202"}, tmp_path, "toy")
    estimator, card = load_model(tmp_path, "toy")
    assert estimator == {"generation": 2} and card["trained_on"] == "20260202"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["toy.joblib", "toy.json"]


def test_figures_added_to_a_card_keep_the_model_loadable(tmp_path):
    save_model({"generation": 1}, {"trained_on": "20260101"}, tmp_path, "toy")
    _, card = load_model(tmp_path, "toy")
    save_card(tmp_path, "toy", {**card, "metrics": {"f1": 0.9}})
    estimator, card = load_model(tmp_path, "toy")
    assert estimator == {"generation": 1} and card["metrics"] == {"f1": 0.9}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["toy.joblib", "toy.json"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("spam", "spam-20261208-3215cbe2"), ("medical", "medical-20261208-b11de497")],
)
def test_the_shipped_cards_keep_their_versions(name, expected):
    card = json.loads((MODELS / f"{name}.json").read_text(encoding="utf-8"))
    assert model_version(name, card) == expected


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        (
            {"trained_at": "2026-03-04T05:06:07+00:00", "artifact": {"sha256": "ab" * 32}},
            "x-20260304-abababab",
        ),
        ({"trained_on": "20260304", "artifact": {"sha256": "cd" * 32}}, "x-20260304-cdcdcdcd"),
        ({}, "x-undated-nohash"),
    ],
    ids=["timestamp", "date", "neither"],
)
def test_version_names_the_training_date_and_the_artifact(card, expected):
    assert model_version("x", card) == expected


# --------------------------------------------------------------------------- calibrated scorer


def test_probability_is_the_classifiers(calibrated):
    linear = CalibratedLinear(calibrated, "toy")
    ours = [linear.probability(linear.dense_dot(row) + linear.intercept) for row in FEATURES]
    np.testing.assert_allclose(ours, calibrated.predict_proba(FEATURES)[:, 1], rtol=0, atol=1e-12)


def test_sparse_rows_score_like_dense_ones(calibrated):
    linear = CalibratedLinear(calibrated, "toy")
    rows = sparse.csr_matrix(FEATURES)
    for i, dense in enumerate(FEATURES):
        row = rows.getrow(i)
        dense_probability = linear.probability(linear.dense_dot(dense) + linear.intercept)
        sparse_probability = linear.probability(
            linear.sparse_dot(row.indices, row.data) + linear.intercept
        )
        probability, _ = linear.explain(row.indices, row.data)
        assert sparse_probability == pytest.approx(dense_probability, abs=1e-12)
        assert probability == pytest.approx(dense_probability, abs=1e-12)


def test_contributions_add_up_to_the_log_odds_of_the_probability(calibrated):
    """The reasons' weights are shares of the calibrated probability's log-odds."""
    linear = CalibratedLinear(calibrated, "toy")
    columns = np.arange(FEATURES.shape[1])
    for row in FEATURES:
        probability, contributions = linear.explain(columns, row)
        baseline = -(linear.a * linear.intercept + linear.b)
        log_odds = np.log(probability / (1 - probability))
        assert contributions.sum() + baseline == pytest.approx(log_odds, abs=1e-9)


def _fitted(estimator):
    return estimator.fit(FEATURES, LABELS)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: _fitted(LogisticRegression()), id="not calibrated"),
        pytest.param(
            lambda: _fitted(
                CalibratedClassifierCV(LogisticRegression(), method="isotonic", ensemble=False)
            ),
            id="isotonic",
        ),
        pytest.param(
            lambda: _fitted(CalibratedClassifierCV(LogisticRegression(), cv=2, ensemble=True)),
            id="one calibrator per fold",
        ),
        pytest.param(
            lambda: CalibratedClassifierCV(LogisticRegression(), ensemble=False), id="not fitted"
        ),
    ],
)
def test_anything_but_one_sigmoid_calibrated_linear_model_is_refused(make):
    with pytest.raises(ModelError, match="toy model file"):
        CalibratedLinear(make(), "toy")


# --------------------------------------------------------------------------- protocol


def test_scores_are_frozen_values():
    score = Score(0.5, ())
    with pytest.raises(AttributeError):
        score.probability = 1.0  # type: ignore[misc]


def test_the_shipped_models_and_the_stubs_follow_the_protocol(models):
    from moderator.core.settings import Thresholds

    candidates = [models.spam, models.medical, StubSpamModel(Thresholds()), StubMedicalModel()]
    for model in candidates:
        assert isinstance(model, Model)
        (score,) = model.score_many([Comment("Is it normal that my knee hurts?")])
        assert isinstance(score, Score) and 0.0 <= score.probability <= 1.0
    assert [models.spam.name, models.medical.name] == ["spam", "medical"]


def test_a_model_file_is_checked_and_unpickled_from_the_bytes_read(tmp_path):
    save_model({"weights": [1, 2]}, {"trained_on": "20260101"}, tmp_path, "toy")
    checked = modelfile.read_model_file(tmp_path, "toy")
    (tmp_path / "toy.joblib").write_bytes(b"replaced after the check")
    assert modelfile.unpickle(checked) == {"weights": [1, 2]}
    with pytest.raises(ModelError, match="sha256"):
        modelfile.read_model_file(tmp_path, "toy")


def test_bytes_that_do_not_unpickle_are_a_model_error(tmp_path):
    damaged = modelfile.ModelFile("toy", {}, b"\x80\x04not a pickle", tmp_path / "toy.joblib")
    with pytest.raises(ModelError, match="could not be loaded"):
        modelfile.unpickle(damaged)
