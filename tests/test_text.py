"""The text pipeline: normalising and tokenising comment text."""

import pytest

from moderator.text import fast_tokenize, is_word, model_tokens, normalise, tokenize

CASES = [
    "Check out my channel: http://www.youtube.com/watch?v=abc!!! :)",
    "Email me at john.doe@gmail.com or call +1 (800) 555-1234",
    "I'm sooooo happy, don't go :D",
    "Merci beaucoup, très utile !",
    '<a href="https://example.com/x">my site</a> &amp; more',
    "@bob thanks for the tip #python",
]


@pytest.mark.parametrize("text", CASES)
def test_fast_tokenize_matches_the_nltk_tokenizer(text):
    assert fast_tokenize(text) == tokenize(text)


def test_normalise_keeps_link_targets_and_undoes_entities():
    assert normalise('<a href="https://ex.com/a">shop</a> &#39;hi&#39;\ufeff') == (
        "https://ex.com/a shop 'hi'"
    )


def test_tokenize_keeps_urls_emoticons_and_handles_whole():
    tokens = tokenize("see https://ex.com/a?b=1 :) @anna")
    assert tokens == ["see", "https://ex.com/a?b=1", ":)", "@anna"]


def test_model_tokens_replace_values_with_placeholders():
    tokens = model_tokens("visit www.shop.xyz or mail me@ex.com, call +1 (800) 555-1234 @bob")
    assert tokens == [
        "visit",
        "<url>",
        "or",
        "mail",
        "<email>",
        ",",
        "call",
        "<number>",
        "<handle>",
    ]


def test_long_digit_runs_are_cut_before_the_phone_pattern():
    tokens = fast_tokenize("9" * 50_000)
    assert tokens and all(len(t) <= 15 for t in tokens)


@pytest.mark.parametrize(
    ("token", "word"),
    [("casino", True), ("don't", True), ("<url>", False), ("!", False), (":)", False)],
)
def test_is_word(token, word):
    assert is_word(token) is word
