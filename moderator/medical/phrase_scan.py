"""One scan over many reviewed phrases: where any of them may start, whether any occurs.

The medical terms, question cues and red-flag signs are long alternations
(`moderator.text.vocabulary.term_source`). Python's regular expressions try each
alternative at every word: the thousands that open with a plain letter are passed over
on that letter almost for free, but the few dozen that open with a class, a group or a
quantifier ("[a-z]{2,}itis", "\\w*schmerz", "\\d+ (days|weeks) ago") are tried in full
at every word, and cost most of the scan.

`PhraseScan` sets each of those aside behind the strings one of which every match of it
must contain ("itis"; "schmerz"; "day", "week" ...), read from the phrase's own parsed
form at load time (`moderator.text.required`), and tries it only on a text holding one
of them. The answers are the very same as one alternation's: a position is a start of
the whole when it is a start of one of its parts. A phrase whose strings cannot be read
stays in the alternation, which is grouped character by character and captures nothing
(`scan_source`): a scan asks where a phrase may start, never which one. Flask-free.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from moderator.text.required import any_string_pattern, required_strings
from moderator.text.vocabulary import (
    _opens_with_literal,
    _split_leading_group,
    _structure,
    grouped_alternation,
    starts_pattern,
)

#: A string shorter than this is in most texts, and guards nothing.
_SHORTEST_GUARD = 3


class _Guarded(NamedTuple):
    """A phrase set aside: the strings one of which its every match holds, its patterns."""

    needs: tuple[str, ...]
    starts: re.Pattern  # matches, empty, where the phrase's term pattern matches


class PhraseScan:
    """Phrase lists compiled into one cheap alternation plus phrases tried only when
    their required strings occur; for lower-cased text, like the lists' own patterns."""

    def __init__(self, phrases: Iterable[str], plural: bool = False):
        cheap: list[str] = []
        self.guarded: list[_Guarded] = []
        for phrase in phrases:
            cheap_anyway = _is_cheap(phrase)
            needs = None if cheap_anyway else required_strings(phrase, shortest=_SHORTEST_GUARD)
            if needs is None:
                cheap.append(phrase)
                continue
            source = scan_source([phrase], plural)
            self.guarded.append(_Guarded(tuple(sorted(needs)), starts_pattern(source)))
        source = scan_source(cheap, plural) if cheap else r"(?!)"
        # one compiled pattern serves both questions: it matches, empty, where a phrase
        # does, so its first match says whether any does (compiling the alternation a
        # second time, bare, cost a few tenths of a second at every start)
        self._starts = starts_pattern(source)
        needs = sorted({need for guarded in self.guarded for need in guarded.needs})
        #: Whether a text holds any required string at all: most hold none.
        self._any_need = any_string_pattern(needs)
        #: The longest required string at each position (the search tries the longest
        #: first), and the required strings each one begins with: every string that
        #: starts at a position is a beginning of the longest one there.
        self._longest_need = re.compile(f"(?=({self._any_need.pattern}))")
        self._beginnings = {
            need: frozenset(other for other in needs if need.startswith(other)) for need in needs
        }

    def _present(self, text: str) -> list[_Guarded]:
        """Return the set-aside phrases whose required strings `text` holds, in order."""
        first = self._any_need.search(text)
        if first is None:
            return []
        held: set[str] = set()
        for match in self._longest_need.finditer(text, first.start()):
            held |= self._beginnings[match.group(1)]
        return [guarded for guarded in self.guarded if not held.isdisjoint(guarded.needs)]

    def starts(self, text: str) -> list[int]:
        """Return, in order and once each, every position where a phrase may match
        (what `any_phrase_pattern`'s scan of the same phrases returns)."""
        starts = [m.start() for m in self._starts.finditer(text)]
        present = self._present(text)
        if not present:
            return starts
        found = set(starts)
        for guarded in present:
            found.update(m.start() for m in guarded.starts.finditer(text))
        return sorted(found)

    def search(self, text: str) -> bool:
        """Whether any phrase matches somewhere in `text`."""
        if self._starts.search(text) is not None:
            return True
        return any(g.starts.search(text) is not None for g in self._present(text))


def scan_source(phrases: Iterable[str], plural: bool = False) -> str:
    """Return a source that matches where `term_source(phrases, plural)` matches, for a
    scan that asks only where: its phrases grouped by their first characters, then by
    the next ones, as deep as they open with plain ones.

    `term_source` groups the phrases by their first character only, and then tries the
    hundreds that open with it one after another at each word; here each word runs down
    one branch per character. Its groups capture nothing: the engine's bookkeeping of a
    few thousand capturing groups was most of a scan's time. Where a phrase may match is
    the same (a match of one phrase is a match of the whole, wherever it sits), though
    which phrase matches first may not be: so this serves the starts and the searches,
    never the matching that quotes what it found.
    """
    suffix = r"(?:e?s)?" if plural else ""
    alternation = grouped_alternation(sorted(phrases, key=len, reverse=True), nested=True)
    return _without_captures(rf"(?<!\w)(?<!\w')(?:{alternation}){suffix}(?!\w)(?!'\w)")


#: A back-reference, which needs the groups it refers to.
_BACK_REFERENCE = re.compile(r"\\[1-9]|\(\?P=")


def _without_captures(source: str) -> str:
    """Return a pattern source with each capturing group made non-capturing (kept as it
    is when it refers back to a group)."""
    if _BACK_REFERENCE.search(source):
        return source
    opens = [i for i, char, _ in _structure(source) if char == "(" and source[i + 1] != "?"]
    pieces = [source[a:b] for a, b in zip([0, *opens], [*opens, len(source)], strict=True)]
    return "(?:".join([pieces[0], *(piece[1:] for piece in pieces[1:])])


def required_of(phrases: Iterable[str]) -> frozenset[str] | None:
    """Return the strings `phrases` require: a text holding none of them holds no match
    of any of them. None when some phrase requires none."""
    needs: set[str] = set()
    for phrase in phrases:
        found = required_strings(phrase, shortest=_SHORTEST_GUARD)
        if found is None:
            return None
        needs |= found
    return frozenset(needs)


def _is_cheap(phrase: str) -> bool:
    """Whether the alternation dispatches a phrase on a plain first letter (or a sentence
    start), as `term_source` groups them: setting it aside would save nothing."""
    # "\\w*schmerz" is no plain letter: it walks back over every word, and is set aside
    return all(p.startswith("^") or _opens_with_literal(p) for p in _split_leading_group(phrase))
