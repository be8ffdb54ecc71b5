"""Medical triage: does a comment ask the author a health question, and is it urgent?

Two parts with different kinds of evidence:

* a trained scikit-learn model (`MedicalModel`) scores "this comment asks the author a
  health or medical question" from hand-built, readable features (question cues,
  medical terms by category and where they sit) plus hashed word n-grams;
* the reviewed red flags (`moderator.red_flags`) mark the questions that need a doctor
  first.

The text it reads comes from `moderator.text.clean_text`, its phrases from
`moderator.vocabulary`.

Everything a saved pipeline holds is defined at module level here, so the joblib file
loads by reference in any process. Flask-free.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

from moderator.comment import Comment
from moderator.modelfile import ModelError, load_model
from moderator.reasons import Reason
from moderator.red_flags import (
    REASON_SOURCE,
    RedFlag,
    find_red_flags,
    red_flag_reason,
    shipped_red_flags,
)
from moderator.text import clean_text, fast_tokenize, split_sentences
from moderator.vocabulary import (
    MEDICAL_TERMS_FILE,
    QUESTION_CUES_FILE,
    read_vocabulary,
    term_pattern,
)

#: Name of the model files: ``medical.joblib`` and its card ``medical.json``.
MODEL_NAME = "medical"
_DIGITS = re.compile(r"\d")
#: An animal named as what a person reacts to ("allergic to cats", "dog dander"): the
#: question is about the person, so the mention is no sign of a pet's health question.
_ALLERGEN_BEFORE = re.compile(
    r"(?:allerg\w*|intoleran\w*|reacts?|reaction)\s+(?:to|from|with|around)\s+(?:[\w'’]+\s+){0,3}$",
    re.IGNORECASE,
)
_ALLERGEN_AFTER = re.compile(
    r"[\s-]*(?:hair\s+|fur\s+)?(?:allerg(?:y|ies)|dander)\b", re.IGNORECASE
)
_ALLERGEN_REACH = 40  # characters before the animal word that can name the reaction

_LEAD_WORDS = (
    r"(?:\w+(?: \w+)?\s*:\s*)?(?:(?:so|but|and|also|hi|hello|hey|ok|okay|well|anyway|now|then"
    r"|please|dr|doc|quick question|question|one more thing|sorry|thanks|thank you|lastly|finally"
    r"|otherwise)\W+){0,2}?"
)
_PRONOUN = r"(?:i|you|we|he|she|it|they|my|your|our|his|her|their|me|us|them)"
_SUBJECT = (
    r"(?:i|you|u|we|he|she|it|they|this|that|these|those|there|my|your|our|his|her|their|the"
    r"|any|anyone|anybody|someone|somebody|people|one|\w+ing|\w+s)"
)
_NOT_A_SUBJECT = (
    r"(?:definitely|def|totally|really|be|been|do|recommend|wait|agree|love|try|not|never|always"
    r"|also|just|so|wonders|what|only|probably|highly|check|say|give|need|go|have|get|a|an)"
)
_INVERTED_SUBJECT = (
    r"(?:i|you|u|ya|we|he|she|it|they|this|that|these|those|there|my|your|our|his|her|their|the"
    r"|a|an|any|anyone|anybody|someone|somebody|people|one)"
)
#: Auxiliaries that open a question even without a question mark or a pronoun after them
#: ("is ice or heat better", "does magnesium help cramps"); "can't", "would", "was" are
#: left out: "can't find it", "would buy them", German "was" are statements.
_BARE_AUX = r"(?:is|are|does|can|could|should|will)(?![\w'])"
#: Words after such an auxiliary that make a statement ("can confirm", "is so good").
_NOT_A_BARE_SUBJECT = (
    r"(?:going|gonna|confirm|relate|vouch|attest|second|highly|also|literally|honestly|happy"
    r"|keep|update|feel|see|mention|post|report|tell|say|add"
    r"|glad|sure|so|too|very|such|quite|totally|absolutely|only|gotta|hard|easy|nice|great"
    r"|good|amazing|fun|worth)"
)
#: A question that opens a later clause of a sentence, after a comma, a semicolon, a colon
#: or a dash: "my ankle is thick and creaky, does that need a scan", "osgood schlatter -
#: does my son need to stop". Stricter than at a sentence's start: the subject is a
#: pronoun (possessives only after auxiliaries that cannot be imperatives: "if it hurts,
#: do your stretches" is advice, "does your knee click" a question).
_CLAUSE_START = r"(?:[,;:]|\s[-\u2013\u2014])\s*(?:(?:so|but|and|or|then|honestly)\s+)?"
_CLAUSE_AUX = (
    r"(?:is|are|was|were|does|did|can|could|should|will|would|has|have|am|isn't|aren't"
    r"|doesn't|don't|didn't|can't|won't|shouldn't|wouldn't)"
)
#: A bare "do" asks only before a person ("..., do you ice it"); before "this", "it" or
#: "these" it is advice ("if your knee hurts, do this stretch twice a day").
_CLAUSE_DO = r"do\W+(?:not\W+)?(?:i|you|u|we|they|he|she)"
_CLAUSE_SUBJECT = r"(?:i|you|u|we|he|she|it|they|this|that|these|those|there)"
_CLAUSE_POSSESSIVE_AUX = r"(?:is|are|does|can|could|should|will|has)"
_CLAUSE_POSSESSIVE = r"(?:my|your|our|his|her|their)"
#: Words after "is a" / "is an" that make a fragment of praise, not a question ("is a
#: must", "is a great read", "is a lifesaver"): a reader's "is a ganglion dangerous" asks.
_NOT_AN_ARTICLE_QUESTION = (
    r"(?:great|good|must|nice|lovely|brilliant|fantastic|wonderful|real|big|huge|little|bit|lot"
    r"|game|life|total|true|perfect|fab|gem|keeper|winner|favou?rite|staple|godsend|lifesaver"
    r"|fave|go-to|really|very|super|pretty|solid|definite|classic|helpful|useful|reminder"
    r"|excellent|absolute|awesome|amazing|incredible|outstanding|informative|interesting|eye"
    r"|honest|important|essential|superb|inspiring|inspiration|beautiful|fun|easy|quick)"
)
#: Words after "what is" that open a cleft statement ("what is clear is that ...").
_NOT_A_WHAT_IS = (
    r"(?:clear|important|interesting|strange|funny|weird|nice|great|good|true|needed|missing"
    r"|left|wrong|right|key|crucial|odd|obvious|certain|known|worse|better|best|worst|amazing"
    r"|sad|frustrating|annoying|helpful|lacking|so|really|most|more|also|not|this|that|it)"
)
_AUX = (
    r"(?:is|are|was|were|am|do|does|did|can|could|should|would|will|shall|may|might|must|has|have"
    r"|'s|'re|isn't|aren't|don't|doesn't|can't|won't)"
)


# --------------------------------------------------------------------------- vocabulary


def default_vocabulary() -> dict:
    """Return the medical-term and question-cue vocabularies the features are built from."""
    return {
        "medical": read_vocabulary(MEDICAL_TERMS_FILE)["categories"],
        "cues": read_vocabulary(QUESTION_CUES_FILE)["cues"],
    }


#: Cue families that mark a sentence as asking something.
ASKING_FAMILIES = (
    "wh_question",
    "yes_no_question",
    "what_can_i_do",
    "should_i",
    "is_it_normal",
    "advice",
    "request",
)
#: Cue families that mark the comment as about something other than the reader's health.
OTHER_FAMILIES = ("commerce", "site", "topic_request", "thanks", "cooking", "animal")


@dataclass(frozen=True)
class SentenceCues:
    """What one sentence asks and which medical words it uses."""

    text: str
    question_mark: bool
    cues: dict[str, tuple[str, ...]]
    medical: dict[str, tuple[str, ...]]

    @property
    def asks(self) -> bool:
        """Whether the sentence asks something (a question mark or any asking cue)."""
        return self.question_mark or any(self.cues.get(f) for f in ASKING_FAMILIES)

    @property
    def medical_count(self) -> int:
        """How many medical phrases the sentence uses."""
        return sum(len(terms) for terms in self.medical.values())


class CueMatcher:
    """Compiled question-cue and medical-term patterns for one vocabulary."""

    def __init__(self, vocabulary: dict):
        cues = vocabulary["cues"]
        self.categories = tuple(vocabulary["medical"])
        self.vocabulary = vocabulary
        self.medical = {
            name: term_pattern(phrases, plural=True, ignore_case=False)
            for name, phrases in vocabulary["medical"].items()
        }
        wh = "|".join(cues["wh_start"])
        yes_no = "|".join(cues["yes_no_start"])
        # Without a question mark a wh- sentence asks only with inversion ("what can I
        # do", "how long does it take"); "what worked was", "when I was" are statements.
        self.wh_question = re.compile(
            rf"^\W*{_LEAD_WORDS}(?:(?:{wh})\W+(?:on earth\W+)?{_AUX}\W+{_INVERTED_SUBJECT}\b"
            rf"|(?:{wh})\W+(?:long|much|many|often|soon|far|bad|serious|quickly|else)\W+{_AUX}\b"
            rf"|(?:how|what|where|when|which) to\b|what about\b|how about\b)",
            re.IGNORECASE,
        )
        self.wh_asked = re.compile(
            rf"^\W*{_LEAD_WORDS}(?:{wh})(?:\W+(?!{_PRONOUN}\b)\w+)?\W+(?:{_AUX}\b|to\b|about\b)",
            re.IGNORECASE,
        )
        self.wh_start = re.compile(rf"^\W*{_LEAD_WORDS}(?:{wh})\b", re.IGNORECASE)
        self.yes_no_question = re.compile(
            rf"^\W*{_LEAD_WORDS}(?:{yes_no})\W+(?:not\W+)?(?!{_NOT_A_SUBJECT}\b){_SUBJECT}\b",
            re.IGNORECASE,
        )
        self.yes_no_asked = re.compile(
            rf"^\W*{_LEAD_WORDS}(?:{yes_no})\W+(?:not\W+)?(?!{_NOT_A_SUBJECT}\b)\w+",
            re.IGNORECASE,
        )
        # Unpunctuated questions as readers type them: an auxiliary then a subject of any
        # kind, or "what/which (noun) helps|causes|works..." and "what's the/a ...".
        self.yes_no_bare = re.compile(
            rf"^\W*{_LEAD_WORDS}{_BARE_AUX}\W+(?!(?:{_NOT_A_SUBJECT}|{_NOT_A_BARE_SUBJECT})\b)"
            rf"\w+\W+\w+",
            re.IGNORECASE,
        )
        self.yes_no_article = re.compile(
            rf"^\W*{_LEAD_WORDS}(?:is|are|can|could|should|does|will)\W+(?:a|an)\W+"
            rf"(?!{_NOT_AN_ARTICLE_QUESTION}\b)\w+\W+\w+",
            re.IGNORECASE,
        )
        self.clause_question = re.compile(
            rf"{_CLAUSE_START}(?:(?P<yes_no>{_CLAUSE_AUX}\W+(?:not\W+)?{_CLAUSE_SUBJECT}|{_CLAUSE_DO}"
            rf"|{_CLAUSE_POSSESSIVE_AUX}\W+{_CLAUSE_POSSESSIVE})"
            rf"|(?P<wh>(?:{wh})\W+(?:on earth\W+)?{_AUX}\W+{_INVERTED_SUBJECT}))\b",
            re.IGNORECASE,
        )
        self.wh_bare = re.compile(
            rf"^\W*{_LEAD_WORDS}(?:(?:what|which)(?:\W+(?!is\b|are\b)\w+)?\W+"
            r"(?:helps?|causes?|works?|fixes|happens|means?|counts|matters)\b"
            # "what works for me is ice", "what matters is rest", "which helps a lot"
            r"(?!\W+(?:for\W+)?(?:me|us|him|her|them)\b|\W+(?:is|was|are|a lot|wonders)\b)"
            r"|what's\W+(?:the|a|an|normal|best|better|wrong|going on|causing|happening|your)\b"
            # "what are schmorl's nodes", "what is an ejection fraction"; not the cleft
            # "what is clear is that ...", "what was left was ..."
            rf"|what\W+(?:is|are)\W+(?!{_NOT_A_WHAT_IS}\b)\w+)",
            re.IGNORECASE,
        )
        self.families = {
            name: term_pattern(cues[name], ignore_case=False)
            for name in (
                "what_can_i_do",
                "should_i",
                "is_it_normal",
                "advice",
                "request",
                "commerce",
                "site",
                "topic_request",
                "cooking",
                "animal",
                "author_address",
                "personal",
                "thanks",
            )
        }

    def sentence(self, text: str) -> SentenceCues:
        """Find the cues and medical terms of one sentence."""
        question_mark = "?" in text
        cues: dict[str, tuple[str, ...]] = {}
        wh = (
            self.wh_question.match(text)
            or self.wh_bare.match(text)
            or (question_mark and (self.wh_asked.match(text) or self.wh_start.match(text)))
        )
        if wh:
            cues["wh_question"] = (wh.group(0).strip(),)
        yes_no = (
            self.yes_no_question.match(text)
            or (question_mark and self.yes_no_asked.match(text))
            or self.yes_no_bare.match(text)
            or self.yes_no_article.match(text)
        )
        if yes_no:
            cues["yes_no_question"] = (yes_no.group(0).strip(),)
        if not (wh or yes_no):
            clause = self.clause_question.search(text)
            if clause:
                family = "wh_question" if clause.group("wh") else "yes_no_question"
                cues[family] = (clause.group(0).strip(" ,;:-\u2013\u2014"),)
        lowered = text.lower()
        families, terms = self.families, self.medical
        if len(lowered) != len(text):  # a letter whose lower case is longer ("İ")
            lowered = text
            families, terms = self._case_blind
        for name, pattern in families.items():
            skip = _NOT_THIS_FAMILY.get(name)
            found = tuple(
                text[m.start() : m.end()]
                for m in pattern.finditer(lowered)
                if skip is None or not skip(lowered, m.start(), m.end())
            )
            if found:
                cues[name] = found
        medical = {}
        for name, pattern in terms.items():
            found = tuple(text[m.start() : m.end()] for m in pattern.finditer(lowered))
            if found:
                medical[name] = found
        return SentenceCues(text, question_mark, cues, medical)

    @cached_property
    def _case_blind(self) -> tuple[dict[str, re.Pattern], dict[str, re.Pattern]]:
        """Case-blind twins of the family and term patterns, compiled on first need."""
        cues = self.vocabulary["cues"]
        return (
            {name: term_pattern(cues[name]) for name in self.families},
            {
                name: term_pattern(phrases, plural=True)
                for name, phrases in self.vocabulary["medical"].items()
            },
        )

    def analyse(self, text: str) -> tuple[SentenceCues, ...]:
        """Return the cues of every sentence of a comment, in order.

        The last few comments are remembered (keyed on the cleaned text, at most
        `TEXT_LIMIT` characters): the cue features and the reasons read the same
        analysis of a comment.
        """
        return self._analyse(clean_text(text))

    @lru_cache(maxsize=32)  # noqa: B019 - one matcher per vocabulary, kept for the process
    def _analyse(self, cleaned: str) -> tuple[SentenceCues, ...]:
        sentences = split_sentences(cleaned) or [""]
        return tuple(self.sentence(s) for s in sentences)


_MATCHERS: dict[str, CueMatcher] = {}


def _is_allergen(text: str, start: int, end: int) -> bool:
    """Whether the animal word at text[start:end] is what a person reacts to
    ("allergic to cats", "allergy to our two dogs", "cat dander"), not a pet's health."""
    return bool(
        _ALLERGEN_BEFORE.search(text[max(0, start - _ALLERGEN_REACH) : start])
        or _ALLERGEN_AFTER.match(text, end)
    )


#: Matches a family's phrase list cannot rule out on its own (the context decides).
_NOT_THIS_FAMILY = {"animal": _is_allergen}


def matcher_for(vocabulary: dict) -> CueMatcher:
    """Return the process's compiled matcher for a vocabulary (compiled once, shared)."""
    key = json.dumps(vocabulary, sort_keys=True)
    matcher = _MATCHERS.get(key)
    if matcher is None:
        matcher = _MATCHERS[key] = CueMatcher(vocabulary)
    return matcher


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


# --------------------------------------------------------------------------- the model


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
