"""What the loaders share: duplicates, rows, names."""

from moderator.training import datasets
from tests.paths import FIXTURES


def test_deduplicate_keeps_first_and_drops_conflicts():
    items = datasets.load_sms(FIXTURES / "SMSSpamCollection") + datasets.load_youtube(
        FIXTURES / "youtube"
    )
    twice = items + items
    assert datasets.deduplicate(twice) == items
