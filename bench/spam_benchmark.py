"""Spam model benchmarks: leave-one-source-out on real corpora, validation sets, TubeSpam.

Usage: .venv/bin/python bench/spam_benchmark.py [--shared ../shared/datasets] [--skip-tubespam]

1. Leave-one-source-out (the figures that count): every default training source is
   loaded as `moderator train` loads it; each real source (a YouTube video, ScamSpot,
   the Stack Exchange titles, SMS, the question sets) is scored by a model trained on
   everything else, and measured at thresholds chosen on the *other* real sources
   (nested). Our written corpus is held out the same way and printed apart, with what
   it says about itself (out-of-fold, thresholds chosen on it): the gap is how much our
   own benchmark flatters.
2. Validation-only corpora (C3 news comments, COVID-Q, COVID-Dialogue, MedicationQA):
   scored once by the shipped model at its thresholds; never fitted or tuned on.
   With --errors N, each real source's N highest-scored genuine comments and N
   lowest-scored spam comments under those held-out scores (never the validation-only
   corpora's: they are not looked at to find changes).
3. TubeSpam (Alberto et al., ICMLA 2015): the authors' chronological 70/30 split per
   video, verdict spam at P >= 0.5, beside the published best MCC: a floor, not a target.
Figures only: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderator.core.comment import Comment  # noqa: E402
from moderator.spam.model import load_spam_model  # noqa: E402
from moderator.training import datasets, holdout  # noqa: E402
from moderator.training import spam as training  # noqa: E402
from moderator.training.audit import calibration  # noqa: E402
from moderator.training.common import classification_figures, moderation_rates  # noqa: E402
from moderator.training.datasets import LabelledComment, content_key  # noqa: E402

VIDEOS = {
    "01": ("Psy", 0.925),
    "04": ("KatyPerry", 0.893),
    "07": ("LMFAO", 0.955),
    "08": ("Eminem", 0.941),
    "09": ("Shakira", 0.931),
}


def split_file(folder: Path, prefix: str, label: str, part: str) -> list[str]:
    """Read one authors-split file: one comment a line."""
    (path,) = folder.glob(f"{prefix}-*-{label}-{part}.txt")
    return [line.rstrip("\n") for line in path.open(encoding="utf-8") if line.strip()]


def as_items(texts: list[str], spam: bool, source: str) -> list[LabelledComment]:
    """Wrap split lines as labelled comments, grouped into 5 pseudo-folds."""
    return [
        LabelledComment(Comment(content=t), spam, source=source, group=f"{source}:{i % 5}")
        for i, t in enumerate(texts)
    ]


def tubespam(shared: Path, extra: list[LabelledComment]) -> None:
    """Print the TubeSpam table, own-video training and with the extra corpora.

    The extra data is every other training source and the other videos' training
    portions: never a test portion of any video.
    """
    folder = shared / "youtube-spam-collection" / "authors-split-70-30"
    splits = {}
    for prefix, (name, _) in VIDEOS.items():
        source = f"youtube:{name}"
        train = as_items(split_file(folder, prefix, "pos", "train"), True, source)
        train += as_items(split_file(folder, prefix, "neg", "train"), False, source)
        test = as_items(split_file(folder, prefix, "pos", "test"), True, source)
        test += as_items(split_file(folder, prefix, "neg", "test"), False, source)
        splits[name] = (train, test)
    for setting in ("own 70% only", "70% + the other sources + other videos' 70%"):
        print(f"\nTubeSpam protocol, trained on {setting} (spam if P >= 0.5)")
        print(
            f"{'video':10} {'acc':>6} {'caught':>7} {'blocked':>8} {'F1':>6} {'MCC':>6} "
            f"{'paper':>6}"
        )
        wins = 0
        for name, paper_mcc in VIDEOS.values():
            train, test = splits[name]
            if setting != "own 70% only":
                held = {
                    content_key(i.comment.content) for other in splits.values() for i in other[1]
                }
                others = [i for other, (part, _) in splits.items() if other != name for i in part]
                train = train + [
                    i for i in extra + others if content_key(i.comment.content) not in held
                ]
            train = datasets.deduplicate(train)
            pipeline, _ = training.train_items(train)
            scores = training.predict(pipeline, [i.comment for i in test])
            labels = np.array([i.spam for i in test])
            figures = classification_figures(labels, scores >= 0.5)
            wins += figures["mcc"] > paper_mcc
            print(
                f"{name:10} {figures['accuracy']:6.3f} {figures['spam_caught']:7.3f} "
                f"{figures['blocked_ham']:8.3f} {figures['f1']:6.3f} {figures['mcc']:6.3f} "
                f"{paper_mcc:6.3f}"
            )
        print(f"beats the published best MCC on {wins} of 5 videos")


ROW = "{:30} {:>6} {:>8} {:>8} {:>9} {:>6} {:>6} {:>13}"


def print_row(name: str, figures: dict) -> None:
    """Print one row of moderation figures (blank where a class is absent)."""

    def cell(key, present=True):
        return f"{figures[key]:.3f}" if present and figures.get(key) is not None else ""

    used = figures.get("thresholds")
    print(
        ROW.format(
            name,
            figures["comments"],
            cell("blocked_genuine_rate", figures["ham"]),
            cell("genuine_queued_rate", figures["ham"]),
            cell("spam_published", figures["spam"]),
            cell("queue_share"),
            cell("auc"),
            f"{used['unsure']:.3f}/{used['spam']:.3f}" if used else "",
        )
    )


def leave_one_source_out(sources: list[Path], errors: int = 0) -> None:
    """Print each source's held-out figures at thresholds chosen without it (and its
    worst `errors` comments each way)."""
    items, _ = training.load_labelled(sources)
    features, X, labels = training.encode(items)
    scores, units = training.held_out(items, X, labels, features.metadata_offset, progress=True)
    figures = holdout.nested_figures(labels, scores, units, training.TARGETS)
    print("\nLeave-one-source-out: each source scored by a model that never saw it,")
    print("at thresholds chosen on the other real sources (our corpus never chooses)")
    print(
        ROW.format(
            "held out", "n", "blocked", "g.queued", "published", "queue", "AUC", "unsure/spam"
        )
    )
    for unit, row in figures.items():
        if not holdout.is_ours(unit):
            print_row(unit, row)
    print("worst real source:", json.dumps(holdout.worst_real(figures)))
    real = holdout.real_mask(units, scores)
    print(
        "calibration on held-out real text:", calibration(labels[real], scores[real])["ece"], "ECE"
    )
    print("\nOur written corpus, held out whole (a model that never saw it):")
    print_row("ours, held out", figures["ours"])
    ours = np.array([holdout.is_ours(u) for u in units.tolist()])
    if ours.any():
        model, out_of_fold = training.fit_rows(
            X, items, labels, np.flatnonzero(ours), features.metadata_offset, training.N_FOLDS
        )
        on_itself = holdout.thresholds_on(
            labels[ours], out_of_fold, units[ours], np.ones(ours.sum(), bool), training.TARGETS
        )
        row = moderation_rates(labels[ours], out_of_fold, on_itself) | {
            "thresholds": on_itself.to_dict()
        }
        print_row("ours on itself (out-of-fold)", row)
    if errors:
        held_out_errors(items, labels, scores, units, errors)


#: Characters of a comment an error listing shows.
SHOWN_CHARS = 160


def held_out_errors(items, labels, scores, units, count: int) -> None:
    """Print, per real source, the `count` genuine comments its held-out model scored
    highest and the `count` spam comments it scored lowest.

    The text is attacker-written: it is printed as a repr, so no control character or
    escape sequence reaches the terminal.
    """
    for unit in sorted(set(units.tolist())):
        if holdout.is_ours(unit):
            continue
        rows = np.flatnonzero((units == unit) & ~np.isnan(scores))
        for spam, what in ((False, "highest-scored genuine"), (True, "lowest-scored spam")):
            chosen = rows[labels[rows] == spam]
            if not len(chosen):
                continue
            order = np.argsort(scores[chosen])
            chosen = chosen[order[:count] if spam else order[::-1][:count]]
            print(f"\n{unit}: {what} (held out)")
            for row in chosen.tolist():
                text = items[row].comment.content[:SHOWN_CHARS]
                print(f"  {scores[row]:.3f}  {text!r}")


def validation_only(paths: list[Path], model_dir: Path) -> None:
    """Print the shipped model's figures on each validation-only corpus."""
    model = load_spam_model(model_dir)
    print(f"\nValidation-only corpora, scored once by {model.version} at its thresholds")
    print(ROW.format("corpus", "n", "blocked", "g.queued", "published", "queue", "AUC", ""))
    for path in paths:
        items = [i for i in datasets.load(path) if i.spam is not None]
        labels = np.array([i.spam for i in items], dtype=bool)
        scores = np.array([s.probability for s in model.score_many([i.comment for i in items])])
        print_row(items[0].source.split(":")[0], moderation_rates(labels, scores, model.thresholds))


def main() -> None:
    """Run the benchmarks and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--model-dir", type=Path, default=ROOT / "models")
    parser.add_argument("--skip-tubespam", action="store_true")
    parser.add_argument(
        "--errors",
        type=int,
        default=0,
        metavar="N",
        help="also print each real source's N worst held-out errors each way",
    )
    args = parser.parse_args()
    if not args.shared.is_dir():
        sys.exit(f"{args.shared} is absent: the benchmarks need the public corpora")
    leave_one_source_out(training.default_sources(ROOT), args.errors)
    validation_only(training.validation_sources(ROOT), args.model_dir)
    if not args.skip_tubespam:
        extra = [
            item
            for item in training.load_labelled(training.default_sources(ROOT))[0]
            if not item.source.startswith("youtube:")
        ]
        tubespam(args.shared, extra)


if __name__ == "__main__":
    main()
