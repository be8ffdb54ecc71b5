"""The C3 news comments loader."""

from moderator.training import datasets
from tests.training.datasets import samples


def test_c3_reads_comment_text_as_genuine_grouped_by_article(tmp_path):
    items = datasets.load_c3(samples.c3(tmp_path))
    assert [i.comment.content for i in items] == [
        "If we pay road tolls, will our taxes be lowered?",
        "Nonsense.\nAll of it.",
        "Good piece.",
    ]
    assert [i.group for i in items] == ["c3:26023945", "c3:26023945", "c3:11111111"]
    assert all(i.spam is False and i.medical_question is None for i in items)
    assert {i.source for i in items} == {"c3"}
