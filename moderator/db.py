"""The database connection: engines, sessions, migrations, and the app's one hook into them."""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, pool_size: int = 2, max_overflow: int = 2) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection.

    A PostgreSQL pool holds `pool_size` connections (plus `max_overflow` at a peak): a
    gunicorn sync worker serves one request at a time, so a few per worker process is
    enough, and workers x pool stays within the server's max_connections.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # keep recently read pages and temporary tables in memory: reads of a site's key,
    # settings and a comment's history are hot on every request
    cursor.execute("PRAGMA cache_size=-16000")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic config that migrates `engine` with the package's scripts."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at, or None when it is empty."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """Return the newest migration's revision."""
    return ScriptDirectory.from_config(alembic_config(None)).get_current_head()


def schema_state(engine: Engine, head: str | None = None) -> str:
    """Return "current", "behind" (migrations pending), "ahead" (a newer release migrated
    it) or "empty" (never migrated) for the database, against this code's migrations.

    "ahead" is fine while an upgrade rolls out: migrations only expand the schema before
    a release that needs them (README, Upgrades), so older servers keep working.
    """
    current = current_revision(engine)
    head = head or head_revision()
    if current is None:
        return "empty"
    if current == head:
        return "current"
    try:
        known = ScriptDirectory.from_config(alembic_config(None)).get_revision(current)
    except CommandError:  # a revision this code does not have
        return "ahead"
    return "behind" if known is not None else "ahead"


def upgrade(engine: Engine, lock_dir: Path | None = None) -> bool:
    """Migrate the database to the newest revision; return True when anything ran.

    Several processes may start at once (gunicorn workers, several app servers), so the
    upgrade runs under a lock: a file lock for SQLite, an advisory lock for PostgreSQL.
    """
    if current_revision(engine) == head_revision():
        return False
    with _migration_lock(engine, lock_dir):
        if current_revision(engine) == head_revision():
            return False
        command.upgrade(alembic_config(engine), "head")
    return True


@contextmanager
def _migration_lock(engine: Engine, lock_dir: Path | None):
    if engine.dialect.name == "postgresql":
        # in autocommit: the session lock needs no transaction, and an open one would sit
        # idle beside the migrations for as long as they run
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT pg_advisory_lock(726354)"))
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(726354)"))
        return
    lock_path = Path(lock_dir or ".") / ".migrate.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class BackupError(Exception):
    """A backup that cannot be made here (another database, a target that exists)."""


#: The line that backs up a PostgreSQL database (moderator leaves that to pg_dump).
PG_DUMP = "pg_dump --format=custom --file={file} {url}"


def backup(engine: Engine, target: Path, pages_per_step: int = -1) -> int:
    """Copy a SQLite database to `target` with SQLite's online backup API; return its pages.

    Consistent while the service writes: by default the copy is made in one step, under
    one read snapshot (in WAL mode writers go on meanwhile), and holds the WAL's committed
    pages, which a copy of the database file alone misses. In smaller steps SQLite
    restarts the copy whenever another connection writes. For PostgreSQL raises
    BackupError naming the pg_dump line.
    """
    import sqlite3

    if engine.dialect.name != "sqlite":
        raise BackupError(
            "moderator backs up SQLite only; for PostgreSQL run: "
            + PG_DUMP.format(file=target, url=engine.url.render_as_string(hide_password=True))
        )
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} exists already; give a new file name")
    raw = engine.raw_connection()
    try:
        copy = sqlite3.connect(target)
        try:
            raw.driver_connection.backup(copy, pages=pages_per_step)
            pages = copy.execute("PRAGMA page_count").fetchone()[0]
            # A single-file copy: no WAL beside it, opens anywhere.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
    except Exception:
        target.unlink(missing_ok=True)
        raise
    finally:
        raw.close()
    return int(pages)


def init_app(app) -> None:
    """Connect the app to its database: engine, migrations, and a session per request."""
    from flask import g

    engine = make_engine(
        app.config["DATABASE_URL"],
        pool_size=int(app.config["DATABASE_POOL_SIZE"]),
        max_overflow=int(app.config["DATABASE_MAX_OVERFLOW"]),
    )
    if app.config["AUTO_MIGRATE"]:
        upgrade(engine, Path(app.instance_path))
    # Storage hashes passwords with the method the session names (storage/users.py).
    info = {"password_method": app.config["PASSWORD_HASH_METHOD"]}
    factory = sessionmaker(engine, expire_on_commit=False, info=info)
    app.extensions["moderator.engine"] = engine
    app.extensions["moderator.sessions"] = factory

    @app.teardown_appcontext
    def close_session(_exc=None):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def get_session() -> Session:
    """Return this request's (or CLI command's) session, opening it on first use."""
    from flask import current_app, g

    if "db_session" not in g:
        g.db_session = current_app.extensions["moderator.sessions"]()
    return g.db_session
