"""Comment features for the spam model: hashed word and character n-grams plus metadata.

Everything a pipeline holds is defined at module level so the model file loads in
another process: the model file pickles `CommentFeatures` from here. Hashing (crc32,
stable across processes and platforms) keeps the model a few MB whatever the
vocabulary. Author name, IP and date never become raw tokens: the author name only
feeds the keyword-name test, the author URL only its domain checks (see
`moderator.spam.facts`).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from moderator.core.comment import Comment
from moderator.spam.facts import CommentFacts, comment_facts
from moderator.spam.signals import METADATA
from moderator.text.tokens import HANDLE_TOKEN, is_word, model_tokens

#: The handles a comment opens with: whom it answers ("@sam 🔥"). A handle later in the
#: text stays `<handle>`, where testimonials send readers ("all thanks to @anna_fx").
REPLY_TOKEN = "<reply>"


def spam_tokens(text: str) -> list[str]:
    """Return the model tokens of a text with its opening handles written `<reply>`."""
    tokens = model_tokens(text)
    for i, token in enumerate(tokens):
        if token != HANDLE_TOKEN:
            break
        tokens[i] = REPLY_TOKEN
    return tokens


def metadata_vector(facts: CommentFacts) -> np.ndarray:
    """Return the metadata features of a comment in `METADATA` order, the order
    `comment_facts` measures them in."""
    return np.fromiter(facts.features.values(), dtype=np.float64, count=len(METADATA))


# --- hashed n-grams ----------------------------------------------------------------------


def _hash(key: str, bits: int) -> int:
    """Return a stable bucket for a feature string (crc32 is the same in every process)."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) & ((1 << bits) - 1)


def char_buckets(token: str, low: int, high: int, bits: int) -> np.ndarray:
    """Return the distinct buckets of a word's character n-grams, sorted (padded like char_wb)."""
    padded = f" {token} "
    grams = {padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)}
    return np.array(sorted({_hash(g, bits) for g in grams}), dtype=np.int64)


#: Per process, the work of hashing each distinct word once: word n-gram buckets by
#: hashing width, and each token's character n-gram columns (None for a token that is no
#: word) by n-gram range, width and block offset. Comments repeat their words, so a warm
#: process hashes almost nothing; each table is emptied when full, so attacker-chosen
#: words cannot grow it without bound.
_WORD_BUCKETS: dict[int, dict[str, int]] = {}
_CHAR_COLUMNS: dict[tuple[int, int, int, int], dict[str, np.ndarray | None]] = {}
_TABLE_LIMIT = 1 << 17
_UNSEEN = object()


def _seen(tables: dict, key) -> dict:
    """Return the table of `tables` for `key`, emptied first when it is full."""
    table = tables.get(key)
    if table is None:
        table = tables[key] = {}
    elif len(table) >= _TABLE_LIMIT:
        table.clear()
    return table


def _shared(values: np.ndarray) -> np.ndarray:
    """Return `values` read-only: a cached array is shared by every comment."""
    values.flags.writeable = False
    return values


def distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the distinct values in order, where each value stands among them, and how
    often each occurs: ``np.unique(values, return_inverse=True, return_counts=True)``
    for a 1-d array, without the 10 µs that costs a call in numpy 2."""
    order = np.argsort(values)
    ordered = values[order]
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    where = np.empty(len(values), dtype=np.intp)
    where[order] = np.cumsum(first) - 1
    values_in_order = ordered[first]
    return values_in_order, where, np.bincount(where, minlength=len(values_in_order))


_EMPTY = np.zeros(0, dtype=np.int64)


class _Block(NamedTuple):
    """One block of n-gram columns and what each came from (see `Encoded`): entry k says
    that ``columns[slot[k]]`` came from token ``token[k]`` with share ``share[k]``."""

    columns: np.ndarray
    slot: np.ndarray
    token: np.ndarray
    share: np.ndarray


@dataclass
class Encoded:
    """One comment as the model sees it, with what each column came from (for reasons).

    Column ``columns[origin_slot[k]]`` came from token ``origin_token[k]`` with share
    ``origin_share[k]`` (a bigram gives each of its words half; a character n-gram is
    split between the words that contain it). Metadata columns have no token origin.
    """

    tokens: list[str]
    facts: CommentFacts
    columns: np.ndarray
    values: np.ndarray
    origin_slot: np.ndarray
    origin_token: np.ndarray
    origin_share: np.ndarray


@dataclass
class EncodedBatch:
    """Comments as the model sees them, a batch of rows in flat arrays (`encode_many`).

    Entry k is column ``columns[k]`` with value ``values[k]`` of row ``rows[k]``: every
    row's word n-grams, then every row's character n-grams, then every row's metadata
    (row i's from ``metadata_starts[i]`` to ``metadata_starts[i + 1]``). Row i's
    entries, in order, are `encode`'s row. Origins are as in `Encoded`, their slots
    indexing the batch's entries and their tokens counted across the batch (row i's
    from ``token_starts[i]``).
    """

    tokens: list[list[str]]
    facts: list[CommentFacts]
    columns: np.ndarray
    values: np.ndarray
    rows: np.ndarray
    metadata_starts: np.ndarray
    token_starts: np.ndarray
    origin_slot: np.ndarray
    origin_token: np.ndarray
    origin_share: np.ndarray

    def row(self, i: int) -> Encoded:
        """Return row i as `encode` returns one comment."""
        mine = np.flatnonzero(self.rows == i)
        origins = np.flatnonzero(np.isin(self.origin_slot, mine))
        return Encoded(
            tokens=self.tokens[i],
            facts=self.facts[i],
            columns=self.columns[mine],
            values=self.values[mine],
            origin_slot=np.searchsorted(mine, self.origin_slot[origins]),
            origin_token=self.origin_token[origins] - self.token_starts[i],
            origin_share=self.origin_share[origins],
        )


class CommentFeatures(TransformerMixin, BaseEstimator):
    """Turn comments into one sparse row each: word n-grams | char n-grams | metadata.

    Word and character blocks are binary and L2-normalised per block, then scaled by
    their weights; metadata features are 0..1 values.
    """

    def __init__(
        self,
        word_bits: int = 18,
        char_bits: int = 18,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (3, 5),
        word_weight: float = 1.0,
        char_weight: float = 1.0,
        metadata_weight: float = 1.0,
    ):
        self.word_bits = word_bits
        self.char_bits = char_bits
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.word_weight = word_weight
        self.char_weight = char_weight
        self.metadata_weight = metadata_weight

    def fit(self, X, y=None):
        """Hashing learns nothing; record the output width."""
        self.n_features_out_ = self.char_offset + (1 << self.char_bits) + len(METADATA)
        return self

    @property
    def char_offset(self) -> int:
        """First column of the character block."""
        return 1 << self.word_bits

    @property
    def metadata_offset(self) -> int:
        """First column of the metadata block."""
        return self.char_offset + (1 << self.char_bits)

    def encode(self, comment: Comment) -> Encoded:
        """Encode one comment, keeping the token origin of every n-gram column."""
        tokens = spam_tokens(comment.content)
        # hashing before the facts and the arrays after them measured some 10 µs a
        # comment faster than the other way round
        word_first = self._word_grams(tokens)
        char_parts = self._char_grams(tokens)
        facts = comment_facts(comment)
        metadata = metadata_vector(facts)
        meta_columns = np.flatnonzero(metadata)
        words = self._word_block(word_first)
        chars = self._char_block(char_parts)
        n_word, n_char = len(words.columns), len(chars.columns)
        word_value = self.word_weight / np.sqrt(n_word) if n_word else 0.0
        char_value = self.char_weight / np.sqrt(n_char) if n_char else 0.0
        columns = np.concatenate(
            [words.columns, chars.columns, self.metadata_offset + meta_columns]
        )
        values = np.concatenate(
            [
                np.full(n_word, word_value),
                np.full(n_char, char_value),
                metadata[meta_columns] * self.metadata_weight,
            ]
        )
        return Encoded(
            tokens=tokens,
            facts=facts,
            columns=columns,
            values=values,
            origin_slot=np.concatenate([words.slot, chars.slot + n_word]),
            origin_token=np.concatenate([words.token, chars.token]),
            origin_share=np.concatenate([words.share, chars.share]),
        )

    def encode_many(self, comments: Sequence[Comment]) -> EncodedBatch:
        """Encode comments as `encode` encodes each, the array work done once per batch.

        Tokens, n-gram hashing and facts are `encode`'s own steps, comment by comment;
        what `encode` then does with a few dozen small arrays per comment (blocks,
        distinct character columns, shares, normalisation) is done here with one set of
        numpy calls for the whole batch, row by row the same numbers.
        """
        n = len(comments)
        tokens_of: list[list[str]] = []
        facts_of: list[CommentFacts] = []
        word_columns: list[int] = []
        word_spans: list[tuple[int, int]] = []
        word_counts: list[int] = []
        parts_of: list[list[tuple[int, np.ndarray]]] = []
        token_starts = [0]
        for comment in comments:
            tokens = spam_tokens(comment.content)
            word_first = self._word_grams(tokens)
            parts_of.append(self._char_grams(tokens))
            tokens_of.append(tokens)
            facts_of.append(comment_facts(comment))
            word_columns.extend(word_first)
            word_spans.extend(word_first.values())
            word_counts.append(len(word_first))
            token_starts.append(token_starts[-1] + len(tokens))
        rows = np.arange(n)
        # word n-grams: row by row in `_word_grams` order, as `_word_block` lays them out
        n_word = np.array(word_counts, dtype=np.int64)
        word_row = np.repeat(rows, n_word)
        # character n-grams: distinct within each row, in column order, as `_char_block`
        char_columns = [columns for parts in parts_of for _, columns in parts]
        part_lengths = [len(columns) for columns in char_columns]
        char_row = [row for row, parts in enumerate(parts_of) for _ in parts]
        char_token = [
            first + i
            for first, parts in zip(token_starts[:-1], parts_of, strict=True)
            for i, _ in parts
        ]
        all_chars = np.concatenate(char_columns) if char_columns else _EMPTY
        width = self.metadata_offset
        keys = np.repeat(np.array(char_row, dtype=np.int64), part_lengths) * width + all_chars
        row_columns, where, counts = distinct(keys)
        distinct_row = row_columns // width
        n_char = np.bincount(distinct_row, minlength=n)
        # metadata: the nonzero signals of each row in `METADATA` order
        metadata = np.fromiter(
            (value for facts in facts_of for value in facts.features.values()),
            dtype=np.float64,
            count=n * len(METADATA),
        ).reshape(n, len(METADATA))
        meta_row, meta_column = np.nonzero(metadata)
        n_meta = np.bincount(meta_row, minlength=n)
        with np.errstate(divide="ignore"):  # a row without words or characters has no value
            word_value = self.word_weight / np.sqrt(n_word)
            char_value = self.char_weight / np.sqrt(n_char)
        # the batch's entries are every row's words, then characters, then metadata: row
        # i's entries, in this order, are `encode`'s row
        n_words, n_chars = len(word_row), len(distinct_row)
        metadata_starts = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(n_meta, out=metadata_starts[1:])
        metadata_starts += n_words + n_chars
        # origins: a word n-gram gives each of its words 1/n, a character n-gram each word
        # holding it an equal share; a token's entries keep `encode`'s order, so the sums
        # of its shares are its sums
        spans = np.fromiter(
            chain.from_iterable(word_spans), dtype=np.int64, count=2 * len(word_spans)
        ).reshape(-1, 2)
        lengths = spans[:, 1]
        within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        first_token = spans[:, 0] + np.array(token_starts[:-1], dtype=np.int64)[word_row]
        return EncodedBatch(
            tokens=tokens_of,
            facts=facts_of,
            columns=np.concatenate(
                [
                    np.array(word_columns, dtype=np.int64),
                    row_columns - distinct_row * width,
                    self.metadata_offset + meta_column,
                ]
            ),
            values=np.concatenate(
                [
                    word_value[word_row],
                    char_value[distinct_row],
                    metadata[meta_row, meta_column] * self.metadata_weight,
                ]
            ),
            rows=np.concatenate([word_row, distinct_row, meta_row]),
            metadata_starts=metadata_starts,
            token_starts=np.array(token_starts, dtype=np.int64),
            origin_slot=np.concatenate([np.repeat(np.arange(n_words), lengths), n_words + where]),
            origin_token=np.concatenate(
                [
                    np.repeat(first_token, lengths) + within,
                    np.repeat(np.array(char_token, dtype=np.int64), part_lengths),
                ]
            ),
            origin_share=np.concatenate([np.repeat(1.0 / lengths, lengths), 1.0 / counts[where]]),
        )

    def _word_grams(self, tokens: list[str]) -> dict[int, tuple[int, int]]:
        """Return each word n-gram column with its first occurrence: (start, length)."""
        bits = self.word_bits
        buckets = _seen(_WORD_BUCKETS, bits)
        low, high = self.word_ngrams
        word_first: dict[int, tuple[int, int]] = {}
        for n in range(low, high + 1):
            # unigrams are the tokens themselves, without slicing and joining
            grams = (
                tokens
                if n == 1
                else [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
            )
            for i, gram in enumerate(grams):
                bucket = buckets.get(gram)
                if bucket is None:
                    bucket = buckets[gram] = _hash(gram, bits)
                if bucket not in word_first:
                    word_first[bucket] = (i, n)
        return word_first

    def _char_grams(self, tokens: list[str]) -> list[tuple[int, np.ndarray]]:
        """Return (position, character n-gram columns) of every word token."""
        low, high = self.char_ngrams
        bits, offset = self.char_bits, self.char_offset
        columns = _seen(_CHAR_COLUMNS, (low, high, bits, offset))
        parts = []
        for i, token in enumerate(tokens):
            word_columns = columns.get(token, _UNSEEN)
            if word_columns is _UNSEEN:
                # None marks a token that is no word: it has no character n-grams
                word_columns = columns[token] = (
                    _shared(char_buckets(token, low, high, bits) + offset)
                    if is_word(token)
                    else None
                )
            if word_columns is not None:
                parts.append((i, word_columns))
        return parts

    @staticmethod
    def _word_block(word_first: dict[int, tuple[int, int]]) -> _Block:
        """Return the word n-gram columns; an n-gram gives each of its words 1/n."""
        n_word = len(word_first)
        columns = np.fromiter(word_first, dtype=np.int64, count=n_word)
        spans = np.array(list(word_first.values()), dtype=np.int64).reshape(-1, 2)
        lengths = spans[:, 1]
        slot = np.repeat(np.arange(n_word), lengths)
        within = np.arange(len(slot)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        token = np.repeat(spans[:, 0], lengths) + within
        return _Block(columns, slot, token, 1.0 / lengths[slot])

    def _char_block(self, parts: list[tuple[int, np.ndarray]]) -> _Block:
        """Return the character n-gram columns (`_char_grams` offset them into the
        character block already), each shared by the words that contain it."""
        if not parts:
            return _Block(_EMPTY, _EMPTY, _EMPTY, np.zeros(0))
        if len(parts) == 1:  # one word's columns are sorted and distinct already
            i, columns = parts[0]
            n = len(columns)
            return _Block(columns, np.arange(n), np.full(n, i), np.ones(n))
        token = np.repeat([i for i, _ in parts], [len(c) for _, c in parts])
        columns, slot, counts = distinct(np.concatenate([c for _, c in parts]))
        return _Block(columns, slot, token, 1.0 / counts[slot])

    def transform(self, X: Sequence[Comment]):
        """Return a CSR matrix, one row per comment."""
        rows = [self.encode(comment) for comment in X]
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(r.columns) for r in rows])
        columns = np.concatenate([r.columns for r in rows]) if rows else np.zeros(0, np.int64)
        values = np.concatenate([r.values for r in rows]) if rows else np.zeros(0)
        width = self.metadata_offset + len(METADATA)
        matrix = sp.csr_matrix((values, columns, indptr), shape=(len(rows), width))
        matrix.sort_indices()
        return matrix


def is_placeholder(token: str) -> bool:
    """Return whether a model token stands for a URL, e-mail, number or handle."""
    return token.startswith("<")  # every placeholder is "<name>"
