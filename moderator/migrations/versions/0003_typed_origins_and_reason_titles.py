"""typed event origins and label sources; red-flag reason titles

Event origins and label sources become enums stored as text with a CHECK, like the
statuses (a value no code writes is mapped to the nearest one first). Stored red-flag
reasons gain the `title` the review page shows, taken from their message as the page
used to do.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Frozen here: a later change to the enums gets a migration of its own.
EVENT_ORIGINS = ("platform", "moderator", "system")
LABEL_SOURCES = ("review", "api", "akismet", "import")
#: (table, column, allowed values, what any other value becomes)
CHECKED = (
    ("events", "origin", EVENT_ORIGINS, "system"),
    ("labels", "source", LABEL_SOURCES, "api"),
)

comments = sa.table("comments", sa.column("id", sa.Integer), sa.column("reasons", sa.JSON))


def _allowed(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


def upgrade() -> None:
    for table, column, values, fallback in CHECKED:
        op.execute(
            f"UPDATE {table} SET {column} = '{fallback}' WHERE {column} NOT IN ({_allowed(values)})"
        )
        # The tables keep AUTOINCREMENT when SQLite rebuilds them.
        with op.batch_alter_table(table, table_kwargs={"sqlite_autoincrement": True}) as batch:
            batch.create_check_constraint(f"ck_{column}_valid", f"{column} IN ({_allowed(values)})")
    _rewrite_reasons("red_flag", _with_title)


def downgrade() -> None:
    _rewrite_reasons("title", _without_title)
    for table, column, _values, _fallback in reversed(CHECKED):
        with op.batch_alter_table(table, table_kwargs={"sqlite_autoincrement": True}) as batch:
            batch.drop_constraint(f"ck_{column}_valid", type_="check")


def _rewrite_reasons(needle: str, rewrite) -> None:
    """Rewrite the stored reasons of the comments whose reasons mention `needle`."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(comments.c.id, comments.c.reasons).where(
            sa.cast(comments.c.reasons, sa.Text).contains(f'"{needle}"')
        )
    ).all()
    for comment_id, reasons in rows:
        new = [rewrite(reason) if isinstance(reason, dict) else reason for reason in reasons or []]
        if new != reasons:
            connection.execute(
                comments.update().where(comments.c.id == comment_id).values(reasons=new)
            )


def _with_title(reason: dict) -> dict:
    """Give a red-flag reason the name its message starts with ("Red flag: chest pain. ...")."""
    if reason.get("code") != "red_flag" or reason.get("title"):
        return reason
    message = str(reason.get("message", ""))
    title = message.split(". ", 1)[0].rstrip(".").replace("Red flag: ", "")
    return {**reason, "title": title} if title else reason


def _without_title(reason: dict) -> dict:
    return {key: value for key, value in reason.items() if key != "title"}
