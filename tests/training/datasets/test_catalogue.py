"""The catalogue of shared corpora, the validation-only check, and the real files' sizes."""

from dataclasses import replace

import pytest

from moderator.core.comment import Comment
from moderator.training import datasets
from moderator.training.datasets import catalogue
from tests.paths import SHARED_DATASETS
from tests.training.datasets import samples

VALIDATION_ONLY = {"c3-constructive-comments", "covid-q", "covid-dialogue-en", "medicationqa"}


def _write_shared(root):
    """Lay out a shared datasets folder holding one trainable and one validation corpus."""
    samples.kqa(root / "kqa-patient-questions")
    samples.c3(root / "c3-constructive-comments")
    return root


def test_every_corpus_names_a_loader_licence_attribution_and_use():
    for corpus in catalogue.CORPORA:
        assert corpus.format in datasets.LOADERS
        assert corpus.licence and corpus.attribution and "@" in corpus.upstream
        assert corpus.use in {catalogue.TRAIN, catalogue.VALIDATION}
    assert {c.folder for c in catalogue.CORPORA if c.use == catalogue.VALIDATION} == (
        VALIDATION_ONLY
    )


def test_present_lists_the_corpora_found_by_use(tmp_path):
    found = catalogue.present(_write_shared(tmp_path))
    assert [c.folder for c in found[catalogue.TRAIN]] == ["kqa-patient-questions"]
    assert [c.folder for c in found[catalogue.VALIDATION]] == ["c3-constructive-comments"]
    assert catalogue.present(tmp_path / "absent") == {
        catalogue.TRAIN: [],
        catalogue.VALIDATION: [],
    }


def test_a_corpus_loads_from_its_catalogue_entry(tmp_path):
    root = _write_shared(tmp_path)
    kqa = catalogue.BY_FOLDER["kqa-patient-questions"]
    assert [i.source for i in kqa.load(root)] == ["kqa"] * 3
    card = kqa.card()
    assert card["licence"] == "MIT" and card["use"] == "train" and "Manes" in card["attribution"]


def test_training_refuses_validation_only_corpora(tmp_path):
    root = _write_shared(tmp_path)
    trainable = catalogue.BY_FOLDER["kqa-patient-questions"].load(root)
    catalogue.require_trainable(trainable)  # no error
    c3 = catalogue.BY_FOLDER["c3-constructive-comments"].load(root)
    with pytest.raises(datasets.ValidationOnlyError, match="c3-constructive-comments"):
        catalogue.require_trainable(trainable + c3[:1])


@pytest.mark.parametrize("source", ["c3", "covid-q:quora", "covid-dialogue", "medicationqa"])
def test_every_validation_source_is_refused(source):
    item = datasets.LabelledComment(comment=Comment(content="x"), spam=False, source=source)
    with pytest.raises(datasets.ValidationOnlyError):
        catalogue.require_trainable([item])


def test_our_corpus_and_unknown_sources_are_trainable():
    item = datasets.LabelledComment(comment=Comment(content="x"), spam=False)
    catalogue.require_trainable(
        [replace(item, source="ours:medical.jsonl"), replace(item, source="wxr:My Blog")]
    )


#: Items each loader gives on the real files, from the counts in each PROVENANCE.md
#: (after the loaders' documented removal of repeats and of non-lay sources).
REAL_SIZES = {
    # 1,956 comments (the README's table)
    "youtube-spam-collection": (1956, 1005, None),
    # 5,574 lines, 5,171 unique
    "sms-spam-collection": (5171, 653, None),
    "meqsum": (1000, 0, 1000),
    "trec-question-classification": (5452, 0, 0),
    # 3,586 rows, 1,288 spam
    "scamspot-instagram-scam-comments": (3586, 1288, None),
    # 222,691 rows, 899 spam; Math and Stats (80,963 titles) keep medical unknown
    "smokedetector-se-titles": (222691, 899, 0),
    # 15,404 titles, none medical
    "cooking-se-titles": (15404, 0, 0),
    # 1,212 questions less 45 exact repeats and 3 that differ only in case or spacing
    "kqa-patient-questions": (1164, 0, 1164),
    # 12,000 comments, all genuine
    "c3-constructive-comments": (12000, 0, None),
    # the lay sources: Quora 675 + Yahoo Answers 28 + Google 133 + Yahoo 90 + Bing 48 =
    # 974, less the paraphrases repeated word for word across search engines
    "covid-q": (962, 0, 962),
    # 604 parsed, 12 repeated first turns (one more differs only in spacing)
    "covid-dialogue-en": (591, 0, 591),
    # 651 unique questions (4 more differ only in case or spacing)
    "medicationqa": (647, 0, 647),
}


@pytest.mark.datasets
@pytest.mark.skipif(not SHARED_DATASETS.is_dir(), reason="../shared/datasets is not present")
@pytest.mark.parametrize("folder", sorted(REAL_SIZES))
def test_real_corpus_sizes_match_their_provenance(folder):
    corpus = catalogue.BY_FOLDER[folder]
    items = corpus.load(SHARED_DATASETS)
    total, spam, medical = REAL_SIZES[folder]
    assert len(items) == total
    assert sum(i.spam is True for i in items) == spam
    if medical is not None:
        assert sum(i.medical_question is True for i in items) == medical
    assert datasets.detect_format(SHARED_DATASETS / folder) == corpus.format
    assert [f.name for f in datasets.dataset_files(SHARED_DATASETS / folder)]
    assert all(catalogue.corpus_for_source(i.source) is corpus for i in items)


@pytest.mark.datasets
@pytest.mark.skipif(not SHARED_DATASETS.is_dir(), reason="../shared/datasets is not present")
def test_real_shared_folder_lists_every_catalogued_corpus():
    found = catalogue.present(SHARED_DATASETS)
    assert {c.folder for c in found[catalogue.VALIDATION]} == VALIDATION_ONLY
    assert len(found[catalogue.TRAIN]) == len(catalogue.CORPORA) - len(VALIDATION_ONLY)


@pytest.mark.datasets
@pytest.mark.skipif(not SHARED_DATASETS.is_dir(), reason="../shared/datasets is not present")
def test_real_se_titles_noisy_export_and_phone_campaigns():
    items = datasets.load_se_titles(
        SHARED_DATASETS / "smokedetector-se-titles", max_ham_per_file=1000, seed=0
    )
    assert sum(i.source == datasets.SE_NOISY_SPAM for i in items) == 457
    assert sum(i.spam is False for i in items) == 5000
    campaigns = {i.group for i in items if i.spam and i.group.isdigit()}
    assert len(campaigns) >= 20  # the vashikaran numbers and the support lines


def test_shared_root_is_found_from_a_corpus_path(tmp_path):
    root = _write_shared(tmp_path / "datasets")
    kqa = catalogue.BY_FOLDER["kqa-patient-questions"].path(root)
    assert catalogue.shared_root([tmp_path / "elsewhere.jsonl", kqa]) == root
    assert catalogue.shared_root([tmp_path / "elsewhere.jsonl"]) is None
