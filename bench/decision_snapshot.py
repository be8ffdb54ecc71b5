"""Snapshot the decision on every comment we hold, and compare two snapshots.

A refactoring must not change a single decision. Run `write` before and after the
change (each run loads the models in `models/`), then `compare`:

    python bench/decision_snapshot.py write /tmp/before.jsonl.gz
    ... change the code ...
    python bench/decision_snapshot.py write /tmp/after.jsonl.gz
    python bench/decision_snapshot.py compare /tmp/before.jsonl.gz /tmp/after.jsonl.gz

It reads `training_data/` and, when present, every corpus in `../shared/datasets`
(the Stack Exchange titles one in twenty, the cooking titles one in three, the C3
comments one in two, to keep a run near two minutes). Prints how many decisions differ
in each field, with one example each; exits 1 when any differs.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"
#: Comments decided together: small enough to take the path one API request takes.
BATCH = 8
#: Shared CSV corpora: (file pattern, text column, keep one row in N).
CSV_CORPORA = {
    "youtube-spam-collection": ("*.csv", "CONTENT", 1),
    "scamspot-instagram-scam-comments": ("*.csv", "text", 1),
    "smokedetector-se-titles": ("*.csv", "text", 20),
    "cooking-se-titles": ("*.csv", "title", 3),
    "c3-constructive-comments": ("*.csv", "comment_text", 2),
    "covid-q": ("*.csv", "Question", 1),
    "medicationqa": ("*.csv", "Question", 1),
}
#: Shared JSON-lines corpora: the field holding the text.
JSONL_CORPORA = {
    "kqa-patient-questions": "Question",
    "covid-dialogue-en": "first_patient_turn",
    "meqsum": "question",
}


def comments(root: Path, shared: Path) -> Iterator[tuple[str, dict]]:
    """Yield (source, comment fields) for every comment of our corpus and the shared ones."""
    for file in sorted((root / "training_data").glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                yield file.name, {k: v for k, v in record.items() if isinstance(v, str)}
    if not shared.is_dir():
        return
    csv.field_size_limit(1 << 24)
    for folder, (pattern, column, every) in CSV_CORPORA.items():
        for file in sorted((shared / folder).glob(pattern)):
            with open(file, encoding="utf-8-sig", newline="") as handle:
                for number, row in enumerate(csv.DictReader(handle)):
                    if number % every == 0 and row.get(column):
                        yield f"{folder}/{file.name}", {"content": row[column]}
    for folder, field in JSONL_CORPORA.items():
        for file in sorted((shared / folder).glob("*.jsonl")):
            for line in file.read_text(encoding="utf-8").splitlines():
                text = json.loads(line).get(field) if line.strip() else None
                if isinstance(text, str):
                    yield f"{folder}/{file.name}", {"content": text}
    plain = (
        ("sms-spam-collection/SMSSpamCollection", "utf-8", "\t"),
        ("trec-question-classification/train_5500.label", "iso-8859-1", " "),
    )
    for name, encoding, separator in plain:
        with open(shared / name, encoding=encoding) as handle:
            for line in handle:
                yield name, {"content": line.split(separator, 1)[-1].rstrip("\n")}


def write(out: Path, root: Path, shared: Path) -> None:
    """Decide every comment with the models in `root/models` and write one line each."""
    from moderator.core.comment import Comment
    from moderator.core.decision import decide_many
    from moderator.core.settings import SiteSettings
    from moderator.models import load_models

    models = load_models(root / "models")
    site = SiteSettings()
    batch: list[tuple[str, dict]] = []
    count = 0
    with gzip.open(out, "wt", encoding="utf-8") as handle:

        def flush() -> None:
            decided = decide_many([Comment.from_mapping(f) for _, f in batch], site, models)
            for (source, fields), decision in zip(batch, decided, strict=True):
                key = hashlib.sha1(json.dumps(fields, sort_keys=True).encode()).hexdigest()
                line = {"source": source, "key": key[:16], "decision": decision.to_dict()}
                handle.write(json.dumps(line, sort_keys=True) + "\n")
            batch.clear()

        for item in comments(root, shared):
            batch.append(item)
            count += 1
            if len(batch) == BATCH:
                flush()
        if batch:
            flush()
    print(f"{count} decisions written to {out}")


def _read(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def compare(before: Path, after: Path) -> int:
    """Print which decision fields differ between two snapshots; return the exit code."""
    left, right = _read(before), _read(after)
    if [row["key"] for row in left] != [row["key"] for row in right]:
        print(f"the snapshots hold different comments ({len(left)} and {len(right)})")
        return 1
    differ: dict[str, int] = {}
    example: dict[str, tuple] = {}
    for old, new in zip(left, right, strict=True):
        a, b = old["decision"], new["decision"]
        for field in sorted(set(a) | set(b)):
            if a.get(field) != b.get(field):
                differ[field] = differ.get(field, 0) + 1
                example.setdefault(field, (old["source"], a.get(field), b.get(field)))
    print(f"{len(left)} decisions compared; {'none' if not differ else 'some'} differ")
    for field, count in sorted(differ.items()):
        print(f"  {field}: {count} differ, e.g. {str(example[field])[:600]}")
    return 1 if differ else 0


def main() -> int:
    """Parse the command line and run `write` or `compare`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    writer = commands.add_parser("write", help="decide every comment and write a snapshot")
    writer.add_argument("out", type=Path)
    writer.add_argument("--root", type=Path, default=ROOT)
    writer.add_argument("--shared", type=Path, default=SHARED)
    comparer = commands.add_parser("compare", help="compare two snapshots")
    comparer.add_argument("before", type=Path)
    comparer.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "write":
        write(args.out, args.root, args.shared)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
