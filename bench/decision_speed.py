"""How many comments one core decides a second, and what one decision spends its time on.

Usage: .venv/bin/python bench/decision_speed.py [--model-dir models] [--seconds 10] [--profile]
       [--profile-spam]

Decides the comments of training_data/ (spam, genuine, medical and short social ones,
with their author fields) with the whole decision the API runs (rules, both models, red
flags, reasons): one at a time, then in batches of 1,000 as `POST /api/v1/score` does.
Prints comments/s for each, the process's start-up (imports and loading the models), how
long its first decision takes (whatever loading left to do), and its peak RSS, which is
what each gunicorn worker holds. `--profile` adds a cProfile of single decisions, its
top 15 functions by own time; `--profile-spam` a cProfile of one batch of 1,000 through
`decide_many`, the spam model's functions by cumulative time. Figures only: never a test.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderator.core.comment import Comment  # noqa: E402
from moderator.core.decision import decide, decide_many  # noqa: E402
from moderator.core.settings import SiteSettings  # noqa: E402
from moderator.models import load_models  # noqa: E402

BATCH = 1000


def training_comments() -> list[Comment]:
    """Every comment of training_data/ with the fields a platform sends."""
    comments = []
    for path in sorted((ROOT / "training_data").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            fields = ("content", "author", "author_email", "author_url", "post_title")
            comments.append(Comment(**{f: str(row.get(f) or "") for f in fields}))
    return comments


def rate(run, comments: list[Comment], seconds: float) -> tuple[float, float]:
    """Return comments/s of `run` over `comments`, repeated for at least `seconds`: per
    second of wall clock, and per second of this process's CPU time (what a loaded
    machine's other processes change least)."""
    done, start, cpu = 0, time.perf_counter(), time.process_time()
    while True:
        run(comments)
        done += len(comments)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed, done / (time.process_time() - cpu)


def main() -> None:
    """Print the in-process figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=ROOT / "models")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--comments", type=int, default=2000, help="how many, spread evenly")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-spam", action="store_true")
    args = parser.parse_args()
    models = load_models(args.model_dir)
    ready, ready_cpu = time.perf_counter() - STARTED, time.process_time()
    site = SiteSettings()
    comments = training_comments()
    # the first decision shows what loading left undone (patterns compiled on first use)
    first, first_cpu = time.perf_counter(), time.process_time()
    decide(comments[0], site, models)
    first, first_cpu = time.perf_counter() - first, time.process_time() - first_cpu
    comments = comments[:: max(1, len(comments) // args.comments)][: args.comments]
    mix = (comments * (BATCH // len(comments) + 1))[: max(BATCH, len(comments))]

    def one_at_a_time(batch):
        for comment in batch:
            decide(comment, site, models)

    def in_batches(batch):
        for i in range(0, len(batch), BATCH):
            decide_many(batch[i : i + BATCH], site, models)

    one_at_a_time(mix)  # a running server's caches are warm
    single = rate(one_at_a_time, mix, args.seconds)
    batched = rate(in_batches, mix, args.seconds)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"models {models.spam.version}, {models.medical.version}")
    print(f"{len(comments)} of the training comments, mean {_mean_chars(comments):.0f} characters")
    print("| in-process, one core | wall clock | CPU time |")
    print("|---|---|---|")
    for name, (wall, cpu) in {"one at a time": single, f"batches of {BATCH:,}": batched}.items():
        print(
            f"| {name} | {wall:,.0f} comments/s ({1e6 / wall:,.0f} µs each) "
            f"| {cpu:,.0f} comments/s ({1e6 / cpu:,.0f} µs each) |"
        )
    print(f"| start-up (imports, models loaded) | {ready:.2f} s | {ready_cpu:.2f} s |")
    print(f"| first decision | {first * 1000:,.0f} ms | {first_cpu * 1000:,.0f} ms |")
    print(f"| peak RSS | {peak_mb:,.0f} MB | |")
    if args.profile:
        print_profile(one_at_a_time, mix[:300])
    if args.profile_spam:
        print_spam_profile(in_batches, mix[:BATCH])


def print_profile(run, comments: list[Comment]) -> None:
    """Print the top 15 functions by own time over single decisions."""
    profile = cProfile.Profile()
    profile.runcall(run, comments)
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats("tottime")
    stats.print_stats(15)
    print(f"\ncProfile of {len(comments)} single decisions, top 15 by own time:")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))


def print_spam_profile(run, comments: list[Comment]) -> None:
    """Print the spam model's 25 costliest functions, by cumulative time, over one batch."""
    profile = cProfile.Profile()
    profile.runcall(run, comments)
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
    stats.print_stats("moderator/spam", 25)
    print(f"\ncProfile of a batch of {len(comments)} decisions, moderator/spam by cumulative time:")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))


def _mean_chars(comments: list[Comment]) -> float:
    return sum(len(c.content) for c in comments) / len(comments)


if __name__ == "__main__":
    main()
