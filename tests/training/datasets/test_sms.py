"""The SMS Spam Collection loader."""

from moderator.training import datasets
from tests.paths import FIXTURES


def test_sms_is_deduplicated():
    items = datasets.load_sms(FIXTURES / "SMSSpamCollection")
    assert [(i.spam, i.comment.content[:3]) for i in items] == [
        (False, "See"),
        (True, "WIN"),
        (False, "ok"),
    ]
