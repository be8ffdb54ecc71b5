"""the model registry: every trained model version, and which sites are trusted

* `model_versions`: one row per trained model (a site's own layer, or the shared one
  when `site_id` is NULL): its file, its bytes and card (the model folder of every
  server is a cache of them) and sha256, its state (candidate, active, refused,
  retired) with the reason, the labels it learned from, the gate's figures and its
  promotion history.
* `sites.trusted`: whether a site's labels train the shared model (default false).

Downgrading drops both.

Revision ID: 0008_model_registry
Revises: 0007_label_snapshots
Create Date: 2026-12-07 19:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_model_registry"
down_revision = "0007_label_snapshots"
branch_labels = None
depends_on = None

STATES = "state IN ('candidate', 'active', 'refused', 'retired')"


def upgrade() -> None:
    # A plain ADD COLUMN: rebuilding `sites` in batch mode would, on SQLite with foreign
    # keys on, cascade the drop of the old table to every comment of every site.
    op.add_column(
        "sites", sa.Column("trusted", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column(
            "site_id", sa.Integer(), sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("version", sa.String(100), nullable=False, unique=True),
        sa.Column("file", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("artifact", sa.LargeBinary(), nullable=True),
        sa.Column("card", sa.JSON(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("trained_from", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(STATES, name="ck_state_valid"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_model_versions_name_site", "model_versions", ["name", "site_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_model_versions_name_site", table_name="model_versions")
    op.drop_table("model_versions")
    op.drop_column("sites", "trusted")  # native on SQLite 3.35+, for the same reason
