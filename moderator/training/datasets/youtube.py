"""The UCI YouTube Spam Collection (TubeSpam): five videos' comments, spam or ham."""

from __future__ import annotations

import re

from moderator.core.comment import Comment
from moderator.training.datasets.corpus import LabelledComment, csv_rows

PATTERNS = ("Youtube*.csv", "youtube*.csv")
COLUMNS = ("CONTENT", "CLASS")
VIDEO = re.compile(r"Youtube\d+-(?P<video>[^.]+)\.csv$", re.I)


def load_youtube(path) -> list[LabelledComment]:
    """Load the UCI YouTube Spam Collection: one ``YoutubeNN-Name.csv`` or a folder of them.

    DATE is dropped on purpose: it is empty on every spam row of the Eminem file.
    """
    items = []
    for file, row in csv_rows(path, PATTERNS, COLUMNS, "YouTube Spam Collection"):
        match = VIDEO.search(file.name)
        video = match.group("video") if match else file.stem
        items.append(
            LabelledComment(
                comment=Comment(
                    content=row["CONTENT"] or "",
                    author=row.get("AUTHOR") or "",
                    external_id=row.get("COMMENT_ID") or "",
                    comment_type="comment",
                ),
                spam=(row["CLASS"] or "").strip() == "1",
                source=f"youtube:{video}",
                group=f"youtube:{video}",
            )
        )
    return items
