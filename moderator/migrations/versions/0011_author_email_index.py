"""an index for comparing e-mail addresses whatever their case

* `ix_comments_site_author_email_lower` on `comments (site_id, lower(author_email))`:
  the approved-author rule runs on every new comment and compares lower-cased
  addresses, which the plain `(site_id, author_email)` index cannot serve, so on a site
  with many comments each decision read every one of them. The review page's e-mail
  filter uses it too. The plain index stays for exact matches (the Akismet
  submit-spam/submit-ham lookup).

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


def upgrade() -> None:
    op.create_index(
        "ix_comments_site_author_email_lower",
        "comments",
        ["site_id", sa.text("lower(author_email)")],
    )


def downgrade() -> None:
    op.drop_index("ix_comments_site_author_email_lower", table_name="comments")
