"""labels keep the whole comment; WordPress is a label source

* `labels.fields`: a copy of the labelled comment's fields besides its text (author,
  e-mail, URL, permalink, post title, IP, user agent, referrer, type, language), so a
  label still trains a model after its comment is deleted. Existing labels are filled
  from their comment where it still exists.
* `labels.source` accepts `wordpress`: a ruling made in wp-admin, reported by the bridge.

Downgrading drops the column and maps `wordpress` labels to `api` (the platform).

Revision ID: 0007_label_snapshots
Revises: 0006_site_rules
Create Date: 2026-12-07 19:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_label_snapshots"
down_revision = "0006_site_rules"
branch_labels = None
depends_on = None

# Frozen here: a later change to the enum or to the copied fields gets its own migration.
OLD_SOURCES = ("review", "api", "akismet", "import")
NEW_SOURCES = (*OLD_SOURCES, "wordpress")
SNAPSHOT = (
    "author",
    "author_email",
    "author_url",
    "permalink",
    "post_title",
    "user_ip",
    "user_agent",
    "referrer",
    "comment_type",
    "language",
)
#: Labels filled per statement batch.
BATCH = 500

labels = sa.table(
    "labels",
    sa.column("id", sa.Integer),
    sa.column("comment_id", sa.Integer),
    sa.column("fields", sa.JSON),
)
comments = sa.table("comments", sa.column("id", sa.Integer), *(sa.column(f) for f in SNAPSHOT))


def _allowed(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _recheck(values) -> None:
    # The table keeps AUTOINCREMENT when SQLite rebuilds it.
    with op.batch_alter_table("labels", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_constraint("ck_source_valid", type_="check")
        batch.create_check_constraint("ck_source_valid", f"source IN ({_allowed(values)})")


def upgrade() -> None:
    with op.batch_alter_table("labels", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(sa.Column("fields", sa.JSON(), nullable=True))
    _recheck(NEW_SOURCES)
    _fill_existing(op.get_bind())


def downgrade() -> None:
    op.execute("UPDATE labels SET source = 'api' WHERE source = 'wordpress'")
    _recheck(OLD_SOURCES)
    with op.batch_alter_table("labels", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("fields")


def _fill_existing(connection) -> None:
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(labels.c.id, *(comments.c[f] for f in SNAPSHOT))
            .join(comments, comments.c.id == labels.c.comment_id)
            .where(labels.c.id > last_id)
            .order_by(labels.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            snapshot = {f: getattr(row, f) or "" for f in SNAPSHOT}
            connection.execute(labels.update().where(labels.c.id == row.id).values(fields=snapshot))
        last_id = rows[-1].id
