"""Training the spam model: determinism, the card, NB scaling, thresholds from held-out
real sources."""

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

from moderator.core.comment import Comment
from moderator.spam.model import load_spam_model
from moderator.training import datasets
from moderator.training import spam as training
from tests.paths import FIXTURES


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


def test_default_sources_lists_every_training_data_file(tmp_path):
    folder = tmp_path / "project" / "training_data"
    folder.mkdir(parents=True)
    for name in ("spam.jsonl", "genuine_short_social.jsonl", "README.md"):
        (folder / name).write_text("")
    assert training.default_sources(tmp_path / "project") == [
        (folder / "genuine_short_social.jsonl").resolve(),
        (folder / "spam.jsonl").resolve(),
    ]


def test_log_count_ratios_favour_one_sided_ngrams():
    # columns: 0 only in spam, 1 in both classes alike, 2 metadata
    X = sp.csr_matrix(np.array([[1, 1, 0.5], [1, 1, 0.0], [0, 1, 0.2], [0, 1, 0.9]]))
    labels = np.array([True, True, False, False])
    scale = training.log_count_ratios(X, labels, np.ones(4), n_text_columns=2)
    assert scale[0] > scale[1] >= 0
    assert scale[2] == 1.0


def test_nb_scaling_is_folded_into_the_coefficients():
    """The shipped regression scores unscaled features exactly as the scaled fit does."""
    rng = np.random.default_rng(0)
    X = sp.csr_matrix(rng.random((60, 6)) * (rng.random((60, 6)) > 0.5))
    labels = np.arange(60) % 2 == 0
    weights = np.ones(60)
    linear = training.fit_linear(X, labels, weights, n_text_columns=4)
    scale = training.log_count_ratios(X, labels, weights, n_text_columns=4)
    scaled = training.make_linear().fit(X @ sp.diags(scale), labels, sample_weight=weights)
    np.testing.assert_allclose(
        linear.decision_function(X), scaled.decision_function(X @ sp.diags(scale))
    )


def _two_sites():
    items, _ = training.load_labelled([FIXTURES / "tiny_spam.jsonl"])
    return [
        dataclasses.replace(item, source="ours:a.jsonl" if n % 2 else "youtube:B")
        for n, item in enumerate(items)
    ]


@pytest.mark.slow
def test_each_source_is_scored_by_a_model_that_never_saw_it(monkeypatch):
    items = _two_sites()
    trained_on = []
    original = training.fit_rows

    def spy(X, items_, labels, rows, *args, **kwargs):
        trained_on.append({items_[i].source for i in rows.tolist()})
        return original(X, items_, labels, rows, *args, **kwargs)

    monkeypatch.setattr(training, "fit_rows", spy)
    features, X, labels = training.encode(items)
    scores, units = training.held_out(items, X, labels, features.metadata_offset)
    assert trained_on == [{"youtube:B"}, {"ours:a.jsonl"}]
    assert set(units.tolist()) == {"ours", "youtube:B"}
    assert ((scores >= 0) & (scores <= 1)).all()


def test_thresholds_come_from_real_sources_never_from_ours():
    """Our corpus scored badly by a model that never saw it must not move a threshold."""
    rng = np.random.default_rng(3)
    labels = np.r_[np.zeros(300, bool), np.ones(300, bool)]
    real = np.r_[rng.beta(2, 8, 300), rng.beta(8, 2, 300)]
    ours = np.r_[rng.beta(8, 2, 300), rng.beta(2, 8, 300)]  # ours: upside down
    units = np.array(["sms"] * 600 + ["ours"] * 600)
    both = np.r_[labels, labels]
    chosen, on = training.choose(both, np.r_[real, ours], np.r_[real, ours], units)
    alone, _ = training.choose(labels, real, real, units[:600])
    assert chosen == alone
    assert "never used" in on
    # without any real source, the out-of-fold scores of ours are all there is
    fallback, on = training.choose(labels, real, np.full(600, np.nan), np.array(["ours"] * 600))
    assert "no real source" in on and fallback.spam >= 0.5


def test_genuine_texts_are_capped_per_source_and_spam_is_kept():
    items, _ = training.load_labelled([FIXTURES / "tiny_spam.jsonl"], max_genuine=None)
    capped = training.cap_genuine(items, 3)
    assert sum(not i.spam for i in capped) <= 3 * len({i.source for i in items})
    assert [i for i in capped if i.spam] == [i for i in items if i.spam]
    assert training.cap_genuine(items, 3) == capped  # seeded


def test_the_noisy_stack_exchange_query_export_is_never_trained_on(tmp_path):
    data = tmp_path / "se_titles_spam_ham.csv"
    data.write_text(
        "text,label,source_file\n"
        "Cheap Jordan 11s,spam,bayesian/bad.txt\n"
        "What is programming?,spam,bayesian/Spammy Titles - QueryResults.csv\n"
        "How do I sort a list?,ham,bayesian/SOLowQuality.txt\n"
    )
    items, provenance = training.load_labelled([data])
    assert [i.comment.content for i in items] == ["Cheap Jordan 11s", "How do I sort a list?"]
    assert provenance[0]["licence"].startswith("code MIT")
    assert provenance[0]["use"] == "train"


def test_validation_only_corpora_are_refused_for_training(tmp_path):
    data = tmp_path / "C3_anonymized.csv"
    data.write_text("article_id,comment_author,comment_text\n1,2,I disagree with the premise\n")
    with pytest.raises(datasets.ValidationOnlyError):
        training.train([data, FIXTURES / "tiny_spam.jsonl"], tmp_path / "m", progress=False)


def test_default_and_validation_sources_read_the_shared_catalogue(tmp_path):
    project = tmp_path / "project"
    (project / "training_data").mkdir(parents=True)
    (project / "training_data" / "spam.jsonl").write_text("")
    shared = tmp_path / "shared" / "datasets"
    (shared / "sms-spam-collection").mkdir(parents=True)
    (shared / "sms-spam-collection" / "SMSSpamCollection").write_text("ham\thi\n")
    (shared / "c3-constructive-comments").mkdir(parents=True)
    (shared / "c3-constructive-comments" / "C3_anonymized.csv").write_text("")
    assert training.default_sources(project) == [
        (project / "training_data" / "spam.jsonl").resolve(),
        (shared / "sms-spam-collection" / "SMSSpamCollection").resolve(),
    ]
    assert training.validation_sources(project) == [
        (shared / "c3-constructive-comments" / "C3_anonymized.csv").resolve()
    ]
