"""Migrations build the schema on an empty database; SQLite runs in WAL mode."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import column, create_engine, event, func, inspect, select, table, text
from sqlalchemy.exc import IntegrityError

from moderator import db
from moderator.storage.schema import Base, CommentRecord, Event, Label, Reply, Site

#: The labels table as migrations 0002 to 0006 left it (the ORM class is the newest).
LABELS_0002 = table(
    "labels",
    *(column(name) for name in ("site_id", "comment_id", "kind", "value", "actor", "source")),
    column("content"),
    column("created_at"),
)
#: When the labels written by hand below were made.
LABELLED_AT = datetime(2026, 1, 1, 10, 0)
#: A label from the WordPress bridge, which only migration 0007 lets in.
WORDPRESS_LABEL = LABELS_0002.insert().values(
    site_id=1,
    kind="spam",
    value=True,
    actor="wp",
    source="wordpress",
    content="x",
    created_at=LABELLED_AT,
)


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


# SQLite's reflection cannot read an expression index back (lower(author_email)); the
# PostgreSQL run compares it.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
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
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert connection.execute(text("PRAGMA cache_size")).scalar() == -16000
        assert connection.execute(text("PRAGMA temp_store")).scalar() == 2  # MEMORY
    engine.dispose()


def test_a_postgresql_pool_is_sized_per_worker():
    """A sync worker serves one request at a time: its pool stays small, whatever the
    number of workers, so workers x pool fits the server's max_connections."""
    engine = db.make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", 3, 1)
    assert (engine.pool.size(), engine.pool._max_overflow) == (3, 1)
    engine.dispose()


def test_status_check_constraint_rejects_unknown_values(app, session, site_key):
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


LEGACY_RED_FLAG = {
    "code": "red_flag",
    "message": "Red flag: chest pain. It can be the heart. Reply first and point the reader "
    "to a doctor (or emergency care) rather than to exercises.",
    "weight": 1.0,
    "evidence": ["chest pain"],
    "source": "medical_model",
}


def _stored_at_0002(engine) -> None:
    """Store what a database at revision 0002 may hold.

    A comment with a reply and a label, a red-flag reason without a title, and an event
    with an origin no code writes.
    """
    with engine.begin() as connection:
        (site,) = connection.execute(
            Site.__table__.insert().values(url="https://blog.example", name="Blog", settings={})
        ).inserted_primary_key
        (comment,) = connection.execute(
            CommentRecord.__table__.insert().values(
                site_id=site,
                guid="g-1",
                content="chest pain since this morning",
                status="pending",
                verdict="ham",
                spam_score=0.1,
                reasons=[LEGACY_RED_FLAG, {"code": "links", "message": "no links"}],
            )
        ).inserted_primary_key
        connection.execute(
            Reply.__table__.insert().values(comment_id=comment, author="mo", content="See a GP.")
        )
        connection.execute(
            LABELS_0002.insert().values(
                site_id=site,
                comment_id=comment,
                kind="spam",
                value=False,
                actor="mo",
                source="review",
                content="chest pain since this morning",
                created_at=LABELLED_AT,
            )
        )
        for origin in ("platform", "cron"):
            connection.execute(
                Event.__table__.insert().values(
                    site_id=site, comment_id=comment, actor="a", origin=origin, action="received"
                )
            )


def _add_event(engine, origin: str) -> None:
    """Log an event with the given origin, bypassing the storage layer's checks."""
    with engine.begin() as connection:
        connection.execute(
            Event.__table__.insert().values(actor="a", origin=origin, action="received")
        )


def test_migration_0003_types_origins_and_titles_red_flags_and_goes_back(database_url):
    engine = db.make_engine(_fresh(database_url))
    config = db.alembic_config(engine)
    command.upgrade(config, "0002")
    _stored_at_0002(engine)

    command.upgrade(config, "head")
    with engine.connect() as connection:
        reasons = connection.execute(select(CommentRecord.reasons)).scalar_one()
        origins = connection.execute(select(Event.origin).order_by(Event.id)).scalars().all()
        # Rebuilding events and labels on SQLite must not touch the comments or replies.
        kept = [
            connection.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (CommentRecord, Reply, Label)
        ]
    assert reasons[0] == {**LEGACY_RED_FLAG, "title": "chest pain"}
    assert reasons[1] == {"code": "links", "message": "no links"}
    assert origins == ["platform", "system"] and kept == [1, 1, 1]
    with pytest.raises(IntegrityError):
        _add_event(engine, "cron")

    command.downgrade(config, "0002")
    with engine.connect() as connection:
        reasons = connection.execute(select(CommentRecord.reasons)).scalar_one()
    assert reasons[0] == LEGACY_RED_FLAG
    _add_event(engine, "cron")  # no CHECK any more
    engine.dispose()


@pytest.mark.parametrize(
    "model, column, known, unknown",
    [(Event, "origin", "system", "cron"), (Label, "source", "import", "guess")],
)
def test_origin_and_source_check_constraints_reject_unknown_values(
    app, session, site_key, model, column, known, unknown
):
    row = {
        Event: {"site_id": site_key[0], "actor": "a", "action": "received"},
        Label: {"site_id": site_key[0], "kind": "spam", "value": True, "actor": "a"},
    }[model]
    session.execute(model.__table__.insert().values(**row, **{column: known}))
    session.flush()
    with pytest.raises(IntegrityError):
        session.execute(model.__table__.insert().values(**row, **{column: unknown}))
        session.flush()
    session.rollback()


def test_migration_0004_keeps_accounts_drops_lock_out_and_goes_back(database_url):
    engine = db.make_engine(_fresh(database_url))
    config = db.alembic_config(engine)
    command.upgrade(config, "0003")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sites (url, name, settings, created_at)"
                " VALUES ('https://blog.example', 'Blog', '{}', CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO users (name, password_hash, role, failed_logins, created_at)"
                " VALUES ('mo', 'hash', 'moderator', 3, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(text("INSERT INTO user_sites (user_id, site_id) VALUES (1, 1)"))

    command.upgrade(config, "0004_sessions_and_throttle")
    columns = {c["name"] for c in inspect(engine).get_columns("users")}
    assert "disabled_at" in columns and not columns & {"failed_logins", "locked_until"}
    assert {"user_sessions", "throttles"} <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        # SQLite drops the columns in place: rebuilding `users` would cascade to its sites.
        assert connection.execute(text("SELECT user_id, site_id FROM user_sites")).all() == [(1, 1)]
        assert connection.execute(text("SELECT name FROM users")).scalars().all() == ["mo"]

    command.downgrade(config, "0003")
    columns = {c["name"] for c in inspect(engine).get_columns("users")}
    assert {"failed_logins", "locked_until"} <= columns and "disabled_at" not in columns
    assert "user_sessions" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM user_sites")).scalar_one() == 1
    engine.dispose()


# -- 0005: timestamps in UTC ---------------------------------------------------------------


def _store_sent_times_at_0003(engine) -> dict[str, int]:
    """Store comments as the code before 0005 did; return their ids by what they were sent."""
    import sqlalchemy as sa

    old = sa.table("comments", sa.column("id"), sa.column("created_at", sa.DateTime(timezone=True)))
    sent = {
        "api +05:00": ({"created_at": "2026-01-01T10:00:00+05:00"}, "2026-01-01T10:00:00+05:00"),
        "akismet gmt": ({"comment_date_gmt": "2026-01-01 10:00:00"}, "2026-01-01T10:00:00+00:00"),
        "no raw time": ({}, "2026-01-01T10:00:00+00:00"),
    }
    from datetime import datetime

    ids = {}
    with engine.begin() as connection:
        (site,) = connection.execute(
            Site.__table__.insert().values(url="https://blog.example", name="Blog", settings={})
        ).inserted_primary_key
        for number, (name, (raw, created)) in enumerate(sent.items()):
            (ids[name],) = connection.execute(
                CommentRecord.__table__.insert().values(
                    site_id=site,
                    guid=f"g-{number}",
                    content=name,
                    status="pending",
                    verdict="ham",
                    spam_score=0.1,
                    raw=raw,
                )
            ).inserted_primary_key
            connection.execute(
                old.update()
                .where(old.c.id == ids[name])
                .values(created_at=datetime.fromisoformat(created))
            )
    return ids


def test_migration_0005_reads_back_every_sent_time_in_utc(database_url):
    engine = db.make_engine(_fresh(database_url))
    config = db.alembic_config(engine)
    command.upgrade(config, "0003")
    if engine.dialect.name == "postgresql":  # a column made without time zone by hand
        with engine.begin() as connection:
            connection.execute(
                text("ALTER TABLE replies ALTER COLUMN created_at TYPE timestamp without time zone")
            )
    ids = _store_sent_times_at_0003(engine)

    command.upgrade(config, "head")
    with engine.connect() as connection:
        times = dict(connection.execute(select(CommentRecord.id, CommentRecord.created_at)).all())
        if engine.dialect.name == "postgresql":
            kinds = connection.execute(
                text(
                    "SELECT DISTINCT data_type FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND data_type LIKE 'timestamp%'"
                )
            ).scalars()
            assert list(kinds) == ["timestamp with time zone"]
    engine.dispose()
    assert times[ids["api +05:00"]].isoformat() == "2026-01-01T05:00:00+00:00"
    assert times[ids["akismet gmt"]].isoformat() == "2026-01-01T10:00:00+00:00"
    assert times[ids["no raw time"]].isoformat() == "2026-01-01T10:00:00+00:00"


def test_migration_0007_copies_the_comment_into_its_labels_and_goes_back(database_url):
    engine = db.make_engine(_fresh(database_url))
    config = db.alembic_config(engine)
    command.upgrade(config, "0002")
    _stored_at_0002(engine)
    command.upgrade(config, "0006_site_rules")
    with engine.begin() as connection, pytest.raises(IntegrityError):
        connection.execute(WORDPRESS_LABEL)

    command.upgrade(config, "head")
    with engine.begin() as connection:
        fields = connection.execute(select(Label.fields)).scalar_one()
        connection.execute(WORDPRESS_LABEL)
    assert fields["post_title"] == "" and set(fields) >= {"author", "user_ip", "user_agent"}

    command.downgrade(config, "0006_site_rules")
    with engine.connect() as connection:
        sources = connection.execute(select(LABELS_0002.c.source)).scalars().all()
        kept = connection.execute(select(func.count()).select_from(Label)).scalar_one()
    engine.dispose()
    assert sorted(sources) == ["api", "review"] and kept == 2


# -- backup -----------------------------------------------------------------------------


def test_a_backup_taken_while_comments_arrive_opens_and_holds_them(app, auth, tmp_path):
    """Writers keep going during the backup; the copy is one consistent snapshot."""
    import sqlite3
    import threading

    engine = app.extensions["moderator.engine"]
    target = tmp_path / "backup.db"
    if engine.dialect.name != "sqlite":
        with pytest.raises(db.BackupError, match="pg_dump"):
            db.backup(engine, target)
        assert not target.exists()
        return
    posted, stop = [], threading.Event()

    def post_comments():
        client = app.test_client()
        number = 0
        while not stop.is_set() or number < 30:
            response = client.post(
                "/api/v1/comments", json={"content": f"Comment number {number}"}, headers=auth
            )
            posted.append(response.status_code)
            number += 1

    writer = threading.Thread(target=post_comments)
    writer.start()
    try:
        while len(posted) < 10:
            stop.wait(0.01)
        pages = db.backup(engine, target)
    finally:
        stop.set()
        writer.join()
    assert pages > 0 and set(posted) == {201}
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        ids = [row[0] for row in copy.execute("SELECT id FROM comments ORDER BY id")]
        received = {
            row[0] for row in copy.execute("SELECT comment_id FROM events WHERE action='received'")
        }
        texts = [row[0] for row in copy.execute("SELECT content FROM comments ORDER BY id")]
    finally:
        copy.close()
    assert len(ids) >= 10  # what was posted before the backup began
    assert set(ids) == received  # each comment with the event of its transaction
    assert texts == [f"Comment number {n}" for n in range(len(texts))]
    with pytest.raises(db.BackupError, match="exists already"):
        db.backup(engine, target)


def test_migration_0009_adds_the_webhook_and_job_tables_and_goes_back(database_url):
    engine = db.make_engine(_fresh(database_url))
    config = db.alembic_config(engine)
    command.upgrade(config, "head")
    tables = set(inspect(engine).get_table_names())
    assert {"site_webhooks", "webhook_deliveries", "jobs"} <= tables
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sites (id, url, name, settings, created_at)"
                " VALUES (1, 'https://x.example', '', '{}', '2026-01-01')"
            )
        )
    with engine.begin() as connection, pytest.raises(IntegrityError):  # the state CHECK
        with connection.begin_nested():
            connection.execute(
                text(
                    "INSERT INTO webhook_deliveries (event_id, site_id, event_type, body, state,"
                    " attempts, created_at, next_attempt_at, last_error)"
                    " VALUES ('e', 1, 'ping', '{}', 'lost', 0, '2026-01-01', '2026-01-01', '')"
                )
            )
    command.downgrade(config, "0006_site_rules")
    assert not {"site_webhooks", "webhook_deliveries", "jobs"} & set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


def test_migration_0008_keeps_every_comment_and_goes_back(database_url):
    """Adding sites.trusted must not rebuild `sites` (on SQLite that deleted every comment)."""
    engine = db.make_engine(_fresh(database_url))
    config = db.alembic_config(engine)
    command.upgrade(config, "0003")
    _store_sent_times_at_0003(engine)
    command.upgrade(config, "head")
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(CommentRecord)).scalar() == 3
        assert connection.execute(select(Site.trusted)).scalar_one() is False
    command.downgrade(config, "0007_label_snapshots")
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(CommentRecord)).scalar() == 3
    engine.dispose()
    command.upgrade(config, "head")
    engine.dispose()


def test_migration_0011_builds_the_e_mail_index_without_holding_back_writes(database_url):
    """On PostgreSQL the index is built CONCURRENTLY, so servers keep storing comments."""
    engine = db.make_engine(_fresh(database_url))
    config = db.alembic_config(engine)
    command.upgrade(config, "0010_review_edits")
    statements: list[str] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        command.upgrade(config, "head")
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    built = [s for s in statements if s.startswith("CREATE INDEX")]
    assert len(built) == 1 and "ix_comments_site_author_email_lower" in built[0]
    if engine.dialect.name == "postgresql":
        assert built[0].startswith("CREATE INDEX CONCURRENTLY")
        with engine.connect() as connection:
            valid = connection.execute(
                text(
                    "SELECT indisvalid FROM pg_index"
                    " WHERE indexrelid = 'ix_comments_site_author_email_lower'::regclass"
                )
            ).scalar_one()
        assert valid is True
    command.downgrade(config, "0010_review_edits")
    assert "ix_comments_site_author_email_lower" not in {
        index["name"] for index in inspect(engine).get_indexes("comments")
    }
    command.upgrade(config, "head")
    engine.dispose()
