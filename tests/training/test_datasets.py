"""Dataset loaders, each on a tiny fixture written for the test."""

import pytest

from moderator.training import datasets
from tests.paths import FIXTURES, SHARED_DATASETS


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


def test_youtube_drops_date_and_names_the_video():
    items = datasets.load_youtube(FIXTURES / "youtube")
    assert [i.spam for i in items] == [False, True, False]
    assert {i.group for i in items} == {"youtube:Testvid"}
    assert items[1].comment.created_at is None
    assert "\n" in items[1].comment.content  # multi-line CSV field kept whole
    assert items[1].comment.author == "Promo Guy"


def test_sms_is_deduplicated():
    items = datasets.load_sms(FIXTURES / "SMSSpamCollection")
    assert [(i.spam, i.comment.content[:3]) for i in items] == [
        (False, "See"),
        (True, "WIN"),
        (False, "ok"),
    ]


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


def test_meqsum_strips_the_subject_message_layout():
    items = datasets.load_meqsum(FIXTURES / "meqsum.jsonl")
    assert items[0].comment.content == (
        "knee pain. My knee hurts when I climb stairs, what should I do?"
    )
    assert all(i.medical_question is True and i.spam is False for i in items)


@pytest.mark.parametrize(
    ("tokenised", "plain"),
    [
        ("How do you make a paper crane ?", "How do you make a paper crane?"),
        ("What is the world 's largest country ?", "What is the world's largest country?"),
        ("Who wrote `` The Raven '' ?", 'Who wrote "The Raven"?'),
        ("Why do n't cats swim ?", "Why don't cats swim?"),
        ("What is the full form of .com ?", "What is the full form of .com?"),
        ("Name the celebrities ' real names .", "Name the celebrities' real names."),
    ],
)
def test_trec_punctuation_is_detokenised(tokenised, plain):
    assert datasets.detokenise_trec(tokenised) == plain


def test_trec_keeps_classes_in_group():
    items = datasets.load_trec(FIXTURES / "trec.label")
    assert [i.group for i in items] == ["DESC:manner", "ENTY:dismed", "HUM:ind", "LOC:other"]
    assert items[1].comment.content == "What disease did Ulysses S. Grant die of?"
    assert all(i.medical_question is False for i in items)


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


def test_deduplicate_keeps_first_and_drops_conflicts():
    items = datasets.load_sms(FIXTURES / "SMSSpamCollection") + datasets.load_youtube(
        FIXTURES / "youtube"
    )
    twice = items + items
    assert datasets.deduplicate(twice) == items


def test_provenance_hashes_files():
    card = datasets.provenance(FIXTURES / "youtube")
    assert card["format"] == "youtube"
    assert card["comments"] == 3 and card["spam"] == 1 and card["ham"] == 2
    assert len(card["files"][0]["sha256"]) == 64


@pytest.mark.datasets
@pytest.mark.skipif(not SHARED_DATASETS.is_dir(), reason="../shared/datasets is not present")
def test_shared_corpora_have_the_documented_sizes():
    youtube = datasets.load(SHARED_DATASETS / "youtube-spam-collection")
    assert len(youtube) == 1956
    assert len(datasets.load(SHARED_DATASETS / "sms-spam-collection" / "SMSSpamCollection")) == 5171
    assert (
        len(datasets.load(SHARED_DATASETS / "trec-question-classification" / "train_5500.label"))
        == 5452
    )
    meqsum = datasets.load(SHARED_DATASETS / "meqsum" / "meqsum.jsonl")
    assert len(meqsum) == 1000
    assert not any("MESSAGE:" in i.comment.content for i in meqsum)
