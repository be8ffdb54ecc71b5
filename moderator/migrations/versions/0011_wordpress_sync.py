"""label source "wordpress": clicks in wp-admin, reported by the WordPress bridge

The CHECK on labels.source gains the value. (Main adds the same value in 0007; at merge
this revision is re-chained after it, or dropped if 0007 already allows it.)

Revision ID: 0011_wordpress_sync
Revises: 0006_site_rules
Create Date: 2026-12-07 19:00:00.000000
"""

from alembic import op

revision = "0011_wordpress_sync"
down_revision = "0006_site_rules"
branch_labels = None
depends_on = None

# Frozen here: a later change to the enum gets a migration of its own.
BEFORE = ("review", "api", "akismet", "import")
AFTER = (*BEFORE, "wordpress")


def _allowed(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _check(values) -> None:
    # The table keeps AUTOINCREMENT when SQLite rebuilds it.
    with op.batch_alter_table("labels", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_constraint("ck_source_valid", type_="check")
        batch.create_check_constraint("ck_source_valid", f"source IN ({_allowed(values)})")


def upgrade() -> None:
    _check(AFTER)


def downgrade() -> None:
    # A label from WordPress becomes what it is closest to: the platform's API feedback.
    op.execute("UPDATE labels SET source = 'api' WHERE source = 'wordpress'")
    _check(BEFORE)
