"""Shared fixtures: an app per test on SQLite and on PostgreSQL, its client and CLI runner.

Each database is migrated once per run; a test starts from a cheap copy (SQLite) or a
one-round-trip reset (PostgreSQL) of that migrated, empty database.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from moderator import create_app, db
from moderator.db import get_session
from moderator.storage.schema import Base
from tests.paths import ROOT

POSTGRES_ADMIN_URL = os.environ.get(
    "MODERATOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# CI sets this so that an unreachable PostgreSQL fails the run instead of skipping it.
REQUIRE_POSTGRES = os.environ.get("MODERATOR_TEST_REQUIRE_POSTGRES") == "1"
#: A memory-backed folder on Linux, for SQLite files nobody needs after the run.
MEMORY_DISK = Path("/dev/shm")
#: scrypt with a small work factor: a real salted hash that checks like the shipped one.
#: The shipped cost (n=32768) guards against offline cracking and takes a twentieth of a
#: second per hash and per login: at a few hundred logins, a third of the suite.
TEST_PASSWORD_METHOD = "scrypt:1024:8:1"


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory for the run (Jinja drops them when the source changes)."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        """Fill the bucket from memory when this template was compiled before."""
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        """Keep a newly compiled template."""
        self.compiled[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(scope="session")
def compiled_templates() -> MemoryBytecodeCache:
    """One template cache for every app of the run.

    Each test builds its own app, and each app its own Jinja environment, which compiled
    every page template again: a tenth of a second per page test.
    """
    return MemoryBytecodeCache()


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    name = f"moderator_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            # A throwaway database needs no durability: commits skip the WAL flush.
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    except Exception as exc:  # no server, no driver, no permission: all mean "cannot test"
        admin.dispose()
        message = f"PostgreSQL at {POSTGRES_ADMIN_URL} is unreachable ({type(exc).__name__})"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    url = make_url(POSTGRES_ADMIN_URL).set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def models():
    """The shipped models, loaded once for the whole run (as a server process would)."""
    from moderator.models import load_models

    return load_models(ROOT / "models")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Every test that touches the database runs on both supported databases.

    The URL names a database that may be empty of tables (a new SQLite file); `app`
    and `empty_database` bring it to the newest migration.
    """
    if request.param == "postgresql":
        yield request.getfixturevalue("postgres_url")
        return
    path = request.getfixturevalue("sqlite_dir") / f"{tmp_path.name}.db"
    yield f"sqlite:///{path}"
    for leftover in path.parent.glob(f"{path.name}*"):  # with its -wal and -shm files
        leftover.unlink()


@pytest.fixture(scope="session")
def sqlite_dir(tmp_path_factory):
    """The folder of the run's SQLite files: in memory (/dev/shm) where the system has it.

    SQLite syncs a file to disk at every checkpoint and when its last connection closes:
    on a busy disk that was a third of a SQLite test's database time.
    """
    if not (MEMORY_DISK.is_dir() and os.access(MEMORY_DISK, os.W_OK)):
        yield tmp_path_factory.mktemp("sqlite")
        return
    folder = Path(tempfile.mkdtemp(prefix="moderator-tests-", dir=MEMORY_DISK))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_template(sqlite_dir) -> Path:
    """A SQLite file migrated once per run; each test's database is a copy of it.

    Running Alembic costs a tenth of a second per database; copying a file, almost nothing.
    """
    path = sqlite_dir / "template.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine, sqlite_dir)
    with engine.connect() as connection:
        # Fold the write-ahead log into the file, so that the file alone is the database.
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_reset(postgres_url, tmp_path_factory):
    """A function that empties the run's PostgreSQL database and leaves it at head.

    One batch of DELETEs and sequence resets (ids start at 1 in every test) is about
    fifteen times cheaper than TRUNCATE, which rewrites every table's files. Tests that
    drop the schema (tests/test_db.py) are followed by a fresh migration.
    """
    engine = db.make_engine(postgres_url)
    lock_dir = tmp_path_factory.mktemp("postgres-migrate")
    head = db.head_revision()
    deletes = [f'DELETE FROM "{t.name}"' for t in reversed(Base.metadata.sorted_tables)]

    def reset() -> None:
        if db.current_revision(engine) != head:
            db.upgrade(engine, lock_dir)
        with engine.begin() as connection:
            sequences = connection.execute(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
            ).scalars()
            restarts = [f"SELECT setval('\"{s}\"', 1, false)" for s in sequences]
            connection.exec_driver_sql("; ".join(deletes + restarts))

    yield reset
    engine.dispose()


@pytest.fixture
def empty_database(request, database_url) -> str:
    """The test's database, at the newest migration and without rows; returns its URL."""
    if database_url.startswith("postgresql"):
        request.getfixturevalue("postgres_reset")()
    else:
        path = make_url(database_url).database
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    return database_url


class Clock:
    """A clock tests move by hand (session timeouts, throttling), instead of sleeping."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        """Return the current (test) time."""
        return self.now

    def advance(self, **delta) -> None:
        """Move time forward by a timedelta's keyword arguments (seconds=..., hours=...)."""
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    """The app's clock: real time when the test starts, then only what the test moves."""
    return Clock()


@pytest.fixture
def app(empty_database, models, tmp_path, compiled_templates, clock):
    """An app on an empty, migrated database with the shipped models.

    The fixture migrated the database, so the app skips its start-up revision check
    (AUTO_MIGRATE); start-up migration has its own tests (tests/test_db.py, and the
    serve test in tests/test_cli.py).
    """
    application = create_app(
        {
            "DATABASE_URL": empty_database,
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "AUTO_MIGRATE": False,
            # Feed tests read events right after making them.
            "EVENTS_SETTLE_SECONDS": 0,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "PASSWORD_HASH_METHOD": TEST_PASSWORD_METHOD,
        },
        models=models,
        clock=clock,
    )
    application.jinja_env.bytecode_cache = compiled_templates
    yield application
    application.extensions["moderator.engine"].dispose()


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner bound to the app."""
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A database session inside an app context, for arranging and checking state."""
    with app.app_context():
        yield get_session()


@pytest.fixture
def site_key(app):
    """A site and its API key: (site id, key)."""
    from moderator import storage

    with app.app_context():
        site, key = storage.create_site(get_session(), "https://blog.example", "Example blog")
        return site.id, key


@pytest.fixture
def other_site_key(app):
    """A second site, to check that keys never see another site's data."""
    from moderator import storage

    with app.app_context():
        site, key = storage.create_site(get_session(), "https://other.example", "Other blog")
        return site.id, key


@pytest.fixture
def auth(site_key):
    """Authorization headers for the first site."""
    return {"Authorization": f"Bearer {site_key[1]}"}


@pytest.fixture
def smtp_server():
    """A local fake SMTP server, so the urgent e-mail is tested end to end without a network."""
    from tests.fake_smtp import fake_smtp_server

    with fake_smtp_server() as server:
        yield server
