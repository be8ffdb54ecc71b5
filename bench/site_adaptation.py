"""Does a site's own layer beat the shared model on that site's newer comments?

Real public data from ../shared/datasets, one "site" at a time:

* YouTube Spam Collection: each video is a site. Its comments in time order (DATE; the
  Eminem file leaves DATE empty on its spam rows, so its file order is used), the
  oldest half labelled, the newest half judged.
* ScamSpot (Instagram): each account with at least 60 comments and 8 of each kind is a
  site; no timestamps, so Instagram's comment ids (which grow with time) order them.

The shipped spam model was fitted on both corpora, so against it a layer can only show
that it does no harm. The honest comparison (`--shared holdout`, the default) stands in
a shared model that never saw the site's corpus: a hashed-words logistic regression fitted
on training_data/, the SMS collection and the *other* social corpus. For each site: the
shared model alone ("shared") against it with a layer fitted on the oldest half ("site"),
on the newest half, at the shipped card's thresholds: AUC, blocked genuine (genuine
comments at or above the spam threshold) and spam published (spam below the unsure
threshold, which a site approves). Also a few dozen labels only (the oldest 40), and the
layer's penalty settings side by side.
Never part of the test suite.

    PYTHONPATH=. .venv/bin/python bench/site_adaptation.py [--data ../shared/datasets]
        [--shared holdout|shipped]
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from moderator.core.comment import Comment
from moderator.core.settings import Thresholds
from moderator.learning.layer import fit_layer
from moderator.models import load_models

ROOT = Path(__file__).resolve().parent.parent
#: (strength, anchor) pairs compared; the first is the configured default.
SETTINGS = [(0.1, 10.0), (1.0, 10.0), (0.03, 10.0)]


def youtube_sites(folder: Path) -> dict[str, tuple[list[Comment], list[bool]]]:
    sites = {}
    for file in sorted(folder.glob("Youtube*.csv")):
        with open(file, encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        if all(r["DATE"] for r in rows):
            rows.sort(key=lambda r: r["DATE"])
        sites[f"youtube:{file.stem.split('-', 1)[1]}"] = (
            [Comment(content=r["CONTENT"], author=r["AUTHOR"]) for r in rows],
            [r["CLASS"].strip() == "1" for r in rows],
        )
    return sites


def scamspot_sites(file: Path) -> dict[str, tuple[list[Comment], list[bool]]]:
    with open(file, encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["account"]]
    by_account: dict[str, list[dict]] = {}
    for row in rows:
        by_account.setdefault(row["account"], []).append(row)
    sites = {}
    for account, items in sorted(by_account.items()):
        spam = sum(r["label"] == "spam" for r in items)
        if len(items) < 60 or spam < 8 or len(items) - spam < 8:
            continue
        items.sort(key=lambda r: int(r["comment_id"]))
        sites[f"instagram:{account}"] = (
            [Comment(content=r["text"]) for r in items],
            [r["label"] == "spam" for r in items],
        )
    return sites


def holdout_shared(data: Path, corpus: str):
    """Return a scorer fitted on every spam corpus we have but `corpus` (youtube|instagram)."""
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import LogisticRegression

    from moderator.training.datasets.instagram import load_scamspot
    from moderator.training.datasets.ours import load_jsonl
    from moderator.training.datasets.sms import load_sms
    from moderator.training.datasets.youtube import load_youtube

    items = load_jsonl(ROOT / "training_data") + load_sms(data / "sms-spam-collection")
    if corpus == "youtube":
        items += load_scamspot(data / "scamspot-instagram-scam-comments")
    else:
        items += load_youtube(data / "youtube-spam-collection")
    items = [i for i in items if i.spam is not None]
    hasher = HashingVectorizer(ngram_range=(1, 2), n_features=2**20, alternate_sign=False)
    model = LogisticRegression(C=4.0, solver="liblinear")
    model.fit(hasher.transform([i.comment.content for i in items]), [i.spam for i in items])

    def score(comments):
        return model.predict_proba(hasher.transform([c.content for c in comments]))[:, 1]

    return score


def measure(labels, probabilities, thresholds: Thresholds) -> tuple[float, float, float]:
    y = np.asarray(labels, bool)
    p = np.asarray(probabilities)
    auc = roc_auc_score(y, p) if 0 < y.sum() < len(y) else float("nan")
    blocked = (p[~y] >= thresholds.spam).mean() if (~y).any() else 0.0
    published = (p[y] < thresholds.unsure).mean() if y.any() else 0.0
    return auc, blocked, published


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--shared", choices=["holdout", "shipped"], default="holdout")
    args = parser.parse_args()
    models = load_models(ROOT / "models")
    thresholds = Thresholds.from_card(models.spam.card)
    sites = {
        **youtube_sites(args.data / "youtube-spam-collection"),
        **scamspot_sites(
            args.data / "scamspot-instagram-scam-comments" / "instagram_comments_labelled.csv"
        ),
    }
    if args.shared == "shipped":
        scorers = {
            corpus: lambda cs: [s.probability for s in models.spam.score_many(cs)]
            for corpus in ("youtube", "instagram")
        }
    else:
        scorers = {corpus: holdout_shared(args.data, corpus) for corpus in ("youtube", "instagram")}
    print(f"shared model: {args.shared}")
    print(f"thresholds: unsure {thresholds.unsure:.3f}, spam {thresholds.spam:.3f}")
    print(f"{'site':<32}{'n':>5} {'model':<22}{'AUC':>7}{'blocked gen.':>14}{'spam publ.':>12}")
    totals: dict[str, list] = {}
    for name, (comments, labels) in sites.items():
        half = len(comments) // 2
        base = np.asarray(scorers[name.split(":")[0]](comments), dtype=np.float64)
        newest, newest_labels = comments[half:], labels[half:]
        rows = {"shared": measure(newest_labels, base[half:], thresholds)}
        for strength, anchor in SETTINGS:
            for size, label in ((half, "half"), (min(40, half), "40")):
                started = time.perf_counter()
                layer = fit_layer(
                    comments[:size], labels[:size], base[:size], strength=strength, anchor=anchor
                )
                elapsed = time.perf_counter() - started
                p = layer.probabilities(base[half:], newest)
                key = f"site {label} s={strength:g} a={anchor:g}"
                rows[key] = (*measure(newest_labels, p, thresholds), elapsed)
        for key, figures in rows.items():
            totals.setdefault(key, []).append(figures[:3])
            print(
                f"{name:<32}{len(newest):>5} {key:<22}{figures[0]:>7.3f}"
                f"{figures[1]:>14.1%}{figures[2]:>12.1%}"
            )
        print()
    print("mean over sites (and sites where the layer is worse than shared on any figure):")
    shared = np.array(totals["shared"])
    for key, values in totals.items():
        v = np.array(values)
        worse = np.sum(
            (v[:, 0] < shared[:, 0] - 1e-9)
            | (v[:, 1] > shared[:, 1] + 1e-9)
            | (v[:, 2] > shared[:, 2] + 1e-9)
        )
        print(
            f"  {key:<24} AUC {np.nanmean(v[:, 0]):.3f}  blocked genuine {v[:, 1].mean():.1%}  "
            f"spam published {v[:, 2].mean():.1%}  worse on {worse}/{len(v)} sites"
        )


if __name__ == "__main__":
    main()
