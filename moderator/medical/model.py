"""Medical triage: does a comment ask the author a health question, and is it urgent?

Two parts with different kinds of evidence:

* a trained scikit-learn model (`MedicalModel`) scores "this comment asks the author a
  health or medical question" from hand-built, readable features (question cues,
  medical terms by category and where they sit) plus hashed word n-grams;
* the reviewed red flags (`moderator.medical.red_flags`) mark the questions that need a doctor
  first.

The text it reads comes from `moderator.text.clean_text`, its phrases from
`moderator.text.vocabulary`.

Everything a saved pipeline holds is defined at module level here, so the joblib file
loads by reference in any process. Flask-free.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from scipy.special import expit
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

from moderator.core.comment import Comment
from moderator.core.reasons import Reason
from moderator.medical.features import CueFeatures, cue_features
from moderator.medical.question import ASKING_FAMILIES
from moderator.medical.red_flags import (
    REASON_SOURCE,
    RedFlag,
    find_red_flags,
    red_flag_reason,
    shipped_red_flags,
)
from moderator.ml.modelfile import ModelError, load_model

#: Name of the model files: ``medical.joblib`` and its card ``medical.json``.
MODEL_NAME = "medical"


@dataclass(frozen=True)
class Triage:
    """The medical view of one comment: does it need the author's reply, and how urgently."""

    medical_score: float
    needs_reply: bool
    urgent: bool
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict:
        """Return the JSON form used by the API."""
        return {
            "medical_score": round(float(self.medical_score), 4),
            "needs_reply": self.needs_reply,
            "urgent": self.urgent,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def _cue_step(pipeline) -> CueFeatures:
    """Return the CueFeatures step of a trained medical pipeline."""
    return pipeline.named_steps["features"].transformer_list[0][1]


def _linear_model(pipeline):
    """Return the logistic regression behind the calibration (for reason weights)."""
    classifier = pipeline.named_steps["classifier"]
    calibrated = getattr(classifier, "calibrated_classifiers_", None)
    return calibrated[0].estimator if calibrated else classifier


class _Part(NamedTuple):
    """One feature-union step as the direct scorer reads it."""

    reader: Callable  # cue step: the CueFeatures; hashed step: the vectorizer's analyzer
    offset: int  # first column of the step in the classifier's coefficients
    width: int
    weight: float  # the feature union's weight for the step
    l2: bool = False  # hashed counts are l2-normalised


class LinearScorer:
    """The trained pipeline's probability computed straight from its parts.

    `Pipeline.predict_proba` spends about a millisecond per call validating inputs and
    dispatching the feature union, whatever the batch size; a comment arriving through
    the API needs only the cue vector, the hashed n-gram counts and one dot product.
    Same arithmetic as the pipeline (tested equal): the feature union's weights, the
    hashing vectorizers' murmurhash buckets and l2 norm, the logistic regression and
    its sigmoid calibration.
    """

    def __init__(self, pipeline):
        if list(pipeline.named_steps) != ["features", "classifier"]:
            raise ValueError("expected exactly a feature union and a classifier")
        union = pipeline.named_steps["features"]
        classifier = pipeline.named_steps["classifier"]
        if getattr(classifier, "method", None) != "sigmoid":
            raise ValueError("expected sigmoid calibration")
        calibrated = classifier.calibrated_classifiers_
        if len(calibrated) != 1 or len(calibrated[0].calibrators) != 1:
            raise ValueError("expected one sigmoid-calibrated linear model")
        linear = calibrated[0].estimator
        calibrator = calibrated[0].calibrators[0]
        self.coef = np.asarray(linear.coef_, dtype=np.float64).ravel()
        self.intercept = float(np.ravel(linear.intercept_)[0])
        self.a, self.b = float(calibrator.a_), float(calibrator.b_)
        weights = union.transformer_weights or {}
        self.cues: _Part | None = None
        self.hashed: list[_Part] = []
        offset = 0
        for name, step in union.transformer_list:
            weight = float(weights.get(name, 1.0))
            if isinstance(step, CueFeatures) and self.cues is None:
                width = len(step.feature_names_)
                self.cues = _Part(step, offset, width, weight)
            elif (
                isinstance(step, HashingVectorizer)
                and not step.alternate_sign
                and not step.binary
                and step.norm in ("l2", None)
                and np.dtype(step.dtype) == np.float64
            ):
                width = step.n_features
                self.hashed.append(
                    _Part(step.build_analyzer(), offset, width, weight, step.norm == "l2")
                )
            else:
                raise ValueError(f"no direct scoring for the {name!r} step")
            offset += width
        if offset != self.coef.shape[0]:
            raise ValueError("the feature widths do not match the classifier")

    def decision(self, text: str, cue_values: np.ndarray) -> float:
        """Return the linear model's decision value for one text and its cue vector."""
        cues = self.cues
        total = self.intercept
        if cues is not None:
            total += cues.weight * float(
                self.coef[cues.offset : cues.offset + cues.width] @ cue_values
            )
        for part in self.hashed:
            counts: dict[int, int] = {}
            for feature in part.reader(text):
                bucket = abs(murmurhash3_32(feature, seed=0)) % part.width
                counts[bucket] = counts.get(bucket, 0) + 1
            if not counts:
                continue
            values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            dot = float(self.coef[columns + part.offset] @ values)
            if part.l2:
                dot /= math.sqrt(float(values @ values))
            total += part.weight * dot
        return total

    def probability(self, text: str, cue_values: np.ndarray) -> float:
        """Return the calibrated probability for one text and its cue vector."""
        return float(expit(-(self.a * self.decision(text, cue_values) + self.b)))


#: Batches up to this size are scored through `LinearScorer`; larger ones through the
#: pipeline, whose fixed cost is then spread over many comments.
DIRECT_BATCH = 16


class MedicalModel:
    """A trained medical-question detector with its card, threshold and red flags."""

    def __init__(self, pipeline, card: dict, red_flags: Sequence[RedFlag] | None = None):
        self.pipeline = pipeline
        self.card = card
        self.threshold = float(card["threshold"])
        sha = card.get("artifact", {}).get("sha256", "")
        self.version = f"{MODEL_NAME}-{card.get('trained_on', 'unknown')}-{sha[:8]}"
        self.red_flags = tuple(red_flags) if red_flags is not None else shipped_red_flags()
        self._cues = cues = _cue_step(pipeline)
        weights = pipeline.named_steps["features"].transformer_weights or {}
        coef = np.ravel(_linear_model(pipeline).coef_)[: len(cues.feature_names_)]
        self._cue_coef = coef * weights.get("cues", 1.0)
        self._cue_names = list(cues.feature_names_)
        try:
            self._direct: LinearScorer | None = LinearScorer(pipeline)
        except (AttributeError, KeyError, TypeError, ValueError):
            self._direct = None  # an unusual pipeline: score it through scikit-learn

    def cue_vector(self, text: str) -> np.ndarray:
        """Return the readable cue features of one text (the model's first columns)."""
        return np.asarray(cue_features(self._cues.matcher_, text), dtype=np.float64)

    def scores(self, texts: Sequence[str], cue_vectors: Sequence[np.ndarray] = ()) -> np.ndarray:
        """Return the calibrated medical-question probability of each text.

        `cue_vectors`, when the caller has them, spare the direct path computing them again.
        """
        if not texts:
            return np.zeros(0)
        if self._direct is not None and len(texts) <= DIRECT_BATCH:
            vectors = cue_vectors or [self.cue_vector(t) for t in texts]
            return np.array(
                [self._direct.probability(t, v) for t, v in zip(texts, vectors, strict=True)]
            )
        return self.pipeline.predict_proba(list(texts))[:, 1]

    def triage(self, comment: Comment) -> Triage:
        """Score one comment and explain the score."""
        return self.triage_many([comment])[0]

    def triage_many(self, comments: Sequence[Comment]) -> list[Triage]:
        """Score many comments in one pass of the model."""
        texts = [c.content for c in comments]
        vectors = [self.cue_vector(t) for t in texts]
        scores = self.scores(texts, vectors)
        return [
            self._explain(text, float(score), values)
            for text, score, values in zip(texts, scores, vectors, strict=True)
        ]

    def _group_weight(self, values: np.ndarray, prefixes: Sequence[str]) -> float:
        """Sum the linear contributions of the hand-built features with the given prefixes."""
        total = 0.0
        for name, coef, value in zip(self._cue_names, self._cue_coef, values, strict=True):
            if name.startswith(tuple(prefixes)):
                total += coef * value
        return total

    def _explain(self, text: str, score: float, values: np.ndarray) -> Triage:
        """Build the triage of one comment from its score, cues and red flags.

        A comment that asks something and affirms a red flag needs a reply whatever its
        score: a missed emergency costs more than one extra flag. A flagged comment with
        a red flag is urgent even when its request has no question form.
        """
        sentences = self._cues.matcher_.analyse(text)
        reasons = []
        asking = [s for s in sentences if s.asks]
        # Red flags matter only where a reply can be needed: skip the scan otherwise.
        flags = find_red_flags(text, self.red_flags) if asking or score >= self.threshold else []
        # Red flags force a reply only on a comment that asks something; on one the model
        # already flagged (a request without a question form), they make it urgent.
        needs_reply = score >= self.threshold or bool(flags and asking)
        if asking:
            evidence = []
            for s in asking:
                for family in ASKING_FAMILIES:
                    evidence.extend(s.cues.get(family, ()))
                if s.question_mark and not any(s.cues.get(f) for f in ASKING_FAMILIES):
                    evidence.append(s.text[-80:])
            families = sorted({f for s in asking for f in ASKING_FAMILIES if s.cues.get(f)})
            kinds = ", ".join(f.replace("_", " ") for f in families) or "question mark"
            reasons.append(
                Reason(
                    code="question_cue",
                    message=f"Asks the author something ({kinds}).",
                    weight=self._group_weight(
                        values, ("question_marks", "asks_any", "asking_", "cue_", "last_", "first_")
                    ),
                    evidence=tuple(dict.fromkeys(evidence))[:8],
                    source=REASON_SOURCE,
                )
            )
        terms: dict[str, list[str]] = {}
        for s in sentences:
            for category, found in s.medical.items():
                terms.setdefault(category, []).extend(found)
        if terms:
            kinds = ", ".join(
                f"{c.replace('_', ' ')}: {', '.join(dict.fromkeys(t))}" for c, t in terms.items()
            )
            reasons.append(
                Reason(
                    code="medical_terms",
                    message=f"Uses medical words ({kinds}).",
                    weight=self._group_weight(values, ("medical_", "question_", "asks_x")),
                    evidence=tuple(dict.fromkeys(t for found in terms.values() for t in found))[
                        :12
                    ],
                    source=REASON_SOURCE,
                )
            )
        urgent = bool(needs_reply and flags)
        if urgent:
            reasons.extend(red_flag_reason(m) for m in flags)
        return Triage(score, needs_reply, urgent, tuple(reasons))


def load_medical_model(model_dir: Path) -> MedicalModel:
    """Load the shipped medical model from `model_dir`, refusing a mismatched file."""
    pipeline, card = load_model(Path(model_dir), MODEL_NAME)
    if "threshold" not in card:
        raise ModelError(f"model card {Path(model_dir) / 'medical.json'} has no threshold")
    try:
        return MedicalModel(pipeline, card)
    except (AttributeError, KeyError, IndexError, TypeError) as exc:
        raise ModelError(
            f"model file {Path(model_dir) / 'medical.joblib'} is not a medical model ({exc})"
        ) from exc
