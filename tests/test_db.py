"""Migrations build the schema on an empty database; SQLite runs in WAL mode."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from moderator import db
from moderator.storage.schema import Base


def _fresh(database_url: str) -> str:
    """Return the URL with its schema dropped, so migrations start from nothing."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return database_url


def test_migrations_build_every_table_on_an_empty_database(database_url, tmp_path):
    engine = db.make_engine(_fresh(database_url))
    assert db.current_revision(engine) is None
    assert db.upgrade(engine, tmp_path) is True
    assert db.current_revision(engine) == db.head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert db.upgrade(engine, tmp_path) is False  # a second start finds nothing to do
    engine.dispose()


def test_migrations_match_the_models(database_url, tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = db.make_engine(_fresh(database_url))
    db.upgrade(engine, tmp_path)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


def test_sqlite_uses_wal_and_foreign_keys(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_status_check_constraint_rejects_unknown_values(app, session, site_key):
    import pytest
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        session.execute(
            text(
                "INSERT INTO comments (site_id, guid, content, author, author_email, author_url,"
                " user_ip, user_agent, referrer, permalink, post_title, post_id, parent_id,"
                " comment_type, language, raw, is_test, origin, status, verdict, spam_score,"
                " discard, medical_score, needs_reply, urgent, reply_state, reasons,"
                " spam_model_version, medical_model_version, received_at, updated_at)"
                " VALUES (:site, 'g', 'c', '', '', '', '', '', '', '', '', '', '', '', '',"
                " '{}', false, 'api', 'published', 'ham', 0, false, 0, false, false, 'none',"
                " '[]', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"site": site_key[0]},
        )
        session.flush()
    session.rollback()
