"""Urgent triage benchmark: recall and false-urgent rate per family, and on real comments.

Run: ``python bench/urgent_benchmark.py [--shared ../shared/datasets] [--show-misses]``.

Reads the written evaluation set `bench/urgent_cases.jsonl` (urgent readers in each family
of emergency, and confusable non-urgent comments: negation, past, family history,
hypotheticals, figurative speech, education questions) and, when present, real lay
health questions (K-QA, MeQSum, COVID-Q, MedicationQA) and real ordinary comments
(YouTube and SMS ham, C3 news comments, Cooking and SE titles), none of which is
urgent. Prints figures; it never fails on a number.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

from moderator.config import DEFAULTS
from moderator.core.comment import Comment
from moderator.medical.red_flags import find_red_flags
from moderator.medical.triage import triage
from moderator.ml.protocol import Score
from moderator.models import load_models
from moderator.training.datasets.news import load_c3
from moderator.training.datasets.questions import (
    load_covid_q,
    load_kqa,
    load_medicationqa,
    load_meqsum,
)
from moderator.training.datasets.sms import load_sms
from moderator.training.datasets.stackexchange import load_cooking, load_se_titles
from moderator.training.datasets.youtube import load_youtube

HERE = Path(__file__).resolve().parent
CASES = HERE / "urgent_cases.jsonl"
#: Targets from issue 16.
RECALL_TARGET, HEALTH_TARGET, ORDINARY_TARGET = 0.97, 0.01, 0.002

HEALTH = {
    "K-QA": ("kqa-patient-questions", load_kqa),
    "MeQSum": ("meqsum", load_meqsum),
    "COVID-Q": ("covid-q", load_covid_q),
    "MedicationQA": ("medicationqa", load_medicationqa),
}
ORDINARY = {
    "YouTube ham": ("youtube-spam-collection", load_youtube),
    "SMS ham": ("sms-spam-collection", load_sms),
    "C3 news comments": ("c3-constructive-comments", load_c3),
    "Cooking titles": ("cooking-se-titles", load_cooking),
    "SE titles": ("smokedetector-se-titles", load_se_titles),
}
_NO_SCORE = Score(0.0, ())
_MEDICAL = {}


def _medical_model():
    """Load the shipped medical model once (the back-pain flags read its score)."""
    if "model" not in _MEDICAL:
        _MEDICAL["model"] = load_models(DEFAULTS["MODEL_DIR"]).medical
    return _MEDICAL["model"]


def is_urgent(text: str) -> tuple[bool, list[str]]:
    """Triage one text as the decision does; return urgency and the flags named.

    The medical score is computed only when a red flag matched (all else is not urgent
    whatever the score): the same verdicts as scoring everything, at a fraction of the time.
    """
    comment = Comment(content=text)
    score = _NO_SCORE
    threshold = 1.0
    if find_red_flags(text):
        model = _medical_model()
        score = model.score_many([comment])[0]
        threshold = float(model.card["threshold"])
    result = triage(comment, score, threshold)
    titles = [r.title for r in result.reasons if r.code == "red_flag"]
    return result.urgent, titles


def written_set(show_misses: bool) -> None:
    """Print recall per urgent family and false-urgent rate per confusable family."""
    by_family: dict[tuple[bool, str], list[tuple[bool, str, list[str]]]] = defaultdict(list)
    for line in CASES.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        urgent, titles = is_urgent(case["text"])
        key = (case["urgent"], case["family"])
        by_family[key].append((urgent, f"[{case['lang']}] {case['text']}", titles))
    for label, expected in (("urgent recall", True), ("false urgent", False)):
        print(f"\n{label} per family (written set)")
        total = hits = 0
        for (truth, family), rows in sorted(by_family.items()):
            if truth is not expected:
                continue
            flagged = sum(u for u, _, _ in rows)
            total, hits = total + len(rows), hits + flagged
            print(f"  {family:24s} {flagged:3d}/{len(rows):<3d} {flagged / len(rows):.3f}")
            if show_misses:
                for urgent, text, titles in rows:
                    if urgent is not expected:
                        print(f"      {'MISS' if expected else 'FALSE'}: {text} {titles}")
        target = RECALL_TARGET if expected else HEALTH_TARGET
        print(
            f"  {'all':24s} {hits:3d}/{total:<3d} {hits / total:.3f}  (target "
            f"{'>=' if expected else '<='} {target})"
        )


def real_sets(shared: Path, show_misses: bool) -> None:
    """Print the false-urgent rate on real health questions and real ordinary comments."""
    for title, sets, target in (
        ("real lay health questions", HEALTH, HEALTH_TARGET),
        ("real ordinary comments", ORDINARY, ORDINARY_TARGET),
    ):
        print(f"\nfalse urgent on {title} (target <= {target})")
        total = flagged_all = 0
        for name, (folder, loader) in sets.items():
            path = shared / folder
            if not path.exists():
                print(f"  {name:24s} skipped: {path} absent")
                continue
            items = [i for i in loader(path) if not i.spam]
            started = time.perf_counter()
            flagged = []
            for item in items:
                urgent, titles = is_urgent(item.comment.content)
                if urgent:
                    flagged.append((item.comment.content, titles))
            took = time.perf_counter() - started
            total, flagged_all = total + len(items), flagged_all + len(flagged)
            rate = len(flagged) / len(items) if items else 0.0
            print(
                f"  {name:24s} {len(flagged):4d}/{len(items):<6d} {rate:.4f}"
                f"  ({1000 * took / max(1, len(items)):.2f} ms/comment)"
            )
            by_flag = Counter(title for _, titles in flagged for title in titles)
            if by_flag:
                print("      by flag: " + ", ".join(f"{t} {n}" for t, n in by_flag.most_common()))
            if show_misses:
                for text, titles in flagged:
                    print(f"      FALSE: {text[:160]!r} {titles}")
        if total:
            print(f"  {'all':24s} {flagged_all:4d}/{total:<6d} {flagged_all / total:.4f}")


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared" / "datasets")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--written-only", action="store_true")
    args = parser.parse_args()
    written_set(args.show_misses)
    if not args.written_only:
        real_sets(args.shared, args.show_misses)


if __name__ == "__main__":
    main()
