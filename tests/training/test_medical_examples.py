"""The medical detector's corpus: the split, the real sources, MeQSum and TREC made to read
like comments."""

from __future__ import annotations

import json
import re

import pytest

from moderator.medical.question import CueMatcher, default_vocabulary
from moderator.training.datasets import ValidationOnlyError, strip_meqsum_layout
from moderator.training.medical.examples import (
    COMMENT_WORDS,
    Example,
    comment_like,
    default_sources,
    held_out,
    load_examples,
    question_windows,
    validation_sources,
)
from tests.paths import ROOT
from tests.training.datasets import samples

SHARED = ROOT.parent / "shared" / "datasets"
MEQSUM = SHARED / "meqsum" / "meqsum.jsonl"
TREC = SHARED / "trec-question-classification" / "train_5500.label"


def test_held_out_split_is_stable_and_ignores_spacing():
    """The split is a function of the normalised text: reruns and reformatting agree."""
    assert held_out("Is it normal?", "ours") == held_out("  is it   NORMAL? ", "ours")


def test_default_sources_start_with_our_corpus():
    """Our hand-written corpus always comes first; public sets only when present."""
    sources = default_sources(ROOT)
    assert sources[0] == ROOT / "training_data"
    assert all(s.exists() for s in sources)


def test_a_text_met_again_is_one_example(tmp_path):
    """The same comment in two files, spaced and cased differently, is trained on once."""
    for name, text in (("a.jsonl", "Is it normal?"), ("b.jsonl", "  is it   NORMAL? ")):
        record = {"content": text, "spam": False, "medical_question": True}
        (tmp_path / name).write_text(json.dumps(record) + "\n", encoding="utf-8")
    examples = load_examples([tmp_path / "a.jsonl", tmp_path / "b.jsonl"])
    assert [(e.text, e.source) for e in examples] == [("Is it normal?", "a.jsonl")]


def test_meqsum_summaries_are_never_examples(tmp_path):
    """A summary is not a reader's text: it reads like trivia and is left out."""
    path = tmp_path / "meqsum.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for number in range(40):
            question = f"SUBJECT: pain {number}\nMESSAGE: My knee {number} hurts, what helps?"
            record = {"question": question, "summary": f"What helps knee pain {number}?"}
            handle.write(json.dumps(record) + "\n")
    examples = load_examples([path])
    assert len(examples) == 40 and all(e.kind == "meqsum" and e.medical for e in examples)
    assert not any("SUBJECT" in e.text or e.text.startswith("What helps") for e in examples)
    assert {e.real_source for e in examples} == {"meqsum"}
    assert not any(e.held_out for e in examples)  # measured leave-one-source-out


def test_real_corpora_give_clean_labels_and_one_source_per_site(tmp_path):
    """K-QA is medical; Cooking (health tags left out) and SE sites (Maths and Stats left
    out, spam left out) are not; each SE site is its own source."""
    paths = [
        samples.kqa(tmp_path / "kqa"),
        samples.cooking(tmp_path / "cooking"),
        samples.se_titles(tmp_path / "se"),
    ]
    examples = load_examples(paths)
    by_source = {}
    for e in examples:
        by_source.setdefault(e.real_source, set()).add(e.medical)
    assert by_source == {
        "kqa": {True},
        "cooking": {False},
        "se-titles:solowquality": {False},
        "se-titles:gaminggood": {False},
        "se-titles:electronicsgood": {False},
    }
    texts = {e.text for e in examples}
    assert "Any health risk eating cold refrigerated pizza?" not in texts
    assert not any("vashikaran" in t for t in texts)


def test_validation_only_corpora_are_refused(tmp_path):
    """Training never reads a validation-only corpus, even when asked to."""
    with pytest.raises(ValidationOnlyError, match="c3-constructive-comments"):
        load_examples([samples.c3(tmp_path / "c3")])


def test_default_sources_take_the_trainable_shared_corpora(tmp_path):
    """Beside a shared datasets folder, the trainable corpora the detector reads are added;
    without one, our corpus alone."""
    project = tmp_path / "project"
    (project / "training_data").mkdir(parents=True)
    assert default_sources(project) == [project / "training_data"]
    shared = tmp_path / "shared" / "datasets"
    kqa = samples.kqa(shared / "kqa-patient-questions")
    c3 = samples.c3(shared / "c3-constructive-comments")
    assert default_sources(project) == [project / "training_data", kqa]
    assert validation_sources(project) == [c3]


@pytest.mark.datasets
@pytest.mark.skipif(not MEQSUM.is_file(), reason="../shared/datasets/meqsum is absent")
def test_meqsum_is_cut_to_comment_form():
    """No layout, boilerplate or placeholders survive, and long questions are cut."""
    matcher = CueMatcher(default_vocabulary())
    with open(MEQSUM, encoding="utf-8") as handle:
        questions = [json.loads(line)["question"] for line in handle if line.strip()][:300]
    for question in questions:
        text = comment_like(strip_meqsum_layout(question), matcher)
        assert len(text.split()) <= COMMENT_WORDS
        assert not re.search(r"SUBJECT:|MESSAGE:|\[LOCATION\]|ClinicalTrials\.gov", text)


@pytest.mark.datasets
@pytest.mark.skipif(not TREC.is_file(), reason="../shared/datasets/trec is absent")
def test_trec_questions_are_detokenised_and_medical_trivia_kept_apart():
    """TREC negatives read like typed questions; ENTY:dismed is never a training negative."""
    examples = [e for e in load_examples([TREC]) if e.corpus == "trec"]
    assert not any(re.search(r" \?$| 's\b|``", e.text) for e in examples)
    trivia = [e for e in examples if e.kind == "trec_medical"]
    assert trivia and not any(e.trainable for e in trivia)


def _question(
    text: str, corpus: str = "meqsum", medical: bool = True, held_out: bool = False
) -> Example:
    """A training example of a corpus."""
    return Example(
        text=text, medical=medical, urgent=False, corpus=corpus, kind=corpus, held_out=held_out
    )


def test_a_long_health_question_also_teaches_its_question_alone():
    """The window is the first asking sentence that names health content, from the same
    source, and marked so it is never measured."""
    long = _question(
        "Hip pain. Could you please help me? I am 60 and have had hip pain for a year. "
        "Is a hip replacement the only option for my arthritis?"
    )
    (window,) = question_windows([long])
    assert window.text == "Is a hip replacement the only option for my arthritis?"
    assert window.window and window.medical and window.real_source == "meqsum"
    assert window.original == long.text


@pytest.mark.parametrize(
    "example",
    [
        # one sentence already: nothing shorter to teach
        _question("Is a hip replacement the only option for my arthritis?"),
        # no question naming health content: a window would teach question form alone
        _question("Hip replacement. Could you please send me information? Thank you."),
        # not a health question, or from a source whose questions are short already
        _question("My hip is fine. Is the course still open?", medical=False),
        _question("I have a rash. Is it contagious?", corpus="kqa"),
        # a held-out example is never trained on, in any form
        _question("I have a rash. Is it contagious?", held_out=True),
    ],
)
def test_windows_come_only_from_long_trainable_health_questions(example):
    """Only long health questions of the window corpora, trained on, give a window."""
    assert question_windows([example]) == []
