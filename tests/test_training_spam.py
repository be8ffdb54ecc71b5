"""Training the spam model: determinism, the card, thresholds, the report."""

from pathlib import Path

import numpy as np
import pytest

from moderator.comment import Comment
from moderator.spam import Thresholds, load_spam_model
from moderator.training import spam as training
from moderator.training.common import (
    THRESHOLD_TARGETS,
    choose_thresholds,
    moderation_rates,
    sample_weights,
)

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def small_hash_spaces(monkeypatch):
    """Train with small hash spaces: same code path, a fraction of the time."""
    monkeypatch.setitem(training.FEATURE_PARAMS, "word_bits", 14)
    monkeypatch.setitem(training.FEATURE_PARAMS, "char_bits", 14)


PROBES = [
    Comment(content="Thanks for the clear write-up!"),
    Comment(content="Buy cheap pills at www.pills.xyz now!!!"),
    Comment(content="Is the second method faster?"),
]


@pytest.mark.slow
def test_training_is_deterministic_and_writes_a_card(tmp_path):
    cards = []
    probabilities = []
    for run in ("a", "b"):
        card = training.train(
            [FIXTURES / "tiny_spam.jsonl"],
            tmp_path / run,
            report_dir=tmp_path / run / "report" if run == "a" else None,
            progress=False,
        )
        cards.append(card)
        model = load_spam_model(tmp_path / run)
        probabilities.append([s.probability for s in model.score_many(PROBES)])
    assert probabilities[0] == probabilities[1]
    card = cards[0]
    assert card["sources"][0]["files"][0]["sha256"]
    assert card["sources"][0]["comments"] == 40
    assert card["versions"]["scikit-learn"]
    assert set(card["thresholds"]) == {"unsure", "spam", "discard"}
    assert "out_of_fold" in card["metrics"]
    report = tmp_path / "a" / "report"
    html = (report / "index.html").read_text()
    for image in ("confusion.png", "precision_recall.png", "calibration.png", "histograms.png"):
        assert (report / image).is_file() and image in html


@pytest.mark.slow
def test_evaluate_reports_on_any_loadable_dataset(tmp_path):
    training.train([FIXTURES / "tiny_spam.jsonl"], tmp_path, progress=False)
    metrics = training.evaluate([FIXTURES / "wxr.xml"], tmp_path, tmp_path / "eval")
    assert metrics["overall"]["comments"] == 2  # pending and trash have no label
    assert "&lt;" not in metrics["model"]
    assert (tmp_path / "eval" / "index.html").is_file()


def test_report_escapes_text(tmp_path):
    from moderator.training.report import write_report

    write_report(
        tmp_path,
        title="<script>alert(1)</script>",
        labels=[True, False, True, False],
        probabilities=[0.9, 0.1, 0.6, 0.4],
        thresholds=Thresholds(0.5, 0.8, 0.95),
        groups=["<b>", "<b>", "x", "x"],
    )
    html = (tmp_path / "index.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>" not in html


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


def test_default_sources_lists_training_data(tmp_path):
    (tmp_path / "project" / "training_data").mkdir(parents=True)
    (tmp_path / "project" / "training_data" / "x.jsonl").write_text("")
    assert training.default_sources(tmp_path / "project") == [
        (tmp_path / "project" / "training_data" / "x.jsonl").resolve()
    ]
