"""The comment value and the cleaning of untrusted payloads, fuzzed with hostile input."""

from __future__ import annotations

import json

import pytest
from hypothesis import given

from moderator.core.comment import MAX_NESTING, Comment, TooDeep, clean_payload, clean_text
from tests.fuzz import FUZZ, HOSTILE_JSON, HOSTILE_TEXT, deep


def _depth(value) -> int:
    """How deeply arrays and objects nest in a JSON value (counted without recursing)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, list | dict):
            deepest = max(deepest, level + 1)
            stack.extend(
                (child, level + 1) for child in (item.values() if isinstance(item, dict) else item)
            )
    return deepest


def _strings(value):
    """Every string of a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)


@FUZZ
@given(HOSTILE_JSON)
def test_cleaning_any_payload_gives_utf8_text_or_says_it_is_too_deep(payload):
    body = {"content": "hi", "extra": payload}
    if _depth(body) > MAX_NESTING:
        with pytest.raises(TooDeep) as refused:
            clean_payload(body)
        assert refused.value.field == "extra"
        return
    cleaned = clean_payload(body)
    for text in _strings(cleaned):
        text.encode("utf-8")  # no lone surrogate is left
    json.dumps(cleaned)


@FUZZ
@given(HOSTILE_TEXT)
def test_clean_text_leaves_nothing_utf8_cannot_hold(text):
    cleaned = clean_text(text)
    assert len(cleaned) == len(text)
    cleaned.encode("utf-8")


def test_the_nesting_limit_is_exact():
    clean_payload({"x": deep(MAX_NESTING - 1)})
    with pytest.raises(TooDeep, match="deeper than 32"):
        clean_payload({"x": deep(MAX_NESTING)})


def test_a_payload_far_deeper_than_python_recurses_is_refused_not_a_recursion_error():
    with pytest.raises(TooDeep):
        clean_payload({"x": deep(100_000)})


def test_from_mapping_coerces_text_and_ignores_unknown_keys():
    comment = Comment.from_mapping({"content": 5, "author": None, "evil": "x"})
    assert comment.content == "5" and comment.author == ""
