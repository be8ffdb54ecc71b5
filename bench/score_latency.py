"""Time in-process scoring of one comment (latency; for throughput, in batches too, see
bench/decision_speed.py): the spam model, the medical model with its
triage, and the whole decision (rules, both models, thresholds) that the API returns.

Usage: .venv/bin/python bench/score_latency.py [--model-dir models] [--repeat 2000]
Prints median and 99th-percentile microseconds per comment (reasons included). The
per-comment text caches (normalised text, sentence cues) are cleared before every timed
call, so a repeated sample costs what a new comment would; the token-hash cache stays
warm, as it is in a running server. Last, the whole decision on comments shaped to make
regular expressions backtrack, each as long as the API accepts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderator.core.comment import Comment  # noqa: E402
from moderator.core.decision import decide  # noqa: E402
from moderator.core.settings import SiteSettings  # noqa: E402
from moderator.medical.features import neutral_text  # noqa: E402
from moderator.medical.question import CueMatcher  # noqa: E402
from moderator.medical.triage import triage  # noqa: E402
from moderator.models import load_models  # noqa: E402
from moderator.text.tokens import clean_text, normalise  # noqa: E402

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


def forget_texts() -> None:
    """Clear the per-comment caches, so the next call scores the text afresh."""
    for cached in (normalise, clean_text, neutral_text, CueMatcher._analyse):
        cached.cache_clear()


def time_calls(call, repeat: int) -> list[float]:
    """Return sorted microseconds of `call(comment)` over the samples, caches cleared."""
    for comment in SAMPLES:  # warm the token-hash cache, as a running server would be
        call(comment)
    timings = []
    for i in range(repeat):
        comment = SAMPLES[i % len(SAMPLES)]
        forget_texts()
        start = time.perf_counter()
        call(comment)
        timings.append((time.perf_counter() - start) * 1e6)
    return sorted(timings)


def report(name: str, timings: list[float]) -> None:
    """Print the median and 99th percentile of one timing series."""
    p99 = timings[int(0.99 * (len(timings) - 1))]
    print(f"{name}: median {statistics.median(timings):.0f} us, p99 {p99:.0f} us per comment")


#: Comments shaped to make regular expressions backtrack, each as long as the API allows.
PATHOLOGICAL = {
    "digits": "1" * 64000,
    "digit-dash": "1-" * 32000,
    "digit-dot": "1." * 32000,
    "letter-dot": "a." * 32000,
    "spaced digits": "1 " * 32000,
    "label dot word": "ab dot " * 9000,
    "at-dot": "a@a." * 16000,
    "question story": "Why? My knee hurts, is that normal? " * 1700,
    "tags": "<a href=x>" * 6000,
    "unclosed tags": "<a href=x " * 6400,
    "timestamp link": '<a href="//youtube.com/watch?t=1s' + "&t=1s" * 12800,
    "negated pairs": "no chest pain " * 4500 + "?",
    # one long clause of many candidate pairs, each checked for negation and for a date
    "clause of pairs": ("gaunt " * 40 + "unexplained fine " * 40 + "xyz " * 1000 + "help? ") * 12,
    "also partners": "i'm burning up " + "selka ok " * 7000,
    "mixed": "x1.-_@(+) " * 6000,
}


def worst_cases(site, models) -> None:
    """Print the whole decision's time on each pathological comment (one call each)."""
    for name, content in PATHOLOGICAL.items():
        comment = Comment(content=content, author=content[:200], author_url=content[:500])
        forget_texts()
        start = time.perf_counter()
        decide(comment, site, models)
        print(
            f"  worst case {name:15} {len(content):6d} chars: {time.perf_counter() - start:.3f} s"
        )


def main() -> None:
    """Score the sample comments many times and print the latency figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=ROOT / "models")
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    models = load_models(args.model_dir)
    site = SiteSettings()
    print(f"models {models.spam.version}, {models.medical.version}; {args.repeat} calls each")
    threshold = float(models.medical.card["threshold"])

    def medical_triage(comment: Comment):
        """Score one comment with the medical model and triage it, as the decision does."""
        return triage(comment, models.medical.score_many([comment])[0], threshold)

    report("spam model", time_calls(lambda c: models.spam.score_many([c]), args.repeat))
    report("medical triage", time_calls(medical_triage, args.repeat))
    report("whole decision", time_calls(lambda c: decide(c, site, models), args.repeat))
    for comment in SAMPLES:
        start = time.perf_counter()
        for _ in range(200):
            forget_texts()
            decide(comment, site, models)
        each = (time.perf_counter() - start) / 200 * 1e6
        print(f"  whole decision, {len(comment.content):4d} chars: {each:.0f} us")
    cold = Comment(content="Brand new words never cached: zyxwvut qponmlk " * 3)
    start = time.perf_counter()
    decide(cold, site, models)
    print(f"whole decision, uncached vocabulary: {(time.perf_counter() - start) * 1e6:.0f} us")
    worst_cases(site, models)


if __name__ == "__main__":
    main()
