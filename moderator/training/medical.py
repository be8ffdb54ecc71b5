"""Training and evaluating the medical-question detector, with its card and report.

The corpus is our hand-written ``training_data/`` plus, when present, two public sets
whose artifacts are neutralised before use (see ``../shared/datasets/README.md``):
MeQSum lay health questions (positives: ``SUBJECT:/MESSAGE:`` layout, portal
boilerplate and placeholders removed, cut to comment length around the question) and
TREC trivia questions (negatives: punctuation de-tokenised, medical trivia left out).

Every corpus is split by a hash of the text, so the held-out part is the same on every
run and never trained on; the shipped model is fitted on the training part only, and
the card's figures are the held-out ones.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_curve
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline

from moderator.core.comment import Comment
from moderator.medical.features import CueFeatures, char_text, ngram_tokens
from moderator.medical.model import MODEL_NAME, load_medical_model
from moderator.medical.question import CueMatcher, default_vocabulary
from moderator.medical.red_flags import find_red_flags
from moderator.ml.modelfile import save_model, sha256_of
from moderator.text.tokens import split_sentences
from moderator.text.vocabulary import MEDICAL_TERMS_FILE, QUESTION_CUES_FILE, RED_FLAGS_FILE
from moderator.training.datasets import (
    content_key,
    detect_format,
    load_jsonl,
    load_meqsum,
    load_trec,
)

#: Share of each corpus held out for evaluation (percent of the text-hash space).
HELD_OUT_PERCENT = {"ours": 20, "meqsum": 50, "trec": 50}
#: Training weight of each corpus relative to ours (whose rows weigh 1 on average).
#: TREC's short trivia questions weigh little: heavier, they taught "short question = not
#: medical" and cost short health questions ("is a ganglion dangerous") their flag; at 0.1
#: its held-out false flags stay under 1% and recall on ours and MeQSum rises.
CORPUS_WEIGHT = {"ours": 1.0, "meqsum": 0.35, "trec": 0.1}
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
#: Files of our corpus added after the first shipped model, reported on their own.
NEWER_FILES = (
    "medical_more.jsonl",
    "reader_questions.jsonl",
    "medical_lay.jsonl",
    "medical_hard.jsonl",
    "medical_voices.jsonl",
)
#: What the threshold is chosen for on out-of-fold predictions: the issue's recall, precision
#: with a margin over its 0.90, the false-flag rates at its limits (held-out figures run
#: lower). When no cut-off meets them all, recall comes first: a reader's unanswered
#: question costs more than a reader question the author glances at and dismisses.
THRESHOLD_TARGETS = {
    "recall": 0.95,
    "precision": 0.91,
    "non_medical_question_false_flags": 0.03,
    "trec_false_flags": 0.009,
    # recall first, but never at any price: past this, the false-flag target wins again
    "non_medical_question_false_flags_ceiling": 0.06,
}
DEFAULT_PARAMS = {
    # Weak regularisation: the held-out precision-recall curve rose from C=0.5 to 8.
    "C": 8.0,
    "ngram_weight": 1.0,
    "n_features": 2**18,
    "ngram_range": [1, 2],
    # Character 3-5-grams inside word boundaries: misspellings, inflections and the
    # languages the vocabulary lists only a few words of.
    "char_weight": 1.0,
    "char_features": 2**18,
    "char_range": [3, 5],
    # Extra weight on non-medical reader questions, the negatives the author sees most.
    "reader_question_weight": 2.0,
}

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
    """Load every source into examples, neutralising the public sets' artifacts."""
    matcher = CueMatcher(default_vocabulary())
    examples: list[Example] = []
    seen: set[str] = set()

    def add(example: Example) -> None:
        key = content_key(example.text)
        if key and key not in seen:
            seen.add(key)
            examples.append(example)

    for path in data:
        kind = detect_format(path)
        if kind == "jsonl":
            for item in load_jsonl(path):
                text = item.comment.content
                add(
                    Example(
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
                )
        elif kind == "meqsum":
            summaries = meqsum_summaries(path)
            for item in load_meqsum(path):
                stripped = item.comment.content
                supplier = bool(_SUPPLIER.search(stripped))
                add(
                    Example(
                        text=comment_like(stripped, matcher),
                        medical=True,
                        urgent=False,
                        corpus="meqsum",
                        kind="meqsum_supplier" if supplier else "meqsum",
                        held_out=held_out(stripped, "meqsum"),
                        original=stripped,
                        source=Path(path).name,
                    )
                )
                # The one-line summaries read like trivia ("What causes pitting edema?"):
                # trained on, they taught "short question = medical" and raised TREC's
                # false flags, so they are only measured (held-out part).
                summary = summaries.get(stripped, "")
                if summary and not supplier and held_out(stripped, "meqsum"):
                    add(
                        Example(
                            text=summary,
                            medical=True,
                            urgent=False,
                            corpus="meqsum",
                            kind="meqsum_summary",
                            held_out=held_out(stripped, "meqsum"),
                            original=summary,
                            source=Path(path).name,
                        )
                    )
        elif kind == "trec":
            for item in load_trec(path):
                text = item.comment.content
                trivia = _is_medical_trivia(item.group, text, matcher)
                add(
                    Example(
                        text=text,
                        medical=False,
                        urgent=False,
                        corpus="trec",
                        kind="trec_medical" if trivia else "trec",
                        held_out=held_out(text, "trec"),
                        original=text,
                        source=Path(path).name,
                    )
                )
        else:
            raise ValueError(f"{path}: the medical detector cannot train on {kind} data")
    return examples


def meqsum_summaries(path: Path) -> dict[str, str]:
    """Map each MeQSum question (layout stripped, as the loader gives it) to its summary."""
    from moderator.training.datasets import strip_meqsum_layout

    out = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                out[strip_meqsum_layout(record["question"])] = record.get("summary", "").strip()
    return out


def raw_meqsum(data: Sequence[Path]) -> list[str]:
    """Return the MeQSum questions as published, layout included, for the layout check."""
    out = []
    for path in data:
        if detect_format(path) != "meqsum":
            continue
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    out.append(json.loads(line)["question"])
    return out


def is_reader_question(example: Example) -> bool:
    """Whether an example is one of our genuine non-medical reader questions."""
    return example.kind.removeprefix("ours:") in NON_MEDICAL_QUESTION_FAMILIES


def training_weights(
    examples: Sequence[Example], reader_question_weight: float = 1.0
) -> np.ndarray:
    """Weight rows so each public corpus counts as its share of ours, classes balanced in ours
    (non-medical reader questions count `reader_question_weight` times within theirs)."""
    corpora = np.array([e.corpus for e in examples])
    labels = np.array([e.medical for e in examples])
    weights = np.array([reader_question_weight if is_reader_question(e) else 1.0 for e in examples])
    ours = corpora == "ours"
    for cls in (True, False):
        mask = ours & (labels == cls)
        if mask.any():
            weights[mask] *= ours.sum() / 2 / weights[mask].sum()
    for corpus, share in CORPUS_WEIGHT.items():
        mask = corpora == corpus
        if corpus != "ours" and mask.any():
            weights[mask] = share * max(ours.sum(), 1) / 2 / mask.sum()
    return weights


def build_features(params: dict) -> FeatureUnion:
    """Return the feature union: readable cue features, hashed word and character n-grams.

    The cue features come first: the model's reasons read their weights by position.
    """
    return FeatureUnion(
        [
            ("cues", CueFeatures()),
            (
                "ngrams",
                HashingVectorizer(
                    tokenizer=ngram_tokens,
                    token_pattern=None,
                    lowercase=False,
                    ngram_range=tuple(params["ngram_range"]),
                    n_features=params["n_features"],
                    alternate_sign=False,
                    norm="l2",
                ),
            ),
            (
                "chars",
                HashingVectorizer(
                    analyzer="char_wb",
                    preprocessor=char_text,
                    ngram_range=tuple(params["char_range"]),
                    n_features=params["char_features"],
                    alternate_sign=False,
                    norm="l2",
                ),
            ),
        ],
        transformer_weights={
            "cues": 1.0,
            "ngrams": params["ngram_weight"],
            "chars": params["char_weight"],
        },
    )


def build_classifier(params: dict, random_state: int) -> CalibratedClassifierCV:
    """Return the calibrated logistic regression (one model, Platt-scaled on 5 folds)."""
    return CalibratedClassifierCV(
        LogisticRegression(C=params["C"], solver="liblinear", max_iter=1000),
        method="sigmoid",
        cv=StratifiedKFold(5, shuffle=True, random_state=random_state),
        ensemble=False,
    )


def _threshold_groups(examples: Sequence[Example]) -> tuple[np.ndarray, ...]:
    """Return the masks a cut-off is judged on: our corpus, medical labels, non-medical
    reader questions, TREC questions."""
    return (
        np.array([e.corpus == "ours" for e in examples]),
        np.array([e.medical for e in examples]),
        np.array([is_reader_question(e) for e in examples]),
        np.array([e.kind == "trec" for e in examples]),
    )


def threshold_figures(examples: Sequence[Example], scores: np.ndarray, cut: float) -> dict:
    """Return what a cut-off gives on out-of-fold scores: our precision and recall, and
    the false-flag rates on non-medical reader questions and TREC."""
    ours, labels, nonmed_q, trec = _threshold_groups(examples)
    meqsum = np.array([e.corpus == "meqsum" for e in examples])
    flagged = scores >= cut
    figures = _prf(labels[ours], flagged[ours])
    figures["non_medical_question_false_flags"] = _rate(flagged[nonmed_q])
    figures["trec_false_flags"] = _rate(flagged[trec])
    figures["meqsum_recall"] = _rate(flagged[meqsum])
    return figures


def choose_threshold(examples: Sequence[Example], scores: np.ndarray) -> float:
    """Pick the cut-off for THRESHOLD_TARGETS on out-of-fold scores.

    Among the cut-offs that keep precision and the TREC false-flag rate within target:
    the lowest one that also keeps the reader-question false flags within target, when
    it still reaches the recall target (the most questions found for the false flags
    allowed); otherwise the highest one that reaches the recall target with the
    reader-question false flags under their ceiling (the fewest false flags for the recall
    the issue asks). When none does, the lowest one within the false-flag targets; then
    the best F1 on our corpus.
    """
    ours, labels, nonmed_q, trec = _threshold_groups(examples)
    best_f1, best_cut = -1.0, 0.5
    # the cut-offs rise: the last one reaching recall is the highest, the first one
    # within the false-flag targets the lowest
    highest_reaching: float | None = None
    lowest_within: float | None = None
    for cut in np.round(np.arange(0.20, 0.86, 0.01), 2):
        flagged = scores >= cut
        tp = (flagged & labels & ours).sum()
        precision = tp / max((flagged & ours).sum(), 1)
        recall = tp / max((labels & ours).sum(), 1)
        f1 = 2 * precision * recall / max(precision + recall, 1e-9)
        if f1 > best_f1:
            best_f1, best_cut = f1, float(cut)
        nonmed_rate = flagged[nonmed_q].mean() if nonmed_q.any() else 0.0
        trec_rate = flagged[trec].mean() if trec.any() else 0.0
        if (
            precision < THRESHOLD_TARGETS["precision"]
            or trec_rate > THRESHOLD_TARGETS["trec_false_flags"]
        ):
            continue
        few_flags = nonmed_rate <= THRESHOLD_TARGETS["non_medical_question_false_flags"]
        if recall >= THRESHOLD_TARGETS["recall"]:
            if few_flags:
                return float(cut)
            if nonmed_rate <= THRESHOLD_TARGETS["non_medical_question_false_flags_ceiling"]:
                highest_reaching = float(cut)
        elif few_flags and lowest_within is None:
            lowest_within = float(cut)
    if highest_reaching is not None:
        return highest_reaching
    return lowest_within if lowest_within is not None else best_cut


def _source_entries(data: Sequence[Path], examples: Sequence[Example]) -> list[dict]:
    """Describe each source for the card: path, sha256 of each file, rows used."""
    entries = []
    for path in data:
        path = Path(path)
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        entries.append(
            {
                "path": path.name if path.is_file() else f"{path.name}/",
                "format": detect_format(path),
                "files": {f.name: sha256_of(f) for f in files},
            }
        )
    counts: dict[str, dict] = {}
    for e in examples:
        c = counts.setdefault(e.corpus, {"train": 0, "held_out": 0, "medical": 0, "urgent": 0})
        c["held_out" if e.held_out else "train"] += 1
        c["medical"] += int(e.medical)
        c["urgent"] += int(e.urgent)
    for entry in entries:
        corpus = {"jsonl": "ours"}.get(entry["format"], entry["format"])
        entry["counts"] = counts.get(corpus, {})
    return entries


def train(
    data: Sequence[Path],
    model_dir: Path,
    report_dir: Path | None = None,
    progress: bool = True,
    random_state: int = 0,
    params: dict | None = None,
) -> dict:
    """Train the medical detector on the training parts of `data`, save it, return its card."""
    params = {**DEFAULT_PARAMS, **(params or {})}
    log = print if progress else (lambda *a, **k: None)
    examples = load_examples(data)
    train_set = [e for e in examples if not e.held_out and e.trainable]
    log(f"medical: {len(examples)} examples, training on {len(train_set)}")
    features = build_features(params)
    texts = [e.text for e in train_set]
    labels = np.array([e.medical for e in train_set])
    weights = training_weights(train_set, params["reader_question_weight"])
    matrix = features.fit_transform(texts)
    log("medical: out-of-fold scores for the threshold")
    oof = cross_val_predict(
        build_classifier(params, random_state),
        matrix,
        labels,
        cv=StratifiedKFold(5, shuffle=True, random_state=random_state),
        method="predict_proba",
        params={"sample_weight": weights},
    )[:, 1]
    threshold = choose_threshold(train_set, oof)
    out_of_fold = {
        f"{cut:.2f}": threshold_figures(train_set, oof, cut)
        for cut in sorted({threshold, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8})
    }
    log(f"medical: threshold {threshold:.2f}; fitting the final model")
    classifier = build_classifier(params, random_state)
    classifier.fit(matrix, labels, sample_weight=weights)
    pipeline = Pipeline([("features", features), ("classifier", classifier)])
    today = datetime.now(UTC)
    card = {
        "description": (
            "Scores whether a genuine blog comment asks the author a health or medical "
            "question; red flags come from the reviewed vocabulary, not from this model."
        ),
        "trained_on": today.strftime("%Y%m%d"),
        "date": today.isoformat(timespec="seconds"),
        "threshold": threshold,
        "threshold_targets": THRESHOLD_TARGETS,
        "out_of_fold": out_of_fold,
        "params": params,
        "random_state": random_state,
        "features": {
            "cues": list(features.transformer_list[0][1].feature_names_),
            "ngrams": f"hashed word 1-2-grams, {params['n_features']} buckets, weight "
            f"{params['ngram_weight']}",
            "chars": "hashed char_wb {}-{}-grams, {} buckets, weight {}".format(
                *params["char_range"], params["char_features"], params["char_weight"]
            ),
        },
        "vocabulary": {
            f.name: sha256_of(f) for f in (MEDICAL_TERMS_FILE, QUESTION_CUES_FILE, RED_FLAGS_FILE)
        },
        "split": {
            "rule": "sha256 of the normalised text; held out when its first 8 hex % 100 < percent",
            "held_out_percent": HELD_OUT_PERCENT,
            "corpus_weight": CORPUS_WEIGHT,
        },
        "sources": _source_entries(data, examples),
        "artifact_handling": {
            "meqsum": "SUBJECT/MESSAGE layout, portal boilerplate and [PLACEHOLDERS] removed, "
            f"all-caps folded, cut to <= {COMMENT_WORDS} words ending at the first question",
            "trec": "punctuation de-tokenised; ENTY:dismed and medical-word trivia not trained on",
        },
    }
    save_model(pipeline, card, model_dir, MODEL_NAME)
    log("medical: evaluating on the held-out parts")
    metrics = evaluate(data, model_dir, report_dir, examples=examples, oof=(train_set, oof))
    card = json.loads((Path(model_dir) / f"{MODEL_NAME}.json").read_text(encoding="utf-8"))
    card["metrics"] = metrics
    card["version"] = metrics["model_version"]
    # The card is rewritten with the figures; the artifact and its sha256 are unchanged.
    (Path(model_dir) / f"{MODEL_NAME}.json").write_text(
        json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return card


def _rate(flags: np.ndarray) -> float | None:
    """Mean of a boolean array, or None when empty."""
    return float(np.mean(flags)) if len(flags) else None


def _prf(labels: np.ndarray, flagged: np.ndarray) -> dict:
    """Precision, recall, F1 and counts of hard predictions."""
    tp = int((labels & flagged).sum())
    fp = int((~labels & flagged).sum())
    fn = int((labels & ~flagged).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "comments": int(len(labels)),
    }


def artifact_checks(model, examples: Sequence[Example], data: Sequence[Path]) -> dict:
    """Check the model did not learn MeQSum's layout or length, nor TREC's tokenisation."""
    checks: dict = {}
    layout = [q for q in raw_meqsum(data) if re.match(r"\s*SUBJECT", q, re.I)]
    layout = [q for q in layout if held_out(_strip_for_key(q), "meqsum")][:200]
    if layout:
        from moderator.training.datasets import strip_meqsum_layout

        with_layout = model.scores(layout)
        without = model.scores([strip_meqsum_layout(q) for q in layout])
        # Negative or near zero: the layout does not read as "medical" to the model.
        checks["meqsum_layout_mean_score_change"] = float(np.mean(with_layout - without))
        checks["meqsum_layout_flag_agreement"] = float(
            np.mean((with_layout >= model.threshold) == (without >= model.threshold))
        )
        checks["meqsum_layout_mean_abs_score_change"] = float(
            np.mean(np.abs(with_layout - without))
        )
        checks["meqsum_layout_max_abs_score_change"] = float(np.max(np.abs(with_layout - without)))
    pos_ours = [e for e in examples if e.held_out and e.corpus == "ours" and e.medical]
    meq = [e for e in examples if e.held_out and e.kind == "meqsum"]
    buckets = {
        "<=25 words": (0, 25),
        "26-50 words": (26, 50),
        "51-80 words": (51, 80),
        ">80 words": (81, 10**6),
    }
    by_length = {}
    for name, (lo, hi) in buckets.items():
        row = {}
        for label, group, field in (("ours", pos_ours, "text"), ("meqsum_full", meq, "original")):
            texts = [getattr(e, field) for e in group if lo <= len(getattr(e, field).split()) <= hi]
            if texts:
                row[label] = {
                    "recall": float(np.mean(model.scores(texts) >= model.threshold)),
                    "n": len(texts),
                }
        negatives = [
            e.text
            for e in examples
            if e.held_out
            and e.corpus == "ours"
            and not e.medical
            and not e.spam
            and lo <= len(e.text.split()) <= hi
        ]
        if negatives:
            row["ours_negatives"] = {
                "false_flags": float(np.mean(model.scores(negatives) >= model.threshold)),
                "n": len(negatives),
            }
        by_length[name] = row
    checks["by_length"] = by_length
    trec = [e for e in examples if e.held_out and e.kind == "trec"][:300]
    if trec:
        retokenised = [re.sub(r"([?.!,])", r" \1", re.sub(r"'s\b", " 's", e.text)) for e in trec]
        checks["trec_tokenisation_mean_abs_score_change"] = float(
            np.mean(np.abs(model.scores([e.text for e in trec]) - model.scores(retokenised)))
        )
    return checks


def _strip_for_key(question: str) -> str:
    """Return a MeQSum question as the loader strips it (the split key)."""
    from moderator.training.datasets import strip_meqsum_layout

    return strip_meqsum_layout(question)


def evaluate(
    data: Sequence[Path],
    model_dir: Path,
    report_dir: Path | None,
    examples: Sequence[Example] | None = None,
    oof=None,
) -> dict:
    """Score `data` with the saved model; write the report; return the figures.

    Files the model was trained on (same sha256 as in its card) count only with their
    held-out part; any other labelled file counts whole.
    """
    model = load_medical_model(Path(model_dir))
    if examples is None:
        seen = {sha for source in model.card.get("sources", []) for sha in source["files"].values()}
        unseen = set()
        for path in data:
            files = sorted(Path(path).glob("*.jsonl")) if Path(path).is_dir() else [Path(path)]
            unseen.update(f.name for f in files if sha256_of(f) not in seen)
        examples = [
            replace(e, held_out=True) if e.source in unseen else e for e in load_examples(data)
        ]
    test = [e for e in examples if e.held_out]
    triages = model.triage_many([Comment(content=e.text) for e in test])
    scores = np.array([t.medical_score for t in triages])
    flagged = np.array([t.needs_reply for t in triages])
    urgent_flag = np.array([t.urgent for t in triages])
    labels = np.array([e.medical for e in test])
    urgent = np.array([e.urgent for e in test])
    kinds = np.array([e.kind for e in test])
    corpus = np.array([e.corpus for e in test])
    spam = np.array([e.spam for e in test])
    ours = (corpus == "ours") & ~spam
    metrics: dict = {"threshold": model.threshold, "model_version": model.version}
    # Spam never needs a reply (the decision layer forces it), so the detector's own
    # figures are on genuine comments; the figure with spam counted is given beside.
    metrics["ours_held_out"] = _prf(labels[ours], flagged[ours])
    metrics["ours_held_out_spam_counted"] = _prf(
        labels[corpus == "ours"], flagged[corpus == "ours"]
    )
    nonmed = np.isin(kinds, [f"ours:{f}" for f in NON_MEDICAL_QUESTION_FAMILIES])
    metrics["non_medical_question_false_flags"] = {
        "rate": _rate(flagged[nonmed]),
        "n": int(nonmed.sum()),
        "by_family": {
            f: {
                "rate": _rate(flagged[kinds == f"ours:{f}"]),
                "n": int((kinds == f"ours:{f}").sum()),
            }
            for f in NON_MEDICAL_QUESTION_FAMILIES
        },
    }
    metrics["ours_false_flags_by_family"] = {
        k: {"rate": _rate(flagged[kinds == k]), "n": int((kinds == k).sum())}
        for k in sorted(set(kinds[ours & ~labels].tolist()))
    }
    metrics["ours_recall_by_family"] = {
        k: {"recall": _rate(flagged[kinds == k]), "n": int((kinds == k).sum())}
        for k in sorted(set(kinds[ours & labels].tolist()))
    }
    metrics["spam_flagged_by_model"] = {
        "rate": _rate(flagged[spam]),
        "n": int(spam.sum()),
        "note": "the decision layer forces needs_reply false on spam",
    }
    for name in ("meqsum", "meqsum_summary", "meqsum_supplier"):
        mask = kinds == name
        if mask.any():
            metrics[f"{name}_recall"] = {"recall": _rate(flagged[mask]), "n": int(mask.sum())}
    meq = [e for e in test if e.kind in {"meqsum", "meqsum_supplier"}]
    if meq:
        full = model.scores([e.original for e in meq]) >= model.threshold
        metrics["meqsum_full_length_recall"] = {"recall": _rate(full), "n": len(meq)}
    for name in ("trec", "trec_medical"):
        mask = kinds == name
        if mask.any():
            metrics[f"{name}_false_flags"] = {"rate": _rate(flagged[mask]), "n": int(mask.sum())}
    urgent_ours = ours & urgent
    metrics["urgent"] = {
        "recall": _rate(urgent_flag[urgent_ours]),
        "n": int(urgent_ours.sum()),
        "false_alarms": _rate(urgent_flag[ours & ~urgent]),
        "false_alarms_among_medical_questions": _rate(urgent_flag[ours & labels & ~urgent]),
        "non_urgent": int((ours & ~urgent).sum()),
    }
    metrics["newer_files"] = newer_file_figures(test, flagged, urgent_flag)
    everything = [e for e in examples if e.corpus == "ours" and not e.spam]
    rule_hits = np.array([bool(find_red_flags(e.text)) for e in everything])
    all_urgent = np.array([e.urgent for e in everything])
    all_medical = np.array([e.medical for e in everything])
    metrics["red_flag_rules_all_ours"] = {
        "recall_on_urgent": _rate(rule_hits[all_urgent]),
        "hits_on_non_urgent_medical_questions": _rate(rule_hits[all_medical & ~all_urgent]),
        "n_urgent": int(all_urgent.sum()),
    }
    metrics["artifact_checks"] = artifact_checks(model, examples, data)
    if report_dir is not None:
        write_report(Path(report_dir), model, metrics, test, scores, oof)
    return metrics


def newer_file_figures(test: Sequence[Example], flagged, urgent_flag) -> dict:
    """Figures on the split's held-out part of each of NEWER_FILES, kept apart because the
    red-flag vocabulary was revised against their training part only.

    The part is the hash split's (`held_out`), so an older model that never saw the files
    is measured on the same lines as a newer one.
    """
    figures = {}
    for name in NEWER_FILES:
        rows = [
            i
            for i, e in enumerate(test)
            if e.source == name and not e.spam and held_out(e.text, "ours")
        ]
        if not rows:
            continue
        part = [test[i] for i in rows]
        medical = np.array([e.medical for e in part])
        urgent = np.array([e.urgent for e in part])
        other_language = np.array(["other_language" in e.kind for e in part])
        hit, alarm = np.asarray(flagged)[rows], np.asarray(urgent_flag)[rows]
        rules = np.array([bool(find_red_flags(e.text)) for e in part])
        figures[name] = {
            "n": len(part),
            "medical_recall": _rate(hit[medical]),
            "medical_recall_other_language": _rate(hit[medical & other_language]),
            "false_flags": _rate(hit[~medical]),
            "false_flags_other_language": _rate(hit[~medical & other_language]),
            "urgent_n": int(urgent.sum()),
            "urgent_recall": _rate(alarm[urgent]),
            "urgent_false_alarms": _rate(alarm[~urgent]),
            "rules_urgent_recall": _rate(rules[urgent]),
            "rules_false_alarms_on_non_urgent": _rate(rules[~urgent]),
        }
    return figures


def _format(value) -> str:
    """Format a figure for the HTML report."""
    if isinstance(value, float):
        return f"{value:.3f}"
    return html.escape(str(value))


def _rows(prefix: str, value) -> list[tuple[str, str]]:
    """Flatten nested metrics into (name, value) rows."""
    if isinstance(value, dict):
        rows = []
        for key, inner in value.items():
            rows.extend(_rows(f"{prefix}.{key}" if prefix else key, inner))
        return rows
    return [(prefix, _format(value))]


def write_report(report_dir: Path, model, metrics: dict, test, scores, oof) -> None:
    """Write ``index.html`` and two small PNGs: score distributions and the PR curve."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    report_dir.mkdir(parents=True, exist_ok=True)
    groups = {
        "our medical questions": [
            s for s, e in zip(scores, test, strict=True) if e.corpus == "ours" and e.medical
        ],
        "our non-medical questions": [
            s
            for s, e in zip(scores, test, strict=True)
            if e.kind.removeprefix("ours:") in NON_MEDICAL_QUESTION_FAMILIES
        ],
        "our other negatives": [
            s
            for s, e in zip(scores, test, strict=True)
            if e.corpus == "ours"
            and not e.medical
            and not e.spam
            and e.kind.removeprefix("ours:") not in NON_MEDICAL_QUESTION_FAMILIES
        ],
        "MeQSum (cut)": [s for s, e in zip(scores, test, strict=True) if e.kind == "meqsum"],
        "TREC": [s for s, e in zip(scores, test, strict=True) if e.kind == "trec"],
    }
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=80)
    bins = np.linspace(0, 1, 26)
    for name, values in groups.items():
        if values:
            ax.hist(
                values, bins=bins, histtype="step", density=True, label=f"{name} ({len(values)})"
            )
    ax.axvline(model.threshold, color="black", linestyle="--", linewidth=1)
    ax.set_xlabel("medical score (held out)")
    ax.set_yscale("log")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(report_dir / "scores.png")
    plt.close(fig)
    ours = np.array([e.corpus == "ours" for e in test])
    labels = np.array([e.medical for e in test])
    fig, ax = plt.subplots(figsize=(4.5, 3.6), dpi=80)
    precision, recall, _ = precision_recall_curve(labels[ours], np.asarray(scores)[ours])
    ax.plot(recall, precision, label="held out (ours)")
    if oof is not None:
        oof_set, oof_scores = oof
        oof_ours = np.array([e.corpus == "ours" for e in oof_set])
        oof_labels = np.array([e.medical for e in oof_set])
        p, r, _ = precision_recall_curve(oof_labels[oof_ours], oof_scores[oof_ours])
        ax.plot(r, p, label="out-of-fold (train)", alpha=0.7)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_ylim(0.5, 1.01)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(report_dir / "precision_recall.png")
    plt.close(fig)
    rows = "\n".join(
        f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>" for k, v in _rows("", metrics)
    )
    (report_dir / "index.html").write_text(
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Medical model {html.escape(model.version)}</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto}}td{{padding:.1rem .6rem}}
tr:nth-child(even){{background:#f3f3f3}}</style></head><body>
<h1>Medical-question detector {html.escape(model.version)}</h1>
<p>Threshold {model.threshold:.2f}. All figures on the held-out parts of each corpus
(never trained on). Red flags come from the reviewed vocabulary.</p>
<img src="scores.png" alt="score distributions">
<img src="precision_recall.png" alt="precision-recall">
<table>{rows}</table></body></html>
""",
        encoding="utf-8",
    )
