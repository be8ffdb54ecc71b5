"""timestamps in UTC with their offset on both databases

From this revision every timestamp is written in UTC and read back as UTC with its
offset (`moderator.storage.schema.UTCDateTime`). This migration repairs what was stored
before:

* **PostgreSQL.** The columns were created as `timestamp with time zone`, which holds
  instants; any that is not (a database made by hand) becomes one, its values taken as
  UTC. Nothing else changes: the values were right.
* **SQLite.** SQLite has no time type; SQLAlchemy wrote the wall-clock digits of each
  value and dropped its offset. Every time moderator made itself (received, updated,
  events, labels, replies, keys, lock-outs) was UTC, so those values are right as they
  are. A comment's `created_at` came from the sender and was stored in the sender's
  offset: 10:00+05:00 became 10:00. Where the comment's stored raw payload still holds
  the time as sent (`created_at` from API v1, `comment_date_gmt` from the Akismet API),
  it is parsed again and written in UTC; where it does not, the value cannot be told
  apart from a UTC one and is left as it is, i.e. taken as UTC.

Downgrading changes nothing: UTC values are valid values for the code before this one.

Revision ID: 0005_utc_timestamps
Revises: 0003
Create Date: 2026-12-07 17:00:00.000000
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005_utc_timestamps"
down_revision = "0004_sessions_and_throttle"
branch_labels = None
depends_on = None

#: Every timestamp column of the schema at this revision.
TIMESTAMPS = (
    ("sites", "created_at"),
    ("api_keys", "created_at"),
    ("api_keys", "revoked_at"),
    ("api_keys", "last_used_at"),
    ("comments", "created_at"),
    ("comments", "received_at"),
    ("comments", "updated_at"),
    ("replies", "created_at"),
    ("events", "created_at"),
    ("labels", "created_at"),
    ("users", "created_at"),
    ("users", "disabled_at"),
    ("user_sessions", "created_at"),
    ("user_sessions", "last_seen_at"),
)
#: Comments rewritten per statement batch.
BATCH = 500

comments = sa.table(
    "comments",
    sa.column("id", sa.Integer),
    sa.column("raw", sa.JSON),
    sa.column("created_at", sa.DateTime()),
)


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        _make_timestamptz(connection)
    elif connection.dialect.name == "sqlite":
        _restore_sent_offsets(connection)


def downgrade() -> None:
    pass


def _make_timestamptz(connection) -> None:
    """Turn any timestamp column without time zone into timestamptz, reading it as UTC."""
    naive = connection.execute(
        sa.text(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type = 'timestamp without time zone'"
        )
    ).all()
    for table, column in naive:
        if (table, column) in TIMESTAMPS:
            op.alter_column(
                table,
                column,
                type_=sa.DateTime(timezone=True),
                postgresql_using=f"{column} AT TIME ZONE 'UTC'",
            )


def _restore_sent_offsets(connection) -> None:
    """Rewrite, in UTC, each comment's created_at whose sent form (in `raw`) had an offset."""
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(comments.c.id, comments.c.raw, comments.c.created_at)
            .where(comments.c.id > last_id, comments.c.created_at.is_not(None))
            .order_by(comments.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        last_id = rows[-1].id
        for row in rows:
            corrected = _sent_in_utc(row.raw)
            if corrected is not None and corrected != row.created_at:
                connection.execute(
                    comments.update().where(comments.c.id == row.id).values(created_at=corrected)
                )


def _sent_in_utc(raw) -> datetime | None:
    """Return the time a comment's raw payload gives, as naive UTC; None when it gives none."""
    if not isinstance(raw, dict):
        return None
    sent = raw.get("created_at")
    if not isinstance(sent, str):
        sent = raw.get("comment_date_gmt")  # Akismet: already UTC (no offset: taken as UTC)
    if not isinstance(sent, str) or not sent.strip():
        return None
    try:
        moment = datetime.fromisoformat(sent.strip().replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return moment.replace(tzinfo=None)
