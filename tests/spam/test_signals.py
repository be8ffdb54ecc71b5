"""The metadata signals: one definition gives every column its name, reason and value."""

import pytest

from moderator.core.comment import Comment
from moderator.spam.facts import comment_facts
from moderator.spam.signals import METADATA, METADATA_NAMES, SIGNALS

#: Comments that switch on most signals between them, and some that switch on none.
COMMENTS = [
    Comment(content=""),
    Comment(content="ok"),
    Comment(
        content="Great article!!! Check my site https://cheap-meds.xyz, bit.ly/x, "
        '<a href="https://a.example/1">here</a> and https://b.example/2 or pills dot com: '
        "e-mail sales@shop.example or WhatsApp +1 (555) 201-4477, contact me, click here "
        "and earn $500 per day",
        author="Best Back Brace 2024",
        author_url="https://cheap-meds.xyz",
    ),
    Comment(content="Привет, отличная статья про хлеб. Buy chеap pills"),
    Comment(content="See https://en.wikipedia.org/wiki/Sourdough", post_title="Sourdough basics"),
    Comment(
        content="I was scammed until Dr. Ade recovered my lost funds. Call the helpline number"
    ),
    Comment(content="@sam 🔥 agreed"),
    Comment(content="𝐈 𝐢𝐧𝐯𝐞𝐬𝐭𝐞𝐝 $1,000 and withdrew $9,500, god bless you, all thanks to @anna_fx"),
    Comment(content="Please help: what should I do about this rash?"),
    Comment(content="SUBSCRIBE SUBSCRIBE TO MY CHANNEL SOOOOO GOOD " * 5 + "!!!! " * 400),
]


def test_every_signal_is_one_named_column_with_a_reason():
    assert len(set(METADATA_NAMES)) == len(SIGNALS)
    assert METADATA == tuple((signal.name, signal.code) for signal in SIGNALS)
    assert METADATA_NAMES == tuple(name for name, _ in METADATA)
    assert all(code for _, code in METADATA)


@pytest.mark.parametrize("comment", COMMENTS, ids=range(len(COMMENTS)))
def test_the_facts_hold_every_signal_in_column_order_as_a_share(comment):
    features = comment_facts(comment).features
    assert tuple(features) == METADATA_NAMES
    assert all(type(value) is float and 0.0 <= value <= 1.0 for value in features.values())


def test_the_comments_switch_signals_on_and_off():
    """Every signal is on for some comment above and off for another: none is stuck."""
    values = [comment_facts(comment).features for comment in COMMENTS]
    for name in METADATA_NAMES:
        assert any(v[name] for v in values), name
        assert not all(v[name] for v in values), name
