"""The fast paths change no verdict: the direct scorers equal the scikit-learn pipelines
and the one-scan cue matching finds what the patterns one by one find, on every comment
of training_data/ and (when present) on a sample of each shared corpus."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from moderator.core.comment import Comment
from moderator.medical.model import RUN_TEXT, MedicalModel, _runs, load_medical_model
from moderator.medical.question import _PHRASE_FAMILIES, CueMatcher, default_vocabulary
from moderator.medical.red_flags import (
    _flag_pattern,
    _may_hold_a_sign,
    find_red_flags,
    red_flag_signs,
    shipped_red_flags,
)
from moderator.spam.model import SpamModel, load_spam_model
from moderator.text.tokens import TEXT_LIMIT, clean_text, split_sentences
from moderator.text.vocabulary import RED_FLAGS_FILE, any_phrase_pattern, read_vocabulary
from tests.paths import MODELS, ROOT, SHARED_DATASETS

#: Lines read from each shared corpus: enough variety, and the test stays well under a minute.
SAMPLE_PER_CORPUS = 60
#: Every how many comments the cues are compared pattern by pattern (the slow reference).
CUE_STRIDE = 3


def training_comments() -> list[Comment]:
    """Every comment of training_data/, with the fields the spam model reads."""
    comments = []
    for path in sorted((ROOT / "training_data").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                comments.append(
                    Comment(
                        content=row.get("content") or "",
                        author=row.get("author") or "",
                        author_url=row.get("author_url") or "",
                        post_title=row.get("post_title") or "",
                    )
                )
    return comments


def corpus_sample() -> list[Comment]:
    """The first lines of every text file of each shared corpus, as comment texts."""
    comments = []
    for corpus in sorted(p for p in SHARED_DATASETS.iterdir() if p.is_dir()):
        files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.stat().st_size < 50e6)
        lines = []
        for path in files:
            if path.suffix.lower() not in {".csv", ".tsv", ".txt", ".json", ".jsonl", ""}:
                continue
            with open(path, encoding="utf-8", errors="replace") as handle:
                lines.extend(line[:3000] for line in itertools.islice(handle, 60))
            if len(lines) >= SAMPLE_PER_CORPUS:
                break
        comments.extend(Comment(content=text) for text in lines[:SAMPLE_PER_CORPUS])
    return comments


@pytest.fixture(scope="module")
def medical() -> MedicalModel:
    """The shipped medical model, loaded once."""
    return load_medical_model(MODELS)


@pytest.fixture(scope="module")
def spam() -> SpamModel:
    """The shipped spam model, loaded once."""
    return load_spam_model(MODELS)


class _EveryPosition:
    """A stand-in for a `PhraseScan` that says "maybe" everywhere."""

    def starts(self, text: str) -> list[int]:
        return list(range(len(text) + 1))


@pytest.fixture(scope="module")
def unscanned() -> CueMatcher:
    """A matcher whose one-scan tests always say "maybe": it runs every pattern."""
    matcher = CueMatcher(default_vocabulary())
    matcher._any_family = matcher._any_term = _EveryPosition()
    return matcher


def assert_same_as_scikit_learn(comments, medical, spam, unscanned) -> None:
    """Both models score like their pipelines, batched and alone; the cues are unchanged."""
    texts = [c.content for c in comments]
    np.testing.assert_allclose(
        medical.scores(texts), medical.pipeline.predict_proba(texts)[:, 1], rtol=0, atol=1e-9
    )
    alone = [medical.scores([t])[0] for t in texts[:: max(1, len(texts) // 200)]]
    np.testing.assert_allclose(alone, medical.scores(texts)[:: max(1, len(texts) // 200)])
    np.testing.assert_allclose(
        [s.probability for s in spam.score_many(comments)],
        spam.pipeline.predict_proba(comments)[:, 1],
        rtol=0,
        atol=1e-9,
    )
    matcher = medical._cues.matcher_
    flags = shipped_red_flags()
    for text in texts:
        # a list of the same flags is not the compiled set: every flag runs on it
        assert find_red_flags(text, flags) == find_red_flags(text, list(flags)), text
    for text in texts[::CUE_STRIDE]:
        for sentence in split_sentences(clean_text(text)) or [""]:
            assert matcher.sentence(sentence) == unscanned.sentence(sentence), sentence


def assert_scans_as_one_alternation(comments, medical) -> None:
    """The phrase scans find, in every sentence of every comment, the very positions one
    alternation of the same phrases finds; the red-flag scan says "maybe" as it would."""
    matcher, vocabulary = medical._cues.matcher_, medical._cues.vocabulary_
    terms = any_phrase_pattern(vocabulary["medical"].values())
    families = any_phrase_pattern(vocabulary["cues"][name] for name in _PHRASE_FAMILIES)
    flags = shipped_red_flags()
    signs = _flag_pattern(red_flag_signs(read_vocabulary(RED_FLAGS_FILE)))
    for comment in comments:
        cleaned = clean_text(comment.content)
        assert _may_hold_a_sign(flags, cleaned.lower()) == bool(signs.search(cleaned.lower()))
        for sentence in split_sentences(cleaned) or [""]:
            lowered = sentence.lower()
            assert matcher._any_term.starts(lowered) == [
                m.start() for m in terms.finditer(lowered)
            ], sentence
            assert matcher._any_family.starts(lowered) == [
                m.start() for m in families.finditer(lowered)
            ], sentence


def test_training_comments_score_as_the_pipelines_do(medical, spam, unscanned):
    """Every training comment: same probabilities (1e-9), red flags and phrase scans;
    every third: the same cues as the patterns one by one find."""
    comments = training_comments()
    assert len(comments) > 1000
    assert_same_as_scikit_learn(comments, medical, spam, unscanned)
    assert_scans_as_one_alternation(comments, medical)


@pytest.mark.datasets
@pytest.mark.skipif(not SHARED_DATASETS.is_dir(), reason="../shared/datasets is absent")
def test_shared_corpora_score_as_the_pipelines_do(medical, spam, unscanned):
    """A sample of each shared corpus: same probabilities and the same cues."""
    comments = corpus_sample()
    assert comments
    assert_same_as_scikit_learn(comments, medical, spam, unscanned)
    assert_scans_as_one_alternation(comments, medical)


def test_reasons_of_a_decision_are_unchanged_by_the_scan(medical, unscanned):
    """The medical reasons read the same analysis whether or not the scan skipped patterns."""
    text = "My knee hurts after running and the ibuprofen does nothing. Should I see a doctor?"
    scanned = medical._reasons(medical._cues.matcher_.analyse(text), medical.cue_vector(text))
    plain_analysis = tuple(unscanned.sentence(s) for s in split_sentences(clean_text(text)))
    assert scanned == medical._reasons(plain_analysis, medical.cue_vector(text))
    assert {r.code for r in scanned} == {"question_cue", "medical_terms"}


def assert_alone_as_batched(comments, medical) -> None:
    """Triaged one at a time or in one batch, each comment gets the same probability
    (1e-9), the same reply and urgency, and the same reasons and red flags."""
    batched = medical.triage_many(comments)
    for comment, together in zip(comments, batched, strict=True):
        alone = medical.triage(comment)
        assert alone.medical_score == pytest.approx(together.medical_score, rel=0, abs=1e-9)
        assert (alone.needs_reply, alone.urgent, alone.reasons) == (
            together.needs_reply,
            together.urgent,
            together.reasons,
        ), comment.content


def test_training_comments_triage_alone_as_in_a_batch(medical):
    """Every training comment: the single and the batched paths agree."""
    assert_alone_as_batched(training_comments(), medical)


@pytest.mark.datasets
@pytest.mark.skipif(not SHARED_DATASETS.is_dir(), reason="../shared/datasets is absent")
def test_shared_corpora_triage_alone_as_in_a_batch(medical):
    """A sample of each shared corpus: the single and the batched paths agree."""
    assert_alone_as_batched(corpus_sample(), medical)


def test_a_comment_scores_the_same_alone_as_in_a_batch(medical):
    """The batch's n-grams are counted and summed per comment: no other comment of the
    request moves a score, not even in its last bit."""
    texts = [c.content for c in training_comments()]
    together = medical.scores(texts)
    for i in range(0, len(texts), 5):
        assert medical.scores([texts[i]])[0] == together[i], texts[i]
        assert medical.scores(texts[i : i + 7])[0] == together[i], texts[i]


def test_a_batch_of_long_comments_is_summed_in_runs_of_bounded_text():
    """A request of the longest comments never holds every n-gram array at once: runs of
    at most RUN_TEXT characters (one comment at least), in order, covering the batch."""
    texts = ["word " * 3000] * 9 + ["short"] * 3 + ["x" * 30_000]
    runs = _runs(texts)
    assert runs[0][0] == 0 and runs[-1][1] == len(texts)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(runs))
    for start, end in runs:
        read = sum(min(len(t), TEXT_LIMIT) + 1 for t in texts[start:end])
        assert end - start == 1 or read <= RUN_TEXT
    assert len(runs) > 1
