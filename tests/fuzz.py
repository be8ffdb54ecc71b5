"""What the fuzz tests feed the service: hostile text and JSON, as hypothesis strategies.

Arbitrary Unicode with NULs, lone surrogates and control characters; deep nesting; and
huge repetitive strings. Each fuzz test runs a modest number of examples with a deadline,
so the suite stays quick and a slow path (a regular expression that backtracks, a
recursion) shows as a failure, not as a hang.
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Examples per fuzz test: 60 on every run; MODERATOR_FUZZ_EXAMPLES=2000 for a long run.
EXAMPLES = int(os.environ.get("MODERATOR_FUZZ_EXAMPLES", "60"))

#: The settings of every fuzz test: enough examples to find the classic crashes, a
#: deadline per example, no database of past failures written into the checkout.
FUZZ = settings(
    max_examples=EXAMPLES,
    # generous: a loaded CI machine must not fail a test; a backtracking regex takes minutes
    deadline=timedelta(seconds=10),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Characters from every plane, lone surrogates and NULs included.
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
HOSTILE_PIECES = st.sampled_from(
    ["\x00", "\ud800", "\udfff", "\ufffd", "\u202e", "\u0301" * 50, "<script>", "%00", "&#0;"]
)


@st.composite
def huge_repetitions(draw) -> str:
    """A short piece repeated into tens of thousands of characters."""
    piece = draw(HOSTILE_PIECES | st.text(ANY_CHARACTER, min_size=1, max_size=8))
    return piece * draw(st.integers(1000, 60_000 // len(piece)))


#: Text as an attacker sends it.
HOSTILE_TEXT = st.one_of(
    st.text(ANY_CHARACTER, max_size=400),
    st.lists(HOSTILE_PIECES | st.text(ANY_CHARACTER, max_size=5), max_size=60).map("".join),
    huge_repetitions(),
)


def deep(depth: int):
    """A JSON value nested `depth` arrays/objects deep."""
    value: object = "bottom"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


#: JSON values of any shape, sometimes nested past any sensible depth (past Python's
#: own recursion limit in the tests written for that, where no example is printed).
HOSTILE_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(ANY_CHARACTER, max_size=30),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(ANY_CHARACTER, max_size=10), children, max_size=4)
    ),
    max_leaves=30,
) | st.integers(1, 600).map(deep)
