"""The phrase scan: the strings it requires are truly required, and it answers what one
alternation of the same phrases answers."""

from __future__ import annotations

import re

import pytest

from moderator.medical.phrase_scan import (
    _SHORTEST_GUARD,
    PhraseScan,
    _without_captures,
    required_of,
    scan_source,
)
from moderator.text.required import required_strings
from moderator.text.vocabulary import any_phrase_pattern, starts_pattern, term_source

#: Phrases of the kinds the vocabularies hold, with texts that match them and texts that
#: come close.
PHRASES = [
    r"[a-z]{2,}itis",
    r"\w*schmerz",
    r"[șş]old(ul|uri|urile)",
    r"\d+ (days?|weeks?|months?) (ago|now)",
    r"(?<!ice )creams?(?! cheese)",
    r"[a-z]{3,}(cillin|mycin|[a-z]apine|(?<!g)azine)",
    r"(lower|upper) back",
    r"\btia\b",
    "chest pain",
    "^was hilft",
]
TEXTS = [
    "my tendonitis is back, and bursitis too",
    "rückenschmerzen seit 3 tagen; schmerz im knie",
    "mă doare șoldul și şolduri",
    "it started 3 days ago and 2 weeks now, not days ago",
    "ice cream, cream cheese, a steroid cream and creams",
    "amoxicillin, olanzapine, promethazine, magazine",
    "lower back and upper back pain",
    "a tia last week; tiara",
    "was hilft gegen chest pain?",
    "nothing here at all",
    "",
]


@pytest.mark.parametrize("plural", [True, False])
def test_the_scan_answers_as_one_alternation(plural):
    """Starts and "anywhere" are the alternation's, whichever phrases were set aside."""
    scan = PhraseScan(PHRASES, plural=plural)
    assert scan.guarded, "the classes and groups are set aside"
    starts = any_phrase_pattern([PHRASES]) if plural else None
    together = re.compile(term_source(PHRASES, plural))
    for text in TEXTS:
        if starts is not None:
            assert scan.starts(text) == [m.start() for m in starts.finditer(text)], text
        assert scan.search(text) == (together.search(text) is not None), text


def test_a_scan_of_no_phrases_finds_nothing():
    """An empty list (a vocabulary without red flags) never says "maybe"."""
    scan = PhraseScan([])
    assert scan.starts("chest pain") == []
    assert not scan.search("chest pain")


def test_the_strings_phrases_require_are_in_every_text_one_matches():
    """A text holding none of them holds no match of any phrase; None when one phrase
    requires none."""
    guarded = [p for p in PHRASES if required_strings(p, shortest=_SHORTEST_GUARD) is not None]
    needs = required_of(guarded)
    for text in TEXTS:
        if any(re.search(p, text) for p in guarded):
            assert any(n in text for n in needs), text
    assert not any(n in "nothing here at all" for n in needs)
    assert required_of([*guarded, r"[a-z]+"]) is None


@pytest.mark.parametrize("plural", [True, False])
def test_the_scan_source_matches_where_the_term_source_does(plural):
    """Grouped character by character and capturing nothing, the scan's alternation
    starts a match at the very positions the vocabulary's own does."""
    phrases = [*PHRASES, "chest tightness", "chest", "(sharp|dull) pain", "^is (it|this) normal"]
    scan = starts_pattern(scan_source(phrases, plural))
    plain = starts_pattern(term_source(phrases, plural))
    assert scan.groups == 0 and plain.groups > 0
    for text in [*TEXTS, "chest tightness and a sharp pain", "is it normal? is this normal"]:
        assert [m.start() for m in scan.finditer(text)] == [
            m.start() for m in plain.finditer(text)
        ], text


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (r"(a|b)c", r"(?:a|b)c"),
        (r"\(x\)[(]y(?<!z)", r"\(x\)[(]y(?<!z)"),
        (r"((a)b)?", r"(?:(?:a)b)?"),
        (r"(a)\1", r"(a)\1"),
    ],
)
def test_without_captures_leaves_escapes_classes_and_back_references(source, expected):
    """Only the groups themselves change; a pattern that refers back keeps its groups."""
    assert _without_captures(source) == expected


def test_the_set_aside_phrases_tried_are_those_whose_strings_the_text_holds():
    """Read from the longest string at each position and what it begins with: the very
    phrases whose required strings the text holds, overlapping ones too."""
    scan = PhraseScan([*PHRASES, r"\w*schmerzen", r"[a-z]+ache", r"[a-z]+aches?x"])
    texts = [*TEXTS, "rückenschmerzen", "headaches and a backachex", "schmerzschmerz"]
    for text in texts:
        expected = [g for g in scan.guarded if any(need in text for need in g.needs)]
        assert scan._present(text) == expected, text
