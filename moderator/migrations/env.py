"""Alembic environment: migrations run on the engine the app (or a test) hands over.

The connection is not opened inside a transaction of its own: Alembic begins one for
the migrations, and a migration can step out of it (`autocommit_block`) for statements
PostgreSQL runs only outside a transaction, such as CREATE INDEX CONCURRENTLY.
"""

from alembic import context

from moderator.storage.schema import Base

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
