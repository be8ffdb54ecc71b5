"""ScamSpot: real Instagram comments under finance and crypto accounts, scam (spam) or real."""

from __future__ import annotations

from moderator.core.comment import Comment
from moderator.training.datasets.corpus import LabelledComment, bool_or_none, csv_rows

PATTERNS = ("*.csv",)
COLUMNS = ("comment_id", "text", "label", "account")
#: The ``source`` column of the rows scraped with their metadata; the others are the
#: 142 "reported" rows added later, in their original case and without an account.
SCRAPED = "comments_extracted.json"


def load_scamspot(path) -> list[LabelledComment]:
    """Load ScamSpot's labelled comments; `group` is the account commented on.

    The scraped rows were lower-cased by the corpus author's tooling and the 142
    "reported" rows (138 of them scam) were not, so case alone would tell the label: the
    reported rows are lower-cased here too. They have no account and form the group
    ``scamspot:reported``.
    """
    items = []
    for _file, row in csv_rows(path, PATTERNS, COLUMNS, "ScamSpot"):
        text = row["text"] or ""
        scraped = (row.get("source") or SCRAPED) == SCRAPED
        account = (row["account"] or "").strip()
        items.append(
            LabelledComment(
                comment=Comment(
                    content=text if scraped else text.lower(),
                    external_id=row["comment_id"] or "",
                    post_id=row.get("media_id") or "",
                    comment_type="comment",
                ),
                spam=bool_or_none(row["label"]),
                source="scamspot",
                group=f"scamspot:{account or 'reported'}",
            )
        )
    return items
