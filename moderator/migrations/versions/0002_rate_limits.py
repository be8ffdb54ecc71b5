"""rate limits

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 06:12:27.125066
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "rate_limits",
        sa.Column("bucket", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window_start"),
    )


def downgrade() -> None:

    op.drop_table("rate_limits")
