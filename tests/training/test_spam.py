"""Training the spam model: determinism, the card, NB scaling, thresholds from unseen sources."""

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

from moderator.core.comment import Comment
from moderator.core.settings import Thresholds
from moderator.spam.model import load_spam_model
from moderator.training import spam as training
from moderator.training.common import THRESHOLD_TARGETS, choose_thresholds
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
def test_each_video_and_blog_file_is_scored_by_a_model_that_never_saw_it(monkeypatch):
    items = _two_sites()
    trained_on = []
    original = training.train_items

    def spy(train, random_state=0, progress=False):
        trained_on.append({item.source for item in train})
        return original(train, random_state)

    monkeypatch.setattr(training, "train_items", spy)
    labels, scores, sources = training.leave_one_site_out(items)
    assert trained_on == [{"youtube:B"}, {"ours:a.jsonl"}]
    assert len(labels) == len(scores) == len(sources) == len(items)
    assert set(sources.tolist()) == {"ours:a.jsonl", "youtube:B"}
    assert ((scores >= 0) & (scores <= 1)).all()
    assert training.leave_one_site_out(items[:1]) is None


def test_sites_held_out_replace_the_blog_corpus_held_out_whole():
    """The thresholds come from each public corpus held out and each video and blog file
    held out, never from the blog corpus scored by a model that saw no blog."""
    rng = np.random.default_rng(3)

    def scored(n=300):
        return np.r_[np.zeros(n, bool), np.ones(n, bool)], np.r_[
            rng.beta(2, 8, n), rng.beta(8, 2, n)
        ]

    y_sms, p_sms = scored()
    y_site, p_site = scored()
    blind = np.r_[rng.beta(8, 2, 300), rng.beta(2, 8, 300)]  # a model without blogs
    sources = ["sms"] * 600 + ["ours:a.jsonl"] * 600
    held_out = {"sms": (y_sms, p_sms), "blog": (y_site, blind)}
    site_sources = np.array(["ours:a.jsonl"] * 300 + ["youtube:V"] * 300)
    order = np.r_[np.arange(0, 600, 2), np.arange(1, 600, 2)]  # blog first, then the video
    one_site_out = (y_site[order], p_site[order], site_sources)
    chosen = training.unseen_source_thresholds(held_out, None, None, sources, one_site_out)
    expected = choose_thresholds(
        np.r_[y_sms, y_site[order][:300], y_site[order][300:]],
        np.r_[p_sms, p_site[order][:300], p_site[order][300:]],
        np.array(["sms"] * 600 + ["alone:blog"] * 300 + ["alone:youtube"] * 300),
        sites=["sms"] * 600 + ["alone:blog"] * 300 + ["alone:youtube:V"] * 300,
    )
    assert chosen == expected


def test_a_video_alone_is_held_to_the_site_target():
    """A video whose genuine comments look spammy to a model trained on the other videos
    raises the spam cut, though the corpus-wide rate is within target."""
    rng = np.random.default_rng(4)
    y_yt = np.r_[np.zeros(1000, bool), np.ones(1000, bool)]
    p_yt = np.r_[rng.beta(2, 8, 1000), rng.beta(8, 2, 1000)]
    y_alone = np.r_[np.zeros(1000, bool), np.ones(1000, bool)]
    p_alone = np.r_[rng.beta(2, 8, 1000), rng.beta(8, 2, 1000)]
    p_alone[900:1000] = np.linspace(0.5, 0.97, 100)  # video B's readers, seen alone
    alone_sources = np.array(["youtube:A"] * 900 + ["youtube:B"] * 100 + ["youtube:A"] * 1000)
    sources = ["youtube:A"] * 2000 + ["sms"] * 2000
    held_out = {"youtube": (y_yt, p_yt), "sms": (y_yt, p_yt)}
    without = Thresholds.from_dict(training.unseen_source_thresholds(held_out, None, None, sources))
    chosen = Thresholds.from_dict(
        training.unseen_source_thresholds(
            held_out, None, None, sources, (y_alone, p_alone, alone_sources)
        )
    )
    b_genuine = (alone_sources == "youtube:B") & ~y_alone
    assert chosen.spam > without.spam
    assert (p_alone[b_genuine] >= chosen.spam).mean() <= THRESHOLD_TARGETS[
        "site_blocked_genuine_rate"
    ]
