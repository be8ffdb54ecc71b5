"""The spam model's batched scoring changes nothing: every probability (to 1e-9), verdict
and reason is what the one-comment path gives, and that path is the pipeline's, on every
comment of training_data/ and (when present) on a sample of each shared corpus."""

from __future__ import annotations

import numpy as np
import pytest

from moderator.core.comment import Comment
from moderator.spam.model import SpamModel, load_spam_model
from moderator.spam.reasons import spam_reasons
from tests.medical.test_direct_scoring import corpus_sample, training_comments
from tests.paths import MODELS, SHARED_DATASETS

#: A batch as `POST /api/v1/score` sends at most.
BATCH = 1000


@pytest.fixture(scope="module")
def spam() -> SpamModel:
    """The shipped spam model, loaded once."""
    return load_spam_model(MODELS)


def one_at_a_time(model: SpamModel, comment: Comment):
    """Score one comment the way `SpamModel.score` did before batching: its own row,
    the classifier's `explain`, and `spam_reasons` on that row."""
    features = model._features
    encoded = features.encode(comment)
    probability, weights = model._linear.explain(encoded.columns, encoded.values)
    towards_spam = probability >= model.thresholds.unsure
    return probability, spam_reasons(encoded, weights, features.metadata_offset, towards_spam)


def assert_batches_score_as_one_at_a_time(model: SpamModel, comments: list[Comment]) -> None:
    """Batched scores equal the pipeline's probabilities and the one-comment reasons."""
    scores = [
        s for i in range(0, len(comments), BATCH) for s in model.score_many(comments[i : i + BATCH])
    ]
    probabilities = np.array([s.probability for s in scores])
    np.testing.assert_allclose(
        probabilities, model.pipeline.predict_proba(comments)[:, 1], rtol=0, atol=1e-9
    )
    thresholds = model.thresholds
    for comment, score in zip(comments, scores, strict=True):
        probability, reasons = one_at_a_time(model, comment)
        assert score.probability == pytest.approx(probability, rel=0, abs=1e-9)
        assert thresholds.verdict(score.probability) == thresholds.verdict(probability)
        assert [(r.code, r.message, r.evidence, r.source) for r in score.reasons] == [
            (r.code, r.message, r.evidence, r.source) for r in reasons
        ], comment.content
        np.testing.assert_allclose(
            [r.weight for r in score.reasons], [r.weight for r in reasons], rtol=0, atol=1e-9
        )
    # alone, a comment scores as it does inside its batch
    for i in range(0, len(comments), max(1, len(comments) // 100)):
        assert model.score(comments[i]) == scores[i]


def test_training_comments_score_in_batches_as_one_at_a_time(spam):
    comments = training_comments()
    assert len(comments) > 1000
    assert_batches_score_as_one_at_a_time(spam, comments)


@pytest.mark.datasets
@pytest.mark.skipif(not SHARED_DATASETS.is_dir(), reason="../shared/datasets is absent")
def test_shared_corpora_score_in_batches_as_one_at_a_time(spam):
    comments = corpus_sample()
    assert comments
    assert_batches_score_as_one_at_a_time(spam, comments)
