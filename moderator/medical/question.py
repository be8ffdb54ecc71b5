"""Question cues: does a sentence ask something, and which medical words does it use?

The phrases come from `moderator.text.vocabulary`; this module compiles them into the
patterns one `CueMatcher` applies sentence by sentence. Flask-free.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from moderator.medical.phrase_scan import PhraseScan
from moderator.text.tokens import clean_text, split_sentences
from moderator.text.vocabulary import (
    MEDICAL_TERMS_FILE,
    QUESTION_CUES_FILE,
    matches_at,
    read_vocabulary,
    term_pattern,
)

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

#: What the cues add up to: the reason codes of the medical model, which the triage
#: reads too ("question_cue": the comment asks the author something), and the context
#: no reason names (other topics, who speaks).
QUESTION_CUE, MEDICAL_TERMS, CONTEXT = "question_cue", "medical_terms", "context"


@dataclass(frozen=True)
class SentenceCues:
    """What one sentence asks and which medical words it uses."""

    text: str
    question_mark: bool
    cues: dict[str, tuple[str, ...]]
    medical: dict[str, tuple[str, ...]]

    @cached_property  # read by every feature block and the reasons; the fields never change
    def asks(self) -> bool:
        """Whether the sentence asks something (a question mark or any asking cue)."""
        return self.question_mark or any(self.cues.get(f) for f in ASKING_FAMILIES)

    @cached_property
    def medical_count(self) -> int:
        """How many medical phrases the sentence uses."""
        return sum(len(terms) for terms in self.medical.values())


#: Cue families matched as phrase lists (the question forms are patterns of their own).
_PHRASE_FAMILIES = (
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


def _wh_patterns(wh: str) -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    """Compile the wh- question patterns for the alternation `wh` of question words.

    Returns (question, asked, start, bare): `question` asks on its own, `asked` and
    `start` only with a question mark, `bare` is the unpunctuated "what helps ...".
    """
    # Without a question mark a wh- sentence asks only with inversion ("what can I
    # do", "how long does it take"); "what worked was", "when I was" are statements.
    question = re.compile(
        rf"^\W*{_LEAD_WORDS}(?:(?:{wh})\W+(?:on earth\W+)?{_AUX}\W+{_INVERTED_SUBJECT}\b"
        rf"|(?:{wh})\W+(?:long|much|many|often|soon|far|bad|serious|quickly|else)\W+{_AUX}\b"
        rf"|(?:how|what|where|when|which) to\b|what about\b|how about\b)",
        re.IGNORECASE,
    )
    asked = re.compile(
        rf"^\W*{_LEAD_WORDS}(?:{wh})(?:\W+(?!{_PRONOUN}\b)\w+)?\W+(?:{_AUX}\b|to\b|about\b)",
        re.IGNORECASE,
    )
    start = re.compile(rf"^\W*{_LEAD_WORDS}(?:{wh})\b", re.IGNORECASE)
    bare = re.compile(
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
    return question, asked, start, bare


def _yes_no_patterns(yes_no: str) -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    """Compile the yes/no question patterns for the alternation `yes_no` of openers.

    Returns (question, asked, bare, article): `question` asks on its own, `asked` only
    with a question mark; `bare` and `article` are unpunctuated questions as readers
    type them ("does magnesium help cramps", "is a ganglion dangerous").
    """
    question = re.compile(
        rf"^\W*{_LEAD_WORDS}(?:{yes_no})\W+(?:not\W+)?(?!{_NOT_A_SUBJECT}\b){_SUBJECT}\b",
        re.IGNORECASE,
    )
    asked = re.compile(
        rf"^\W*{_LEAD_WORDS}(?:{yes_no})\W+(?:not\W+)?(?!{_NOT_A_SUBJECT}\b)\w+",
        re.IGNORECASE,
    )
    # An auxiliary then a subject of any kind: "is ice or heat better".
    bare = re.compile(
        rf"^\W*{_LEAD_WORDS}{_BARE_AUX}\W+(?!(?:{_NOT_A_SUBJECT}|{_NOT_A_BARE_SUBJECT})\b)"
        rf"\w+\W+\w+",
        re.IGNORECASE,
    )
    article = re.compile(
        rf"^\W*{_LEAD_WORDS}(?:is|are|can|could|should|does|will)\W+(?:a|an)\W+"
        rf"(?!{_NOT_AN_ARTICLE_QUESTION}\b)\w+\W+\w+",
        re.IGNORECASE,
    )
    return question, asked, bare, article


def _clause_pattern(wh: str) -> re.Pattern:
    """Compile the pattern of a question opening a later clause (groups `yes_no`, `wh`)."""
    return re.compile(
        rf"{_CLAUSE_START}(?:(?P<yes_no>{_CLAUSE_AUX}\W+(?:not\W+)?{_CLAUSE_SUBJECT}|{_CLAUSE_DO}"
        rf"|{_CLAUSE_POSSESSIVE_AUX}\W+{_CLAUSE_POSSESSIVE})"
        rf"|(?P<wh>(?:{wh})\W+(?:on earth\W+)?{_AUX}\W+{_INVERTED_SUBJECT}))\b",
        re.IGNORECASE,
    )


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
        self.wh_question, self.wh_asked, self.wh_start, self.wh_bare = _wh_patterns(wh)
        (
            self.yes_no_question,
            self.yes_no_asked,
            self.yes_no_bare,
            self.yes_no_article,
        ) = _yes_no_patterns("|".join(cues["yes_no_start"]))
        self.clause_question = _clause_pattern(wh)
        self.families = {
            name: term_pattern(cues[name], ignore_case=False) for name in _PHRASE_FAMILIES
        }
        #: One scan each for "any family's phrase" and "any medical term": most sentences
        #: hold neither, and then the patterns one by one need not run. (Plurals too: the
        #: scans may say "maybe" where a list compiled without them matches nothing.)
        self._any_family = PhraseScan(
            (p for name in _PHRASE_FAMILIES for p in cues[name]), plural=True
        )
        self._any_term = PhraseScan(
            (p for phrases in vocabulary["medical"].values() for p in phrases), plural=True
        )

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
        if len(lowered) != len(text):  # a letter whose lower case is longer ("İ")
            lowered = text
            families, terms = self._case_blind
            family_starts = term_starts = None
        else:
            # where any family's phrase, any medical term may start: most sentences hold
            # none, and the others are tried only there
            family_starts = self._any_family.starts(lowered)
            term_starts = self._any_term.starts(lowered)
            families = self.families if family_starts else {}
            terms = self.medical if term_starts else {}
        for name, pattern in families.items():
            skip = _NOT_THIS_FAMILY.get(name)
            found = tuple(
                text[m.start() : m.end()]
                for m in _finditer(pattern, lowered, family_starts)
                if skip is None or not skip(lowered, m.start(), m.end())
            )
            if found:
                cues[name] = found
        medical = {}
        for name, pattern in terms.items():
            found = tuple(
                text[m.start() : m.end()] for m in _finditer(pattern, lowered, term_starts)
            )
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
        return self._analyse(cleaned_text(text))

    @lru_cache(maxsize=32)  # noqa: B019 - one matcher per vocabulary, kept for the process
    def _analyse(self, cleaned: str) -> tuple[SentenceCues, ...]:
        sentences = split_sentences(cleaned) or [""]
        return tuple(self.sentence(s) for s in sentences)


_MATCHERS: dict[str, CueMatcher] = {}


@lru_cache(maxsize=64)
def cleaned_text(text: str) -> str:
    """Return `clean_text(text)`, remembered for the last few comments: the cues and the
    red flags of one comment read the same cleaned text, cleaned once."""
    return clean_text(text)


def _finditer(pattern: re.Pattern, text: str, starts: list[int] | None):
    """Return the matches of `pattern` in `text`, tried only at `starts` when known."""
    return pattern.finditer(text) if starts is None else matches_at(pattern, text, starts)


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
