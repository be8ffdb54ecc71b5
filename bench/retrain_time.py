"""How long retraining from labels takes on 100,000 comments (target: under 60 s on 2 cores).

A training pass needs the shared model's score of each labelled comment (the layer
learns on top of its log-odds): it reuses the score the comment was decided with when
the same model decided it, and scores the others (deleted comments, older versions).
It then hashes them, fits the layer and writes its file; this times each step on
100,000 labelled comments drawn from training_data/ and, when present, the shared
corpora (texts repeated with a counter appended once the real ones run out).
Never part of the test suite; timings on a loaded machine are noisy.

    PYTHONPATH=. .venv/bin/python bench/retrain_time.py [--comments 100000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from moderator.core.comment import Comment
from moderator.learning import registry
from moderator.learning.layer import AdaptedSpamModel, fit_layer, hashed
from moderator.models import load_models
from moderator.training.datasets.ours import load_jsonl

ROOT = Path(__file__).resolve().parent.parent


def labelled(data: Path, wanted: int) -> tuple[list[Comment], list[bool]]:
    items = [i for i in load_jsonl(ROOT / "training_data") if i.spam is not None]
    if data.is_dir():
        from moderator.training.datasets.instagram import load_scamspot
        from moderator.training.datasets.sms import load_sms
        from moderator.training.datasets.youtube import load_youtube

        items += load_sms(data / "sms-spam-collection")
        items += load_youtube(data / "youtube-spam-collection")
        items += load_scamspot(data / "scamspot-instagram-scam-comments")
    comments, labels = [], []
    round_ = 0
    while len(comments) < wanted:
        for item in items:
            if len(comments) == wanted:
                break
            text = item.comment.content if round_ == 0 else f"{item.comment.content} ({round_})"
            comments.append(Comment(content=text, author=item.comment.author))
            labels.append(bool(item.spam))
        round_ += 1
    return comments, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets")
    args = parser.parse_args()
    models = load_models(ROOT / "models")
    comments, labels = labelled(args.data, args.comments)
    print(f"{len(comments)} labelled comments, {sum(labels)} spam")

    started = time.perf_counter()
    base = AdaptedSpamModel(models.spam, []).probabilities(comments)
    scored = time.perf_counter()
    hashed(comments[:1000])  # warm up
    hash_start = time.perf_counter()
    hashed(comments)
    hash_end = time.perf_counter()
    layer = fit_layer(comments, labels, base)
    fitted = time.perf_counter()
    with tempfile.TemporaryDirectory() as store:
        registry.write_layer(Path(store), "spam-bench", layer, {"kind": "site-layer"})
    written = time.perf_counter()
    print(f"shared model scores    {scored - started:6.1f} s")
    print(f"hashing (alone)        {hash_end - hash_start:6.1f} s")
    print(f"fit (hash + L-BFGS)    {fitted - hash_end:6.1f} s")
    print(f"write file and card    {written - fitted:6.1f} s")
    print(f"total, scoring again   {written - started:6.1f} s")
    print(
        f"total, decided scores  {written - hash_end:6.1f} s  (target < 60 s on 2 cores: a "
        "training pass reuses the score each comment was decided with by the same model, "
        "learning.train.shared_probabilities; only deleted comments and other versions "
        "are scored again)"
    )
    print(f"layer: {len(layer.columns)} weighted columns, a={layer.a:.3f}, b={layer.b:.3f}")


if __name__ == "__main__":
    main()
