"""What every loader shares: the labelled comment, the error, file and row reading, duplicates."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from moderator.core.comment import Comment


@dataclass(frozen=True)
class LabelledComment:
    """A comment with its labels; `None` means the label is unknown for this corpus.

    `source` names the corpus (the part before ":" is the corpus family, see
    `training.common.corpus_of`); `group` keeps together what must not be split between
    training and evaluation (a video, an account, a phone number, an article).
    """

    comment: Comment
    spam: bool | None
    medical_question: bool | None = None
    urgent: bool | None = None
    source: str = ""
    group: str = ""


class DatasetError(ValueError):
    """A dataset file is missing, of an unknown format or malformed."""


def bool_or_none(value) -> bool | None:
    """Read a label: true/false/1/0/"yes"/"no"/"spam"/"ham", anything else is unknown."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes", "spam"}:
            return True
        if lowered in {"0", "false", "no", "ham"}:
            return False
    return None


def files_in(path, patterns: Sequence[str]) -> list[Path]:
    """Return `path` itself or the files in a folder matching any glob, sorted."""
    path = Path(path)
    if path.is_file():
        return [path]
    if path.is_dir():
        found = sorted({f for pattern in patterns for f in path.glob(pattern) if f.is_file()})
        if found:
            return found
        raise DatasetError(f"{path} holds no {' or '.join(patterns)} files")
    raise DatasetError(f"dataset {path} does not exist")


def json_lines(path, patterns: Sequence[str]) -> Iterator[tuple[Path, int, object]]:
    """Yield (file, line number, parsed object) for every non-blank line of JSONL files."""
    for file in files_in(path, patterns):
        with open(file, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield file, number, json.loads(line)
                except ValueError as exc:
                    raise DatasetError(f"{file}:{number}: not JSON ({exc})") from exc


def json_records(path, patterns: Sequence[str], required: Sequence[str], what: str):
    """Yield (file, line number, object) for JSONL lines, refusing a line without `required`."""
    for file, number, record in json_lines(path, patterns):
        if not isinstance(record, dict) or any(key not in record for key in required):
            raise DatasetError(f"{file}:{number}: not a {what} line (needs {', '.join(required)})")
        yield file, number, record


def csv_rows(path, patterns: Sequence[str], required: Sequence[str], what: str):
    """Yield (file, row) from CSV files with a header, refusing files missing a column.

    Read with the csv module (fields may span lines); a UTF-8 byte-order mark is ignored.
    """
    for file in files_in(path, patterns):
        with open(file, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [name for name in required if name not in (reader.fieldnames or ())]
            if missing:
                raise DatasetError(f"{file}: not a {what} CSV (no {', '.join(missing)} column)")
            try:
                for row in reader:
                    yield file, row
            except csv.Error as exc:
                raise DatasetError(f"{file}:{reader.line_num}: bad CSV ({exc})") from exc


def csv_header(file: Path) -> list[str]:
    """Return the column names of a CSV file ([] when it has none)."""
    with open(file, encoding="utf-8-sig", newline="") as handle:
        try:
            return next(csv.reader(handle), [])
        except (csv.Error, UnicodeDecodeError):
            return []


def slug(text: str) -> str:
    """Return a short lower-case name for a file or site: ``Spammy Titles`` -> ``spammy-titles``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def content_key(text: str) -> str:
    """Return the text as compared for duplicates: case, spacing and markup ignored."""
    from moderator.text.tokens import normalise

    return re.sub(r"\W+", " ", normalise(text).lower()).strip()


def deduplicate(items: Iterable[LabelledComment]) -> list[LabelledComment]:
    """Keep the first comment of every repeated text (and drop texts labelled both ways)."""
    labels: dict[str, set] = {}
    items = list(items)
    for item in items:
        labels.setdefault(content_key(item.comment.content), set()).add(item.spam)
    kept, seen = [], set()
    for item in items:
        key = content_key(item.comment.content)
        if key in seen or len(labels[key]) > 1:
            continue
        seen.add(key)
        kept.append(item)
    return kept


def first_of_each_text(items: Iterable[LabelledComment]) -> list[LabelledComment]:
    """Keep the first comment of every repeated text, whatever its labels (one corpus)."""
    kept, seen = [], set()
    for item in items:
        key = content_key(item.comment.content)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept


def question_comment(text: str, external_id: str = "") -> Comment:
    """Return a corpus question as a comment: only its text and id are known."""
    return Comment(content=text, external_id=external_id, comment_type="comment")
