"""The site layer: exactly the shared score without labels, a learned family with them."""

from __future__ import annotations

import pytest

from moderator.core.comment import Comment
from moderator.core.settings import Thresholds
from moderator.learning import registry
from moderator.learning.layer import AdaptedSpamModel, comment_tokens, fit_layer
from moderator.ml.modelfile import ModelError
from tests.stubs import StubSpamModel

THRESHOLDS = Thresholds.from_dict({"unsure": 0.5, "spam": 0.7, "discard": 0.95})

#: A spam family the shared model misses (the stub scores every comment 0.1).
FAMILY = [
    f"Lovely post about {topic}! The Quillbrook collective guide covers it too, {tail}."
    for topic in ("roses", "slugs", "compost", "seedlings", "beds", "watering")
    for tail in ("worth a look", "highly recommended", "great stuff", "see their guide")
]
GENUINE = [
    f"Thanks for the piece on {topic}. {tail}"
    for topic in ("roses", "slugs", "compost", "seedlings", "beds", "watering")
    for tail in ("Mine never grew.", "What soil do you use?", "Same here.", "Great photos.")
]


def comments(texts):
    return [Comment(content=t) for t in texts]


@pytest.fixture
def base():
    """A shared model scoring everything 0.1, so any move comes from the layer."""
    return StubSpamModel(THRESHOLDS)


@pytest.fixture
def layer(base):
    """A layer fitted on the family as spam and the genuine comments as genuine."""
    texts = FAMILY + GENUINE
    labels = [True] * len(FAMILY) + [False] * len(GENUINE)
    return fit_layer(comments(texts), labels, [0.1] * len(texts))


def test_no_layer_is_exactly_the_shared_model(base):
    probe = comments(["Nice post", "buy cheap pills"])
    assert AdaptedSpamModel(base, []).score_many(probe) == base.score_many(probe)


def test_a_layer_learns_a_family_the_shared_model_missed(base, layer):
    adapted = AdaptedSpamModel(base, [("v1", layer)])
    unseen_spam = comments(
        ["Great post on tulips, the Quillbrook collective guide is worth a look."]
    )
    unseen_genuine = comments(["Thanks for the piece on tulips. Mine never flowered."])
    spam_score = adapted.score_many(unseen_spam)[0]
    assert spam_score.probability > THRESHOLDS.unsure  # no longer published unseen
    assert spam_score.reasons[0].code == "site_learned"
    assert adapted.score_many(unseen_genuine)[0].probability < 0.5


def test_few_labels_stay_close_to_the_shared_score(base):
    few = fit_layer(comments(FAMILY[:2] + GENUINE[:2]), [True, True, False, False], [0.1] * 4)
    unrelated = comments(["An entirely different remark about football."])
    moved = AdaptedSpamModel(base, [("v", few)]).score_many(unrelated)[0].probability
    assert abs(moved - 0.1) < 0.15


def test_tokens_read_link_hosts_and_email_domain():
    comment = Comment(
        content="see https://www.Spam.example/x now",
        author_email="a@Mail.example",
        author_url="http://site.example/",
    )
    tokens = comment_tokens(comment)
    assert {"host:spam.example", "host:site.example", "email:mail.example"} <= set(tokens)


def test_a_written_layer_loads_and_a_changed_one_is_refused(layer, tmp_path):
    file, sha = registry.write_layer(tmp_path, "spam-site1-x", layer, {"kind": "site-layer"})
    assert registry.load_layer(tmp_path, "spam-site1-x", sha).labels == layer.labels
    with pytest.raises(ModelError, match="registry"):
        registry.load_layer(tmp_path, "spam-site1-x", "0" * 64)
    path = tmp_path / file
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ModelError, match="sha256"):
        registry.load_layer(tmp_path, "spam-site1-x", sha)


def test_batch_probabilities_are_the_scores(models, layer):
    """Training's reason-free batch path gives the scores serving gives (shipped pipeline)."""
    probe = comments(["Nice post, thanks", "buy cheap pills at http://pills.example", FAMILY[0]])
    for layers in ([], [("v1", layer)]):
        adapted = AdaptedSpamModel(models.spam, layers)
        served = [s.probability for s in adapted.score_many(probe)]
        assert adapted.probabilities(probe) == pytest.approx(served, abs=1e-6)


def test_a_layer_fitted_on_no_labels_scores_exactly_as_the_shared_model(base):
    empty = fit_layer([], [], [])
    adapted = AdaptedSpamModel(base, [("v0", empty)])
    probe = comments(["Nice post", "buy cheap pills", FAMILY[0]])
    assert adapted.score_many(probe) == base.score_many(probe)
    assert adapted.version == f"{base.version}+v0"


def test_by_default_the_shared_score_is_neither_scaled_nor_shifted():
    """Only the words move a score; an anchor lets the scale and shift move again."""
    texts = FAMILY[:6] + GENUINE
    labels = [True] * 6 + [False] * len(GENUINE)
    words_only = fit_layer(comments(texts), labels, [0.4] * len(texts))
    assert (words_only.a, words_only.b) == (1.0, 0.0)
    anchored = fit_layer(comments(texts), labels, [0.4] * len(texts), anchor=1.0)
    assert (anchored.a, anchored.b) != (1.0, 0.0)


def test_lopsided_labels_still_raise_their_family_and_leave_other_comments_alone():
    """4 spam labels among 24 genuine: the family rises, a comment unlike any label keeps
    its shared score (a learned shift would have taught that everything is genuine)."""
    texts = FAMILY[:4] + GENUINE
    labels = [True] * 4 + [False] * len(GENUINE)
    layer = fit_layer(comments(texts), labels, [0.45] * len(texts))
    probes = comments(
        [
            "Great post on tulips, the Quillbrook collective guide covers it too, worth a look.",
            "Football results tonight were dreadful.",
        ]
    )
    family, unrelated = layer.probabilities([0.45, 0.45], probes)
    assert family > 0.45
    assert unrelated == pytest.approx(0.45, abs=1e-9)


def test_labels_that_contradict_each_other_teach_it_nothing_to_tell_apart():
    """Every comment labelled both spam and genuine: the family is not told from the rest."""
    texts = (FAMILY + GENUINE) * 2
    labels = [True] * (len(texts) // 2) + [False] * (len(texts) // 2)
    layer = fit_layer(comments(texts), labels, [0.3] * len(texts))
    probes = comments(
        [
            "Great post on tulips, the Quillbrook collective guide covers it too, worth a look.",
            "Thanks for the piece on tulips. Mine never grew.",
        ]
    )
    family, genuine = layer.probabilities([0.3, 0.3], probes)
    assert abs(family - genuine) < 0.05
