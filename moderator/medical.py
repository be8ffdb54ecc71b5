"""Medical triage: does a comment ask the author a health question, and is it urgent?

Two parts with different kinds of evidence:

* a trained scikit-learn model (`MedicalModel`) scores "this comment asks the author a
  health or medical question" from hand-built, readable features (question cues,
  medical terms by category and where they sit) plus hashed word n-grams;
* a reviewed red-flag vocabulary (``vocabulary/red_flags.toml``) with negation
  handling (`find_red_flags`) marks the questions that need a doctor first.

Everything a saved pipeline holds is defined at module level here, so the joblib file
loads by reference in any process. Flask-free.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import tomllib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

from moderator.comment import Comment
from moderator.modelfile import ModelError, load_model
from moderator.reasons import Reason
from moderator.text import MODEL_TEXT_LIMIT, fast_tokenize, normalise

#: Name of the model files: ``medical.joblib`` and its card ``medical.json``.
MODEL_NAME = "medical"
#: The `source` of every reason this module gives.
REASON_SOURCE = "medical_model"
VOCABULARY_DIR = Path(__file__).parent / "vocabulary"
MEDICAL_TERMS_FILE = VOCABULARY_DIR / "medical_terms.toml"
QUESTION_CUES_FILE = VOCABULARY_DIR / "question_cues.toml"
RED_FLAGS_FILE = VOCABULARY_DIR / "red_flags.toml"

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?\u2026])[\"')\]]*\s+|\s*\n+\s*|(?<=\?)(?=\w)")
_WORD = re.compile(r"[\w']+")
_LEAD_WORDS = (
    r"(?:\w+(?: \w+)?\s*:\s*)?(?:(?:so|but|and|also|hi|hello|hey|ok|okay|well|anyway|now|then"
    r"|please|dr|doc|quick question|question|one more thing|sorry|thanks|thank you|lastly|finally"
    r"|otherwise)\W+){0,2}?"
)
_PRONOUN = r"(?:i|you|we|he|she|it|they|my|your|our|his|her|their|me|us|them)"
_SUBJECT = (
    r"(?:i|you|we|he|she|it|they|this|that|these|those|there|my|your|our|his|her|their|the"
    r"|any|anyone|anybody|someone|somebody|people|one|\w+ing|\w+s)"
)
_NOT_A_SUBJECT = (
    r"(?:definitely|def|totally|really|be|been|do|recommend|wait|agree|love|try|not|never|always"
    r"|also|just|so|wonders|what|only|probably|highly|check|say|give|need|go|have|get|a|an)"
)
_INVERTED_SUBJECT = (
    r"(?:i|you|we|he|she|it|they|this|that|these|those|there|my|your|our|his|her|their|the|a|an"
    r"|any|anyone|anybody|someone|somebody|people|one)"
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
_AUX = (
    r"(?:is|are|was|were|am|do|does|did|can|could|should|would|will|shall|may|might|must|has|have"
    r"|'s|'re|isn't|aren't|don't|doesn't|can't|won't)"
)


def _term_pattern(
    phrases: Iterable[str], plural: bool = False, ignore_case: bool = True
) -> re.Pattern:
    """Compile vocabulary phrases into one word-bounded alternation.

    The vocabulary is written in lower case: a pattern compiled without `ignore_case`
    matches lower-cased text, about twice as fast as a case-blind one.
    """
    suffix = r"(?:e?s)?" if plural else ""
    alternation = "|".join(f"(?:{p})" for p in sorted(phrases, key=len, reverse=True))
    flags = re.IGNORECASE if ignore_case else 0
    return re.compile(rf"(?<!\w)(?<!\w')(?:{alternation}){suffix}(?!\w)(?!'\w)", flags)


#: Question marks of other scripts: Greek writes ";" (NFKC folds U+037E to it), Arabic "؟".
_GREEK_QUESTION = re.compile(r"(?<=[\u0370-\u03ff\u1f00-\u1fff]);")


#: Longest text the triage reads, in characters: its head and its tail (a question sits
#: at the start or the end of a long story). Every pattern below runs over the text, so
#: an unbounded comment would cost seconds of CPU per request.
TEXT_LIMIT = MODEL_TEXT_LIMIT
_TAIL = 1000
_DIGITS = re.compile(r"\d")


def _head_and_tail(text: str, limit: int) -> str:
    """Return `text` cut to about `limit` characters: its head, a line break, its tail."""
    if len(text) <= limit:
        return text
    return text[: limit - _TAIL - 1] + "\n" + text[-_TAIL:]


def clean_text(text: str) -> str:
    """Return comment text normalised for matching: markup undone, apostrophes straightened,
    other scripts' question marks written "?", long comments cut to head and tail."""
    text = normalise(_head_and_tail(text or "", 2 * TEXT_LIMIT))
    text = _head_and_tail(text, TEXT_LIMIT).translate(_APOSTROPHES).replace("\u061f", "?")
    return _GREEK_QUESTION.sub("?", text)


def split_sentences(text: str) -> list[str]:
    """Split comment text into sentences; a lone question mark also ends one."""
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s and s.strip()]


# --------------------------------------------------------------------------- vocabulary


def read_vocabulary(path: Path) -> dict:
    """Read a TOML vocabulary file, raising ModelError with the file named when broken."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(f"vocabulary {path} is unreadable ({exc})") from exc


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
OTHER_FAMILIES = ("commerce", "site", "topic_request", "thanks", "cooking")


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
            name: _term_pattern(phrases, plural=True, ignore_case=False)
            for name, phrases in vocabulary["medical"].items()
        }
        wh = "|".join(cues["wh_start"])
        yes_no = "|".join(cues["yes_no_start"])
        # Without a question mark a wh- sentence asks only with inversion ("what can I
        # do", "how long does it take"); "what worked was", "when I was" are statements.
        self.wh_question = re.compile(
            rf"^\W*{_LEAD_WORDS}(?:(?:{wh})\W+{_AUX}\W+{_INVERTED_SUBJECT}\b"
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
        self.wh_bare = re.compile(
            rf"^\W*{_LEAD_WORDS}(?:(?:what|which)(?:\W+(?!is\b|are\b)\w+)?\W+"
            r"(?:helps?|causes?|works?|fixes|happens|means?|counts|matters)\b"
            # "what works for me is ice", "what matters is rest", "which helps a lot"
            r"(?!\W+(?:for\W+)?(?:me|us|him|her|them)\b|\W+(?:is|was|are|a lot|wonders)\b)"
            r"|what's\W+(?:the|a|an|normal|best|better|wrong|going on|causing|happening|your)\b)",
            re.IGNORECASE,
        )
        self.families = {
            name: _term_pattern(cues[name], ignore_case=False)
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
        )
        if yes_no:
            cues["yes_no_question"] = (yes_no.group(0).strip(),)
        lowered = text.lower()
        families, terms = self.families, self.medical
        if len(lowered) != len(text):  # a letter whose lower case is longer ("İ")
            lowered = text
            families, terms = self._case_blind()
        for name, pattern in families.items():
            found = tuple(text[m.start() : m.end()] for m in pattern.finditer(lowered))
            if found:
                cues[name] = found
        medical = {}
        for name, pattern in terms.items():
            found = tuple(text[m.start() : m.end()] for m in pattern.finditer(lowered))
            if found:
                medical[name] = found
        return SentenceCues(text, question_mark, cues, medical)

    def _case_blind(self) -> tuple[dict[str, re.Pattern], dict[str, re.Pattern]]:
        """Return case-blind twins of the family and term patterns (compiled once)."""
        twins = self.__dict__.get("_twins")
        if twins is None:
            cues = self.vocabulary["cues"]
            twins = self.__dict__["_twins"] = (
                {name: _term_pattern(cues[name]) for name in self.families},
                {
                    name: _term_pattern(phrases, plural=True)
                    for name, phrases in self.vocabulary["medical"].items()
                },
            )
        return twins

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

    @property
    def matcher_(self) -> CueMatcher:
        """The compiled patterns, shared in the process (not pickled)."""
        matcher = self.__dict__.get("_matcher")
        if matcher is None:
            matcher = self.__dict__["_matcher"] = matcher_for(self.vocabulary_)
        return matcher

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
        state.pop("_matcher", None)
        return state


def char_text(text: str) -> str:
    """Prepare text for the hashed character n-grams: cleaned and case folded."""
    return clean_text(text).lower()


def ngram_tokens(text: str) -> list[str]:
    """Tokenise for the hashed n-grams: the shared tokenizer, digits folded to 0."""
    return [_DIGITS.sub("0", t) for t in fast_tokenize(clean_text(text))]


# --------------------------------------------------------------------------- red flags


@dataclass(frozen=True)
class RedFlagMatch:
    """An affirmed red-flag sign in a comment, with the words that matched."""

    code: str
    name: str
    rationale: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class RedFlag:
    """One compiled red-flag rule from the reviewed vocabulary."""

    code: str
    name: str
    rationale: str
    any: re.Pattern | None
    near: tuple[re.Pattern, ...]
    within: int
    whole_comment: bool
    also: tuple[re.Pattern, ...]
    unless: re.Pattern | None
    unless_before: re.Pattern | None
    others_before: re.Pattern | None
    past: re.Pattern | None = None


# Negators that rule out the sign right after them, by language: English; French "pas (de),
# sans, jamais, aucun, ni"; German "kein, nicht, nie, ohne, weder"; Spanish "no, sin, nunca,
# ningún, ni"; Italian "non, senza, nessun, né"; Portuguese "não, sem, nunca, nenhum, nem";
# Dutch "geen, niet, nooit, zonder"; Polish "nie, bez, nigdy, żaden, ani"; Nordic "ingen,
# inte, ikke, utan, uden, uten, aldrig, aldri".
_NEGATION = re.compile(
    r"\b(?:no|not|never|without|none|nor|neither|denies|denied|zero|free of|absence of"
    r"|rule[ds]? out|negative for|haven't|hasn't|hadn't|don't|doesn't|didn't|isn't|aren't"
    r"|wasn't|weren't|nothing like"
    r"|pas|sans|jamais|aucune?|ni|n'(?:ai|a|avons|avez|ont|avais|avait) plus"
    r"|kein(?:e|en|em|er|es)?|nicht|nie|niemals|ohne|weder"
    r"|sin|nunca|jam[áa]s|ning[úu]n[oa]?|tampoco"
    r"|non|senza|nessun[oa]?|né"
    r"|n[ãa]o|sem|nenhum[a]?|nem"
    r"|geen|niet|nooit|zonder"
    r"|bez|nigdy|[żz]adn\w*|ani"
    r"|ingen|inte|ikke|utan|uden|uten|aldrig|aldri)\b"
)
# Negator-led phrases that still affirm: inability ("can't", "no puedo", "kann nicht"),
# "no longer" ("nicht mehr", "niet meer"), "not only" and "not sure" in each language.
_PSEUDO_NEGATION = re.compile(
    r"\b(?:no longer|not only|not just|not sure|no idea|no matter|not that|no doubt|never mind"
    r"|don't know|didn't know|doesn't matter|not even sure|no way to|can't|cannot|couldn't"
    r"|(?:isn't|is not|wasn't|was not) there"
    r"|(?:ne |n')?(?:peux|peut|pouvais|arrive|arrivais|sais|sait) (?:\w+ )?pas"
    r"|pas (?:seulement|que|s[ûu]re?)"
    r"|(?:kann|kannst|konnte|k[öo]nnte) (?:\w+ ){0,3}(?:nicht|kaum)|nicht (?:nur|mehr|sicher)"
    r"|wei(?:ß|ss) (?:\w+ )?nicht|keine ahnung"
    r"|no (?:puedo|pude|pod[íi]a|puede|consigo|logro|s[ée]|s[óo]lo|estoy segur[oa])"
    r"|non (?:riesco|riuscivo|posso|potevo|so|solo|sono sicur[oa])"
    r"|n[ãa]o (?:consigo|conseguia|posso|sei|s[óo]|tenho certeza)"
    r"|kan (?:\w+ )?niet|niet (?:alleen|meer|zeker)|weet (?:\w+ )?niet"
    r"|nie (?:mog[ęe]|mo[żz]e|mog[łl]\w*|umiem|wiem|tylko|jestem pewn\w*))\b"
)
_HYPOTHETICAL = re.compile(
    r"\b(?:what if|in case|if (?:i|you|he|she|they|someone|somebody|one|it|a person|my|your)"
    r" (?:\w+ )?(?:ever |were to |was to |should |did |does |do |had )?"
    r"(?:get|gets|got|develop|develops|developed|start|starts|started|have|has|had|notice"
    r"|notices|noticed|experience|experienced|feel|feels|felt)"
    r"|what (?:should|do|would|could) (?:i|you|we|one) do if|if (?:\w+ ){0,2}ever|if your?$"
    r"|if (?:i|he|she|they|someone|somebody|anyone|one|a person)$"
    r"|hypothetically|suppose|supposing|let's say|imagine"
    # "warning signs like ..." is general; "I've got symptoms like ..." is the reader's own
    r"|(?<!got )(?<!have )(?<!having )(?<!get )(?:signs?|symptoms?|things) like"
    r"|(?:a|your|the) (?:post|article|video|blog|piece) (?:on|about)"
    # "does a fever ...", "can sciatica cause ..." right before the sign ask in general
    r"|(?:does|do) (?:a|an|any)$"
    r"|(?:can|could|does|do|would|will|might|may) (?:\w+ ){1,3}(?:cause|lead to|give you|bring on)$"
    r"|signs? of|symptoms? of|watch (?:out )?for|look out for|when to worry|warning signs?"
    r"|red flags?|risk of|to prevent|such as|read about|heard (?:about|that)|i know|i've read"
    r"|i read|i've heard|aware that"
    # the same in French, German, Spanish, Italian, Portuguese, Dutch and Polish
    r"|et si|si jamais|au cas o[ùu]|signes? d[e']"
    r"|was w[äa]re wenn|falls (?:ich|du|er|sie|man)|im falle?|anzeichen (?:f[üu]r|von)"
    r"|y si|por si|en caso de|si alguna vez|s[íi]ntomas? de"
    r"|e se (?:eu|io|mi|tiver|avessi|dovessi)|nel caso|se mai|in caso di|sintomi di"
    r"|caso eu|sinais de|wat als|stel dat|voor het geval|a co je[śs]li|w razie|gdyby\w*)\b"
)
# A clause ends at punctuation, at "but/just/now/since" and their equivalents, after a bare
# negator ("I'm not, numb ...") and at a comma opening a new subject (", it's constant").
_SCOPE_END = re.compile(
    r"[.;:!?\n]|(?<=\bno),|(?<=\bnot),|(?<=n't),"
    r"|,(?=\s*(?:it|it's|i|i'm|i've|i'd|he|he's|she|she's|they|we|this|that|my|his|her|j'\w+"
    r"|je|ich|yo|io|eu|ik)\b)"
    r"|\b(?:but|however|although|though|except|yet|apart from|aside from|other than"
    r"|still|just|only|now|because|which|who|then|whereas|while|and now|until|since"
    r"|mais(?= (?:j'|je |il |elle |on |ma |mon |mes |c'|ça ))|juste|seulement|maintenant|aber"
    r"|sondern|jedoch|nur|jetzt|pero|sino|solo|s[óo]lo|ahora|per[òo]|adesso|por[ée]m|só|agora"
    r"|maar|alleen|ale|tylko|teraz)\b"
)
# "is fine" right after a sign negates it, but not across a sentence end, and "ok to
# swim?" asks rather than reassures. Turkish negates after the noun ("ateşim yok").
_POST_NEGATION = re.compile(
    r"^[^\w.?!;]*(?:(?:(?:is|are|was|were|seems?|feels?|has been|have been|'s|'re)\W+"
    r"(?:(?:all|both|totally|completely|perfectly|still|now)\W+)?"
    r"(?:normal|good|negative|clear|gone|resolved|cleared|not affected|not a problem|not an issue))"
    r"|(?:(?:is|are|was|were|seems?|feels?|has been|have been|'s|'re|all|both|totally|completely"
    r"|perfectly|still)\W+){0,2}(?:fine|(?:ok|okay)(?!\W+to\b)|unaffected|no problem"
    r"|never an issue|went away|back to normal)|yok|de[ğg]il)\b"
)
# The reader speaking of themself, in English and the other languages above.
_FIRST_PERSON = re.compile(
    r"\b(?:i|my|me|i've|i'm|i'd|myself|j'ai|je|moi|mon|ma|mes|ich|mein\w*|mir|mich|yo|tengo|mi|mis"
    r"|io|ho|mio|mia|eu|meu|minha|tenho|ik|mijn|m'n|mam|mnie|moja|m[óo]j|moje)\b"
)
_PRE_WINDOW_WORDS = 6


_ESCAPE_OR_TEXT = re.compile(r"\\.|[^\\]+")


def _flag_pattern(phrases: Sequence[str]) -> re.Pattern:
    """Compile red-flag phrases like `_term_pattern`, for text `find_red_flags` has already
    lower-cased: phrases are folded here (escapes such as \\W kept), and the pattern does
    without IGNORECASE, which halves the matching time of these long alternations."""
    folded = [
        _ESCAPE_OR_TEXT.sub(lambda m: m[0] if m[0].startswith("\\") else m[0].lower(), p)
        for p in phrases
    ]
    return re.compile(_term_pattern(folded).pattern)


def _expand_terms(phrases: Sequence[str], shared: dict) -> list[str]:
    """Replace ``@name`` references with the shared term list of that name."""
    out = []
    for phrase in phrases:
        if phrase.startswith("@"):
            out.extend(shared[phrase[1:]])
        else:
            out.append(phrase)
    return out


def compile_red_flags(vocabulary: dict) -> tuple[RedFlag, ...]:
    """Compile the red-flag vocabulary into matchers, in file order."""
    shared = vocabulary.get("terms", {})
    flags = []
    for code, spec in vocabulary["flags"].items():
        any_terms = _expand_terms(spec.get("any", []), shared)
        unless = spec.get("unless_before", [])
        others = spec.get("others_before", [])
        unless_anywhere = spec.get("unless", [])
        past = _expand_terms(spec.get("past", []), shared)
        flags.append(
            RedFlag(
                code=code,
                name=spec["name"],
                rationale=spec["rationale"],
                any=_flag_pattern(any_terms) if any_terms else None,
                near=tuple(_flag_pattern(_expand_terms(g, shared)) for g in spec.get("near", [])),
                within=int(spec.get("within", 0)),
                whole_comment=spec.get("scope", "sentence") == "comment",
                also=tuple(_flag_pattern(_expand_terms([t], shared)) for t in spec.get("also", [])),
                unless=_flag_pattern(unless_anywhere) if unless_anywhere else None,
                unless_before=_flag_pattern(unless) if unless else None,
                others_before=_flag_pattern(others) if others else None,
                past=_flag_pattern(past) if past else None,
            )
        )
    return tuple(flags)


@cache
def shipped_red_flags() -> tuple[RedFlag, ...]:
    """Return the reviewed red flags shipped with the package, compiled once."""
    return compile_red_flags(read_vocabulary(RED_FLAGS_FILE))


@lru_cache(maxsize=8)
def _scope_ends(text: str) -> tuple[int, ...]:
    """Return the offsets where the clauses of `text` end (computed once per text)."""
    return tuple(m.end() for m in _SCOPE_END.finditer(text))


def _scope_start(text: str, start: int) -> int:
    """Return where the clause holding position `start` begins."""
    ends = _scope_ends(text)
    i = bisect_right(ends, start)
    return ends[i - 1] if i else 0


_HYPHEN_INSIDE_WORD = re.compile(r"(?<=\w)-(?=\w)")
#: How far before a span its negation window reaches, in characters (a few words).
_PRE_WINDOW_CHARS = 240
#: How far from a sign a date may sit and still date it ("chest pain 4 years ago").
_PAST_REACH = 40
#: Words that make a sign current whatever date its clause also names.
_CURRENT = re.compile(
    r"\b(?:now|still|currently|today|tonight|yesterday|this (?:week|morning|evening)"
    r"|worse|worsening|getting|keeps?|kept|started|starting|since|again|anymore|any more"
    # a comparison with the old episode: the sign itself is current
    r"|than|unlike|nothing like|not like|compared)\b"
)
_ONGOING_SINCE = re.compile(r"\bsince\W*$")


def _window_before(text: str, span: tuple[int, int], ignore=()) -> str:
    """Return the last few words of the clause before a span, partner spans blanked."""
    start = span[0]
    # the window is a few words: a long clause is read only near the span
    begin = max(_scope_start(text, start), start - _PRE_WINDOW_CHARS)
    before = list(text[begin:start])
    for other_start, other_end in ignore:
        for i in range(max(other_start, begin), min(other_end, start)):
            before[i - begin] = " "
    # "non-stop", "non-specific": a hyphenated word is one word, not the negator "non"
    joined = _HYPHEN_INSIDE_WORD.sub("", "".join(before))
    return " ".join(_WORD.findall(joined)[-_PRE_WINDOW_WORDS:])


def _clause_end(text: str, end: int) -> int:
    """Return where the clause holding position `end` ends."""
    found = _SCOPE_END.search(text, end)
    return found.start() if found else len(text)


def _in_the_past(text: str, span: tuple[int, int], flag: RedFlag) -> bool:
    """Whether a sign is dated to an old episode right beside it ("chest pain 4 years ago").

    Only a date within a few words of the sign, in its clause, counts, and never in a
    clause that says the sign is current ("now", "still", "worse", "since"): a missed
    emergency costs more than one extra flag.
    """
    if flag.past is None:
        return False
    begin = max(_scope_start(text, span[0]), span[0] - _PAST_REACH)
    end = min(_clause_end(text, span[1]), span[1] + _PAST_REACH)
    if _ONGOING_SINCE.search(text, max(0, begin - 12), begin):
        return False  # "since my op in 2021 ...": dated start of something still going on
    if _CURRENT.search(text, _scope_start(text, span[0]), _clause_end(text, span[1])):
        return False
    return bool(flag.past.search(text, begin, end))


def _affirmed(text: str, span: tuple[int, int], flag: RedFlag, ignore=()) -> bool:
    """Whether a matched sign is asserted: not negated, not hypothetical, not ruled out,
    not dated to a past episode.

    `ignore` holds spans of the same match (a partner phrase) that are not context.
    """
    window = _window_before(text, span, ignore)
    if _NEGATION.search(_PSEUDO_NEGATION.sub(" ", window)) or _HYPOTHETICAL.search(window):
        return False
    if flag.unless_before and flag.unless_before.search(window):
        return False
    if _in_the_past(text, span, flag):
        return False
    return not _POST_NEGATION.match(text[span[1] : span[1] + 60])


def _someone_elses(text: str, span: tuple[int, int], flag: RedFlag) -> bool:
    """Whether a sign is introduced as a relative's or friend's ("my mum had cancer")."""
    return bool(flag.others_before and flag.others_before.search(_window_before(text, span)))


def _sentence_bounds(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the sentences of `text`."""
    bounds, start = [], 0
    for separator in _SENTENCE_SPLIT.finditer(text):
        bounds.append((start, separator.start()))
        start = separator.end()
    bounds.append((start, len(text)))
    return bounds


def _words_between(starts: Sequence[int], a: tuple[int, int], b: tuple[int, int]) -> int:
    """Count the words strictly between two spans, in either order, from the sorted word
    start offsets of their text."""
    first, second = sorted([a, b])
    if second[0] <= first[1]:
        return 0
    return bisect_left(starts, second[0]) - bisect_left(starts, first[1])


def _match_flag(flag: RedFlag, text: str, sentences) -> tuple[str, ...] | None:
    """Return the evidence of the first affirmed match of one flag, or None."""
    if flag.unless and flag.unless.search(text):
        return None
    found: list[str] = []
    others, sign_end = False, 0
    for pattern in [flag.any] if flag.any else flag.near[:1] if len(flag.near) == 1 else []:
        # the reader's own sign wins over a relative's mentioned first ("Mum had breast
        # cancer and I had a melanoma removed"); a relative's is kept as the fallback
        for m in itertools.islice(pattern.finditer(text), _MAX_MENTIONS):
            if not _affirmed(text, m.span(), flag):
                continue
            theirs = _someone_elses(text, m.span(), flag)
            if not found or not theirs:
                found, others, sign_end = [m.group(0)], theirs, m.end()
            if not theirs:
                break
    if not found and len(flag.near) == 2:
        found = _match_pair(flag, text, [(0, len(text))] if flag.whole_comment else sentences)
    if not found:
        return None
    for pattern in flag.also:
        partner = next(
            (
                m.group(0)
                for m in pattern.finditer(text)
                if _affirmed(text, m.span(), flag)
                # a relative's history counts only with their own pain, not "my back"
                and not (others and _speaks_of_self(text, sign_end, m.span(), sentences))
            ),
            None,
        )
        if partner is None:
            return None
        found.append(partner)
    return tuple(dict.fromkeys(found))


def _speaks_of_self(text: str, sign_end: int, span: tuple[int, int], sentences) -> bool:
    """Whether the reader speaks of themself before a partner phrase: in its clause, or in
    its sentence after the relative's sign ("Mum had cancer; I just have back ache")."""
    if _FIRST_PERSON.search(_window_before(text, span)):
        return True
    start = max([lo for lo, _ in sentences if lo <= span[0]] + [sign_end])
    return start < span[0] and bool(_FIRST_PERSON.search(text, start, span[0]))


#: Mentions of one phrase list read per sentence when pairing them.
_MAX_MENTIONS = 40


def _match_pair(flag: RedFlag, text: str, sentences) -> list[str]:
    """Find two phrases, one from each `near` list, close together in one sentence."""
    for lo, hi in sentences:
        segment = text[lo:hi]
        firsts = [(m.span(), m.group(0)) for m in flag.near[0].finditer(segment)]
        if not firsts:
            continue
        seconds = [(m.span(), m.group(0)) for m in flag.near[1].finditer(segment)]
        # a sentence repeating a phrase hundreds of times is not a reader's question:
        # the first mentions are enough, and the pairs stay few
        firsts, seconds = firsts[:_MAX_MENTIONS], seconds[:_MAX_MENTIONS]
        starts = [m.start() for m in _WORD.finditer(segment)]
        for a, a_text in firsts:
            for b, b_text in seconds:
                overlapping = a[0] < b[1] and b[0] < a[1]
                too_far = not flag.whole_comment and _words_between(starts, a, b) > flag.within
                if overlapping or too_far:
                    continue
                if _affirmed(segment, a, flag, ignore=[b]) and _affirmed(
                    segment, b, flag, ignore=[a]
                ):
                    return [a_text, b_text] if a[0] <= b[0] else [b_text, a_text]
    return []


def find_red_flags(text: str, flags: Sequence[RedFlag] | None = None) -> list[RedFlagMatch]:
    """Return the red flags a comment affirms, one per flag, negations and hypotheticals skipped.

    "numbness down there" matches; "no numbness", "never had a fever", "my bladder is
    fine", "pas de fièvre", "what if I get chest pain" and "chest pain 4 years ago" do not.
    """
    flags = shipped_red_flags() if flags is None else flags
    lowered = clean_text(text).lower()
    sentences = _sentence_bounds(lowered)
    matches = []
    for flag in flags:
        evidence = _match_flag(flag, lowered, sentences)
        if evidence:
            matches.append(RedFlagMatch(flag.code, flag.name, flag.rationale, evidence))
    return matches


def red_flag_reason(match: RedFlagMatch) -> Reason:
    """Turn a red-flag match into the reason shown to the author."""
    return Reason(
        code="red_flag",
        message=(
            f"Red flag: {match.name}. {match.rationale} Reply first and point the reader "
            "to a doctor (or emergency care) rather than to exercises."
        ),
        weight=1.0,
        evidence=match.evidence,
        source=REASON_SOURCE,
    )


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
        self.steps = []
        offset = 0
        for name, step in union.transformer_list:
            weight = float(weights.get(name, 1.0))
            if isinstance(step, CueFeatures):
                width = len(step.feature_names_)
                self.steps.append(("cues", step, offset, width, weight))
            elif (
                isinstance(step, HashingVectorizer)
                and not step.alternate_sign
                and not step.binary
                and step.norm in ("l2", None)
                and np.dtype(step.dtype) == np.float64
            ):
                width = step.n_features
                self.steps.append(
                    ("hashed", step.build_analyzer(), offset, width, weight, step.norm)
                )
            else:
                raise ValueError(f"no direct scoring for the {name!r} step")
            offset += width
        if offset != self.coef.shape[0]:
            raise ValueError("the feature widths do not match the classifier")

    def decision(self, text: str) -> float:
        """Return the linear model's decision value for one text."""
        total = self.intercept
        for kind, part, offset, width, weight, *rest in self.steps:
            if kind == "cues":
                values = np.asarray(cue_features(part.matcher_, text), dtype=np.float64)
                total += weight * float(self.coef[offset : offset + width] @ values)
                continue
            counts: dict[int, int] = {}
            for feature in part(text):
                bucket = abs(murmurhash3_32(feature, seed=0)) % width
                counts[bucket] = counts.get(bucket, 0) + 1
            if not counts:
                continue
            values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts)) + offset
            dot = float(self.coef[columns] @ values)
            if rest[0] == "l2":
                dot /= math.sqrt(float(values @ values))
            total += weight * dot
        return total

    def probability(self, text: str) -> float:
        """Return the calibrated probability for one text."""
        return float(expit(-(self.a * self.decision(text) + self.b)))


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
        cues = _cue_step(pipeline)
        weights = pipeline.named_steps["features"].transformer_weights or {}
        coef = np.ravel(_linear_model(pipeline).coef_)[: len(cues.feature_names_)]
        self._cue_coef = coef * weights.get("cues", 1.0)
        self._cue_names = list(cues.feature_names_)
        try:
            self._direct: LinearScorer | None = LinearScorer(pipeline)
        except (AttributeError, KeyError, TypeError, ValueError):
            self._direct = None  # an unusual pipeline: score it through scikit-learn

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Return the calibrated medical-question probability of each text."""
        if not texts:
            return np.zeros(0)
        if self._direct is not None and len(texts) <= DIRECT_BATCH:
            return np.array([self._direct.probability(t) for t in texts])
        return self.pipeline.predict_proba(list(texts))[:, 1]

    def triage(self, comment: Comment) -> Triage:
        """Score one comment and explain the score."""
        return self.triage_many([comment])[0]

    def triage_many(self, comments: Sequence[Comment]) -> list[Triage]:
        """Score many comments in one pass of the model."""
        texts = [c.content for c in comments]
        scores = self.scores(texts)
        return [
            self._explain(text, float(score)) for text, score in zip(texts, scores, strict=True)
        ]

    def _group_weight(self, values: np.ndarray, prefixes: Sequence[str]) -> float:
        """Sum the linear contributions of the hand-built features with the given prefixes."""
        total = 0.0
        for name, coef, value in zip(self._cue_names, self._cue_coef, values, strict=True):
            if name.startswith(tuple(prefixes)):
                total += coef * value
        return total

    def _explain(self, text: str, score: float) -> Triage:
        """Build the triage of one comment from its score, cues and red flags.

        A comment that asks something and affirms a red flag needs a reply whatever its
        score: a missed emergency costs more than one extra flag. A flagged comment with
        a red flag is urgent even when its request has no question form.
        """
        cues = _cue_step(self.pipeline)
        sentences = cues.matcher_.analyse(text)
        values = np.asarray(cue_features(cues.matcher_, text))
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
