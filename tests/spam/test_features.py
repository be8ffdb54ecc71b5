"""The spam features: hashed word and character n-grams beside the metadata signals."""

import numpy as np
import pytest

from moderator.core.comment import Comment
from moderator.spam.facts import comment_facts
from moderator.spam.features import CommentFeatures, char_buckets, distinct, metadata_vector
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
