"""The medical model's features: readable question and medical-term cues, hashed n-grams.

Everything a saved pipeline holds is defined at module level here, so the joblib file
loads by reference in any process.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import cached_property, lru_cache

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from moderator.medical.question import (
    ASKING_FAMILIES,
    CONTEXT,
    MEDICAL_TERMS,
    OTHER_FAMILIES,
    QUESTION_CUE,
    CueMatcher,
    SentenceCues,
    default_vocabulary,
    matcher_for,
)
from moderator.text.tokens import clean_text, fast_tokenize
from moderator.text.vocabulary import DRUG_NAMES_FILE, read_word_list

_DIGITS = re.compile(r"\d")


def _log_count(n: float) -> float:
    """Squash a count so one long comment cannot dominate the linear model."""
    return math.log1p(n)


#: `_log_count` of the counts a comment's cues mostly have (0 above all), read once.
_SMALL = 64
_SMALL_LOG_COUNTS = tuple(_log_count(n) for n in range(_SMALL))


#: A block of cue features: its name (or a name pattern filled with each key in turn),
#: the keys, the reason group of its features and their values. Every feature counts
#: towards exactly one group (QUESTION_CUE, MEDICAL_TERMS or CONTEXT): the first two
#: weigh the medical model's two reasons, the context is no reason of its own.
Block = tuple[str, Sequence[str], str, list[float]]


def cue_feature_names(categories: Sequence[str]) -> list[str]:
    """Return the names of the hand-built features, in column order."""
    return [name for name, _ in _named_groups(categories)]


def cue_feature_groups(categories: Sequence[str]) -> dict[str, str]:
    """Return the reason group of every hand-built feature, by name, in column order."""
    return dict(_named_groups(categories))


def _named_groups(categories: Sequence[str]) -> list[tuple[str, str]]:
    """Return (name, reason group) of every hand-built feature, in column order."""
    named = []
    for name, keys, group, _ in _blocks(_NO_SENTENCES, categories):
        named += [(name.format(key), group) for key in keys] if keys else [(name, group)]
    return named


def cue_features(matcher: CueMatcher, text: str) -> list[float]:
    """Return the hand-built feature vector of one comment (see `cue_feature_names`)."""
    return cue_values(matcher.analyse(text), matcher.categories)


def cue_values(sentences: Sequence[SentenceCues], categories: Sequence[str]) -> list[float]:
    """Return the hand-built feature vector of an analysed comment."""
    return [value for _, _, _, values in _blocks(sentences, categories) for value in values]


#: The analysis of an empty comment: computing its features names them.
_NO_SENTENCES = (SentenceCues("", False, {}, {}),)


def _blocks(sentences: Sequence[SentenceCues], categories: Sequence[str]) -> list[Block]:
    """Return every hand-built feature of one analysed comment, in column order.

    The one definition of the features: their names, groups and values come from here,
    so they cannot fall out of step. The order is the trained models' column order.
    """
    asking = [i for i, s in enumerate(sentences) if s.asks]
    questions = [sentences[i] for i in asking]
    return [
        *_asking_blocks(sentences, asking),
        *_context_blocks(sentences, questions),
        *_medical_blocks(sentences, asking, questions, categories),
        *_position_blocks(sentences, asking),
    ]


def _cue_counts(sentences: Sequence[SentenceCues], families: Sequence[str]) -> list[float]:
    """Return the squashed count of each cue family's matches in some sentences."""
    return _counts([s.cues for s in sentences], families)


def _term_counts(sentences: Sequence[SentenceCues], categories: Sequence[str]) -> list[float]:
    """Return the squashed count of each category's medical terms in some sentences."""
    return _counts([s.medical for s in sentences], categories)


def _counts(found: Sequence[dict[str, tuple[str, ...]]], keys: Sequence[str]) -> list[float]:
    """Return the squashed count of each key's matches over the sentences' `found`
    (one pass over what the sentences hold: most hold nothing)."""
    totals = dict.fromkeys(keys, 0)
    for matches in found:
        for key, matched in matches.items():
            if key in totals:
                totals[key] += len(matched)
    return [_SMALL_LOG_COUNTS[t] if t < _SMALL else _log_count(t) for t in map(totals.get, keys)]


def _asking_blocks(sentences: Sequence[SentenceCues], asking: list[int]) -> list[Block]:
    """Question marks, whether and how much the comment asks, and each asking cue."""
    marks = sum(s.text.count("?") for s in sentences)
    return [
        ("question_marks", (), QUESTION_CUE, [_log_count(marks)]),
        ("asks_any", (), QUESTION_CUE, [float(bool(asking))]),
        ("asking_sentence_share", (), QUESTION_CUE, [len(asking) / len(sentences)]),
        ("cue_{}", ASKING_FAMILIES, QUESTION_CUE, _cue_counts(sentences, ASKING_FAMILIES)),
    ]


def _context_blocks(
    sentences: Sequence[SentenceCues], questions: list[SentenceCues]
) -> list[Block]:
    """Cues of other topics (in all, and in the asking sentences), address, who speaks."""
    personal_medical = sum(1 for s in sentences if s.cues.get("personal") and s.medical_count > 0)
    return [
        ("other_{}", OTHER_FAMILIES, CONTEXT, _cue_counts(sentences, OTHER_FAMILIES)),
        ("other_{}_in_question", OTHER_FAMILIES, CONTEXT, _cue_counts(questions, OTHER_FAMILIES)),
        ("author_address_in_question", (), CONTEXT, _cue_counts(questions, ("author_address",))),
        ("personal", (), CONTEXT, _cue_counts(sentences, ("personal",))),
        ("personal_medical", (), CONTEXT, [_log_count(personal_medical)]),
    ]


def _medical_blocks(
    sentences: Sequence[SentenceCues],
    asking: list[int],
    questions: list[SentenceCues],
    categories: Sequence[str],
) -> list[Block]:
    """Medical terms by category (in all, and in the asking sentences), how varied, and
    how close they sit to the questions."""
    n = len(sentences)
    terms = {t.lower() for s in sentences for found in s.medical.values() for t in found}
    kinds = {c for s in sentences for c in s.medical}
    total = sum(s.medical_count for s in sentences)
    near = sum(
        1
        for i in asking
        if any(sentences[j].medical_count for j in range(max(0, i - 2), min(n, i + 2)))
    )
    asks = float(bool(asking))
    return [
        ("medical_{}", categories, MEDICAL_TERMS, _term_counts(sentences, categories)),
        ("medical_{}_in_question", categories, MEDICAL_TERMS, _term_counts(questions, categories)),
        ("medical_distinct_terms", (), MEDICAL_TERMS, [_log_count(len(terms))]),
        ("medical_categories", (), MEDICAL_TERMS, [_log_count(len(kinds))]),
        (
            "question_with_medical",
            (),
            MEDICAL_TERMS,
            [_log_count(sum(1 for s in questions if s.medical_count))],
        ),
        ("question_near_medical", (), MEDICAL_TERMS, [_log_count(near)]),
        ("asks_x_medical", (), MEDICAL_TERMS, [asks * float(total > 0)]),
        ("asks_x_medical_terms", (), MEDICAL_TERMS, [asks * _log_count(total)]),
    ]


def _position_blocks(sentences: Sequence[SentenceCues], asking: list[int]) -> list[Block]:
    """Where the questions sit, and how many ask without a medical word."""
    n = len(sentences)
    buried = bool(asking) and asking[0] > 0 and asking[-1] < n - 1
    without_medical = sum(1 for i in asking if not sentences[i].medical_count)
    return [
        ("buried_question", (), CONTEXT, [float(buried)]),
        ("last_question_position", (), QUESTION_CUE, [(asking[-1] + 1) / n if asking else 0.0]),
        ("asking_sentences_without_medical", (), QUESTION_CUE, [_log_count(without_medical)]),
    ]


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


#: A greeting or salutation opening a message ("Hi,", "Hello doctor,", "Dear Sir/Madam"):
#: patients' messages to a service open with one, Stack Exchange titles never do, so the
#: n-grams must not read it as a class. The cue features still see it.
_GREETING = re.compile(
    r"^\W*(?:(?:hi|hello|hey|hiya|greetings|good (?:morning|afternoon|evening)|dear)"
    r"(?:\s+(?:there|all|everyone|doctor|doc|dr|sir|madam|sir\s*/\s*madam|team|nurse))?"
    r"[\s,.!:;-]+)+",
    re.IGNORECASE,
)
#: Punctuation closing a text: titles have none, messages "?" or "...": not a class either.
_CLOSING = re.compile(r"[\s?!.,;:\u2026]+$")


@lru_cache(maxsize=64)
def neutral_text(text: str) -> str:
    """Return text as the n-grams read it: cleaned, lower-cased, without the opening
    greeting and the closing punctuation that tell a source's style rather than its topic."""
    text = clean_text(text).lower()
    text = _GREETING.sub("", text, count=1)
    return _CLOSING.sub("", text)


def char_text(text: str) -> str:
    """Prepare text for the hashed character n-grams: `neutral_text`."""
    return neutral_text(text)


def ngram_tokens(text: str) -> list[str]:
    """Tokenise for the hashed n-grams: `neutral_text` through the shared tokenizer, digits
    folded to 0."""
    tokens = fast_tokenize(neutral_text(text))
    if _DIGITS.search("".join(tokens)) is None:  # most comments: one scan, not one a token
        return tokens
    return [_DIGITS.sub("0", t) for t in tokens]


#: A word as the drug-name list writes them: lower-case letters, hyphens inside.
_WORD = re.compile(r"[a-z][a-z-]+")


class DrugNameFeatures(TransformerMixin, BaseEstimator):
    """How many drug names (generic or brand) a comment uses, from the reviewed list.

    Health content without a symptom word: "Should I continue with the Fluticasone?".
    `fit` freezes the list into the estimator, like `CueFeatures` its vocabulary.
    """

    feature_names = ("drug_names", "names_a_drug")

    def __init__(self, names: Sequence[str] | None = None):
        self.names = names

    def fit(self, texts, y=None):
        """Freeze the names (the given ones or the shipped list)."""
        names = self.names if self.names is not None else read_word_list(DRUG_NAMES_FILE)
        self.names_ = frozenset(name.lower() for name in names)
        self.n_features_in_ = 1
        return self

    def transform(self, texts):
        """Return (squashed count of drug names, whether any) for each text."""
        rows = [self.row(text) for text in texts]
        return np.array(rows, dtype=float).reshape(len(texts), 2)

    def row(self, text: str) -> tuple[float, float]:
        """Return (squashed count of drug names, whether any) for one text."""
        found = sum(1 for word in _WORD.findall(neutral_text(text)) if word in self.names_)
        return _log_count(found), float(found > 0)

    def get_feature_names_out(self, input_features=None):
        """Return the feature names, for reports."""
        return np.asarray(self.feature_names, dtype=object)
