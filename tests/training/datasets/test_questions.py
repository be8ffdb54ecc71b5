"""Question corpora: MeQSum, TREC, K-QA, COVID-Q, COVID-Dialogue, MedicationQA."""

import pytest

from moderator.training import datasets
from tests.paths import FIXTURES
from tests.training.datasets import samples


def test_meqsum_strips_the_subject_message_layout():
    items = datasets.load_meqsum(FIXTURES / "meqsum.jsonl")
    assert items[0].comment.content == (
        "knee pain. My knee hurts when I climb stairs, what should I do?"
    )
    assert all(i.medical_question is True and i.spam is False for i in items)


def test_meqsum_loses_the_portal_words_and_placeholders_no_reader_writes():
    question = (
        "SUBJECT: ClinicalTrials.gov - Question - general information\n"
        "MESSAGE: Hello, my name is [NAME] from [LOCATION]. Is there a trial for ataxia?"
    )
    assert datasets.strip_meqsum_artifacts(question) == (
        "Hello, my name is from . Is there a trial for ataxia?"
    )


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


def test_kqa_questions_are_medical_grouped_by_diagnosis_and_deduplicated(tmp_path):
    items = datasets.load_kqa(samples.kqa(tmp_path))
    assert [i.comment.content for i in items] == [
        "Is it contagious?",
        "I also sneeze a lot is it allergies?",
        "treating the chlamydia will treat the PID as well?",
    ]
    assert all(i.medical_question is True and i.spam is False for i in items)
    assert {i.source for i in items} == {"kqa"}
    assert [i.group for i in items] == [
        "kqa:acute-pharyngitis-unspecified",
        "kqa:no-diagnosis",
        "kqa:chlamydial-infection-unspecified",
    ]
    # the diagnosis never reaches the text a model reads
    assert not any("pharyngitis" in i.comment.content.lower() for i in items)


def test_covid_q_keeps_lay_sources_only_grouped_by_paraphrase(tmp_path):
    items = datasets.load_covid_q(samples.covid_q(tmp_path))
    assert [(i.comment.content, i.source, i.group) for i in items] == [
        ("will covid end soon", "covid-q:google-search", "covid-q:42"),
        ("will covid end", "covid-q:yahoo-search", "covid-q:42"),
        ("can my dog give me covid", "covid-q:quora", "covid-q:7"),
    ]
    assert all(i.medical_question is True for i in items)


def test_covid_dialogue_reads_the_first_patient_turn_by_site(tmp_path):
    items = datasets.load_covid_dialogue(samples.covid_dialogue(tmp_path))
    assert len(items) == 2  # the repeated opening message counts once
    assert items[0].comment.content.startswith("Hello doctor, I get a cough")
    assert "\n" in items[0].comment.content  # multi-line messages stay whole
    assert [i.group for i in items] == [
        "covid-dialogue:icliniq-com",
        "covid-dialogue:healthtap-com",
    ]
    assert all(i.medical_question is True and i.source == "covid-dialogue" for i in items)


def test_medicationqa_counts_each_question_once(tmp_path):
    items = datasets.load_medicationqa(samples.medicationqa(tmp_path))
    assert [i.comment.content for i in items] == [
        "how much iron should an anemic take per day",
        "is viagra a treament for cor pulmonale?",
    ]
    assert [i.group for i in items] == ["medicationqa:iron", "medicationqa:viagra"]
    assert all(i.medical_question is True for i in items)


def test_kqa_line_without_its_fields_is_a_clear_error(tmp_path):
    bad = tmp_path / "questions.jsonl"
    bad.write_text('{"Question": "ok?", "ICD_10_diag": null}\n{"text": "no"}\n', encoding="utf-8")
    with pytest.raises(datasets.DatasetError, match="questions.jsonl:2"):
        datasets.load_kqa(bad)
