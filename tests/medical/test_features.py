"""The medical model's drug-name features: health content a question carries without a
symptom word, from the reviewed list only."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from moderator.medical.features import (
    ASKING_FAMILIES,
    OTHER_FAMILIES,
    DrugNameFeatures,
    _cue_counts,
    _term_counts,
)
from moderator.medical.question import default_vocabulary, matcher_for
from moderator.text.vocabulary import DRUG_NAMES_FILE, read_word_list
from tests.medical.test_direct_scoring import corpus_sample, training_comments
from tests.paths import SHARED_DATASETS


@pytest.fixture(scope="module")
def drugs() -> DrugNameFeatures:
    """The features fitted on the shipped list, once: reading 28k names takes a moment."""
    return DrugNameFeatures().fit([])


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Should I continue with the Fluticasone?", 1),
        ("is the only treatment doxycycline ?", 1),
        ("Do you recommend to take Omeprazole too, or cefdinir first?", 2),
        ("What is cefdinir?\u00a0", 1),
        ("How do I beat the water temple in Zelda?", 0),
        ("Can I use cream of tartar in place of tartaric acid", 0),
        ("", 0),
    ],
)
def test_drug_names_are_counted_whatever_the_case(drugs, text, count):
    values = drugs.transform([text])[0]
    assert values[1] == float(count > 0)
    assert values[0] == pytest.approx(np.log1p(count))


@pytest.mark.parametrize("word", ["iron", "rest", "water", "tetris", "radicchio", "aspirin"])
def test_common_words_and_game_or_food_names_are_not_on_the_list(word):
    """Everyday words are the curated medical vocabulary's (which knows their medical
    forms); names that games and food titles use are left out."""
    assert word not in set(read_word_list(DRUG_NAMES_FILE))


def test_the_list_is_frozen_into_the_fitted_features():
    """A saved model keeps the names it was trained with, whatever the file says later."""
    fitted = DrugNameFeatures(names=["Zorbacillin"]).fit([])
    loaded = pickle.loads(pickle.dumps(fitted))
    assert loaded.transform(["zorbacillin twice a day?", "cefdinir"])[:, 1].tolist() == [1.0, 0.0]
    assert list(loaded.get_feature_names_out()) == ["drug_names", "names_a_drug"]


def assert_plain_sums(comments) -> None:
    """Counted in one pass over what each sentence holds, with the squashed small counts
    read from a table: the very values of one sum per family, in all sentences and in
    the asking ones."""
    matcher = matcher_for(default_vocabulary())
    families = (*ASKING_FAMILIES, *OTHER_FAMILIES, "author_address", "personal")
    for comment in comments:
        sentences = matcher.analyse(comment.content)
        for part in (sentences, [s for s in sentences if s.asks]):
            assert _cue_counts(part, families) == [
                math.log1p(sum(len(s.cues.get(f, ())) for s in part)) for f in families
            ]
            assert _term_counts(part, matcher.categories) == [
                math.log1p(sum(len(s.medical.get(c, ())) for s in part)) for c in matcher.categories
            ]


def test_cue_and_term_counts_are_the_plain_sums_on_training_comments():
    """Every training comment."""
    assert_plain_sums(training_comments())


@pytest.mark.datasets
@pytest.mark.skipif(not SHARED_DATASETS.is_dir(), reason="../shared/datasets is absent")
def test_cue_and_term_counts_are_the_plain_sums_on_the_shared_corpora():
    """A sample of each shared corpus."""
    assert_plain_sums(corpus_sample())
