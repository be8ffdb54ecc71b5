"""The spam model at run time: calibrated P(spam) and the reasons behind it.

The persisted artifact is a scikit-learn Pipeline (`CommentFeatures` then a sigmoid-
calibrated logistic regression). Scoring one comment through Pipeline.predict_proba
costs milliseconds of validation overhead, so `SpamModel` reads the fitted weights
once (`moderator.ml.linear`) and scores with the same encoder directly; the results
are the pipeline's. Its reasons are told in `moderator.spam.reasons`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from moderator.core.comment import Comment
from moderator.core.settings import Thresholds
from moderator.ml.linear import CalibratedLinear
from moderator.ml.modelfile import ModelError, load_model, model_version
from moderator.ml.protocol import Score
from moderator.spam.features import CommentFeatures
from moderator.spam.reasons import told_reasons
from moderator.spam.signals import METADATA
from moderator.text.tokens import MODEL_TEXT_LIMIT

MODEL_NAME = "spam"


class SpamModel:
    """A loaded spam model: scores comments and explains the scores."""

    name = MODEL_NAME

    def __init__(self, pipeline, card: dict):
        self.pipeline = pipeline
        self.card = card
        self.version = model_version(MODEL_NAME, card)
        #: The card's thresholds: which way a score leans decides which reasons lead.
        self.thresholds = Thresholds.from_card(card)
        self._features, self._linear = _read_pipeline(pipeline)

    def score(self, comment: Comment) -> Score:
        """Return P(spam) for one comment with its top reasons."""
        return self.score_many([comment])[0]

    def score_many(self, comments: Sequence[Comment]) -> list[Score]:
        """Score comments in batches: the array work is done once for each batch, and
        each score is the one the comment gets alone."""
        return [score for batch in _batches(comments) for score in self._score_batch(batch)]

    def _score_batch(self, comments: Sequence[Comment]) -> list[Score]:
        """Score comments with one set of array operations."""
        batch = self._features.encode_many(comments)
        probabilities, weights = self._linear.explain_rows(
            batch.columns, batch.values, batch.rows, len(comments)
        )
        per_token = np.bincount(
            batch.origin_token,
            weights=weights[batch.origin_slot] * batch.origin_share,
            minlength=batch.token_starts[-1],
        ).tolist()
        token_starts = batch.token_starts.tolist()
        # the metadata block, the batch's last, is all the reasons read entry by entry
        metadata_starts = (batch.metadata_starts - batch.metadata_starts[0]).tolist()
        in_metadata = slice(batch.metadata_starts[0], None)
        signals = (batch.columns[in_metadata] - self._features.metadata_offset).tolist()
        weights = weights[in_metadata].tolist()
        unsure = self.thresholds.unsure
        scores = []
        for i, probability in enumerate(probabilities.tolist()):
            first, end = metadata_starts[i], metadata_starts[i + 1]
            reasons = told_reasons(
                batch.tokens[i],
                batch.facts[i],
                per_token[token_starts[i] : token_starts[i + 1]],
                zip(signals[first:end], weights[first:end], strict=True),
                towards_spam=probability >= unsure,
            )
            scores.append(Score(probability=probability, reasons=reasons))
        return scores


#: Most characters of text whose n-grams one batch's arrays hold: some 150 comments of
#: a blog's usual size, or four of the longest the model reads (MODEL_TEXT_LIMIT). Larger
#: batches save no more array work, and a 4 MB request of long comments held whole
#: raised a worker's peak memory by over 100 MB.
BATCH_TEXT = 20_000


def _batches(comments: Sequence[Comment]) -> Iterator[Sequence[Comment]]:
    """Split comments into runs of at most BATCH_TEXT characters the model reads (one
    comment at least)."""
    start, size = 0, 0
    for end, comment in enumerate(comments):
        length = min(len(comment.content), MODEL_TEXT_LIMIT) + 1
        if size + length > BATCH_TEXT and end > start:
            yield comments[start:end]
            start, size = end, 0
        size += length
    if start < len(comments):
        yield comments[start:]


def _read_pipeline(pipeline) -> tuple[CommentFeatures, CalibratedLinear]:
    """Return the feature encoder and the calibrated classifier of a fitted spam pipeline."""
    try:
        features = pipeline.named_steps["features"]
        classifier = pipeline.named_steps["model"]
    except (AttributeError, KeyError, TypeError) as exc:
        raise ModelError(f"the spam model file does not hold a spam pipeline ({exc})") from exc
    linear = CalibratedLinear(classifier, MODEL_NAME)
    width = linear.coef.shape[0]
    if not isinstance(features, CommentFeatures) or width != features.n_features_out_:
        raise ModelError("the spam model file's features do not match its classifier")
    if width != features.metadata_offset + len(METADATA):
        raise ModelError("the spam model file was trained with other metadata features; retrain it")
    return features, linear


def load_spam_model(model_dir: Path) -> SpamModel:
    """Load models/spam.joblib with its card; raise ModelError when missing or mismatched."""
    pipeline, card = load_model(Path(model_dir), MODEL_NAME)
    return SpamModel(pipeline, card)
