"""what the site rules look up: a fingerprint of each comment's text, and indexes

* `comments.content_hash`: sha256 of the comment's normalised text (case and accents
  folded, whitespace collapsed; `moderator.core.comment.content_fingerprint`), indexed
  with the time received, so "the same text within the duplicate window, on this site
  or any" is one indexed query. Existing comments get theirs here.
* an index on (site_id, user_ip, received_at) for "comments from this IP in the last
  hour".

Downgrading drops both.

Revision ID: 0006_site_rules
Revises: 0005_utc_timestamps
Create Date: 2026-12-07 17:30:00.000000
"""

import hashlib
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0006_site_rules"
down_revision = "0005_utc_timestamps"
branch_labels = None
depends_on = None

#: Comments fingerprinted per statement batch.
BATCH = 500

comments = sa.table(
    "comments",
    sa.column("id", sa.Integer),
    sa.column("content", sa.Text),
    sa.column("content_hash", sa.String(64)),
)


def upgrade() -> None:
    op.add_column("comments", sa.Column("content_hash", sa.String(64), nullable=True))
    op.create_index("ix_comments_content_hash", "comments", ["content_hash", "received_at"])
    op.create_index("ix_comments_site_ip", "comments", ["site_id", "user_ip", "received_at"])
    _fingerprint_existing(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_comments_site_ip", table_name="comments")
    op.drop_index("ix_comments_content_hash", table_name="comments")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("content_hash")


def _fingerprint_existing(connection) -> None:
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(comments.c.id, comments.c.content)
            .where(comments.c.id > last_id)
            .order_by(comments.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        last_id = rows[-1].id
        for row in rows:
            connection.execute(
                comments.update()
                .where(comments.c.id == row.id)
                .values(content_hash=_fingerprint(row.content or ""))
            )


def _fingerprint(content: str) -> str:
    """The fingerprint as this revision defines it (a copy: migrations do not follow code)."""
    decomposed = unicodedata.normalize("NFKD", content)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = unicodedata.normalize("NFKC", bare).casefold()
    normalised = " ".join(folded.split())
    return hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()
