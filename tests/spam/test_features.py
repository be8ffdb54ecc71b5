"""The spam features: hashed word and character n-grams beside the metadata signals."""

import numpy as np
import pytest

from moderator.core.comment import Comment
from moderator.spam.facts import comment_facts
from moderator.spam.features import (
    CommentFeatures,
    Encoded,
    char_buckets,
    distinct,
    metadata_vector,
)
from moderator.spam.signals import METADATA, METADATA_NAMES


def test_author_name_and_ip_are_never_tokens():
    features = CommentFeatures().fit(None)
    plain = features.encode(Comment(content="same words"))
    other = features.encode(Comment(content="same words", author="Zed", user_ip="192.0.2.7"))
    assert np.array_equal(plain.columns, other.columns)
    assert np.array_equal(plain.values, other.values)


def test_transform_matches_encode_and_is_deterministic():
    features = CommentFeatures(word_bits=12, char_bits=12).fit(None)
    comments = [Comment(content="Check out my channel!"), Comment(content="")]
    matrix = features.transform(comments)
    assert matrix.shape == (2, features.n_features_out_)
    encoded = features.encode(comments[0])
    row = matrix[0].toarray().ravel()
    assert np.allclose(row[encoded.columns], encoded.values)
    assert matrix[1].nnz == int(
        np.count_nonzero([comment_facts(Comment(content="")).features[n] for n in METADATA_NAMES])
    )
    assert (features.transform(comments) != matrix).nnz == 0


@pytest.mark.parametrize(
    "content",
    ["", "ok", "Great article! Check https://cheap-meds.xyz", "FREE MONEY NOW!!!"],
)
def test_the_metadata_columns_hold_the_facts_in_metadata_order(content):
    features = CommentFeatures().fit(None)
    encoded = features.encode(Comment(content=content))
    vector = metadata_vector(encoded.facts)
    assert vector.tolist() == [encoded.facts.features[name] for name in METADATA_NAMES]
    meta = encoded.columns >= features.metadata_offset
    on = encoded.columns[meta] - features.metadata_offset
    assert [METADATA[i][0] for i in on] == [n for n in METADATA_NAMES if encoded.facts.features[n]]
    assert np.array_equal(encoded.values[meta], vector[on])


def test_character_ngrams_are_shared_by_the_words_that_contain_them():
    """A lone word owns all its character n-grams; a word written twice halves them."""
    features = CommentFeatures().fit(None)
    alone = features.encode(Comment(content="sourdough"))
    grams = char_buckets("sourdough", *features.char_ngrams, features.char_bits)
    chars = (alone.columns >= features.char_offset) & (alone.columns < features.metadata_offset)
    assert np.array_equal(alone.columns[chars], grams + features.char_offset)
    n_word = int(np.count_nonzero(alone.columns < features.char_offset))
    char_origin = alone.origin_slot >= n_word
    assert alone.origin_token[char_origin].tolist() == [0] * len(grams)
    assert alone.origin_share[char_origin].tolist() == [1.0] * len(grams)
    twice = features.encode(Comment(content="sourdough sourdough"))
    n_word = int(np.count_nonzero(twice.columns < features.char_offset))
    char_origin = twice.origin_slot >= n_word
    assert sorted(twice.origin_token[char_origin].tolist()) == [0] * len(grams) + [1] * len(grams)
    assert twice.origin_share[char_origin].tolist() == [0.5] * (2 * len(grams))


def test_distinct_is_numpy_s_unique_with_slots_and_counts():
    """The encoder's own unique gives numpy's answer, types included, at every size."""
    rng = np.random.default_rng(14)
    for size in [1, 2, 3, 12, 100, 1000, 20000]:
        for bits in (2, 10, 18):
            values = rng.integers(0, 1 << bits, size=size).astype(np.int64)
            expected = np.unique(values, return_inverse=True, return_counts=True)
            for got, want in zip(distinct(values), expected, strict=True):
                assert got.dtype == want.dtype and np.array_equal(got, want), (size, bits)


#: Comments whose rows differ in every block: none or one word, a word written twice
#: (shared character n-grams), placeholders, punctuation alone, metadata alone, another
#: script, and a comment long enough to be cut.
BATCH = [
    Comment(content=""),
    Comment(content="sourdough"),
    Comment(content="sourdough sourdough, again SOURDOUGH!"),
    Comment(content="!!! ??? :)"),
    Comment(content="@sam thanks, all thanks to @anna_fx 🔥 +1 (555) 201-4477"),
    Comment(content="Cheap pills at www.cheap-meds.xyz", author_url="https://cheap-meds.xyz"),
    Comment(content="Привет, отличная статья про хлеб"),
    Comment(content="", author="Best Back Brace 2024", author_url="https://brace.example"),
    Comment(content="long words and more words " * 400),
]


def assert_same_row(row: Encoded, alone: Encoded) -> None:
    """Two encodings of a comment hold the same tokens, facts and arrays, types included."""
    assert row.tokens == alone.tokens and row.facts == alone.facts
    for name in ("columns", "values", "origin_slot", "origin_token", "origin_share"):
        got, want = getattr(row, name), getattr(alone, name)
        assert got.dtype == want.dtype and np.array_equal(got, want), name


@pytest.mark.parametrize("order", [BATCH, BATCH[::-1], BATCH[1:2], BATCH[:1], BATCH * 2])
def test_a_batch_encodes_each_comment_as_encode_does(order):
    """Each row of a batch is exactly `encode`'s row, wherever the comment sits in it."""
    features = CommentFeatures(word_bits=12, char_bits=10).fit(None)
    batch = features.encode_many(order)
    assert len(batch.rows) == len(batch.columns) == len(batch.values)
    for i, comment in enumerate(order):
        assert_same_row(batch.row(i), features.encode(comment))


def test_an_empty_batch_encodes_to_nothing():
    batch = CommentFeatures().fit(None).encode_many([])
    assert batch.tokens == [] and batch.token_starts.tolist() == [0] and len(batch.columns) == 0
