"""Format detection, loading by path, dataset files and provenance."""

import pytest

from moderator.training import datasets
from tests.paths import FIXTURES
from tests.training.datasets import samples


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("comments.jsonl", "jsonl"),
        ("meqsum.jsonl", "meqsum"),
        ("youtube", "youtube"),
        ("youtube/Youtube09-Testvid.csv", "youtube"),
        ("SMSSpamCollection", "sms"),
        ("wxr.xml", "wxr"),
        ("trec.label", "trec"),
    ],
)
def test_load_detects_the_format(name, kind):
    assert datasets.detect_format(FIXTURES / name) == kind
    assert datasets.load(FIXTURES / name)


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(datasets.DatasetError, match="does not exist"):
        datasets.load(tmp_path / "nope.jsonl")


def test_provenance_hashes_files():
    card = datasets.provenance(FIXTURES / "youtube")
    assert card["format"] == "youtube"
    assert card["comments"] == 3 and card["spam"] == 1 and card["ham"] == 2
    assert len(card["files"][0]["sha256"]) == 64


@pytest.mark.parametrize("kind", sorted(samples.WRITERS))
def test_shared_formats_are_detected_by_file_and_by_folder(tmp_path, kind):
    folder = tmp_path / kind
    data = samples.WRITERS[kind](folder)
    (folder / "PROVENANCE.md").write_text("# notes, not data\n", encoding="utf-8")
    (folder / "LICENSE").write_text("MIT\n", encoding="utf-8")
    assert datasets.detect_format(data) == kind
    assert datasets.detect_format(folder) == kind
    assert datasets.load(folder) == datasets.load(data)
    assert datasets.dataset_files(folder) == [data]


def test_provenance_counts_medical_labels_and_hashes_the_data_file(tmp_path):
    folder = tmp_path / "kqa"
    samples.kqa(folder)
    (folder / "PROVENANCE.md").write_text("# notes\n", encoding="utf-8")
    card = datasets.provenance(folder)
    assert card["format"] == "kqa"
    assert card["medical_questions"] == 3 and card["non_medical"] == 0
    assert [f["name"] for f in card["files"]] == ["questions.jsonl"]


def test_load_passes_loader_options(tmp_path):
    path = samples.se_titles(tmp_path)
    ham = [i for i in datasets.load(path, max_ham_per_file=1) if i.spam is False]
    assert len(ham) == 5  # one per genuine file


def test_folder_of_mixed_formats_is_a_clear_error(tmp_path):
    samples.kqa(tmp_path)
    samples.c3(tmp_path)
    with pytest.raises(datasets.DatasetError, match="mixes dataset formats: c3, kqa"):
        datasets.detect_format(tmp_path)


def test_csv_of_unknown_columns_is_a_clear_error(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(datasets.DatasetError, match="cannot tell the dataset format"):
        datasets.load(other)
