"""Our own corpus (``training_data/``): one JSON object a line with API field names and labels."""

from __future__ import annotations

from moderator.core.comment import Comment
from moderator.training.datasets.corpus import (
    DatasetError,
    LabelledComment,
    bool_or_none,
    json_lines,
)

PATTERNS = ("*.jsonl",)


def load_jsonl(path) -> list[LabelledComment]:
    """Load our training_data format: one JSON object a line with API field names and labels.

    A folder loads every ``*.jsonl`` in it. `group` is the spam/genuine family when the
    line names one (so grouped validation holds out whole families), else the file stem.
    """
    items = []
    for file, number, record in json_lines(path, PATTERNS):
        if not isinstance(record, dict) or not isinstance(record.get("content"), str):
            raise DatasetError(f"{file}:{number}: expected an object with 'content'")
        fields = dict(record)
        if "id" in fields and "external_id" not in fields:
            fields["external_id"] = fields["id"]
        family = str(record.get("family") or "").strip()
        items.append(
            LabelledComment(
                comment=Comment.from_mapping(fields),
                spam=bool_or_none(record.get("spam")),
                medical_question=bool_or_none(record.get("medical_question")),
                urgent=bool_or_none(record.get("urgent")),
                source=f"ours:{file.name}",
                group=f"ours:{family}" if family else f"ours:{file.stem}",
            )
        )
    return items
