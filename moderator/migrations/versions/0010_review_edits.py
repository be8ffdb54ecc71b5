"""what the review page remembers per user: its layout and page size

* `users.preferences`: a JSON object, by page (`{"review": {"layout": "list",
  "per_page": 100}}`), so the choice follows the user to every browser and app server.

Quick edits and Check again need no table: the event log keeps their before and after.
Downgrading drops the column.

Revision ID: 0010_review_edits
Revises: 0009_webhooks
Create Date: 2026-12-07 19:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_review_edits"
down_revision = "0009_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("preferences", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("preferences")
