"""The strings a pattern requires: every match holds one, and where a match may go
without, none is claimed."""

from __future__ import annotations

import re

import pytest

from moderator.text.required import StringPresence, any_string_pattern, required_strings
from tests.medical.test_phrase_scan import PHRASES, TEXTS


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        (r"[a-z]{2,}itis", {"itis"}),
        (r"\w*schmerz", {"schmerz"}),
        (r"[șş]old(ul|uri|urile)", {"șoldul", "şoldul", "șolduri", "şolduri"}),
        (r"\d+ (days?|weeks?) ago", {" day ago", " days ago", " week ago", " weeks ago"}),
        (r"(?<!ice )creams?(?! cheese)", {"cream"}),
        (r"[a-z]{3,}(cillin|[a-z]apine|(?<!g)azine)", {"cillin", "apine", "azine"}),
    ],
)
def test_required_strings_are_read_from_the_phrase(phrase, expected):
    """A class, a lookaround or a repeat is passed over; plain runs, small classes and
    groups of plain alternatives are spelled out."""
    assert required_strings(phrase) == expected


@pytest.mark.parametrize(
    "phrase",
    [
        r"\d+ ?(iu|ius)",  # "iu" alone is shorter than asked for (3)
        r"[a-z]+",
        r"(?i:painful)",  # either case: "PAIN" is no plain string
        r"(pain|\w+)",  # one alternative requires nothing
        r"(a",  # not a pattern
    ],
)
def test_phrases_without_a_telling_string_have_none(phrase):
    """Nothing is required when a match may go without it."""
    assert required_strings(phrase, shortest=3) is None


@pytest.mark.parametrize("phrase", PHRASES)
def test_every_match_holds_a_required_string(phrase):
    """What a phrase is set aside behind, each of its matches holds."""
    needs = required_strings(phrase, shortest=3)
    pattern = re.compile(phrase)
    for text in TEXTS:
        for match in pattern.finditer(text):
            assert needs is None or any(n in match.group(0) for n in needs), (phrase, text)


def test_a_short_string_is_claimed_only_when_asked_for():
    assert required_strings(r"\w+@\w+") == {"@"}
    assert required_strings(r"\w+@\w+", shortest=2) is None


def test_flags_are_read_like_the_compiler_reads_them():
    """A pattern compiled case-blind requires no plain string; a verbose one is read
    without its layout spaces."""
    assert required_strings("abc", re.IGNORECASE) is None
    assert required_strings("a b c", re.VERBOSE) is None  # refused, never misread


def test_one_search_finds_any_of_the_strings():
    search = any_string_pattern(["itis", "schmerz", "ivy"])
    assert search.search("my tendonitis") and search.search("poison ivy")
    assert not search.search("nothing here")
    assert not any_string_pattern([]).search("anything")


def test_presence_finds_every_listed_string_a_text_holds():
    """Strings that begin alike, that hold one another, that overlap, shorter than the
    index's prefix, at the very start and end: each found exactly when it is there."""
    listed = ["pain", "painful", "chest pain", "in", "ain", "ful", "x", "chest", "st p", "ulx"]
    presence = StringPresence(listed)
    texts = [
        "",
        "chest painful",
        "painfulx",
        "a sore chest, no pain",
        "PAIN",  # case matters: the caller lowers the text first
        "nothing",
        "ful",
    ]
    for text in texts:
        assert presence.present(text) == {s for s in listed if s in text}, text


def test_presence_agrees_with_plain_containment_on_random_texts():
    import random

    rng = random.Random(7)
    alphabet = "abc "
    listed = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) for _ in range(60)}
    presence = StringPresence(listed)
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert presence.present(text) == {s for s in listed if s in text}, text


def test_presence_of_nothing_and_of_the_empty_string():
    assert StringPresence([]).present("anything") == frozenset()
    with pytest.raises(ValueError):
        StringPresence(["", "a"])
