"""Fitting the medical detector: the threshold for the targets, the saved model, card and report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from moderator.core.comment import Comment
from moderator.medical.model import load_medical_model
from moderator.training.datasets import ValidationOnlyError
from moderator.training.medical import evaluate, train
from moderator.training.medical.examples import Example
from moderator.training.medical.fitting import choose_threshold_on_ours
from tests.training.datasets import samples

#: Few hash buckets: the test checks the plumbing, not the model.
SMALL = {"n_features": 2**12, "char_features": 2**12}

#: A tiny corpus in our JSONL format, enough for every fold of the calibration.
QUESTIONS = [
    "My knee hurts when I kneel, what can I do?",
    "Is it normal for my shoulder to click after the stretches?",
    "Should I use heat or ice on a pulled hamstring?",
    "I've had a stiff neck for a week, any advice?",
    "How long does sciatica usually last?",
    "Can I take ibuprofen with my blood pressure tablets?",
    "I would like to know if swimming is ok with a herniated disc",
    "Why does my lower back ache every morning?",
    "Is walking good for plantar fasciitis or should I rest it?",
    "My ankle is still swollen two weeks after a sprain, should I get an x-ray?",
    "What stretches help with tennis elbow?",
    "Could my headaches be coming from my neck posture?",
    "Do you think physio would help my frozen shoulder?",
    "Is it safe to run with shin splints?",
    "How often should I do the pelvic floor exercises after birth?",
    "I've had numbness down there and can't control my bladder, is stretching ok?",
]
OTHERS = [
    "Thanks, this was really helpful!",
    "Where can I buy the foam roller you use?",
    "Do you ship the knee brace to Canada?",
    "Could you write a post about standing desks?",
    "Great article, sharing it with my running club.",
    "I had sciatica for a year and these stretches fixed it. Thank you!",
    "The video won't play on my phone.",
    "What camera did you use for the photos?",
    "How much is the online course?",
    "My physio recommended your blog, love it.",
    "Is there a newsletter I can sign up to?",
    "After my knee surgery I walked every day and it made all the difference.",
    "Which font is this blog using?",
    "Lovely recipe, the kids ate it all.",
    "Can you do a follow-up on sleep hygiene?",
    "Brilliant post as always.",
]


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A training_data-style folder written for the test, with one urgent question."""
    folder = tmp_path / "training_data"
    folder.mkdir()
    with open(folder / "comments.jsonl", "w", encoding="utf-8") as handle:
        for number, text in enumerate(QUESTIONS + OTHERS):
            medical = text in QUESTIONS
            record = {
                "id": f"t-{number}",
                "content": text,
                "spam": False,
                "medical_question": medical,
                "urgent": "bladder" in text,
                "family": "question" if medical else "other",
            }
            handle.write(json.dumps(record) + "\n")
    return folder


def _scored(rows: list[tuple[bool, str, float]]) -> tuple[list[Example], np.ndarray]:
    """Examples of our corpus (medical?, family) with their out-of-fold scores."""
    examples = [
        Example(
            text=f"t{i}",
            medical=medical,
            urgent=False,
            corpus="ours",
            kind=f"ours:{family}",
            held_out=False,
        )
        for i, (medical, family, _) in enumerate(rows)
    ]
    return examples, np.array([score for _, _, score in rows])


def test_threshold_meets_every_target_with_the_most_recall_when_it_can():
    # 40 questions scored 0.30..0.89; 40 reader questions, one scored high (2.5%)
    rows = [(True, "question", 0.30 + i * 0.015) for i in range(40)]
    rows += [(False, "product_question", 0.9)] + [(False, "product_question", 0.295)] * 39
    examples, scores = _scored(rows)
    cut = choose_threshold_on_ours(examples, scores)
    # the lowest cut-off within every target: all questions found, 1 false flag of 40
    assert cut == pytest.approx(0.30)


def test_threshold_puts_recall_first_when_the_targets_conflict():
    # 5 of 100 reader questions (5%) score above 95% of the questions: no cut-off reaching
    # 95% recall keeps the false flags under 3%, so the highest cut-off that still finds
    # 95% of the questions wins
    rows = [(True, "question", 0.3)] * 5 + [(True, "question", 0.6)] * 95
    rows += [(False, "product_question", 0.7)] * 5 + [(False, "product_question", 0.1)] * 95
    examples, scores = _scored(rows)
    cut = choose_threshold_on_ours(examples, scores)
    assert cut == pytest.approx(0.60)
    flagged = scores >= cut
    labels = np.array([e.medical for e in examples])
    assert (flagged & labels).sum() / labels.sum() >= 0.95


def test_recall_does_not_win_at_any_price():
    # 95% recall only with 10% of reader questions flagged (over the 6% ceiling): the
    # false-flag target wins and the recall target is given up
    rows = [(True, "question", 0.3)] * 30 + [(True, "question", 0.9)] * 370
    rows += [(False, "product_question", 0.5)] * 10 + [(False, "product_question", 0.1)] * 90
    examples, scores = _scored(rows)
    assert choose_threshold_on_ours(examples, scores) == pytest.approx(0.51)


def test_threshold_keeps_false_flags_in_target_when_recall_cannot_be_reached():
    # half the questions score too low to find; the reader questions decide the cut-off
    rows = [(True, "question", 0.1)] * 50 + [(True, "question", 0.9)] * 50
    rows += [(False, "product_question", 0.5)] * 10 + [(False, "product_question", 0.05)] * 90
    examples, scores = _scored(rows)
    assert choose_threshold_on_ours(examples, scores) == pytest.approx(0.51)


@pytest.mark.slow
def test_train_writes_model_card_and_report(corpus, tmp_path):
    """Training saves a loadable model, a card with sources and figures, and a small report."""
    card = train([corpus], tmp_path / "models", tmp_path / "report", progress=False, params=SMALL)
    assert 0.0 < card["threshold"] < 1.0
    assert card["sources"][0]["files"]["comments.jsonl"]
    assert "drug_names.txt" in card["vocabulary"] and "drug names" in card["features"]["drugs"]
    assert card["metrics"]["ours_held_out"]["comments"] > 0
    model = load_medical_model(tmp_path / "models")
    assert model.version.startswith(f"medical-{card['trained_on']}-")
    assert 0.0 <= model.triage(Comment(content=QUESTIONS[0])).medical_score <= 1.0
    report = tmp_path / "report"
    assert (report / "index.html").is_file() and (report / "scores.png").is_file()
    assert sum(f.stat().st_size for f in report.iterdir()) < 1_000_000
    figures = evaluate([corpus], tmp_path / "models", None)
    assert figures["ours_held_out"] == card["metrics"]["ours_held_out"]


@pytest.mark.slow
def test_train_on_real_sources_chooses_the_threshold_leaving_each_out(corpus, tmp_path):
    """With real sources beside ours, the threshold comes from leave-one-source-out scores,
    the card carries each source's figure, the audits and the corpora's licences, and
    the validation-only sets in the same shared folder are scored, never trained on."""
    shared = tmp_path / "shared" / "datasets"
    kqa = samples.kqa(shared / "kqa-patient-questions")
    cooking = samples.cooking(shared / "cooking-se-titles")
    samples.covid_q(shared / "covid-q")
    samples.c3(shared / "c3-constructive-comments")
    card = train([corpus, kqa, cooking], tmp_path / "models", None, progress=False, params=SMALL)
    assert card["threshold_basis"].startswith("leave-one-source-out")
    by_source = card["leave_one_source_out"]["by_source"]
    assert set(by_source) == {"kqa", "cooking"}
    assert by_source["kqa"]["kind"] == "health questions" and "recall" in by_source["kqa"]
    assert "false_flags" in by_source["cooking"]
    assert card["leave_one_source_out"]["calibration"]["examples"] == 3 + 2  # health tags out
    assert set(card["source_discrimination"]) == {"health questions", "not health questions"}
    licences = {c["folder"]: c["licence"] for c in card["training_corpora"]}
    assert licences == {"kqa-patient-questions": "MIT", "cooking-se-titles": "CC BY-SA 3.0"}
    validation = card["metrics"]["validation_only_sets"]
    assert validation["covid-q"]["n"] == 3 and 0.0 <= validation["covid-q"]["recall"] <= 1.0
    assert set(validation["covid-q"]["recall_by_source"]) == {
        "covid-q:google-search",
        "covid-q:yahoo-search",
        "covid-q:quora",
    }
    assert validation["c3-constructive-comments"]["n"] == 3
    assert "flagged" in validation["c3-constructive-comments"]
    trained = {name for source in card["sources"] for name in source["files"]}
    assert "final_master_dataset.csv" not in trained and "C3_anonymized.csv" not in trained


def test_train_refuses_a_validation_only_corpus(corpus, tmp_path):
    """Asked to fit on a validation-only set, training stops before fitting anything."""
    c3 = samples.c3(tmp_path / "shared" / "datasets" / "c3-constructive-comments")
    with pytest.raises(ValidationOnlyError, match="validation-only"):
        train([corpus, c3], tmp_path / "models", None, progress=False, params=SMALL)
    assert not (tmp_path / "models").exists()
