"""The medical detector's figures: held-out recall and false flags, urgency, artifact checks.

The real sources' figures are leave-one-source-out (computed at training, see `targets`,
and read from the card). Our corpus is reported apart, on its hash-held-out part. The
validation-only corpora are scored once with the final model, never tuned on. The
red-flag rules, which are not trained, are measured on all of our corpus.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from moderator.core.comment import Comment
from moderator.medical.model import load_medical_model
from moderator.medical.red_flags import find_red_flags
from moderator.ml.modelfile import sha256_of
from moderator.training.datasets import (
    catalogue,
    dataset_files,
    detect_format,
    load,
    strip_meqsum_layout,
)
from moderator.training.medical.examples import (
    NON_MEDICAL_QUESTION_FAMILIES,
    Example,
    held_out,
    load_examples,
    raw_meqsum,
)

#: Files of our corpus added after the first shipped model, reported on their own.
NEWER_FILES = (
    "medical_more.jsonl",
    "reader_questions.jsonl",
    "medical_lay.jsonl",
    "medical_hard.jsonl",
    "medical_voices.jsonl",
)
#: Word-count bands the length checks compare recall and false flags across.
LENGTH_BANDS = {
    "<=25 words": (0, 25),
    "26-50 words": (26, 50),
    "51-80 words": (51, 80),
    ">80 words": (81, 10**6),
}


def rate(flags: np.ndarray) -> float | None:
    """Mean of a boolean array, or None when empty."""
    return float(np.mean(flags)) if len(flags) else None


def precision_recall(labels: np.ndarray, flagged: np.ndarray) -> dict:
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


def _counted(flags: np.ndarray, mask: np.ndarray, name: str = "rate") -> dict:
    """Return the flagged share among `mask` under `name`, with how many that is."""
    return {name: rate(flags[mask]), "n": int(mask.sum())}


def _flag_rate(model, texts: Sequence[str]) -> float:
    """Return the share of `texts` the model flags as medical questions."""
    return float(np.mean(model.scores(texts) >= model.threshold))


@dataclass(frozen=True)
class HeldOut:
    """The held-out examples with what the model said of each, as parallel arrays."""

    examples: list[Example]
    scores: np.ndarray
    flagged: np.ndarray
    alarmed: np.ndarray  # flagged urgent
    medical: np.ndarray
    urgent: np.ndarray
    kinds: np.ndarray
    corpus: np.ndarray
    spam: np.ndarray

    @classmethod
    def triaged(cls, model, examples: Sequence[Example]) -> HeldOut:
        """Triage the held-out part of `examples` with `model`."""
        test = [e for e in examples if e.held_out]
        triages = model.triage_many([Comment(content=e.text) for e in test])
        return cls(
            examples=test,
            scores=np.array([t.medical_score for t in triages]),
            flagged=np.array([t.needs_reply for t in triages]),
            alarmed=np.array([t.urgent for t in triages]),
            medical=np.array([e.medical for e in test]),
            urgent=np.array([e.urgent for e in test]),
            kinds=np.array([e.kind for e in test]),
            corpus=np.array([e.corpus for e in test]),
            spam=np.array([e.spam for e in test]),
        )

    @property
    def ours(self) -> np.ndarray:
        """Our genuine comments (spam is not the detector's to judge)."""
        return (self.corpus == "ours") & ~self.spam


def evaluate(
    data: Sequence[Path],
    model_dir: Path,
    report_dir: Path | None,
    examples: Sequence[Example] | None = None,
    curve=None,
    validation: Sequence[Path] | None = None,
) -> dict:
    """Score `data` with the saved model; write the report; return the figures.

    Files the model was trained on (same sha256 as in its card) count only with their
    held-out part; any other labelled file counts whole. The `validation` corpora (by
    default the validation-only ones beside the shared corpora in `data`) are scored
    whole. `curve`, given, is (examples, leave-one-source-out scores) for the report's
    precision-recall plot.
    """
    model = load_medical_model(Path(model_dir))
    if examples is None:
        examples = examples_to_score(data, model.card)
    held = HeldOut.triaged(model, examples)
    metrics: dict = {"threshold": model.threshold, "model_version": model.version}
    for key in ("leave_one_source_out", "source_discrimination"):
        if key in model.card:
            metrics[key] = model.card[key]
    if validation is None:
        shared = catalogue.shared_root(data)
        present = catalogue.present(shared)[catalogue.VALIDATION] if shared else []
        validation = [corpus.path(shared) for corpus in present]
    metrics["validation_only_sets"] = validation_figures(model, validation)
    metrics.update(our_figures(held))
    metrics.update(public_set_figures(model, held))
    metrics["urgent"] = urgent_figures(held)
    metrics["newer_files"] = newer_file_figures(held.examples, held.flagged, held.alarmed)
    metrics["red_flag_rules_all_ours"] = red_flag_rule_figures(examples)
    metrics["artifact_checks"] = artifact_checks(model, examples, data)
    if report_dir is not None:
        from moderator.training.medical.report import write_report

        write_report(Path(report_dir), model, metrics, held.examples, held.scores, curve)
    return metrics


def validation_figures(model, paths: Sequence[Path]) -> dict:
    """Score validation-only corpora once with the final model (never tuned on).

    Health-question sets get recall (COVID-Q also by lay source); C3, unlabelled news
    comments nearly none of which ask a health question, gets the share flagged: an
    upper bound on its false flags.
    """
    figures = {}
    for path in paths:
        corpus = catalogue.BY_FORMAT.get(detect_format(path))
        items = load(path)
        flagged = model.scores([i.comment.content for i in items]) >= model.threshold
        name = corpus.folder if corpus else Path(path).name
        entry: dict = {"n": len(items), "licence": corpus.licence if corpus else ""}
        if items and all(i.medical_question for i in items):
            entry["recall"] = rate(flagged)
            by_source = sorted({i.source for i in items})
            if len(by_source) > 1:
                sources = np.array([i.source for i in items])
                entry["recall_by_source"] = {
                    s: _counted(flagged, sources == s, "recall") for s in by_source
                }
        else:
            entry["flagged"] = rate(flagged)
            entry["note"] = "unlabelled genuine comments: flagged share bounds the false flags"
        figures[name] = entry
    return figures


def examples_to_score(data: Sequence[Path], card: dict) -> list[Example]:
    """Load `data`, holding out whole every file the card does not list as trained on."""
    seen = {sha for source in card.get("sources", []) for sha in source["files"].values()}
    unseen = {f.name for path in data for f in dataset_files(path) if sha256_of(f) not in seen}
    return [replace(e, held_out=True) if e.source in unseen else e for e in load_examples(data)]


def our_figures(held: HeldOut) -> dict:
    """Precision and recall on our corpus, false flags and recall by family, spam flagged."""
    ours, medical, flagged, kinds = held.ours, held.medical, held.flagged, held.kinds
    all_ours = held.corpus == "ours"
    nonmed = np.isin(kinds, [f"ours:{f}" for f in NON_MEDICAL_QUESTION_FAMILIES])
    return {
        # Spam never needs a reply (the decision layer forces it), so the detector's own
        # figures are on genuine comments; the figure with spam counted is given beside.
        "ours_held_out": precision_recall(medical[ours], flagged[ours]),
        "ours_held_out_spam_counted": precision_recall(medical[all_ours], flagged[all_ours]),
        "non_medical_question_false_flags": {
            **_counted(flagged, nonmed),
            "by_family": {
                f: _counted(flagged, kinds == f"ours:{f}") for f in NON_MEDICAL_QUESTION_FAMILIES
            },
        },
        "ours_false_flags_by_family": {
            k: _counted(flagged, kinds == k) for k in sorted(set(kinds[ours & ~medical].tolist()))
        },
        "ours_recall_by_family": {
            k: _counted(flagged, kinds == k, "recall")
            for k in sorted(set(kinds[ours & medical].tolist()))
        },
        "spam_flagged_by_model": {
            **_counted(flagged, held.spam),
            "note": "the decision layer forces needs_reply false on spam",
        },
    }


def public_set_figures(model, held: HeldOut) -> dict:
    """Recall on MeQSum (as cut, as summaries, whole) and false flags on TREC."""
    figures = {}
    for name in ("meqsum", "meqsum_summary", "meqsum_supplier"):
        mask = held.kinds == name
        if mask.any():
            figures[f"{name}_recall"] = _counted(held.flagged, mask, "recall")
    meqsum = [e for e in held.examples if e.kind in {"meqsum", "meqsum_supplier"}]
    if meqsum:
        full = model.scores([e.original for e in meqsum]) >= model.threshold
        figures["meqsum_full_length_recall"] = {"recall": rate(full), "n": len(meqsum)}
    for name in ("trec", "trec_medical"):
        mask = held.kinds == name
        if mask.any():
            figures[f"{name}_false_flags"] = _counted(held.flagged, mask)
    return figures


def urgent_figures(held: HeldOut) -> dict:
    """How many of our urgent questions the model alarms on, and its false alarms."""
    ours, urgent, alarmed = held.ours, held.urgent, held.alarmed
    return {
        "recall": rate(alarmed[ours & urgent]),
        "n": int((ours & urgent).sum()),
        "false_alarms": rate(alarmed[ours & ~urgent]),
        "false_alarms_among_medical_questions": rate(alarmed[ours & held.medical & ~urgent]),
        "non_urgent": int((ours & ~urgent).sum()),
    }


def red_flag_rule_figures(examples: Sequence[Example]) -> dict:
    """How the red-flag rules alone do on all of our genuine comments."""
    everything = [e for e in examples if e.corpus == "ours" and not e.spam]
    rule_hits = np.array([bool(find_red_flags(e.text)) for e in everything])
    urgent = np.array([e.urgent for e in everything])
    medical = np.array([e.medical for e in everything])
    return {
        "recall_on_urgent": rate(rule_hits[urgent]),
        "hits_on_non_urgent_medical_questions": rate(rule_hits[medical & ~urgent]),
        "n_urgent": int(urgent.sum()),
    }


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
            "medical_recall": rate(hit[medical]),
            "medical_recall_other_language": rate(hit[medical & other_language]),
            "false_flags": rate(hit[~medical]),
            "false_flags_other_language": rate(hit[~medical & other_language]),
            "urgent_n": int(urgent.sum()),
            "urgent_recall": rate(alarm[urgent]),
            "urgent_false_alarms": rate(alarm[~urgent]),
            "rules_urgent_recall": rate(rules[urgent]),
            "rules_false_alarms_on_non_urgent": rate(rules[~urgent]),
        }
    return figures


def artifact_checks(model, examples: Sequence[Example], data: Sequence[Path]) -> dict:
    """Check the model did not learn MeQSum's layout or length, nor TREC's tokenisation."""
    checks: dict = layout_checks(model, data)
    checks["by_length"] = length_checks(model, examples)
    # TREC is trained on whole (leave-one-source-out measures it): this checks only
    # that its tokenised punctuation does not move the scores
    trec = [e for e in examples if e.kind == "trec"][:300]
    if trec:
        retokenised = [re.sub(r"([?.!,])", r" \1", re.sub(r"'s\b", " 's", e.text)) for e in trec]
        checks["trec_tokenisation_mean_abs_score_change"] = float(
            np.mean(np.abs(model.scores([e.text for e in trec]) - model.scores(retokenised)))
        )
    return checks


def layout_checks(model, data: Sequence[Path]) -> dict:
    """How far MeQSum's ``SUBJECT:/MESSAGE:`` layout moves the scores of its questions.

    Negative or near zero: the layout does not read as "medical" to the model. (MeQSum
    is trained on whole, layout stripped; leave-one-source-out measures its recall.)
    """
    layout = [q for q in raw_meqsum(data) if re.match(r"\s*SUBJECT", q, re.I)][:200]
    if not layout:
        return {}
    with_layout = model.scores(layout)
    without = model.scores([strip_meqsum_layout(q) for q in layout])
    change = with_layout - without
    return {
        "meqsum_layout_mean_score_change": float(np.mean(change)),
        "meqsum_layout_flag_agreement": float(
            np.mean((with_layout >= model.threshold) == (without >= model.threshold))
        ),
        "meqsum_layout_mean_abs_score_change": float(np.mean(np.abs(change))),
        "meqsum_layout_max_abs_score_change": float(np.max(np.abs(change))),
    }


def length_checks(model, examples: Sequence[Example]) -> dict:
    """Recall on our questions and MeQSum's uncut ones, and false flags on our negatives,
    by length: a model that learnt "long = medical" shows it here."""
    questions = [e.text for e in examples if e.held_out and e.corpus == "ours" and e.medical]
    meqsum = [e.original for e in examples if e.held_out and e.kind == "meqsum"]
    negatives = [
        e.text
        for e in examples
        if e.held_out and e.corpus == "ours" and not e.medical and not e.spam
    ]
    by_length = {}
    for band, (lo, hi) in LENGTH_BANDS.items():
        row = {}
        for label, candidates in (("ours", questions), ("meqsum_full", meqsum)):
            texts = _of_length(candidates, lo, hi)
            if texts:
                row[label] = {"recall": _flag_rate(model, texts), "n": len(texts)}
        texts = _of_length(negatives, lo, hi)
        if texts:
            row["ours_negatives"] = {"false_flags": _flag_rate(model, texts), "n": len(texts)}
        by_length[band] = row
    return by_length


def _of_length(texts: Sequence[str], lo: int, hi: int) -> list[str]:
    """Return the texts of `lo` to `hi` words."""
    return [text for text in texts if lo <= len(text.split()) <= hi]
