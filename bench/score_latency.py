"""Time in-process scoring of one comment with the shipped spam model.

Usage: .venv/bin/python bench/score_latency.py [--model-dir models] [--repeat 2000]
Prints median and 99th-percentile microseconds per comment (reasons included).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderator.comment import Comment  # noqa: E402
from moderator.spam import load_spam_model  # noqa: E402

SAMPLES = [
    Comment(content="Thanks for this, the second example finally made decorators click for me."),
    Comment(
        content="Great article, very informative! Check my site https://cheap-meds.xyz for "
        "discount pills, or WhatsApp +1 (555) 201-4477.",
        author="Best Back Brace 2024",
        author_url="https://cheap-meds.xyz",
    ),
    Comment(
        content="I tried this on my old laptop and it failed at step 3 with a permission error. "
        "Turned out the folder was owned by root; after chown it worked. Might be worth a note "
        "in the post for people on older setups. Otherwise a really clear guide, thank you!",
        post_title="Setting up a Python environment",
    ),
    Comment(content="ok"),
]


def main() -> None:
    """Score the sample comments many times and print the latency figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=ROOT / "models")
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    model = load_spam_model(args.model_dir)
    for comment in SAMPLES:  # warm caches, as a running server would be
        model.score(comment)
    timings = []
    for i in range(args.repeat):
        comment = SAMPLES[i % len(SAMPLES)]
        start = time.perf_counter()
        model.score(comment)
        timings.append((time.perf_counter() - start) * 1e6)
    timings.sort()
    p99 = timings[int(0.99 * (len(timings) - 1))]
    print(f"model {model.version}: {len(timings)} scores")
    print(f"median {statistics.median(timings):.0f} us, p99 {p99:.0f} us per comment")
    for comment in SAMPLES:
        start = time.perf_counter()
        for _ in range(200):
            model.score(comment)
        each = (time.perf_counter() - start) / 200 * 1e6
        print(f"  {len(comment.content):4d} chars: {each:.0f} us")
    cold = Comment(content="Brand new words never cached: zyxwvut qponmlk " * 3)
    start = time.perf_counter()
    model.score(cold)
    print(f"uncached vocabulary: {(time.perf_counter() - start) * 1e6:.0f} us")


if __name__ == "__main__":
    main()
