"""Our JSONL corpus loader."""

import pytest

from moderator.training import datasets
from tests.paths import FIXTURES


def test_jsonl_reads_api_fields_labels_and_family():
    items = datasets.load_jsonl(FIXTURES / "comments.jsonl")
    assert [i.spam for i in items] == [False, True, False]
    spam = items[1]
    assert spam.comment.author == "Best Back Brace 2024"
    assert spam.comment.author_url == "http://cheap-pills.com"
    assert spam.comment.external_id == "s1"
    assert spam.source == "ours:comments.jsonl"
    assert spam.group == "ours:pharma"
    assert items[2].group == "ours:comments"
    assert items[2].medical_question is True
    assert items[2].urgent is None


def test_jsonl_reports_the_bad_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"content": "ok", "spam": false}\n{not json\n', encoding="utf-8")
    with pytest.raises(datasets.DatasetError, match="bad.jsonl:2"):
        datasets.load_jsonl(bad)
