"""How much memory and time importing a large WordPress export takes.

Writes a synthetic WXR export of about SIZE megabytes (posts of 50 comments, each
post with a long body, as real exports have), then:

1. reads it whole as `moderator import-wxr` does before storing anything, and prints
   the time and the process's peak resident memory before and after;
2. with --store N, imports its first N comments into a new SQLite database with the
   shipped models, and prints comments per second (scoring dominates).

    python bench/import_memory.py [--size 50] [--store 2000]

Not part of the test suite; timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderator import imports  # noqa: E402

HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Bench blog</title><wp:wxr_version>1.2</wp:wxr_version>
"""
COMMENT = """<wp:comment><wp:comment_id>{n}</wp:comment_id>
<wp:comment_author><![CDATA[Reader {n}]]></wp:comment_author>
<wp:comment_author_email><![CDATA[reader{n}@example.org]]></wp:comment_author_email>
<wp:comment_author_IP><![CDATA[192.0.2.{ip}]]></wp:comment_author_IP>
<wp:comment_date_gmt><![CDATA[2019-05-0{day} 10:00:00]]></wp:comment_date_gmt>
<wp:comment_content><![CDATA[{text}]]></wp:comment_content>
<wp:comment_approved><![CDATA[{status}]]></wp:comment_approved>
<wp:comment_type><![CDATA[comment]]></wp:comment_type>
<wp:comment_parent>0</wp:comment_parent></wp:comment>
"""
TEXTS = (
    "Thanks for the clear write-up, the second step fixed it for me. ",
    "Best casino bonus online, visit our site for free spins today! ",
    "Did you try this with the older version as well? Mine fails at step 3. ",
)
STATUSES = ("1", "spam", "1", "0", "trash")


def write_export(path: Path, megabytes: float) -> int:
    """Write a synthetic export of about `megabytes`; return how many comments it holds."""
    target, number, post = megabytes * 1_000_000, 0, 0
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEAD)
        while out.tell() < target:
            post += 1
            out.write(f"<item><title>Post {post}</title><wp:post_id>{post}</wp:post_id>")
            out.write(f"<content:encoded><![CDATA[{'Body text. ' * 400}]]></content:encoded>")
            for _ in range(50):
                number += 1
                out.write(
                    COMMENT.format(
                        n=number,
                        ip=number % 250,
                        day=1 + number % 9,
                        text=TEXTS[number % 3] * 3,
                        status=STATUSES[number % 5],
                    )
                )
            out.write("</item>\n")
        out.write("</channel></rss>\n")
    return number


def peak_mb() -> float:
    """The process's peak resident memory so far, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Write the export, read it, optionally store part of it, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=50, help="export size in MB")
    parser.add_argument("--store", type=int, default=0, help="also import this many comments")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.xml"
        written = write_export(path, args.size)
        size = path.stat().st_size / 1_000_000
        before = peak_mb()
        start = time.perf_counter()
        count = imports.check_file(imports.read_wxr, path)
        seconds = time.perf_counter() - start
        print(f"export: {size:.1f} MB, {count} comments (written {written})")
        print(
            f"read whole: {seconds:.1f} s; peak memory {before:.0f} MB before, "
            f"{peak_mb():.0f} MB after"
        )
        if args.store:
            store(path, folder, args.store)


def store(path: Path, folder: str, limit: int) -> None:
    """Import the export's first `limit` comments into a new SQLite database and time it."""
    from moderator import create_app, storage
    from moderator.db import get_session

    app = create_app({"DATABASE_URL": f"sqlite:///{folder}/bench.db", "INSTANCE_PATH": folder})
    with app.app_context():
        session = get_session()
        site, _ = storage.create_site(session, "https://bench.example", "Bench")
        rows = islice(imports.read_wxr(path), limit)
        start = time.perf_counter()
        report = imports.import_rows(
            session, site, rows, app.extensions["moderator.models"], actor="bench"
        )
        seconds = time.perf_counter() - start
    print(
        f"stored {report.added} comments in {seconds:.1f} s "
        f"({report.added / seconds:.0f} a second, shipped models, SQLite); "
        f"peak memory {peak_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
