"""The medical model's features: readable question and medical-term cues, hashed n-grams.

Everything a saved pipeline holds is defined at module level here, so the joblib file
loads by reference in any process.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import cached_property

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from moderator.medical.question import (
    ASKING_FAMILIES,
    OTHER_FAMILIES,
    CueMatcher,
    default_vocabulary,
    matcher_for,
)
from moderator.text.tokens import clean_text, fast_tokenize

_DIGITS = re.compile(r"\d")


def _log_count(n: float) -> float:
    """Squash a count so one long comment cannot dominate the linear model."""
    return math.log1p(n)


def cue_feature_names(categories: Sequence[str]) -> list[str]:
    """Return the names of the hand-built features, in column order."""
    names = ["question_marks", "asks_any", "asking_sentence_share"]
    names += [f"cue_{f}" for f in ASKING_FAMILIES]
    names += [f"other_{f}" for f in OTHER_FAMILIES]
    names += [f"other_{f}_in_question" for f in OTHER_FAMILIES]
    names += ["author_address_in_question", "personal", "personal_medical"]
    names += [f"medical_{c}" for c in categories]
    names += [f"medical_{c}_in_question" for c in categories]
    names += [
        "medical_distinct_terms",
        "medical_categories",
        "question_with_medical",
        "question_near_medical",
        "asks_x_medical",
        "asks_x_medical_terms",
        "buried_question",
        "last_question_position",
        "asking_sentences_without_medical",
    ]
    return names


def cue_features(matcher: CueMatcher, text: str) -> list[float]:
    """Return the hand-built feature vector of one comment (see `cue_feature_names`)."""
    sentences = matcher.analyse(text)
    asking = [i for i, s in enumerate(sentences) if s.asks]
    n = len(sentences)
    row = [
        _log_count(sum(s.text.count("?") for s in sentences)),
        float(bool(asking)),
        len(asking) / n,
    ]
    row += [_log_count(sum(len(s.cues.get(f, ())) for s in sentences)) for f in ASKING_FAMILIES]
    row += [_log_count(sum(len(s.cues.get(f, ())) for s in sentences)) for f in OTHER_FAMILIES]
    row += [
        _log_count(sum(len(sentences[i].cues.get(f, ())) for i in asking)) for f in OTHER_FAMILIES
    ]
    personal = sum(len(s.cues.get("personal", ())) for s in sentences)
    personal_medical = sum(1 for s in sentences if s.cues.get("personal") and s.medical_count > 0)
    row += [
        _log_count(sum(len(sentences[i].cues.get("author_address", ())) for i in asking)),
        _log_count(personal),
        _log_count(personal_medical),
    ]
    row += [
        _log_count(sum(len(s.medical.get(c, ())) for s in sentences)) for c in matcher.categories
    ]
    row += [
        _log_count(sum(len(sentences[i].medical.get(c, ())) for i in asking))
        for c in matcher.categories
    ]
    terms = {t.lower() for s in sentences for found in s.medical.values() for t in found}
    categories = {c for s in sentences for c in s.medical}
    medical_total = sum(s.medical_count for s in sentences)
    question_with_medical = sum(1 for i in asking if sentences[i].medical_count)
    question_near_medical = sum(
        1
        for i in asking
        if any(sentences[j].medical_count for j in range(max(0, i - 2), min(n, i + 2)))
    )
    asks = float(bool(asking))
    row += [
        _log_count(len(terms)),
        _log_count(len(categories)),
        _log_count(question_with_medical),
        _log_count(question_near_medical),
        asks * float(medical_total > 0),
        asks * _log_count(medical_total),
        float(bool(asking) and asking[0] > 0 and asking[-1] < n - 1),
        (asking[-1] + 1) / n if asking else 0.0,
        _log_count(sum(1 for i in asking if not sentences[i].medical_count)),
    ]
    return row


class CueFeatures(TransformerMixin, BaseEstimator):
    """Hand-built, readable features: question cues, medical terms and where they sit.

    `fit` freezes the vocabulary into the estimator, so a saved model keeps computing
    the features it was trained on even when the vocabulary files change later.
    """

    def __init__(self, vocabulary: dict | None = None):
        self.vocabulary = vocabulary

    def fit(self, texts, y=None):
        """Freeze the vocabulary (the given one or the shipped files)."""
        self.vocabulary_ = self.vocabulary or default_vocabulary()
        self.feature_names_ = cue_feature_names(list(self.vocabulary_["medical"]))
        self.n_features_in_ = 1
        return self

    @cached_property
    def matcher_(self) -> CueMatcher:
        """The compiled patterns, shared in the process (not pickled)."""
        return matcher_for(self.vocabulary_)

    def transform(self, texts):
        """Return the feature matrix of a sequence of comment texts."""
        matcher = self.matcher_
        return np.array([cue_features(matcher, t) for t in texts], dtype=float).reshape(
            len(texts), len(self.feature_names_)
        )

    def get_feature_names_out(self, input_features=None):
        """Return the feature names, for reports and reasons."""
        return np.asarray(self.feature_names_, dtype=object)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("matcher_", None)
        state.pop("_matcher", None)  # the name files saved before 2026-11-26 used
        return state


def char_text(text: str) -> str:
    """Prepare text for the hashed character n-grams: cleaned and case folded."""
    return clean_text(text).lower()


def ngram_tokens(text: str) -> list[str]:
    """Tokenise for the hashed n-grams: the shared tokenizer, digits folded to 0."""
    return [_DIGITS.sub("0", t) for t in fast_tokenize(clean_text(text))]
