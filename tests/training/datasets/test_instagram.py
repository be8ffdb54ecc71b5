"""The ScamSpot Instagram comments loader."""

import pytest

from moderator.training import datasets
from tests.training.datasets import samples


def test_scamspot_labels_groups_by_account_and_hides_the_reported_rows_case(tmp_path):
    items = datasets.load_scamspot(samples.scamspot(tmp_path))
    assert [i.spam for i in items] == [True, False, True]
    assert [i.group for i in items] == [
        "scamspot:binance",
        "scamspot:daveramsey",
        "scamspot:reported",
    ]
    assert {i.source for i in items} == {"scamspot"}
    # the reported rows were not lower-cased upstream: case alone would tell them apart
    assert items[2].comment.content == "message her on whatsapp now"
    assert all(i.comment.content == i.comment.content.lower() for i in items)
    assert items[0].comment.external_id == "1" and items[0].comment.post_id == "m1"
    assert all(i.medical_question is None for i in items)


def test_scamspot_file_without_its_columns_is_refused(tmp_path):
    bad = tmp_path / "comments.csv"
    bad.write_text('"comment_id","text"\n"1","hi"\n', encoding="utf-8")
    with pytest.raises(datasets.DatasetError, match="no label, account column"):
        datasets.load_scamspot(bad)
