"""Health and general questions: MeQSum, TREC, K-QA, COVID-Q, COVID-Dialogue, MedicationQA.

None of these is spam (``spam=False``). MeQSum and K-QA are trainable health questions;
TREC is trivia, the negatives; COVID-Q, COVID-Dialogue and MedicationQA are
validation-only (see `catalogue`). Each loader undoes what is an artifact of how its
corpus was made (MeQSum's layout, TREC's tokenised punctuation) and removes repeats.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from moderator.core.comment import Comment
from moderator.training.datasets.corpus import (
    DatasetError,
    LabelledComment,
    csv_rows,
    files_in,
    first_of_each_text,
    json_lines,
    json_records,
    question_comment,
    slug,
)

MEQSUM_PATTERNS = ("meqsum*.jsonl", "*.jsonl")
TREC_PATTERNS = ("*.label", "*.txt")
KQA_PATTERNS = ("questions*.jsonl", "*.jsonl")
KQA_FIELDS = ("Question", "ICD_10_diag")
COVID_Q_PATTERNS = ("*.csv",)
COVID_Q_COLUMNS = ("Question ID", "Question", "Source")
COVID_DIALOGUE_PATTERNS = ("covid_dialogue*.jsonl", "*.jsonl")
COVID_DIALOGUE_FIELDS = ("first_patient_turn", "site")
MEDICATIONQA_PATTERNS = ("*.csv",)
MEDICATIONQA_COLUMNS = ("Question", "Focus (Drug)")

#: COVID-Q's sources written by lay people (the rest are official FAQs or the author's).
COVID_Q_LAY_SOURCES = frozenset(
    {"Quora", "Yahoo Answers", "Google Search", "Bing Search", "Yahoo Search"}
)

_MEQSUM_SUBJECT = re.compile(r"^\s*SUBJECT\s*[:.]\s*", re.I)
_MEQSUM_MESSAGE = re.compile(r"\s*\bMESSAGE\s*:\s*", re.I)


def strip_meqsum_layout(question: str) -> str:
    """Turn ``SUBJECT: x\nMESSAGE: y`` into ``x. y`` so a model cannot learn the layout."""
    text = _MEQSUM_SUBJECT.sub("", question)
    marker = _MEQSUM_MESSAGE.search(text)
    if marker:
        subject, message = text[: marker.start()].strip(), text[marker.end() :]
        if subject and subject[-1] not in ".?!":
            subject += "."
        text = f"{subject} {message}"
    return re.sub(r"\s+", " ", text).strip()


#: The NLM portal's own words before a message ("ClinicalTrials.gov - Question - general
#: information.") and its anonymisation placeholders ("[NAME]", "[LOCATION]"): no reader
#: writes them, so a model would learn them as "MeQSum" (and the portal name as a link).
_MEQSUM_PORTAL = re.compile(r"^\W*clinicaltrials\.gov\s*(?:-\s*[^.:\-]{0,40})*[\W]*", re.I)
_MEQSUM_PLACEHOLDER = re.compile(r"\[(?:location|name|contact|date|phone|email|url|id)\]", re.I)


def strip_meqsum_artifacts(question: str) -> str:
    """Return a MeQSum question as its sender wrote it: layout, portal words and
    placeholders removed (`strip_meqsum_layout` first)."""
    text = _MEQSUM_PORTAL.sub("", strip_meqsum_layout(question))
    return re.sub(r"\s+", " ", _MEQSUM_PLACEHOLDER.sub(" ", text)).strip()


def meqsum_records(path) -> Iterator[dict]:
    """Yield MeQSum's records as published: ``question`` (layout included), ``summary``."""
    for file, number, record in json_lines(path, MEQSUM_PATTERNS):
        question = record.get("question") if isinstance(record, dict) else None
        if not isinstance(question, str):
            raise DatasetError(f"{file}:{number}: not a MeQSum line (no 'question' text)")
        yield record


def load_meqsum(path) -> list[LabelledComment]:
    """Load MeQSum consumer health questions as medical questions, artifacts stripped."""
    return [
        LabelledComment(
            comment=Comment(content=strip_meqsum_artifacts(record["question"])),
            spam=False,
            medical_question=True,
            source="meqsum",
            group="meqsum",
        )
        for record in meqsum_records(path)
    ]


_TREC_LINE = re.compile(r"^(?P<coarse>[A-Z]+):(?P<fine>\S+)\s+(?P<text>.+)$")
_TREC_DETOKENISE = [
    (re.compile(r"``\s*"), '"'),
    (re.compile(r"\s*''"), '"'),
    (re.compile(r"\b(\w+) n't\b"), r"\1n't"),
    (re.compile(r" '(s|t|ll|ve|re|d|m|em)\b", re.I), r"'\1"),
    (re.compile(r"(\w) '(?=\s|$)"), r"\1'"),
    (re.compile(r" ([?.!,;:%)])(?=\s|$)"), r"\1"),
    (re.compile(r"([($]) "), r"\1"),
    (re.compile(r"\s+"), " "),
]


def detokenise_trec(text: str) -> str:
    """Undo TREC's tokenised punctuation: ``What 's it ?`` -> ``What's it?``."""
    for pattern, replacement in _TREC_DETOKENISE:
        text = pattern.sub(replacement, text)
    return text.strip()


def load_trec(path) -> list[LabelledComment]:
    """Load Li and Roth's TREC questions as non-medical questions; `group` keeps coarse:fine.

    Note ``ENTY:dismed`` and some ``DESC`` lines are medical trivia: filter on `group`
    when they must not count as clean negatives.
    """
    items = []
    for file in files_in(path, TREC_PATTERNS):
        with open(file, encoding="iso-8859-1") as handle:
            for number, line in enumerate(handle, start=1):
                line = line.strip()
                if not line:
                    continue
                match = _TREC_LINE.match(line)
                if not match:
                    raise DatasetError(f"{file}:{number}: expected 'COARSE:fine question'")
                items.append(
                    LabelledComment(
                        comment=Comment(content=detokenise_trec(match["text"])),
                        spam=False,
                        medical_question=False,
                        source="trec",
                        group=f"{match['coarse']}:{match['fine']}",
                    )
                )
    return items


def load_kqa(path) -> list[LabelledComment]:
    """Load K-QA's patient questions as medical questions, repeated texts removed.

    `group` is the conversation's diagnosis (``kqa:<ICD_10_diag>``): K-QA holds short
    follow-ups from the same chats ("Is it contagious?") that are near-duplicates of each
    other, and they share the diagnosis, so a grouped split keeps them on one side. The
    diagnosis is never part of the text a model reads.
    """
    items = []
    for _file, number, record in json_records(path, KQA_PATTERNS, KQA_FIELDS, "K-QA"):
        diagnosis = str(record.get("ICD_10_diag") or "").strip()
        items.append(
            LabelledComment(
                comment=question_comment(str(record.get("Question") or ""), f"kqa-{number}"),
                spam=False,
                medical_question=True,
                source="kqa",
                group=f"kqa:{slug(diagnosis) or 'no-diagnosis'}",
            )
        )
    return first_of_each_text(items)


def load_covid_q(path) -> list[LabelledComment]:
    """Load COVID-Q's lay-written questions (Quora, Yahoo, search logs) as medical questions.

    Official FAQ wording (CDC, FDA, CNN ...) and the dataset author's own questions are
    left out: they are not readers asking. `group` is the paraphrase cluster (Question ID).
    The text is lower-cased and unpunctuated as published: that cannot be undone.
    """
    items = []
    for _file, row in csv_rows(path, COVID_Q_PATTERNS, COVID_Q_COLUMNS, "COVID-Q"):
        source = (row["Source"] or "").strip()
        if source not in COVID_Q_LAY_SOURCES:
            continue
        items.append(
            LabelledComment(
                comment=question_comment(row["Question"] or ""),
                spam=False,
                medical_question=True,
                source=f"covid-q:{slug(source)}",
                group=f"covid-q:{(row['Question ID'] or '').strip()}",
            )
        )
    return first_of_each_text(items)


def load_covid_dialogue(path) -> list[LabelledComment]:
    """Load COVID-Dialogue's patients' opening messages as medical questions, by site."""
    items = []
    for _file, _number, record in json_records(
        path, COVID_DIALOGUE_PATTERNS, COVID_DIALOGUE_FIELDS, "COVID-Dialogue"
    ):
        site = str(record.get("site") or "").strip()
        items.append(
            LabelledComment(
                comment=question_comment(
                    str(record.get("first_patient_turn") or ""),
                    f"covid-dialogue-{record.get('id', '')}",
                ),
                spam=False,
                medical_question=True,
                source="covid-dialogue",
                group=f"covid-dialogue:{slug(site) or 'unknown'}",
            )
        )
    return [item for item in first_of_each_text(items) if item.comment.content.strip()]


def load_medicationqa(path) -> list[LabelledComment]:
    """Load MedicationQA's consumer questions as medical questions, each question once.

    Rows repeat a question once per answer; `group` is the drug asked about.
    """
    items = []
    for _file, row in csv_rows(path, MEDICATIONQA_PATTERNS, MEDICATIONQA_COLUMNS, "MedicationQA"):
        drug = slug(row["Focus (Drug)"] or "")
        items.append(
            LabelledComment(
                comment=question_comment(row["Question"] or ""),
                spam=False,
                medical_question=True,
                source="medicationqa",
                group=f"medicationqa:{drug or 'unknown'}",
            )
        )
    return [item for item in first_of_each_text(items) if item.comment.content.strip()]
