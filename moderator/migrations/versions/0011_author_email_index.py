"""an index for comparing e-mail addresses whatever their case

* `ix_comments_site_author_email_lower` on `comments (site_id, lower(author_email))`:
  the approved-author rule runs on every new comment and compares lower-cased
  addresses, which the plain `(site_id, author_email)` index cannot serve, so on a site
  with many comments each decision read every one of them. The review page's e-mail
  filter uses it too. The plain index stays for exact matches (the Akismet
  submit-spam/submit-ham lookup).

On PostgreSQL the index is built CONCURRENTLY, outside the migration's transaction: the
servers of a rolling upgrade keep storing comments while it builds, where a plain
CREATE INDEX would hold back every write to the comments table until it ends. If that
build fails it leaves an invalid index behind; the rerun drops it and builds it again.

Downgrading drops the index.

Revision ID: 0011_author_email_index
Revises: 0010_review_edits
Create Date: 2026-12-08 00:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_author_email_index"
down_revision = "0010_review_edits"
branch_labels = None
depends_on = None


INDEX = "ix_comments_site_author_email_lower"


def upgrade() -> None:
    columns = ["site_id", sa.text("lower(author_email)")]
    if op.get_bind().dialect.name != "postgresql":
        op.create_index(INDEX, "comments", columns)
        return
    with op.get_context().autocommit_block():
        op.drop_index(INDEX, table_name="comments", postgresql_concurrently=True, if_exists=True)
        op.create_index(INDEX, "comments", columns, postgresql_concurrently=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="comments")
