"""Tiny copies of each shared corpus's file format, written into a test's tmp_path.

Each writer lays the file out as its PROVENANCE.md describes (same name, same columns,
the same traps in miniature) and returns its path.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path


def _csv(path: Path, header: list[str], rows: list[list]) -> Path:
    """Write a quoted CSV file with a header, as the shared corpora are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _jsonl(path: Path, records: list[dict]) -> Path:
    """Write one JSON object a line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def scamspot(folder: Path) -> Path:
    """ScamSpot: lower-cased scraped rows, and one "reported" row in its own case."""
    return _csv(
        folder / "instagram_comments_labelled.csv",
        ["comment_id", "text", "label", "account", "media_id", "source"],
        [
            ["1", "i invested $1000 and got $9500, contact @mike_fx", "spam", "binance", "m1",
             "comments_extracted.json"],
            ["2", "yup!", "ham", "daveramsey", "m2", "comments_extracted.json"],
            ["3", "Message Her On WhatsApp NOW", "spam", "", "",
             "comments-rated-plus-reported.csv (reported, rows 3444+)"],
        ],
    )  # fmt: skip


def se_titles(folder: Path) -> Path:
    """SmokeDetector titles: phone spam in two spellings, noisy spam, five ham files."""
    ham = [
        ["How to show menu in android?", "ham", "bayesian/SOLowQuality.txt"],
        ["SQL join returns duplicates", "ham", "bayesian/SOLowQuality.txt"],
        ["Grep for a word in many files", "ham", "bayesian/SOLowQuality.txt"],
        ["What happens if I get into debt?", "ham", "bayesian/GamingGood.txt"],
        ["Is $\\sum 1/n$ convergent?", "ham", "bayesian/MathematicsGood.txt"],
        ["Multiple treatment nonparametric testing", "ham", "bayesian/StatsGood.txt"],
        ["x86 Remote Debugger Service on x64", "ham", "bayesian/ElectronicsGood.txt"],
    ]
    spam = [
        ["fast LOVE vashikaran +91 9950211818", "spam", "bayesian/bad.txt"],
        ["Most Powerful Vashikaran Mantra 09950211818", "spam", "bayesian/bad.txt"],
        ["Gamma Blue 11s activity", "spam", "bayesian/Spammy Titles - QueryResults.csv"],
        [
            "Gmail tech support 1-844-202-5571 helpline",
            "spam",
            "test/test_regexes.py (tech-support test cases)",
        ],
    ]
    return _csv(folder / "se_titles_spam_ham.csv", ["text", "label", "source_file"], ham + spam)


def cooking(folder: Path) -> Path:
    """Cooking titles: plain cooking questions and health-adjacent (food-safety) ones."""
    return _csv(
        folder / "cooking_se_titles.csv",
        ["se_post_id", "title", "tags"],
        [
            ["58206", "How much does potato starch affect a cheese sauce recipe?", "sauce|cheese"],
            ["27683", "Any health risk eating cold refrigerated pizza?", "food-safety|pizza"],
            ["3", "Oatmeal & Lactose Intolerance", "allergy"],
            ["4", "Can I make this bread recipe gluten free?", "gluten-free|bread"],
        ],
    )


def kqa(folder: Path) -> Path:
    """K-QA: patients' questions with the conversation's diagnosis, one repeated."""
    records = [
        {"Question": "Is it contagious?", "ICD_10_diag": "Acute pharyngitis, unspecified"},
        {"Question": "is it contagious ?", "ICD_10_diag": "Acute pharyngitis, unspecified"},
        {"Question": "I also sneeze a lot is it allergies?", "ICD_10_diag": None},
        {
            "Question": "treating the chlamydia will treat the PID as well?",
            "ICD_10_diag": "Chlamydial infection, unspecified",
        },
    ]
    for record in records:
        record.update(entity_text=[], matched_entity="", entity_tag=[])
    return _jsonl(folder / "questions.jsonl", records)


def c3(folder: Path) -> Path:
    """C3: news comments with a tokenised copy that must not be read."""
    return _csv(
        folder / "C3_anonymized.csv",
        ["article_id", "comment_author", "comment_counter", "comment_text", "constructive",
         "pp_comment_text"],
        [
            ["26023945", "0", "source1_26023945_62", "If we pay road tolls, will our taxes "
             "be lowered?", "1", "if we pay road tolls , will our taxes be lowered ?"],
            ["26023945", "1", "source1_26023945_63", "Nonsense.\nAll of it.", "0",
             "nonsense . all of it ."],
            ["11111111", "2", "source1_11111111_1", "Good piece.", "0", "good piece ."],
        ],
    )  # fmt: skip


def covid_q(folder: Path) -> Path:
    """COVID-Q: lay questions (Quora, search) and official FAQ wording (CDC, author)."""
    return _csv(
        folder / "final_master_dataset.csv",
        ["Category", "Question ID", "Question", "Source", "Answers"],
        [
            ["Speculation", "42", "will covid end soon", "Google Search", "..."],
            ["Speculation", "42", "will covid end", "Yahoo Search", "..."],
            ["Speculation", "42", "will covid end soon", "Bing Search", "..."],
            ["Transmission", "7", "can my dog give me covid", "Quora", "..."],
            ["Transmission", "7", "Can pets spread COVID-19?", "Center for Disease Control", ""],
            ["Prevention", "9", "how do i stay safe", "Author Generated", "..."],
        ],
    )


def covid_dialogue(folder: Path) -> Path:
    """COVID-Dialogue: patients' opening messages from two sites, one repeated."""
    first = "Hello doctor, I get a cough for the last few days.\nWhat should I do?"
    return _jsonl(
        folder / "covid_dialogue_en.jsonl",
        [
            {"id": 1, "url": "u1", "site": "icliniq.com", "description": "Cough?",
             "first_patient_turn": first, "n_turns": 4},
            {"id": 2, "url": "u2", "site": "healthtap.com", "description": "Fever?",
             "first_patient_turn": "My son has a fever, is it covid?", "n_turns": 2},
            {"id": 3, "url": "u3", "site": "icliniq.com", "description": "Cough?",
             "first_patient_turn": first, "n_turns": 4},
        ],
    )  # fmt: skip


def medicationqa(folder: Path) -> Path:
    """MedicationQA: one row per answer, so a question repeats."""
    return _csv(
        folder / "MedInfo2019-QA-Medications.csv",
        ["Question", "Focus (Drug)", "Question Type", "Answer", "Section Title", "URL"],
        [
            ["how much iron should an anemic take per day", "Iron", "Dose", "a", "", ""],
            ["how much iron should an anemic take per day", "Iron", "Dose", "b", "", ""],
            ["is viagra a treament for cor pulmonale?", "Viagra", "Indication", "c", "", ""],
        ],
    )


#: Each writer with the format `detect_format` must find for what it writes.
WRITERS = {
    "scamspot": scamspot,
    "se-titles": se_titles,
    "cooking": cooking,
    "kqa": kqa,
    "c3": c3,
    "covid-q": covid_q,
    "covid-dialogue": covid_dialogue,
    "medicationqa": medicationqa,
}
