"""The YouTube Spam Collection loader."""

from moderator.training import datasets
from tests.paths import FIXTURES


def test_youtube_drops_date_and_names_the_video():
    items = datasets.load_youtube(FIXTURES / "youtube")
    assert [i.spam for i in items] == [False, True, False]
    assert {i.group for i in items} == {"youtube:Testvid"}
    assert items[1].comment.created_at is None
    assert "\n" in items[1].comment.content  # multi-line CSV field kept whole
    assert items[1].comment.author == "Promo Guy"
