"""Shared fixtures: an app per test on SQLite and on PostgreSQL, its client and CLI runner."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from moderator import create_app
from moderator.db import get_session

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
POSTGRES_ADMIN_URL = os.environ.get(
    "MODERATOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# CI sets this so that an unreachable PostgreSQL fails the run instead of skipping it.
REQUIRE_POSTGRES = os.environ.get("MODERATOR_TEST_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    name = f"moderator_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
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
    """Every test that touches the database runs on both supported databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'moderator.db'}"
    return request.getfixturevalue("postgres_url")


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = connection.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        names = ", ".join(f'"{t}"' for t in tables)
        if names:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app(database_url, models, tmp_path):
    """An app on an empty, migrated database with the shipped models."""
    if database_url.startswith("postgresql"):
        _empty_postgres(database_url)
    application = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            # Feed tests read events right after making them.
            "EVENTS_SETTLE_SECONDS": 0,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        },
        models=models,
    )
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
