"""The WordPress WXR loader."""

import pytest

from moderator.training import datasets
from tests.paths import FIXTURES


def test_wxr_maps_comment_approved_to_labels():
    items = datasets.load_wxr(FIXTURES / "wxr.xml")
    assert [i.spam for i in items] == [False, True, None, None]
    first, second = items[0], items[1]
    assert first.comment.post_title == "Tomatoes in August"
    assert first.comment.parent_id == ""
    assert second.comment.parent_id == "1"
    assert second.comment.author_url == "https://essays.example"
    assert first.source == "wxr:Garden Notes"


@pytest.mark.parametrize(
    ("doctype", "reference"),
    [
        # billion laughs: nested entities that expand to gigabytes
        ('<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">', "&b;"),
        # an external entity that would read a local file into the training data
        ('<!ENTITY secret SYSTEM "file:///etc/passwd">', "&secret;"),
    ],
)
def test_wxr_refuses_entity_declarations(tmp_path, doctype, reference):
    export = tmp_path / "export.xml"
    export.write_text(
        f'<?xml version="1.0"?><!DOCTYPE rss [{doctype}]>'
        f"<rss><channel><title>{reference}</title></channel></rss>",
        encoding="utf-8",
    )
    with pytest.raises(datasets.DatasetError, match="entities"):
        datasets.load_wxr(export)
