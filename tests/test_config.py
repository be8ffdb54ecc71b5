"""Configuration: defaults, then the instance file, then MODERATOR_* variables."""

from __future__ import annotations

import pytest
from flask import Flask

from moderator import config, create_app, db
from tests.stubs import stub_models


def make(tmp_path, test_config=None) -> Flask:
    """A bare app whose instance folder is the test's temporary folder."""
    app = Flask("moderator", instance_path=str(tmp_path / "instance"))
    config.load(app, test_config)
    return app


def test_defaults_use_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("MODERATOR_DATABASE_URL", raising=False)
    app = make(tmp_path)
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'instance' / 'moderator.db'}"
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("MODERATOR_SECRET_KEY", raising=False)
    first = make(tmp_path).config["SECRET_KEY"]
    second = make(tmp_path).config["SECRET_KEY"]
    assert first == second and len(first) >= 40
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0


def test_instance_file_then_environment_override_defaults(tmp_path, monkeypatch):
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "moderator.toml").write_text(
        'MAX_BODY_BYTES = 1000\nMODEL_DIR = "/srv/models"\nDATABASE_URL = "sqlite:///file.db"\n'
    )
    monkeypatch.setenv("MODERATOR_MAX_BODY_BYTES", "2000")
    monkeypatch.setenv("MODERATOR_SECRET_KEY", "from-env")
    monkeypatch.delenv("MODERATOR_DATABASE_URL", raising=False)
    app = make(tmp_path)
    assert app.config["MAX_BODY_BYTES"] == 2000 and app.config["MAX_CONTENT_LENGTH"] == 2000
    assert app.config["MODEL_DIR"] == "/srv/models"
    assert app.config["DATABASE_URL"] == "sqlite:///file.db"
    assert app.config["SECRET_KEY"] == "from-env"


def test_test_config_replaces_file_and_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MODERATOR_MAX_BODY_BYTES", "2000")
    app = make(tmp_path, {"MAX_BODY_BYTES": 10, "SECRET_KEY": "t"})
    assert app.config["MAX_CONTENT_LENGTH"] == 10


@pytest.mark.parametrize("auto_migrate", [True, False])
def test_auto_migrate_builds_a_new_database_at_start_unless_turned_off(tmp_path, auto_migrate):
    """A first start creates the schema; with AUTO_MIGRATE off the database is left alone."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "t",
            "AUTO_MIGRATE": auto_migrate,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        },
        models=stub_models(),
    )
    engine = app.extensions["moderator.engine"]
    expected = db.head_revision() if auto_migrate else None
    assert db.current_revision(engine) == expected
    engine.dispose()


def test_session_and_throttle_settings_have_defaults_and_follow_the_environment(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("MODERATOR_SESSION_IDLE_SECONDS", "600")
    monkeypatch.setenv("MODERATOR_TRUSTED_PROXIES", "1")
    app = make(tmp_path)
    assert app.config["SESSION_IDLE_SECONDS"] == 600 and app.config["TRUSTED_PROXIES"] == 1
    assert app.config["SESSION_ABSOLUTE_SECONDS"] == 12 * 3600
    assert app.config["PERMANENT_SESSION_LIFETIME"] == 12 * 3600
    assert app.config["LOGIN_FREE_FAILURES"] == 5 and app.config["PASSWORD_HASH_METHOD"] == "scrypt"
