"""The strings a regular expression requires: one of them is in every text it matches.

A scan over many patterns is cheap on a text that holds none of the strings they
require, and most texts hold none: the medical phrase scan (`moderator.medical.
phrase_scan`) and the spam model's case-blind families (`moderator.spam.lexicons`) test
for them first. The strings are read at load time from the pattern's parsed form, the
one the standard library compiles from (`re._parser`, Python 3.11+); without it every
pattern requires nothing, and is simply always scanned. Flask-free.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

try:  # the standard library's own parser of patterns (private; read at load time only)
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - another Python: nothing is required
    _sre = _sre_parse = None


def required_strings(pattern: str, flags: int = 0, shortest: int = 1) -> frozenset[str] | None:
    """Return strings one of which every match of `pattern` (compiled with `flags`)
    contains, or None when its parsed form names none at least `shortest` characters
    long (a string of one or two letters is in most texts, and tells little).

    Sound by construction: only what every match must run through is read (a chain of
    plain characters, small classes and groups of a few plain alternatives, in sequence;
    a group or a repeat of at least once that requires its own; alternatives that each
    require some); anything else is passed over and breaks the chain.
    """
    if _sre_parse is None:
        return None
    try:
        parsed = _sre_parse.parse(pattern, flags)
    except (re.error, RecursionError, TypeError, ValueError, AttributeError):
        return None
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None  # letters matched in either case, or spaces that are not text
    found = _required(list(parsed))
    if found is None or min(len(s) for s in found) < shortest:
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


def any_string_pattern(strings: Iterable[str]) -> re.Pattern:
    """Compile plain strings into one search, grouped by their first character."""
    groups: dict[str, list[str]] = {}
    for s in sorted(strings, key=len, reverse=True):
        groups.setdefault(s[0], []).append(re.escape(s[1:]))
    if not groups:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"{re.escape(c)}(?:{'|'.join(t)})" for c, t in groups.items()))


class StringPresence:
    """Which of many plain strings a text holds.

    One compiled search per set of strings reads the text once per set, and compiling
    thousands of strings into patterns takes a good part of a second at load. This
    indexes the strings by their first `PREFIX` characters (a dictionary built in
    milliseconds) and reads the text once: at each position, only the strings that
    begin with the characters there are compared.
    """

    PREFIX = 3

    def __init__(self, strings: Iterable[str]):
        listed = set(strings)
        if "" in listed:
            raise ValueError("the empty string is in every text; it cannot be looked for")
        self._short = tuple(sorted(s for s in listed if len(s) < self.PREFIX))
        self._index: dict[str, tuple[str, ...]] = {}
        for s in sorted(listed):
            if len(s) >= self.PREFIX:
                self._index[s[: self.PREFIX]] = (*self._index.get(s[: self.PREFIX], ()), s)

    def present(self, text: str) -> frozenset[str]:
        """Return the listed strings `text` holds."""
        found = {s for s in self._short if s in text}
        index, width = self._index, self.PREFIX
        for start in range(len(text) - width + 1):
            beginning = index.get(text[start : start + width])
            if beginning:
                for s in beginning:
                    if text.startswith(s, start):
                        found.add(s)
        return frozenset(found)
