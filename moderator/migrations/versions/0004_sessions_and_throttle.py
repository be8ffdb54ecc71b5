"""server-side sessions, disabled accounts, per-address throttling

Sessions move into `user_sessions` (the cookie keeps only a random token), so they can be
ended on every app server at once. Accounts gain `disabled_at`. Account lock-out
(`failed_logins`, `locked_until`) gives way to per-address throttling in `throttles`:
a lock-out anyone could turn on any account is gone, and the columns with it.

Revision ID: 0004_sessions_and_throttle
Revises: 0003
Create Date: 2026-12-07 17:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_sessions_and_throttle"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])
    op.create_table(
        "throttles",
        sa.Column("bucket", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure", sa.Integer(), nullable=False),
        sa.Column("blocked_until", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket"),
    )
    op.add_column("users", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    # Not batch mode: rebuilding `users` on SQLite would drop it, and with foreign keys on
    # that deletes every user's sites and sessions. SQLite (3.35+) drops a column in place.
    for column in ("failed_logins", "locked_until"):
        op.execute(f"ALTER TABLE users DROP COLUMN {column}")


def downgrade() -> None:
    # Added in place, as 0001 had them (a NOT NULL column needs a default on SQLite).
    op.execute("ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0")
    op.add_column("users", sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.execute("ALTER TABLE users DROP COLUMN disabled_at")
    op.drop_table("throttles")
    op.drop_index("ix_user_sessions_user_id", table_name="user_sessions")
    op.drop_table("user_sessions")
