"""One scan over many reviewed phrases: where any of them may start, whether any occurs.

The medical terms, question cues and red-flag signs are long alternations
(`moderator.text.vocabulary.term_source`). Python's regular expressions try each
alternative at every word: the thousands that open with a plain letter are passed over
on that letter almost for free, but the few dozen that open with a class, a group or a
quantifier ("[a-z]{2,}itis", "\\w*schmerz", "\\d+ (days|weeks) ago") are tried in full
at every word, and cost most of the scan.

`PhraseScan` sets each of those aside behind the strings one of which every match of it
must contain ("itis"; "schmerz"; "day", "week" ...), read from the phrase's own parsed
form at load time, and tries it only on a text holding one of them. The answers are the
very same as one alternation's: a position is a start of the whole when it is a start of
one of its parts. A phrase whose strings cannot be read stays in the alternation. Flask-free.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from moderator.text.vocabulary import (
    _opens_with_literal,
    _split_leading_group,
    starts_pattern,
    term_source,
)

try:  # the standard library's own parser of patterns (Python 3.11+), read at load time
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - another Python: every phrase stays in the alternation
    _sre = _sre_parse = None

#: A string shorter than this is in most texts, and guards nothing.
_SHORTEST_GUARD = 3


class _Guarded(NamedTuple):
    """A phrase set aside: the strings one of which its every match holds, its patterns."""

    needs: tuple[str, ...]
    starts: re.Pattern  # matches, empty, where the phrase's term pattern matches
    search: re.Pattern  # the phrase's term pattern


class PhraseScan:
    """Phrase lists compiled into one cheap alternation plus phrases tried only when
    their required strings occur; for lower-cased text, like the lists' own patterns."""

    def __init__(self, phrases: Iterable[str], plural: bool = False):
        cheap: list[str] = []
        self.guarded: list[_Guarded] = []
        for phrase in phrases:
            needs = None if _is_cheap(phrase) else required_strings(phrase)
            if needs is None:
                cheap.append(phrase)
                continue
            source = term_source([phrase], plural)
            self.guarded.append(
                _Guarded(tuple(sorted(needs)), starts_pattern(source), re.compile(source))
            )
        source = term_source(cheap, plural) if cheap else r"(?!)"
        self._starts = starts_pattern(source)
        self._search = re.compile(source)
        #: Each required string once, with the phrases it lets through.
        self._by_need: dict[str, list[_Guarded]] = {}
        for guarded in self.guarded:
            for need in guarded.needs:
                self._by_need.setdefault(need, []).append(guarded)
        #: Whether a text holds any required string at all: most hold none.
        self._any_need = _any_string_pattern(self._by_need)

    def _present(self, text: str) -> list[_Guarded]:
        """Return the set-aside phrases whose required strings `text` holds, in order."""
        if self._any_need.search(text) is None:
            return []
        present: dict[int, _Guarded] = {}
        for need, phrases in self._by_need.items():
            if need in text:
                for guarded in phrases:
                    present[id(guarded)] = guarded
        return list(present.values())

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
        if self._search.search(text) is not None:
            return True
        return any(g.search.search(text) is not None for g in self._present(text))


def required_search(phrases: Iterable[str]) -> re.Pattern | None:
    """Compile one search for the strings `phrases` require: a text it finds nothing in
    holds no match of any of them. None when some phrase requires none."""
    needs: set[str] = set()
    for phrase in phrases:
        found = required_strings(phrase)
        if found is None:
            return None
        needs |= found
    return _any_string_pattern(needs)


def _any_string_pattern(strings: Iterable[str]) -> re.Pattern:
    """Compile plain strings into one search, grouped by their first character."""
    groups: dict[str, list[str]] = {}
    for s in sorted(strings, key=len, reverse=True):
        groups.setdefault(s[0], []).append(re.escape(s[1:]))
    if not groups:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"{re.escape(c)}(?:{'|'.join(t)})" for c, t in groups.items()))


def _is_cheap(phrase: str) -> bool:
    """Whether the alternation dispatches a phrase on a plain first letter (or a sentence
    start), as `term_source` groups them: setting it aside would save nothing."""
    # "\\w*schmerz" is no plain letter: it walks back over every word, and is set aside
    return all(p.startswith("^") or _opens_with_literal(p) for p in _split_leading_group(phrase))


def required_strings(phrase: str) -> frozenset[str] | None:
    """Return strings one of which every match of `phrase` contains, or None when its
    parsed form names none at least `_SHORTEST_GUARD` characters long.

    Sound by construction: only what every match must run through is read (a chain of
    plain characters, small classes and groups of a few plain alternatives, in sequence;
    a group or a repeat of at least once that requires its own; alternatives that each
    require some); anything else is passed over and breaks the chain.
    """
    if _sre_parse is None:
        return None
    try:
        parsed = _sre_parse.parse(phrase)
    except (re.error, RecursionError, TypeError, ValueError, AttributeError):
        return None
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None  # letters matched in either case, or spaces that are not text
    found = _required(list(parsed))
    if found is None or min(len(s) for s in found) < _SHORTEST_GUARD:
        return None
    return found


#: How many strings a chain of small classes and groups may spell before it is cut.
_MOST_SPELLINGS = 64


def _required(items: Sequence) -> frozenset[str] | None:
    """Return the most telling set of strings one of which a match of the parsed
    sequence `items` must contain, or None."""
    best: frozenset[str] | None = None
    chain: set[str] = {""}  # the spellings of the plain run that ends here

    def consider(candidate: Iterable[str] | None) -> None:
        nonlocal best
        if candidate is None or "" in candidate:
            return  # may be empty: requires nothing
        candidate = _shortest(candidate)
        if candidate and (best is None or _rank(candidate) > _rank(best)):
            best = candidate

    for item in items:
        spellings = _spellings([item])
        if spellings is not None:
            longer = {a + b for a in chain for b in spellings}
            if len(longer) <= _MOST_SPELLINGS:
                chain = longer
                continue
            consider(chain)
            chain = spellings
            continue
        consider(chain)
        chain = {""}
        op, av = item
        if op is _sre.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if not (add_flags or del_flags):  # "(?i:...)" would match either case
                consider(_required(list(sub)))
        elif op is _sre.BRANCH:
            alternatives = [_required(list(a)) for a in av[1]]
            if all(alternatives):
                consider(frozenset().union(*alternatives))
        elif op in _REPEATS:
            low, _high, sub = av
            if low >= 1:
                consider(_required(list(sub)))
        # anything else (a wide class, a lookaround, a boundary...) requires no string
    consider(chain)
    return best


_REPEATS = tuple(
    getattr(_sre, name)
    for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
    if _sre and hasattr(_sre, name)
)


def _spellings(items: Sequence) -> set[str] | None:
    """Return every string the parsed sequence `items` can match, when it is a few plain
    strings ("ab", "[șş]", "(?:ul|uri)", "s?"); None otherwise."""
    spelled = {""}
    for op, av in items:
        if op is _sre.LITERAL:
            options = {chr(av)}
        elif op is _sre.IN and all(kind is _sre.LITERAL for kind, _ in av):
            options = {chr(code) for _, code in av}  # "[șş]": no range, category or negation
        elif op is _sre.SUBPATTERN and not (av[1] or av[2]):
            options = _spellings(list(av[3]))
        elif op is _sre.BRANCH:
            options = set()
            for alternative in av[1]:
                spelled_alternative = _spellings(list(alternative))
                if spelled_alternative is None:
                    return None
                options |= spelled_alternative
        elif op in _REPEATS and av[0] == 0 and av[1] == 1:
            inner = _spellings(list(av[2]))
            options = None if inner is None else inner | {""}
        else:
            return None
        if options is None:
            return None
        spelled = {a + b for a in spelled for b in options}
        if len(spelled) > _MOST_SPELLINGS:
            return None
    return spelled


def _shortest(strings: Iterable[str]) -> frozenset[str]:
    """Drop each string that holds another of the set: a text holding it holds that one."""
    ordered = sorted(set(strings), key=len)
    kept: list[str] = []
    for s in ordered:
        if not any(k in s for k in kept):
            kept.append(s)
    return frozenset(kept)


def _rank(strings: frozenset[str]) -> tuple[int, int]:
    """Order candidate guards: the longest shortest string first, then the fewest."""
    return min(len(s) for s in strings), -len(strings)
