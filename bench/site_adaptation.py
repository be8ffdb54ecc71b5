"""Does a site get better scores on its newer comments once it has learned from its labels?

Real public data from ../shared/datasets, one "site" at a time:

* YouTube Spam Collection: each video is a site. Its comments in time order (DATE; the
  Eminem file leaves DATE empty on its spam rows, so its file order is used), the
  oldest half labelled, the newest half judged.
* ScamSpot (Instagram): each account with at least 60 comments and 8 of each kind is a
  site; no timestamps, so Instagram's comment ids (which grow with time) order them.

The shipped spam model was fitted on both corpora, so against it a layer can only show
that it does no harm. The honest comparison (`--shared holdout`, the default) stands in
a shared model that never saw the site's corpus: a hashed-words logistic regression fitted
on training_data/, the SMS collection and the *other* social corpus.

Each site is trained as it is in production: its oldest half is stored as labels in a
scratch SQLite database and `train_from_labels` runs (what `moderator train --from-labels
--site URL` runs, with the default configuration: the newest labels held out, the fixed
evaluation set, the gate and its tolerances). On the newest half, which nothing saw:
"shared" is the shared model alone, "layer" the layer that pass trained (whether or not
the gate let it through), and "served" what the site is then served: the layer if it was
promoted, else the shared model. AUC, blocked genuine (genuine comments at or above the
card's spam threshold) and spam published (spam below its unsure threshold, which a site
approves), per site and averaged, with on how many sites each figure is worse or better
than the shared model's. Never part of the test suite.

    PYTHONPATH=. .venv/bin/python bench/site_adaptation.py [--data ../shared/datasets]
        [--shared holdout|shipped] [--labels N] [--development] [--set KEY=VALUE ...]

`--development` leaves every site's newest half out altogether and plays the same game
inside its labelled half: a change to the layer is chosen there, never on the newest half.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from sqlalchemy import select
from sqlalchemy.orm import Session

from moderator import db
from moderator.config import DEFAULTS
from moderator.core.comment import Comment
from moderator.core.settings import Thresholds
from moderator.core.states import LabelKind, LabelSource
from moderator.learning.layer import AdaptedSpamModel
from moderator.learning.train import (
    LayerLoader,
    LearningSettings,
    serving_layers,
    train_from_labels,
)
from moderator.ml.protocol import Score
from moderator.models import load_models
from moderator.storage.schema import LABEL_SNAPSHOT, Label, ModelVersion
from moderator.storage.sites import create_site

ROOT = Path(__file__).resolve().parent.parent


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


class HeldOutSpamModel:
    """The shared model a site is served, standing in for the shipped one (model protocol).

    Scores with a scorer that never saw the site's corpus; carries the shipped card, so
    the thresholds and the gate are the shipped ones.
    """

    name = "spam"

    def __init__(self, scorer, card: dict, version: str):
        self.scorer = scorer
        self.card = card
        self.version = version

    def score_many(self, comments):
        """Score comments with the held-out scorer (no reasons)."""
        return [Score(probability=float(p), reasons=()) for p in self.scorer(comments)]


def measure(labels, probabilities, thresholds: Thresholds) -> tuple[float, float, float]:
    """Return AUC, blocked genuine and spam published of scores against labels."""
    y = np.asarray(labels, bool)
    p = np.asarray(probabilities)
    auc = roc_auc_score(y, p) if 0 < y.sum() < len(y) else float("nan")
    blocked = (p[~y] >= thresholds.spam).mean() if (~y).any() else 0.0
    published = (p[y] < thresholds.unsure).mean() if y.any() else 0.0
    return auc, blocked, published


def store_labels(session, site, comments, labels) -> None:
    """Store a site's labelled comments oldest first, as labels of source `import`."""
    for comment, spam in zip(comments, labels, strict=True):
        session.add(
            Label(
                site_id=site.id,
                kind=LabelKind.SPAM.value,
                value=spam,
                actor="bench",
                source=LabelSource.IMPORT.value,
                content=comment.content,
                fields={name: getattr(comment, name) or "" for name in LABEL_SNAPSHOT},
            )
        )
    session.commit()


def served_and_layer(session, models, settings, site, newest):
    """Train the site as `moderator train --from-labels --site` does; return the outcome,
    the scores the site is then served on `newest`, and the trained layer's own scores."""
    outcome = train_from_labels(session, models, settings, site, actor="bench")
    loader = LayerLoader(settings.store)
    served = AdaptedSpamModel(models.spam, serving_layers(session, loader, site.id))
    layer_scores = served.probabilities(newest)
    if outcome.version is not None and outcome.state != "active":
        row = session.execute(
            select(ModelVersion).where(ModelVersion.version == outcome.version)
        ).scalar_one()
        trained = loader.layer(row.version, row.sha256)
        layer_scores = AdaptedSpamModel(models.spam, [(row.version, trained)]).probabilities(newest)
    return outcome, served.probabilities(newest), layer_scores


FIGURES = ("AUC", "blocked genuine", "spam published")


def compare(rows: np.ndarray, shared: np.ndarray) -> tuple[list[int], list[int]]:
    """Return, per figure, on how many sites `rows` is worse and better than `shared`."""
    worse = [
        int(np.sum(rows[:, 0] < shared[:, 0] - 1e-9)),
        int(np.sum(rows[:, 1] > shared[:, 1] + 1e-9)),
        int(np.sum(rows[:, 2] > shared[:, 2] + 1e-9)),
    ]
    better = [
        int(np.sum(rows[:, 0] > shared[:, 0] + 1e-9)),
        int(np.sum(rows[:, 1] < shared[:, 1] - 1e-9)),
        int(np.sum(rows[:, 2] < shared[:, 2] - 1e-9)),
    ]
    return worse, better


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--shared", choices=["holdout", "shipped"], default="holdout")
    parser.add_argument(
        "--labels", type=int, default=0, help="label only the oldest N (0: the oldest half)"
    )
    parser.add_argument(
        "--development",
        action="store_true",
        help="judge inside the labelled half only (its oldest half labelled, the rest judged), "
        "for choosing a change without looking at the newest half",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a learning setting (a key of moderator/config.py, the value as JSON), "
        "e.g. --set GATE_AUC_TOLERANCE=1",
    )
    args = parser.parse_args()
    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        if key not in DEFAULTS:
            parser.error(f"--set {key}: not a setting of moderator/config.py")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    shipped = load_models(ROOT / "models")
    thresholds = Thresholds.from_card(shipped.spam.card)
    sites = {
        **youtube_sites(args.data / "youtube-spam-collection"),
        **scamspot_sites(
            args.data / "scamspot-instagram-scam-comments" / "instagram_comments_labelled.csv"
        ),
    }
    if args.development:
        sites = {name: (c[: len(c) // 2], y[: len(y) // 2]) for name, (c, y) in sites.items()}
    if args.shared == "shipped":
        bases = {corpus: shipped for corpus in ("youtube", "instagram")}
    else:
        bases = {
            corpus: replace(
                shipped,
                spam=HeldOutSpamModel(
                    holdout_shared(args.data, corpus), shipped.spam.card, f"holdout-{corpus}"
                ),
            )
            for corpus in ("youtube", "instagram")
        }
    print(f"shared model: {args.shared}; labelled: {args.labels or 'the oldest half'}")
    if args.development:
        print("development: the newest half is left out; judged on the labelled half's newer half")
    print(f"thresholds: unsure {thresholds.unsure:.3f}, spam {thresholds.spam:.3f}")
    print(f"{'site':<32}{'n':>5} {'model':<8}{'AUC':>7}{'blocked gen.':>14}{'spam publ.':>12}")
    totals: dict[str, list] = {"shared": [], "layer": [], "served": []}
    cpu = 0.0
    with tempfile.TemporaryDirectory(prefix="site-adaptation-") as folder:
        engine = db.make_engine(f"sqlite:///{folder}/bench.db")
        db.upgrade(engine, Path(folder))
        settings = LearningSettings.from_config(
            {**DEFAULTS, **overrides, "LEARNED_MODEL_DIR": str(Path(folder) / "store")}
        )
        with Session(engine) as session:
            for name, (comments, labels) in sites.items():
                half = len(comments) // 2
                size = min(args.labels, half) if args.labels else half
                models = bases[name.split(":")[0]]
                newest, newest_labels = comments[half:], labels[half:]
                site, _ = create_site(session, f"https://{name.replace(':', '.')}.example")
                store_labels(session, site, comments[:size], labels[:size])
                started = time.process_time()
                outcome, served, layer = served_and_layer(session, models, settings, site, newest)
                cpu += time.process_time() - started
                shared = AdaptedSpamModel(models.spam, []).probabilities(newest)
                rows = {
                    "shared": measure(newest_labels, shared, thresholds),
                    "layer": measure(newest_labels, layer, thresholds),
                    "served": measure(newest_labels, served, thresholds),
                }
                for key, figures in rows.items():
                    totals[key].append(figures)
                    print(
                        f"{name:<32}{len(newest):>5} {key:<8}{figures[0]:>7.3f}"
                        f"{figures[1]:>14.1%}{figures[2]:>12.1%}"
                    )
                print(f"{'':<38}gate: {outcome.state}: {outcome.reason}")
        engine.dispose()
    print()
    print(f"training and gate: {cpu:.1f} s CPU over {len(sites)} sites")
    print("mean over sites; on how many sites each figure is worse / better than shared:")
    shared = np.array(totals["shared"])
    for key, values in totals.items():
        v = np.array(values)
        worse, better = compare(v, shared)
        print(
            f"  {key:<7} AUC {np.nanmean(v[:, 0]):.3f}  blocked genuine {v[:, 1].mean():.1%}  "
            f"spam published {v[:, 2].mean():.1%}"
        )
        if key != "shared":
            for figure, w, b in zip(FIGURES, worse, better, strict=True):
                print(f"          {figure:<16} worse on {w}/{len(v)}  better on {b}/{len(v)}")
            any_worse = np.sum(
                (v[:, 0] < shared[:, 0] - 1e-9)
                | (v[:, 1] > shared[:, 1] + 1e-9)
                | (v[:, 2] > shared[:, 2] + 1e-9)
            )
            print(f"          worse on any figure on {any_worse}/{len(v)}")


if __name__ == "__main__":
    main()
