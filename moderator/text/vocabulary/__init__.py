"""The reviewed vocabularies: TOML files beside this module, and how their phrases compile.

`medical_terms.toml` and `question_cues.toml` feed the medical model's readable
features, with `drug_names.txt` (a plain list, see its header for its sources);
`red_flags.toml` holds the urgent signs with their rationale; `spam_hosts.toml`
lists the link shorteners, risky domain endings, shared and reference hosts the spam
features know; `product_names.txt` the software names written like a bare address
("asp.net", "socket.io") that the tokenizer reads as words, not links.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from itertools import pairwise
from pathlib import Path

from moderator.ml.modelfile import ModelError

DIR = Path(__file__).parent
MEDICAL_TERMS_FILE = DIR / "medical_terms.toml"
QUESTION_CUES_FILE = DIR / "question_cues.toml"
RED_FLAGS_FILE = DIR / "red_flags.toml"
SPAM_HOSTS_FILE = DIR / "spam_hosts.toml"
SAFETY_LINES_FILE = DIR / "safety_lines.toml"
DRUG_NAMES_FILE = DIR / "drug_names.txt"
PRODUCT_NAMES_FILE = DIR / "product_names.txt"


def read_vocabulary(path: Path) -> dict:
    """Read a TOML vocabulary file, raising ModelError with the file named when broken."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(f"vocabulary {path} is unreadable ({exc})") from exc


def read_word_list(path: Path) -> list[str]:
    """Read a plain word list (one a line, ``#`` comments), raising ModelError when unreadable."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"vocabulary {path} is unreadable ({exc})") from exc
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def term_pattern(
    phrases: Iterable[str], plural: bool = False, ignore_case: bool = True
) -> re.Pattern:
    """Compile vocabulary phrases into one word-bounded alternation.

    The vocabulary is written in lower case: a pattern compiled without `ignore_case`
    matches lower-cased text, about twice as fast as a case-blind one. Phrases that
    open with a plain letter or digit are grouped by it (see `_by_first_character`).
    """
    flags = re.IGNORECASE if ignore_case else 0
    return re.compile(term_source(phrases, plural), flags)


def term_source(phrases: Iterable[str], plural: bool = False) -> str:
    """Return the source of `term_pattern`'s regular expression, uncompiled.

    Compiling one of these alternations is most of a process's start-up: a caller that
    needs other flags compiles this source once, not `term_pattern`'s result again.
    """
    suffix = r"(?:e?s)?" if plural else ""
    alternation = _by_first_character(sorted(phrases, key=len, reverse=True))
    return rf"(?<!\w)(?<!\w')(?:{alternation}){suffix}(?!\w)(?!'\w)"


def any_phrase_pattern(phrase_lists: Iterable[Iterable[str]]) -> re.Pattern:
    """Compile several phrase lists into one scan that matches, empty, at every position
    where a `term_pattern` of any one list would match (with or without plurals, on
    lower-cased text).

    One pass then tells where a text may hold a phrase of any list: a text that holds
    none costs that pass alone, not one per list, and the lists need trying only at the
    positions found (`matches_at`). It may also match where no list does (a plural of a
    list compiled without), so a match means "try the lists here", never "found".
    """
    phrases = [phrase for phrases in phrase_lists for phrase in phrases]
    return starts_pattern(term_source(phrases, plural=True))


def starts_pattern(source: str) -> re.Pattern:
    """Compile a pattern that matches, empty, at every position where `source` matches:
    its `finditer` lists every such position, overlapping ones too."""
    return re.compile(f"(?={source})")


def matches_at(pattern: re.Pattern, text: str, starts: Sequence[int]) -> list[re.Match]:
    """Return what `pattern.finditer(text)` yields, trying the pattern only at `starts`.

    `starts` (in order) must hold every position where `pattern` can match, as a
    `starts_pattern` of a superset of its phrases finds them: the matches are then the
    very same (lookbehinds, "^" and "\\b" read the whole text either way). An empty
    match hands the work back to `finditer`, whose rules for them are its own.
    """
    found: list[re.Match] = []
    end = 0
    for start in starts:
        if start >= end and (match := pattern.match(text, start)):
            if match.end() == start:
                return list(pattern.finditer(text))
            found.append(match)
            end = match.end()
    return found


#: Openings of phrases found inside a word ("\w*schmerz"), grouped behind one opening.
_IN_WORD = ("\\w*", "\\w+")
#: What a phrase opening with "^" requires before it: the start of the sentence (after
#: any punctuation), of a clause after ", " "; " ": ", or a Spanish "¿" "¡". Statements in
#: many languages use a question's words in its order ("Morgen muss ich zum Arzt").
CLAUSE_START = r"(?:^\W*|(?<=[,;:] )|(?<=[¿¡]))"


def _structure(phrase: str):
    """Yield (position, character, depth) for each "(", ")" and "|" of a phrase that is
    not escaped nor inside a character class; depth counts the groups open before it."""
    depth, escaped, in_class, class_start = 0, False, False, -1
    for i, char in enumerate(phrase):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            # a "]" first in a class ("[]x]", "[^]x]") is a member, not its end
            opening = i == class_start or (i == class_start + 1 and phrase[class_start] == "^")
            in_class = char != "]" or opening
        elif char == "[":
            in_class, class_start = True, i + 1
        elif char in "()|":
            depth -= char == ")"
            yield i, char, depth
            depth += char == "("


def _opens_with_literal(phrase: str) -> bool:
    """Whether a phrase's first character is a plain letter or digit it always starts with:
    not quantified ("a?b"), not an escape or a group, no top-level "|" ("pain|ache")."""
    if not phrase[:1].isalnum() or phrase[1:2] in ("?", "*", "+", "{"):
        return False
    return not any(char == "|" and depth == 0 for _, char, depth in _structure(phrase))


def _split_leading_group(phrase: str) -> list[str]:
    """Split a phrase that opens with a plain group of alternatives into one phrase per
    alternative ("(soll|muss) ich" -> "soll ich", "muss ich"), so each can be grouped by
    its first character; the same text matches. Anything else comes back whole."""
    if not phrase.startswith("(") or phrase.startswith("(?"):
        return [phrase]
    bars = []
    for i, char, depth in _structure(phrase):
        if char == "|" and depth == 1:
            bars.append(i)
        elif char == ")" and depth == 0:
            rest = phrase[i + 1 :]
            bounds = [0, *bars, i]
            alternatives = [phrase[a + 1 : b] for a, b in pairwise(bounds)]
            if rest[:1] in ("?", "*", "+", "{") or not all(alternatives):
                return [phrase]
            return [alternative + rest for alternative in alternatives]
    return [phrase]


def _by_first_character(phrases: list[str]) -> str:
    """Join phrases into one alternation, those opening with the same plain character
    behind that character: "p(?:ain|ains)|(?:\\w*schmerz)" instead of thousands of
    alternatives tried one after the other at every position of the text.

    Phrases found inside a word ("\\w*schmerz", "\\w+säry") are grouped the same way
    behind one "\\w*" or "\\w+", so the word is walked back once for all of them.

    Matching is unchanged except where two phrases match at the same position: the
    phrases of one character keep their order (longest first), but they no longer
    interleave with the phrases that open with a group or an escape.
    """
    return grouped_alternation(phrases, nested=False)


def grouped_alternation(phrases: list[str], nested: bool) -> str:
    """Join phrases into one alternation grouped by their first plain character (see
    `_by_first_character`); `nested` groups each group's tails by their next character
    again, as deep as they open with plain ones (a scan's form: `medical.phrase_scan`)."""
    groups: dict[str, list[str]] = {}
    in_words: dict[str, list[str]] = {}
    rest: list[str] = []
    at_start: list[str] = []
    for phrase in [part for whole in phrases for part in _split_leading_group(whole)]:
        if phrase.startswith("^"):
            at_start.append(phrase[1:])
        elif _opens_with_literal(phrase):
            groups.setdefault(phrase[0], []).append(phrase[1:])
        elif phrase[:3] in _IN_WORD and len(phrase) > 3 and _opens_with_literal(phrase[3:]):
            in_words.setdefault(phrase[:3], []).append(phrase[3:])
        else:
            rest.append(phrase)
    parts = [f"(?:{p})" for p in rest]
    # "^ist (das|es) normal", "^muss ich": the clause-start test once for all of them,
    # not once per phrase at every position of the text.
    if at_start:
        parts.append(f"{CLAUSE_START}(?:{grouped_alternation(at_start, nested)})")
    # "\w*schmerz", "\w*pijn", ...: one pass back over the word for all of them.
    for prefix, tails in in_words.items():
        parts.append(f"{prefix}(?:{grouped_alternation(tails, nested)})")
    for first, tails in groups.items():
        if not nested:
            inner = "|".join(f"(?:{t})" for t in tails)
        else:
            inner = grouped_alternation(tails, nested) if len(tails) > 1 else tails[0]
        parts.append(f"{re.escape(first)}(?:{inner})")
    return "|".join(parts)
