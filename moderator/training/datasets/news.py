"""C3, the Constructive Comments Corpus: Globe and Mail readers' comments, all genuine."""

from __future__ import annotations

from moderator.core.comment import Comment
from moderator.training.datasets.corpus import LabelledComment, csv_rows

PATTERNS = ("*.csv",)
COLUMNS = ("article_id", "comment_text")


def load_c3(path) -> list[LabelledComment]:
    """Load C3's comments as genuine (``spam=False``), grouped by the article they answer.

    ``comment_text`` is read, never ``pp_comment_text`` (a tokenised copy of it).
    `medical_question` stays unknown: a few comments may ask a health question, and no
    one labelled that.
    """
    return [
        LabelledComment(
            comment=Comment(
                content=row["comment_text"] or "",
                external_id=row.get("comment_counter") or "",
                post_id=row["article_id"] or "",
                comment_type="comment",
            ),
            spam=False,
            source="c3",
            group=f"c3:{(row['article_id'] or '').strip()}",
        )
        for _file, row in csv_rows(path, PATTERNS, COLUMNS, "C3")
    ]
