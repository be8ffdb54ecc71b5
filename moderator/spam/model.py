"""The spam model at run time: calibrated P(spam), a three-way verdict and its reasons.

The persisted artifact is a scikit-learn Pipeline (`CommentFeatures` then a sigmoid-
calibrated logistic regression). Scoring one comment through Pipeline.predict_proba
costs milliseconds of validation overhead, so `SpamModel` reads the fitted weights
once and scores with the same encoder directly; the results are the pipeline's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from moderator.core.comment import Comment
from moderator.core.reasons import Reason
from moderator.ml.modelfile import ModelError, load_model
from moderator.spam.features import METADATA, CommentFeatures, Encoded, is_placeholder
from moderator.spam.links import link_domain
from moderator.text.tokens import (
    COUNT_TOKEN,
    DATE_TOKEN,
    EMAIL_TOKEN,
    NUMBER_TOKEN,
    URL_TOKEN,
    is_word,
)

MODEL_NAME = "spam"
REASON_SOURCE = "spam_model"
VERDICTS = ("ham", "unsure", "spam")
#: Reasons shown per verdict: the strongest for the verdict, then the strongest against.
REASONS_FOR, REASONS_AGAINST = 4, 2
#: Contributions smaller than this (in log-odds) are noise, not reasons.
MIN_WEIGHT = 0.05
MAX_PHRASE = 6


@dataclass(frozen=True)
class Thresholds:
    """Cut-offs on P(spam): unsure <= spam <= discard."""

    unsure: float
    spam: float
    discard: float

    def __post_init__(self):
        if not 0.0 <= self.unsure <= self.spam <= self.discard <= 1.0:
            raise ValueError(
                f"thresholds must satisfy 0 <= unsure <= spam <= discard <= 1, got {self}"
            )

    def verdict(self, score: float) -> str:
        """Return "ham", "unsure" or "spam" for a probability."""
        if score >= self.spam:
            return "spam"
        if score >= self.unsure:
            return "unsure"
        return "ham"

    def discard_for(self, score: float) -> bool:
        """Return whether a score is blatant enough to discard without review."""
        return score >= self.discard

    @classmethod
    def from_dict(cls, d: dict) -> Thresholds:
        """Build thresholds from a card or settings dict."""
        try:
            return cls(
                unsure=float(d["unsure"]), spam=float(d["spam"]), discard=float(d["discard"])
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"thresholds need numeric unsure, spam and discard ({exc})") from exc

    def to_dict(self) -> dict:
        """Return the JSON form stored in the model card and site settings."""
        return {"unsure": self.unsure, "spam": self.spam, "discard": self.discard}


@dataclass(frozen=True)
class SpamScore:
    """A calibrated spam probability and the signals behind it."""

    probability: float
    reasons: tuple[Reason, ...]


def linear_parts(pipeline) -> tuple[CommentFeatures, np.ndarray, float, float, float]:
    """Return (features, coef, intercept, a, b) of a fitted spam pipeline.

    P(spam) = 1 / (1 + exp(a * (coef . x + intercept) + b)).
    """
    try:
        features = pipeline.named_steps["features"]
        calibrated = pipeline.named_steps["model"].calibrated_classifiers_[0]
        linear = calibrated.estimator
        calibrator = calibrated.calibrators[0]
        coef = np.asarray(linear.coef_, dtype=np.float64).ravel()
        intercept = float(np.ravel(linear.intercept_)[0])
        a, b = float(calibrator.a_), float(calibrator.b_)
    except (AttributeError, KeyError, IndexError, TypeError) as exc:
        raise ModelError(f"the spam model file does not hold a spam pipeline ({exc})") from exc
    if not isinstance(features, CommentFeatures) or coef.shape[0] != features.n_features_out_:
        raise ModelError("the spam model file's features do not match its classifier")
    if coef.shape[0] != features.metadata_offset + len(METADATA):
        raise ModelError("the spam model file was trained with other metadata features; retrain it")
    return features, coef, intercept, a, b


class SpamModel:
    """A loaded spam model: scores comments and explains the scores."""

    def __init__(self, pipeline, card: dict, version: str | None = None):
        self.pipeline = pipeline
        self.card = card
        self.version = version or card.get("version") or "spam-unversioned"
        self.thresholds = Thresholds.from_dict(card.get("thresholds") or _DEFAULT_THRESHOLDS)
        self._features, self._coef, self._intercept, a, b = linear_parts(pipeline)
        self._a, self._b = a, b
        # contributions are reported in log-odds of the calibrated probability
        self._scale = -a
        self._meta_codes = [code for _, code in METADATA]

    def score(self, comment: Comment) -> SpamScore:
        """Return P(spam) for one comment with its top reasons."""
        encoded = self._features.encode(comment)
        contributions = self._coef[encoded.columns] * encoded.values
        decision = float(contributions.sum()) + self._intercept
        probability = float(1.0 / (1.0 + np.exp(self._a * decision + self._b)))
        reasons = self._reasons(encoded, contributions * self._scale, probability)
        return SpamScore(probability=probability, reasons=reasons)

    def score_many(self, comments: Sequence[Comment]) -> list[SpamScore]:
        """Score several comments; each result is exactly what `score` returns."""
        return [self.score(comment) for comment in comments]

    def verdict(self, score: SpamScore) -> str:
        """Return the verdict of a score under this model's thresholds."""
        return self.thresholds.verdict(score.probability)

    def _reasons(self, encoded: Encoded, weights: np.ndarray, probability: float):
        """Turn per-column contributions into moderator-readable reasons."""
        tokens = encoded.tokens
        per_token = np.bincount(
            encoded.origin_token,
            weights=weights[encoded.origin_slot] * encoded.origin_share,
            minlength=len(tokens),
        ).tolist()
        meta_offset = self._features.metadata_offset
        by_code: dict[str, float] = {}
        first_meta = int(np.searchsorted(encoded.columns >= meta_offset, True))
        for column, weight in zip(
            encoded.columns[first_meta:].tolist(), weights[first_meta:].tolist(), strict=True
        ):
            code = self._meta_codes[column - meta_offset]
            by_code[code] = by_code.get(code, 0.0) + weight
        words = []
        for position, token in enumerate(tokens):
            kind = _token_kind(token)
            if kind == "word":
                words.append(True)
                continue
            words.append(False)
            if token == NUMBER_TOKEN and encoded.facts.phones:
                kind = "phone"
            by_code[kind] = by_code.get(kind, 0.0) + per_token[position]
        reasons = [
            _metadata_reason(code, weight, encoded)
            for code, weight in by_code.items()
            if abs(weight) >= MIN_WEIGHT
        ]
        reasons.extend(_phrase_reasons(tokens, per_token, words))
        return _select(reasons, probability >= self.thresholds.unsure)


_DEFAULT_THRESHOLDS = {"unsure": 0.5, "spam": 0.9, "discard": 0.99}
_PROMO_MESSAGES = {
    "self_promo": "promotes their own channel or site:",
    "call_to_action": "call to action:",
    "contact_request": "asks to be contacted:",
    "earn_win": "promises money or prizes:",
}
_PLACEHOLDER_CODES = {
    URL_TOKEN: "links",
    EMAIL_TOKEN: "email",
    NUMBER_TOKEN: "numbers",
    COUNT_TOKEN: "numbers",
    DATE_TOKEN: "numbers",
}


@lru_cache(maxsize=1 << 16)
def _token_kind(token: str) -> str:
    """Return "word", or the reason code a non-word token feeds (links, email, punctuation)."""
    if is_placeholder(token):
        return _PLACEHOLDER_CODES.get(token, "links")
    return "word" if is_word(token) else "punctuation"


def _phrase_reasons(tokens: list[str], per_token: list[float], words: list[bool]) -> list[Reason]:
    """Group neighbouring words pushing the same way into phrase reasons.

    A run is consecutive words whose weights share a sign, at most MAX_PHRASE long; a
    token that is no word or weighs too little ends it.
    """
    reasons: list[Reason] = []
    floor = MIN_WEIGHT / 4
    start = end = 0  # the open run is tokens[start:end]
    weight = 0.0
    for position, value in enumerate(per_token):
        strong = words[position] and abs(value) >= floor
        if end > start and (
            not strong or (per_token[start] > 0) != (value > 0) or end - start >= MAX_PHRASE
        ):
            _add_phrase(reasons, tokens[start:end], weight)
            start = end
        if strong:
            if end == start:
                start, weight = position, 0.0
            end = position + 1
            weight += value
    if end > start:
        _add_phrase(reasons, tokens[start:end], weight)
    return reasons


def _add_phrase(reasons: list[Reason], run: list[str], weight: float) -> None:
    """Append a word or phrase reason for a run of words, when it weighs enough."""
    if abs(weight) >= MIN_WEIGHT:
        phrase = " ".join(run)
        kind = "phrase" if len(run) > 1 else "word"
        reasons.append(Reason(kind, f"{kind} '{phrase}'", weight, (phrase,), REASON_SOURCE))


def _count(n: int, one: str, many: str) -> str:
    """Return "1 link" / "3 links"."""
    return f"{n} {one if n == 1 else many}"


def _metadata_reason(code: str, weight: float, encoded: Encoded) -> Reason:
    """Describe one metadata signal in the moderator's words."""
    facts = encoded.facts
    features = facts.features
    evidence: tuple[str, ...] = ()
    if code == "links":
        n = len(facts.links) + len(facts.obfuscated)
        message = _count(n, "link", "links") if n else "link in text"
        evidence = facts.links
    elif code == "link_shortener":
        message, evidence = f"shortened link ({facts.shorteners[0]})", facts.shorteners
    elif code == "risky_domain":
        domain = facts.risky_domains[0]
        message, evidence = f"link to a .{domain.rsplit('.', 1)[-1]} site", facts.risky_domains
    elif code == "obfuscated_url":
        message, evidence = f"disguised web address '{facts.obfuscated[0]}'", facts.obfuscated
    elif code == "email":
        message, evidence = "e-mail address in text", facts.emails
    elif code == "phone":
        message, evidence = "phone number in text", facts.phones
    elif code == "numbers":
        message = "long number in text"
    elif code == "messenger":
        message = f"asks for contact on {facts.messengers[0]}"
        evidence = facts.messengers
    elif code == "money":
        message, evidence = f"money amount '{facts.money[0]}'", facts.money
    elif code == "author_url":
        message, evidence = f"author gave a website ({facts.author_domain})", (facts.author_domain,)
    elif code == "author_url_in_text":
        message = "author's website also appears in the text"
        evidence = (facts.author_domain,)
    elif code == "author_keyword":
        message = "author name is a product keyword"
    elif code == "author_url_keyword":
        name = facts.author_site or facts.author_domain
        message = f"author's website is named like a shop or keyword ({name})"
        evidence = (facts.author_domain,)
    elif code in _PROMO_MESSAGES:
        evidence = tuple(dict.fromkeys(phrase for family, phrase in facts.promo if family == code))
        message = f"{_PROMO_MESSAGES[code]} '{evidence[0]}'" if evidence else code
    elif code == "generic_praise":
        message = "generic praise with a link or website"
    elif code == "reference_link":
        cited = tuple(dict.fromkeys(link_domain(link) for link in facts.links)) or ("a source",)
        message, evidence = f"links only to a reference site ({cited[0]})", cited
    elif code == "length":
        message = (
            "very long comment"
            if features["len_very_long"]
            else "long comment"
            if features["len_long"]
            else "very short comment"
            if features["len_tiny"]
            else "short comment"
        )
    elif code == "capitals":
        message = f"{round(100 * features['caps_ratio'])}% capital letters"
    elif code == "symbols":
        message = "many symbols"
    elif code == "digits":
        message = "many digits"
    elif code == "punctuation":
        message = "punctuation and emoticons"
    elif code == "repetition":
        message = "repeated words or letters"
    elif code == "script":
        message = f"{round(100 * features['non_latin'])}% of letters in a non-Latin script"
    elif code == "mixed_script":
        message = "look-alike letters from another alphabet inside words"
    elif code == "language":
        message = f"{round(100 * features['english_ratio'])}% common English words"
    elif code == "on_topic":
        message = "mentions the post's topic"
    else:
        message = code.replace("_", " ")
    return Reason(code, message, weight, tuple(evidence)[:5], REASON_SOURCE)


def _select(reasons: list[Reason], towards_spam: bool) -> tuple[Reason, ...]:
    """Pick the strongest reasons for the verdict's direction, then the strongest against."""
    sign = 1.0 if towards_spam else -1.0
    ranked = sorted(reasons, key=lambda r: (-abs(r.weight), r.code, r.message))
    chosen = [r for r in ranked if r.weight * sign > 0][:REASONS_FOR]
    chosen += [r for r in ranked if r.weight * sign < 0][:REASONS_AGAINST]
    if not chosen:
        chosen = [
            Reason("no_signals", "no strong signals either way", 0.0, (), REASON_SOURCE),
        ]
    return tuple(chosen)


def model_version(card: dict) -> str:
    """Return the version string of a card: spam-<trained date>-<8 hex of artifact sha256>."""
    trained = str(card.get("trained_at", ""))[:10].replace("-", "") or "undated"
    sha = card.get("artifact", {}).get("sha256", "")[:8] or "nohash"
    return f"{MODEL_NAME}-{trained}-{sha}"


def load_spam_model(model_dir: Path) -> SpamModel:
    """Load models/spam.joblib with its card; raise ModelError when missing or mismatched."""
    pipeline, card = load_model(Path(model_dir), MODEL_NAME)
    return SpamModel(pipeline, card, version=model_version(card))
