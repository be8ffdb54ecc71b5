"""Time the review queue page's server side with 200 comments on one page.

Usage: .venv/bin/python bench/review_page.py [--comments 600] [--repeat 20] [--database-url URL]
Stores a few hundred comments (replies among them, authors that repeat by e-mail, by
name and IP, and anonymous ones, each with reasons, as the stub models decide them),
logs in, and renders /review/?queue=all with 200 per page in the compact list and in
cards. Prints the median and slowest wall time and the median CPU time in milliseconds,
measured around the request in the test client (server time: no network, no browser;
the CPU time is what the request itself cost, steadier on a busy machine). The target
is under 300 ms. A throwaway SQLite database is used unless --database-url names another (it
must be empty or at the newest schema).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderator import create_app, storage  # noqa: E402
from moderator.core.comment import Comment  # noqa: E402
from moderator.core.decision import decide  # noqa: E402
from moderator.core.settings import SiteSettings  # noqa: E402
from moderator.db import get_session  # noqa: E402
from tests.stubs import stub_models  # noqa: E402

PASSWORD = "correct horse battery staple"
TEXTS = (
    "Nice post, visit my shop spam=0.6 number {n}",
    "Thanks, step {n} finally made the migration click for me.",
    "Is it safe to take ibuprofen with my medical condition? ({n})",
    "Cheap pills at http://pills.example.top spam=0.95 {n}",
)


def _author(n: int) -> dict:
    kind = n % 4
    if kind == 0:
        return {"author": f"Reader {n % 37}", "author_email": f"r{n % 37}@example.org"}
    if kind == 1:
        return {"author": f"Guest {n % 11}", "user_ip": f"198.51.100.{n % 11}"}
    if kind == 2:
        return {"author": "", "user_ip": f"203.0.113.{n % 5}"}
    return {"author": "", "author_email": ""}


def _fill(app, site_id: int, count: int) -> None:
    with app.app_context():
        db = get_session()
        site = storage.get_site(db, site_id)
        models = app.extensions["moderator.models"]
        for n in range(count):
            comment = Comment(
                content=TEXTS[n % len(TEXTS)].format(n=n),
                external_id=f"wp-{n}",
                parent_id=f"wp-{n - 1}" if n % 3 == 0 and n else "",
                post_id=f"post-{n % 9}",
                post_title=f"Post {n % 9}",
                **_author(n),
            )
            decision = decide(comment, SiteSettings(), models)
            storage.add_comment(db, site, comment, decision, raw={}, actor="bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="review-page-") as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        app = create_app(
            {"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": folder},
            models=stub_models(),
        )
        with app.app_context():
            db = get_session()
            site, _ = storage.create_site(db, "https://blog.example", "Bench blog")
            site_id = site.id
            storage.create_user(db, "bench", PASSWORD, "moderator", [site])
        _fill(app, site_id, args.comments)
        client = app.test_client()
        page = client.get("/review/login").text
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        client.post(
            "/review/login", data={"name": "bench", "password": PASSWORD, "csrf_token": token}
        )
        print(
            f"{args.comments} comments stored; /review/?queue=all&per_page=200, {url.split(':')[0]}"
        )
        for layout in ("list", "cards"):
            client.post("/review/preferences", data={"csrf_token": token, "layout": layout})
            times, cpu, cards = [], [], 0
            for _ in range(args.repeat + 1):
                started, used = time.perf_counter(), time.process_time()
                response = client.get("/review/?queue=all&per_page=200")
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - used)
                cards = response.text.count('<article class="card')
            # The first request compiles the templates.
            times, cpu = times[1:], cpu[1:]
            print(
                f"{layout:>5}: {cards} comments on the page; wall median "
                f"{statistics.median(times) * 1000:.0f} ms (slowest {max(times) * 1000:.0f}), "
                f"CPU median {statistics.median(cpu) * 1000:.0f} ms over {len(times)} requests"
                " (target < 300 ms)"
            )
        app.extensions["moderator.engine"].dispose()


if __name__ == "__main__":
    main()
