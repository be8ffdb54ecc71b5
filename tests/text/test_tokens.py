"""The text pipeline: normalising and tokenising comment text."""

import html
import itertools
import json
import re
import unicodedata

import pytest
from hypothesis import given

from moderator.text.tokens import (
    _GREEK_QUESTION,
    _HANG,
    _LINK_TAG,
    _TAG,
    _TWEET_WORDS,
    PRODUCT_NAMES,
    TEXT_LIMIT,
    URL,
    URL_TOKEN,
    _head_and_tail,
    clean_text,
    fast_tokenize,
    is_product_name,
    is_word,
    model_tokens,
    normalise,
    split_sentences,
    tokenize,
    tweet_words,
    unlink_timestamps,
)
from tests.fuzz import FUZZ, HOSTILE_TEXT
from tests.paths import ROOT, SHARED_DATASETS

CASES = [
    "Check out my channel: http://www.youtube.com/watch?v=abc!!! :)",
    "Email me at john.doe@gmail.com or call +1 (800) 555-1234",
    "I'm sooooo happy, don't go :D",
    "Merci beaucoup, très utile !",
    '<a href="https://example.com/x">my site</a> &amp; more',
    "@bob thanks for the tip #python",
]


@pytest.mark.parametrize("text", CASES)
def test_fast_tokenize_matches_the_nltk_tokenizer(text):
    assert fast_tokenize(text) == tokenize(text)


#: Texts where a token crosses a space or sits against a plain word: phone numbers and
#: dotted ellipses span spaces, links and e-mails hold words, emoticons hold letters.
TWEET_TEXTS = [
    "call me on 555 123 4567 today or +1 (800) 555 1234 tomorrow",
    "well . . . maybe .. not ... ok",
    "see www.example.com and example.org/page or mail bob@example.com now",
    "so happy :D xD D: :-P =) <3 and more",
    "don't stop, it's fine; well-known co-op (really) #tag @handle",
    "ASP.NET and Socket.IO are products, café naïve Ελληνικά русский 日本語",
    "  leading and trailing spaces\n\tand tabs  ",
    "",
    "word",
    "!!!",
]


@pytest.mark.parametrize("text", TWEET_TEXTS)
def test_tweet_words_are_the_patterns_own(text):
    """Plain words taken as they are give the very tokens the pattern finds."""
    assert tweet_words(text) == _TWEET_WORDS.findall(text)


def _training_texts() -> list[str]:
    """The comment text of every line of training_data/."""
    texts = []
    for path in sorted((ROOT / "training_data").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line).get("content") or "")
    return texts


def _shared_texts(lines_per_file: int = 10_000) -> list[str]:
    """The first lines of every text file of the shared corpora."""
    texts = []
    for path in sorted(SHARED_DATASETS.rglob("*")):
        if path.is_file() and path.suffix.lower() in {".csv", ".jsonl", ".txt", ""}:
            with open(path, encoding="utf-8", errors="replace") as handle:
                texts.extend(line[:3000] for line in itertools.islice(handle, lines_per_file))
    return texts


def assert_tweet_words_are_the_patterns_own(texts: list[str]) -> None:
    """Each text, as the models read it (normalised, or cleaned and lower-cased): the
    same tokens, in the same order."""
    for text in texts:
        for form in (text, clean_text(text).lower()):
            prepared = _HANG.sub(r"\1\1\1", normalise(form))
            assert tweet_words(prepared) == _TWEET_WORDS.findall(prepared), form


def test_tweet_words_are_the_patterns_own_on_training_comments():
    """Every training comment."""
    texts = _training_texts()
    assert len(texts) > 1000
    assert_tweet_words_are_the_patterns_own(texts)


@pytest.mark.datasets
@pytest.mark.skipif(not SHARED_DATASETS.is_dir(), reason="../shared/datasets is absent")
def test_tweet_words_are_the_patterns_own_on_the_shared_corpora():
    """The first lines of every shared corpus file."""
    assert_tweet_words_are_the_patterns_own(_shared_texts())


def _plain_normalise(text: str) -> str:
    """`normalise` step by step, as first written: every pattern run on every text."""
    if not text:
        return ""
    text = _TAG.sub(" ", _LINK_TAG.sub(r" \1 ", unlink_timestamps(text)))
    text = unicodedata.normalize("NFKC", html.unescape(text))
    text = text.translate(dict.fromkeys(map(ord, "\ufeff\u200b\u2060\u00ad")))
    return re.sub(r"\s+", " ", text).strip()


def _plain_clean_text(text: str) -> str:
    """`clean_text` as first written, on `_plain_normalise`."""
    text = _plain_normalise(_head_and_tail(text, 2 * TEXT_LIMIT))
    apostrophes = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
    text = _head_and_tail(text, TEXT_LIMIT).translate(apostrophes).replace("\u061f", "?")
    return _GREEK_QUESTION.sub("?", text)


#: Every character Python can hold in a string, a thousand at a time between words.
EVERY_CHARACTER = [
    "a " + "".join(map(chr, range(start, min(start + 1000, 0x110000)))) + " b"
    for start in range(0, 0x110000, 1000)
    if not 0xD800 <= start < 0xE000
]


def assert_plain_steps(texts: list[str]) -> None:
    """`normalise` and `clean_text` give what their plain steps give, on each text."""
    for text in texts:
        assert normalise.__wrapped__(text) == _plain_normalise(text), text
        assert clean_text.__wrapped__(text) == _plain_clean_text(text), text


def test_normalise_and_clean_text_are_the_plain_steps():
    """The shortcuts (no tag, no invisible character, white space split and joined)
    change nothing: every training comment, every character, and the layouts they skip
    over."""
    assert_plain_steps(
        [
            *_training_texts(),
            *EVERY_CHARACTER,
            "\u00a0a\u2028b\x1c c\x85d\u3000e \t",
            "a\ufeff\u200bb\u00ad it\u2019s `x` \u02bcy\u2018 x\u061f \u03ba\u03b1\u03b9;",
            "&lt;b&gt;x&lt;/b&gt; <i>y</i> \uff1cb\uff1e",
        ]
    )


@pytest.mark.datasets
@pytest.mark.skipif(not SHARED_DATASETS.is_dir(), reason="../shared/datasets is absent")
def test_normalise_and_clean_text_are_the_plain_steps_on_the_shared_corpora():
    """The first lines of every shared corpus file."""
    assert_plain_steps(_shared_texts())


def test_normalise_keeps_the_real_href_not_a_look_alike_attribute():
    """The link target is the tag's own href attribute, not "data-href" before it."""
    html = '<a data-href="https://decoy.example" href="https://spam.example/pills">deal</a>'
    assert normalise(html).startswith("https://spam.example/pills")


def test_normalise_keeps_link_targets_and_undoes_entities():
    assert normalise('<a href="https://ex.com/a">shop</a> &#39;hi&#39;\ufeff') == (
        "https://ex.com/a shop 'hi'"
    )


def test_video_timestamp_links_become_the_time_the_reader_typed():
    """YouTube links a typed "2:19" to the same video; the reader wrote only the time."""
    html = (
        'Best part <a href="http://www.youtube.com/watch?v=KQ6zr6kCPj8&amp;t=2m19s">2:19</a>'
        ' and <a href="https://youtu.be/KQ6zr6kCPj8?t=1h2m3s">1:02:03</a>'
    )
    assert normalise(html) == "Best part 2:19 and 1:02:03"


@pytest.mark.parametrize(
    "html",
    [
        '<a href="https://www.youtube.com/watch?v=abc">my channel</a>',
        '<a href="https://shop.example/watch?v=abc&t=10s">0:10</a>',
        '<a href="https://www.youtube.com/watch?v=abc&t=10s">free gift cards</a>',
        # a second href-like attribute must not hide the real target behind a time
        '<a href="http://spam.example/pills" data-href="//youtu.be/x?t=1s">1:00</a>',
        '<a title="href=\'//youtube.com/watch?t=1s\'" href="http://spam.example/p">1:00</a>',
        '<a href=//youtube.com/watch?t=1s href="http://spam.example/pills">1:00</a>',
    ],
)
def test_other_links_keep_their_target(html):
    """Only a timestamp link into a video, showing a time, loses its target."""
    assert unlink_timestamps(html) == html
    assert "//" in normalise(html)


def test_tokenize_keeps_urls_emoticons_and_handles_whole():
    tokens = tokenize("see https://ex.com/a?b=1 :) @anna")
    assert tokens == ["see", "https://ex.com/a?b=1", ":)", "@anna"]


def test_model_tokens_replace_values_with_placeholders():
    tokens = model_tokens("visit www.shop.xyz or mail me@ex.com, call +1 (800) 555-1234 @bob")
    assert tokens == [
        "visit",
        "<url>",
        "or",
        "mail",
        "<email>",
        ",",
        "call",
        "<number>",
        "<handle>",
    ]


@pytest.mark.parametrize(
    ("text", "placeholder"),
    [
        ("857.482.940 views already", "<count>"),
        ("2.126.521.750 views", "<count>"),
        ("the 2008-2010 albums", "<date>"),
        ("since 1999-2000 at least", "<date>"),
        ("call 555-123-4567 now", "<number>"),
        ("call 09061701461 now", "<number>"),
    ],
)
def test_counts_and_dates_are_not_phone_placeholders(text, placeholder):
    """A reader's view count or span of years must not look like a spammer's phone number."""
    tokens = model_tokens(text)
    assert placeholder in tokens
    assert {"<count>", "<date>", "<number>"} & set(tokens) == {placeholder}


def test_long_digit_runs_are_cut_before_the_phone_pattern():
    tokens = fast_tokenize("9" * 50_000)
    assert tokens and all(len(t) <= 15 for t in tokens)


@pytest.mark.parametrize(
    ("token", "word"),
    [("casino", True), ("don't", True), ("<url>", False), ("!", False), (":)", False)],
)
def test_is_word(token, word):
    assert is_word(token) is word


def test_normalise_makes_real_layout_look_like_any_other():
    """Real comments are multi-line, with non-breaking and zero-width spaces and soft
    hyphens; none of it may tell a source apart or hide a word."""
    messy = "Great\u00a0post!\r\n\r\n  fr\u200bee mon\u00adey\u2060 now\ufeff\n"
    assert normalise(messy) == "Great post! free money now"
    assert tokenize(messy) == tokenize("great post! free money now")


# -- fuzzing: hostile text never raises, and every step stays quick ----------------------


@FUZZ
@given(HOSTILE_TEXT)
def test_every_step_of_the_text_pipeline_takes_any_text(text):
    normalised = normalise(text)
    assert isinstance(normalised, str)
    for tokens in (tokenize(text), fast_tokenize(text), model_tokens(text)):
        assert all(isinstance(token, str) for token in tokens)
    assert all(isinstance(sentence, str) for sentence in split_sentences(text))
    assert isinstance(clean_text(text), str) and isinstance(unlink_timestamps(text), str)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("ASP.NET Core", ["asp", "net", "core"]),
        ("Socket.IO rooms", ["socket", "io", "rooms"]),
        # readers do not capitalise, and some sources are all lower case
        ("asp.net core", ["asp", "net", "core"]),
        ("same in vb.net and ado.net", ["same", "in", "vb", "net", "and", "ado", "net"]),
        ("socket.io rooms", ["socket", "io", "rooms"]),
        ("Asp.Net MVC", ["asp", "net", "mvc"]),
        ("Quartz.NET jobs", ["quartz", "net", "jobs"]),
        ("CHEAP-PILLS.COM now", ["<url>", "now"]),
        ("CHEAP-PILLS.NET now", ["<url>", "now"]),
        ("see cheap-pills.net", ["see", "<url>"]),
        ("see cheap.io", ["see", "<url>"]),
        # a product's own site, linked, is still a link
        ("docs at https://asp.net/core", ["docs", "at", "<url>"]),
        ("docs at asp.net/core", ["docs", "at", "<url>"]),
    ],
)
def test_a_product_name_is_words_and_a_shop_is_a_link(text, tokens):
    """Readers of technical blogs write "ASP.NET" every day; it is not an address."""
    assert model_tokens(text) == tokens


@pytest.mark.parametrize("name", sorted(PRODUCT_NAMES))
def test_every_listed_product_name_is_one_the_link_pattern_would_take(name):
    """The list holds only names that would otherwise read as an address, in lower case,
    and each is read as words in any case."""
    assert name == name.lower() and URL.fullmatch(name)
    for written in (name, name.upper(), name.title()):
        assert is_product_name(written)
        assert URL_TOKEN not in model_tokens(f"help with {written} please")
