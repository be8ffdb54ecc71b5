"""The medical detector's corpus: our JSONL, MeQSum and TREC, neutralised and split.

MeQSum lay health questions are positives (``SUBJECT:/MESSAGE:`` layout, portal
boilerplate and placeholders removed, cut to comment length around the question); TREC
trivia questions are negatives (punctuation de-tokenised, medical trivia left out). Every
corpus is split by a hash of the text, so the held-out part is the same on every run.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from moderator.medical.question import CueMatcher, default_vocabulary
from moderator.text.tokens import split_sentences
from moderator.training.datasets import (
    content_key,
    detect_format,
    load_jsonl,
    load_meqsum,
    load_trec,
    meqsum_records,
    strip_meqsum_layout,
)

#: Share of each corpus held out for evaluation (percent of the text-hash space).
HELD_OUT_PERCENT = {"ours": 20, "meqsum": 50, "trec": 50}
#: Longest comment-like window cut from a MeQSum question, in words.
COMMENT_WORDS = 80
#: Families of our negatives that are reader questions (the false-flag targets); the
#: second group is ``reader_questions.jsonl``, written as the hardest negatives.
NON_MEDICAL_QUESTION_FAMILIES = (
    "question_non_medical",
    "nonmedical_question_health_blog",
    "general_chat_questions",
    "logistics_health_blog",
    "exercise_logistics",
    "product_question",
    "recipe_question",
    "site_problem",
    "topic_request",
    "other_blog_question",
    "reader_to_reader",
    "other_language_question",
    # medical_lay.jsonl: health-blog questions that are not medical, and questions that
    # use body or health words in an everyday sense (its questions about a pet's health
    # are trained as negatives but are not held to this target: they are health questions,
    # just not the author's to answer)
    "non_medical_question_health_blog",
    "everyday_question_health_words",
    # medical_hard.jsonl: training questions without a health problem, everyday body words
    "exercise_programming_question",
    "everyday_body_words_question",
)

_MEQSUM_BOILERPLATE = re.compile(
    r"^\W*clinicaltrials\.gov\s*(?:-\s*[^.:\-]{0,40})*[\W]*", re.IGNORECASE
)
_PLACEHOLDER = re.compile(r"\[(?:location|name|contact|date|phone|email|url|id)\]", re.IGNORECASE)
_SUPPLIER = re.compile(
    r"\b(?:who (?:makes|manufactures|sells|distributes|produces)|manufactur\w*"
    r"|where (?:can|do|could) i (?:buy|purchase|order)|supplier|distributor|discontinued)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Example:
    """One labelled text for the medical detector, with where it came from."""

    text: str
    medical: bool
    urgent: bool
    corpus: str  # ours, meqsum, trec
    kind: str  # ours:<family>, meqsum, meqsum_summary, meqsum_supplier, trec, trec_medical
    held_out: bool
    original: str = ""  # the text before neutralisation, for artifact checks
    spam: bool = False
    source: str = ""  # the file it came from (``medical.jsonl``, ``meqsum.jsonl`` ...)

    @property
    def trainable(self) -> bool:
        """Whether the example is trained on: spam is the spam model's (spam wins anyway),
        medical trivia is not a clean negative and suppliers' questions are shop questions."""
        return not self.spam and self.kind not in {"trec_medical", "meqsum_supplier"}


def held_out(text: str, corpus: str) -> bool:
    """Whether a text belongs to the held-out part of its corpus (stable across runs)."""
    digest = hashlib.sha256(content_key(text).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 100 < HELD_OUT_PERCENT[corpus]


def is_reader_question(example: Example) -> bool:
    """Whether an example is one of our genuine non-medical reader questions."""
    return example.kind.removeprefix("ours:") in NON_MEDICAL_QUESTION_FAMILIES


def default_sources(project_root: Path) -> list[Path]:
    """Return our corpus and, when present beside the project, MeQSum and TREC."""
    project_root = Path(project_root).resolve()
    shared = project_root.parent / "shared" / "datasets"
    sources = [project_root / "training_data"]
    for candidate in (
        shared / "meqsum" / "meqsum.jsonl",
        shared / "trec-question-classification" / "train_5500.label",
    ):
        if candidate.is_file():
            sources.append(candidate)
    return sources


def comment_like(question: str, matcher: CueMatcher, limit: int = COMMENT_WORDS) -> str:
    """Cut a MeQSum question to blog-comment form: no portal boilerplate, placeholders
    or shouting, at most `limit` words around its first asking sentence."""
    text = _MEQSUM_BOILERPLATE.sub("", question)
    text = _PLACEHOLDER.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.6:
        text = text.lower().capitalize()  # all-caps messages would teach "shouting = medical"
    sentences = split_sentences(text)
    if sum(len(s.split()) for s in sentences) <= limit:
        return text
    asking = [i for i, s in enumerate(sentences) if matcher.sentence(s).asks]
    if not asking:  # keep the opening, where the reader says what it is about
        return " ".join(" ".join(sentences).split()[:limit])
    end = asking[0]
    window: list[str] = []
    for sentence in reversed(sentences[: end + 1]):
        if window and sum(len(s.split()) for s in window) + len(sentence.split()) > limit:
            break
        window.insert(0, sentence)
    kept = " ".join(window)
    words = kept.split()
    return " ".join(words[-limit:]) if len(words) > limit else kept


def _is_medical_trivia(group: str, text: str, matcher: CueMatcher) -> bool:
    """TREC's ENTY:dismed lines and questions using condition/symptom/medicine words."""
    if group == "ENTY:dismed":
        return True
    found = matcher.sentence(text).medical
    return bool(found.get("condition") or found.get("symptom") or found.get("medication"))


def load_examples(data: Sequence[Path]) -> list[Example]:
    """Load every source into examples, neutralising the public sets' artifacts.

    A text met again (compared as `content_key`) is kept only the first time.
    """
    matcher = CueMatcher(default_vocabulary())
    examples: list[Example] = []
    seen: set[str] = set()
    for path in data:
        for example in _examples_of(path, matcher):
            key = content_key(example.text)
            if key and key not in seen:
                seen.add(key)
                examples.append(example)
    return examples


def _examples_of(path: Path, matcher: CueMatcher) -> Iterator[Example]:
    """Return the examples of one source, by its format."""
    kind = detect_format(path)
    if kind == "jsonl":
        return _our_examples(path)
    if kind == "meqsum":
        return _meqsum_examples(path, matcher)
    if kind == "trec":
        return _trec_examples(path, matcher)
    raise ValueError(f"{path}: the medical detector cannot train on {kind} data")


def _our_examples(path: Path) -> Iterator[Example]:
    """Our JSONL as labelled; spam is never a medical or an urgent question."""
    for item in load_jsonl(path):
        text = item.comment.content
        yield Example(
            text=text,
            medical=bool(item.medical_question) and not item.spam,
            urgent=bool(item.urgent) and not item.spam,
            corpus="ours",
            kind=item.group,
            held_out=held_out(text, "ours"),
            original=text,
            spam=bool(item.spam),
            source=item.source.removeprefix("ours:"),
        )


def _public_example(path: Path, corpus: str, kind: str, text: str, original: str, split_by: str):
    """Return a MeQSum (medical) or TREC (not medical) example, split by `split_by`."""
    return Example(
        text=text,
        medical=corpus == "meqsum",
        urgent=False,
        corpus=corpus,
        kind=kind,
        held_out=held_out(split_by, corpus),
        original=original,
        source=Path(path).name,
    )


def _meqsum_examples(path: Path, matcher: CueMatcher) -> Iterator[Example]:
    """MeQSum questions cut to comment form, and the held-out part's one-line summaries."""
    summaries = meqsum_summaries(path)
    for item in load_meqsum(path):
        stripped = item.comment.content
        supplier = bool(_SUPPLIER.search(stripped))
        kind = "meqsum_supplier" if supplier else "meqsum"
        yield _public_example(
            path, "meqsum", kind, comment_like(stripped, matcher), stripped, stripped
        )
        # The one-line summaries read like trivia ("What causes pitting edema?"):
        # trained on, they taught "short question = medical" and raised TREC's
        # false flags, so they are only measured (held-out part).
        summary = summaries.get(stripped, "")
        if summary and not supplier and held_out(stripped, "meqsum"):
            yield _public_example(path, "meqsum", "meqsum_summary", summary, summary, stripped)


def _trec_examples(path: Path, matcher: CueMatcher) -> Iterator[Example]:
    """TREC questions as negatives, medical trivia marked apart."""
    for item in load_trec(path):
        text = item.comment.content
        kind = "trec_medical" if _is_medical_trivia(item.group, text, matcher) else "trec"
        yield _public_example(path, "trec", kind, text, text, text)


def meqsum_summaries(path: Path) -> dict[str, str]:
    """Map each MeQSum question (layout stripped, as the loader gives it) to its summary."""
    return {
        strip_meqsum_layout(record["question"]): record.get("summary", "").strip()
        for record in meqsum_records(path)
    }


def raw_meqsum(data: Sequence[Path]) -> list[str]:
    """Return the MeQSum questions as published, layout included, for the layout check."""
    return [
        record["question"]
        for path in data
        if detect_format(path) == "meqsum"
        for record in meqsum_records(path)
    ]
