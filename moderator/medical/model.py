"""The medical-question model: does a comment ask the author a health question?

A trained scikit-learn pipeline (`MedicalModel`) scores "this comment asks the author a
health or medical question" from hand-built, readable features (question cues, medical
terms by category and where they sit, `moderator.medical.features`) plus hashed word
and character n-grams. Its reasons name the question cues and the medical words.
Whether the comment then needs a reply, and how urgently, is the triage step's
(`moderator.medical.triage`), from this score and the reviewed red flags.

Everything a saved pipeline holds is defined at module level in the features module,
so the joblib file loads by reference in any process. Flask-free.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

from moderator.core.comment import Comment
from moderator.core.decision import Triage
from moderator.core.reasons import Reason
from moderator.medical.features import (
    CueFeatures,
    DrugNameFeatures,
    cue_feature_groups,
    cue_features,
    cue_values,
)
from moderator.medical.question import ASKING_FAMILIES, MEDICAL_TERMS, QUESTION_CUE, SentenceCues
from moderator.medical.red_flags import REASON_SOURCE, RedFlag, shipped_red_flags
from moderator.medical.triage import triage
from moderator.ml.linear import CalibratedLinear
from moderator.ml.modelfile import ModelError, load_model, model_version
from moderator.ml.protocol import Score
from moderator.text.tokens import TEXT_LIMIT

#: Name of the model files: ``medical.joblib`` and its card ``medical.json``.
MODEL_NAME = "medical"


class _Part(NamedTuple):
    """The cue step as the direct scorer reads it."""

    reader: Callable  # the CueFeatures
    offset: int  # first column of the step in the classifier's coefficients
    width: int
    weight: float  # the feature union's weight for the step


def _is_plain_hashing(step) -> bool:
    """Whether a step is a hashing vectorizer the direct scorer reproduces exactly."""
    return (
        isinstance(step, HashingVectorizer)
        and not step.alternate_sign
        and not step.binary
        and step.norm in ("l2", None)
        and np.dtype(step.dtype) == np.float64
    )


#: Remembered feature buckets and per-word character n-grams, per hashed step: a
#: running server meets the same words again and again; past this many it starts afresh.
_LOOKUPS = 1 << 17


class HashedLookup:
    """One fitted hashing vectorizer compiled into remembered feature → column lookups.

    The step's own analyzer (or, for ``char_wb``, its preprocessor and its per-word
    n-grams: a word's n-grams never depend on its neighbours) gives the features; each
    feature's column is scikit-learn's murmurhash bucket, computed once per process and
    then looked up. Counts, l2 norm and weight are the vectorizer's.
    """

    def __init__(self, step, offset: int, weight: float):
        self.offset, self.width, self.weight = offset, step.n_features, weight
        self.l2 = step.norm == "l2"
        self._buckets: dict[str, int] = {}
        self._words: dict[str, np.ndarray] = {}
        if step.analyzer == "char_wb":
            preprocess, decode = step.build_preprocessor(), step.decode
            self._prepare = lambda text: preprocess(decode(text))
            self._word_ngrams = step._char_wb_ngrams
            self.columns = self._char_columns
        else:
            self._analyze = step.build_analyzer()
            self.columns = self._feature_columns

    def _bucket(self, feature: str) -> int:
        """Return a feature's column within the step (scikit-learn's hashing)."""
        bucket = self._buckets.get(feature)
        if bucket is None:
            if len(self._buckets) >= _LOOKUPS:
                self._buckets.clear()
            bucket = self._buckets[feature] = abs(murmurhash3_32(feature, seed=0)) % self.width
        return bucket

    def _feature_columns(self, text: str) -> np.ndarray:
        """Return the column of every feature of a text, repeated as often as it occurs."""
        features = self._analyze(text)
        known = self._buckets.get
        columns = [known(f) for f in features]
        if None in columns:  # a feature met for the first time: hash what is new
            bucket = self._bucket
            columns = [bucket(f) for f in features]
        return np.array(columns, dtype=np.int64)

    def _char_columns(self, text: str) -> np.ndarray:
        """Return the columns of a text's character n-grams, word by word (remembered)."""
        words = self._words
        parts = []
        for word in self._prepare(text).split():
            columns = words.get(word)
            if columns is None:
                if len(words) >= _LOOKUPS:
                    words.clear()
                bucket = self._bucket
                columns = np.array([bucket(g) for g in self._word_ngrams(word)], dtype=np.int64)
                words[word] = columns
            parts.append(columns)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def sums(self, columns: Sequence[np.ndarray], coef: np.ndarray) -> np.ndarray:
        """Return this step's part of the decision value of each text, from the columns
        of each (`columns`): the counting, weighing and norms of the whole batch done in
        one set of numpy calls."""
        if len(columns) == 1:
            return np.array([self._sum(columns[0], coef)])
        lengths = np.fromiter(map(len, columns), dtype=np.int64, count=len(columns))
        if not lengths.any():
            return np.zeros(len(columns))
        # one key per (text, column): sorted and counted at once, then summed per text
        rows = np.repeat(np.arange(len(columns), dtype=np.int64), lengths)
        keys, counts = np.unique(rows * self.width + np.concatenate(columns), return_counts=True)
        rows, found = np.divmod(keys, self.width)
        values = counts.astype(np.float64)
        totals = np.bincount(
            rows, weights=coef[found + self.offset] * values, minlength=len(columns)
        )
        if self.l2:
            norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(columns)))
            totals = np.divide(totals, norms, out=np.zeros_like(totals), where=norms > 0)
        return self.weight * totals

    def _sum(self, columns: np.ndarray, coef: np.ndarray) -> float:
        """Return `sums` of one text with fewer numpy calls (a comment decided alone):
        the same sum, in the same order (np.add.accumulate adds one after another, as
        np.bincount does; the squared counts are whole numbers, summed exactly)."""
        columns, counts = np.unique(columns, return_counts=True)
        if not len(columns):
            return 0.0
        values = counts.astype(np.float64)
        total = float(np.add.accumulate(coef[columns + self.offset] * values)[-1])
        if self.l2:
            total /= math.sqrt(float(values @ values))
        return self.weight * total


#: Most characters of text whose n-gram arrays one run of `DirectScorer.decisions` holds
#: at once: some 150 comments of a blog's usual size, or four of the longest the model
#: reads (as the spam model's batches: a request of 1,000 long comments held whole would
#: take hundreds of megabytes).
RUN_TEXT = 20_000


def _runs(texts: Sequence[str]) -> list[tuple[int, int]]:
    """Split texts into runs of at most RUN_TEXT characters (one text at least), as
    (start, end) indexes."""
    runs, start, size = [], 0, 0
    for end, text in enumerate(texts):
        length = min(len(text), TEXT_LIMIT) + 1
        if size + length > RUN_TEXT and end > start:
            runs.append((start, end))
            start, size = end, 0
        size += length
    if start < len(texts):
        runs.append((start, len(texts)))
    return runs


class DirectScorer:
    """The trained pipeline's probability computed straight from its parts.

    Compiled at load time from whatever pipeline the model file holds: the cue vector,
    the drug-name counts, each hashing vectorizer as remembered feature → column lookups
    (`HashedLookup`, each batch's n-grams counted and weighed at once), and the
    calibrated linear model. Same arithmetic as the pipeline (tested equal to 1e-9, the
    sums taken in another order): the feature union's weights, the hashing vectorizers'
    murmurhash buckets and l2 norm, the linear model and its sigmoid calibration. A text
    gets the same value alone or in a batch. Raises ValueError for a pipeline with a step
    it cannot reproduce.
    """

    def __init__(self, pipeline, linear: CalibratedLinear):
        if list(pipeline.named_steps) != ["features", "classifier"]:
            raise ValueError("expected exactly a feature union and a classifier")
        union = pipeline.named_steps["features"]
        weights = union.transformer_weights or {}
        self.linear = linear
        self.cues: _Part | None = None
        self.hashed: list[HashedLookup] = []
        self.dense: list[_Part] = []  # small dense steps (drug names) scored by their own `row`
        offset = 0
        for name, step in union.transformer_list:
            weight = float(weights.get(name, 1.0))
            if isinstance(step, CueFeatures) and self.cues is None:
                width = len(step.feature_names_)
                self.cues = _Part(step, offset, width, weight)
            elif isinstance(step, DrugNameFeatures):
                width = len(step.feature_names)
                self.dense.append(_Part(step, offset, width, weight))
            elif _is_plain_hashing(step):
                width = step.n_features
                self.hashed.append(HashedLookup(step, offset, weight))
            else:
                raise ValueError(f"no direct scoring for the {name!r} step")
            offset += width
        if offset != linear.coef.shape[0]:
            raise ValueError("the feature widths do not match the classifier")

    def _dense_decision(self, text: str, cue_values: np.ndarray) -> float:
        """Return the intercept and the dense steps' part of one text's decision value."""
        linear, cues = self.linear, self.cues
        total = linear.intercept
        if cues is not None:
            total += cues.weight * linear.dense_dot(cue_values, cues.offset)
        for part in self.dense:
            row = np.asarray(part.reader.row(text), dtype=np.float64)
            total += part.weight * linear.dense_dot(row, part.offset)
        return total

    def decisions(self, texts: Sequence[str], cue_vectors: Sequence[np.ndarray]) -> np.ndarray:
        """Return the linear model's decision value of each text, given its cue vector:
        the dense steps text by text, each hashed step for a run of texts at once."""
        if len(texts) != len(cue_vectors):
            raise ValueError("one cue vector per text")
        return np.concatenate(
            [
                self._run_decisions(texts[start:end], cue_vectors[start:end])
                for start, end in _runs(texts)
            ]
            or [np.zeros(0)]
        )

    def _run_decisions(self, texts: Sequence[str], cue_vectors: Sequence[np.ndarray]) -> np.ndarray:
        """Return `decisions` for a run of texts, their n-grams' arrays held together."""
        dense: list[float] = []
        columns: list[list[np.ndarray]] = [[] for _ in self.hashed]
        # text by text, every step: they all read the text's n-gram form, computed once
        # while it is among the last few remembered
        for text, values in zip(texts, cue_vectors, strict=True):
            dense.append(self._dense_decision(text, values))
            for part, found in zip(self.hashed, columns, strict=True):
                found.append(part.columns(text))
        decisions = np.array(dense, dtype=np.float64)
        for part, found in zip(self.hashed, columns, strict=True):
            decisions += part.sums(found, self.linear.coef)
        return decisions

    def probabilities(self, texts: Sequence[str], cue_vectors: Sequence[np.ndarray]) -> np.ndarray:
        """Return the calibrated probability of each text, calibrated in one numpy call."""
        return self.linear.probabilities(self.decisions(texts, cue_vectors))

    def probability(self, text: str, cue_values: np.ndarray) -> float:
        """Return the calibrated probability for one text and its cue vector."""
        return float(self.probabilities([text], [cue_values])[0])


class MedicalModel:
    """A trained medical-question detector with its card, threshold and red flags."""

    name = MODEL_NAME

    def __init__(self, pipeline, card: dict, red_flags: Sequence[RedFlag] | None = None):
        self.pipeline = pipeline
        self.card = card
        self.version = model_version(MODEL_NAME, card)
        #: P(medical question) from which a comment needs a reply (the triage's cut-off).
        self.threshold = float(card["threshold"])
        self.red_flags = tuple(red_flags) if red_flags is not None else shipped_red_flags()
        union = pipeline.named_steps["features"]
        self._cues = cues = union.transformer_list[0][1]
        # the cue patterns compile now, not at the first comment: a server that says it
        # is ready answers its first request as fast as its thousandth
        cues.matcher_  # noqa: B018
        linear = CalibratedLinear(pipeline.named_steps["classifier"], MODEL_NAME)
        groups = cue_feature_groups(list(cues.vocabulary_["medical"]))
        names = list(cues.feature_names_)
        if names != list(groups):
            raise ModelError(
                "the medical model file was trained with other cue features; retrain it"
            )
        cue_weight = (union.transformer_weights or {}).get("cues", 1.0)
        self._cue_coef = (linear.coef[: len(names)] * cue_weight).tolist()
        #: The cue columns each reason weighs: disjoint, in column order.
        self._reason_columns = {
            group: [i for i, name in enumerate(names) if groups[name] == group]
            for group in (QUESTION_CUE, MEDICAL_TERMS)
        }
        try:
            self._direct: DirectScorer | None = DirectScorer(pipeline, linear)
        except ValueError:
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
        if self._direct is not None:
            vectors = cue_vectors or [self.cue_vector(t) for t in texts]
            return self._direct.probabilities(texts, vectors)
        return self.pipeline.predict_proba(list(texts))[:, 1]

    def score_many(self, comments: Sequence[Comment]) -> list[Score]:
        """Return P(medical question) of each comment, with its question and medical reasons."""
        texts = [c.content for c in comments]
        matcher = self._cues.matcher_
        analyses = [matcher.analyse(t) for t in texts]  # the features and reasons read these
        vectors = [
            np.asarray(cue_values(sentences, matcher.categories), dtype=np.float64)
            for sentences in analyses
        ]
        probabilities = self.scores(texts, vectors)
        return [
            Score(float(probability), self._reasons(sentences, values))
            for probability, sentences, values in zip(probabilities, analyses, vectors, strict=True)
        ]

    def triage(self, comment: Comment) -> Triage:
        """Score one comment and triage it at this model's threshold and red flags."""
        return self.triage_many([comment])[0]

    def triage_many(self, comments: Sequence[Comment]) -> list[Triage]:
        """Score many comments in one pass of the model and triage each."""
        scores = self.score_many(comments)
        return [
            triage(comment, score, self.threshold, self.red_flags)
            for comment, score in zip(comments, scores, strict=True)
        ]

    def _weight(self, values: np.ndarray, group: str) -> float:
        """Sum the decision-value contributions of one reason group's cue features."""
        total = 0.0
        for i in self._reason_columns[group]:
            total += self._cue_coef[i] * values[i]
        return total

    def _reasons(self, sentences: Sequence[SentenceCues], values: np.ndarray) -> tuple[Reason, ...]:
        """Name what the comment asks and the medical words it uses, each with its weight."""
        reasons = []
        asking = [s for s in sentences if s.asks]
        if asking:
            reasons.append(_question_reason(asking, self._weight(values, QUESTION_CUE)))
        terms: dict[str, list[str]] = {}
        for s in sentences:
            for category, found in s.medical.items():
                terms.setdefault(category, []).extend(found)
        if terms:
            reasons.append(_medical_terms_reason(terms, self._weight(values, MEDICAL_TERMS)))
        return tuple(reasons)


def _question_reason(asking: Sequence[SentenceCues], weight: float) -> Reason:
    """Say what the asking sentences ask, quoting their cues (or the question itself)."""
    evidence = []
    for s in asking:
        for family in ASKING_FAMILIES:
            evidence.extend(s.cues.get(family, ()))
        if s.question_mark and not any(s.cues.get(f) for f in ASKING_FAMILIES):
            evidence.append(s.text[-80:])
    families = sorted({f for s in asking for f in ASKING_FAMILIES if s.cues.get(f)})
    kinds = ", ".join(f.replace("_", " ") for f in families) or "question mark"
    return Reason(
        code=QUESTION_CUE,
        message=f"Asks the author something ({kinds}).",
        weight=weight,
        evidence=tuple(dict.fromkeys(evidence))[:8],
        source=REASON_SOURCE,
    )


def _medical_terms_reason(terms: dict[str, list[str]], weight: float) -> Reason:
    """List the medical words used, by category."""
    kinds = ", ".join(
        f"{c.replace('_', ' ')}: {', '.join(dict.fromkeys(t))}" for c, t in terms.items()
    )
    return Reason(
        code=MEDICAL_TERMS,
        message=f"Uses medical words ({kinds}).",
        weight=weight,
        evidence=tuple(dict.fromkeys(t for found in terms.values() for t in found))[:12],
        source=REASON_SOURCE,
    )


def load_medical_model(model_dir: Path) -> MedicalModel:
    """Load the shipped medical model from `model_dir`, refusing a mismatched file."""
    pipeline, card = load_model(Path(model_dir), MODEL_NAME)
    return build_medical_model(pipeline, card, Path(model_dir) / f"{MODEL_NAME}.joblib")


def build_medical_model(pipeline, card: dict, source: Path) -> MedicalModel:
    """Return the medical model of a loaded pipeline and card, raising ModelError if unfit."""
    if "threshold" not in card:
        raise ModelError(f"model card {source.with_suffix('.json')} has no threshold")
    try:
        return MedicalModel(pipeline, card)
    except (AttributeError, KeyError, IndexError, TypeError) as exc:
        raise ModelError(f"model file {source} is not a medical model ({exc})") from exc
