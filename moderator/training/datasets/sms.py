"""The SMS Spam Collection: ``label<TAB>text`` lines, for variety (SMS are not comments)."""

from __future__ import annotations

from moderator.core.comment import Comment
from moderator.training.datasets.corpus import DatasetError, LabelledComment, files_in

PATTERNS = ("SMSSpamCollection*",)


def load_sms(path) -> list[LabelledComment]:
    """Load the SMS Spam Collection (``label<TAB>text``), keeping the first of repeated texts."""
    items = []
    seen = set()
    for file in files_in(path, PATTERNS):
        with open(file, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                line = line.rstrip("\r\n")
                if not line:
                    continue
                label, sep, text = line.partition("\t")
                if not sep or label not in {"ham", "spam"}:
                    raise DatasetError(f"{file}:{number}: expected 'ham|spam<TAB>text'")
                if text in seen:
                    continue
                seen.add(text)
                items.append(
                    LabelledComment(
                        comment=Comment(content=text),
                        spam=label == "spam",
                        source="sms",
                        group="sms",
                    )
                )
    return items
