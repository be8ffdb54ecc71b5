"""How long the site rules take per comment, off and with a heavy site's settings.

Prints microseconds per comment for `apply_rules` alone (the models are not run): with
every check off, and with 1,000 block words, 1,000 hold words, 1,000 deny-list networks,
e-mails and domains, and the other checks on. Never part of the test suite.

    PYTHONPATH=. .venv/bin/python bench/site_rules.py
"""

from __future__ import annotations

import random
import time

from moderator.core.comment import Comment
from moderator.core.history import History
from moderator.core.rules import apply_rules
from moderator.core.settings import SiteSettings

COMMENTS = 2000


def comments(rng: random.Random) -> list[Comment]:
    words = "the post helped me a lot thanks for sharing café naïve recipe garden".split()
    return [
        Comment(
            " ".join(rng.choice(words) for _ in range(rng.randint(10, 200))),
            author=f"Reader {n}",
            author_email=f"reader{n}@example.org",
            author_url=f"https://reader{n}.example.net/about",
            user_ip=f"198.51.{n % 250}.{n % 200}",
            user_agent="Mozilla/5.0 (X11; Linux x86_64)",
            language="en",
        )
        for n in range(COMMENTS)
    ]


def heavy() -> SiteSettings:
    return SiteSettings.parse(
        {
            "block_words": [f"blockword{n}" for n in range(1000)],
            "hold_words": [f"holdword{n}" for n in range(1000)],
            "deny": {
                "ips": [f"10.{n // 250}.{n % 250}.0/24" for n in range(1000)],
                "emails": [f"spammer{n}@spam.example" for n in range(1000)],
                "domains": [f"spam{n}.example" for n in range(1000)],
            },
            "hold_links_at": 2,
            "min_submit_seconds": 3,
            "duplicate_window_hours": 24,
            "max_per_ip_per_hour": 10,
            "languages": ["en", "de"],
        }
    )


def per_comment(settings: SiteSettings, batch: list[Comment]) -> float:
    history = History(ip_comments_last_hour=1)
    start = time.perf_counter()
    for comment in batch:
        apply_rules(comment, settings, history)
    return (time.perf_counter() - start) / len(batch) * 1e6


def main() -> None:
    batch = comments(random.Random(0))
    print(f"{COMMENTS} comments of 10-200 words")
    print(f"every check off:  {per_comment(SiteSettings(), batch):8.1f} µs per comment")
    print(f"heavy settings:   {per_comment(heavy(), batch):8.1f} µs per comment")


if __name__ == "__main__":
    main()
