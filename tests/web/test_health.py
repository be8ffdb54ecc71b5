"""Health checks: /healthz while the process is up, /readyz while it decides as usual."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from moderator import create_app
from moderator.ml.protocol import UnavailableModel
from tests.paths import MODELS
from tests.stubs import stub_models


@pytest.fixture(scope="module")
def models():
    """Stub models: these tests are about what happens without one (overrides the shipped)."""
    return stub_models()


@pytest.fixture
def broken(app):
    """The app as it runs when its spam model file could not be loaded."""
    models = app.extensions["moderator.models"]
    app.extensions["moderator.models"] = replace(
        models, spam=UnavailableModel("spam", "spam.joblib is truncated")
    )
    return app


def test_a_ready_process_says_so_on_both(client):
    alive = client.get("/healthz")
    assert alive.status_code == 200
    versions = {"spam": "spam-stub", "medical": "medical-stub"}
    assert alive.json == {"status": "ok", "models": versions}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["status"] == "ready"
    assert ready.json["reasons"] == []


def test_without_a_model_readyz_answers_503_with_the_reason_and_healthz_stays_200(broken):
    client = broken.test_client()
    alive = client.get("/healthz")
    assert alive.status_code == 200 and alive.json["models"]["spam"] == "unavailable"
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.mimetype == "application/json"
    assert ready.json["status"] == "unavailable"
    assert ready.json["reasons"] == [{"reason": "model unavailable", "model": "spam"}]
    assert "truncated" not in ready.get_data(as_text=True)  # the details are for the log
    assert ready.headers["Retry-After"] and ready.headers["Cache-Control"] == "no-store"


def test_without_a_model_the_api_stores_and_holds_every_comment(broken, auth):
    client = broken.test_client()
    response = client.post("/api/v1/comments", json={"content": "Lovely post"}, headers=auth)
    assert response.status_code == 201
    assert response.json["status"] == "pending"
    assert "model_unavailable" in [r["code"] for r in response.json["reasons"]]
    assert response.json["model_versions"]["spam"] == "spam-unavailable"
    stored = client.get(response.headers["Location"], headers=auth)
    assert stored.json["status"] == "pending"
    scored = client.post("/api/v1/score", json={"comments": [{"content": "Hi"}]}, headers=auth)
    assert scored.status_code == 200 and scored.json["results"][0]["status"] == "pending"


def test_without_a_model_akismet_answers_as_for_a_held_comment(broken, site_key):
    client = broken.test_client()
    response = client.post(
        "/1.1/comment-check",
        data={
            "api_key": site_key[1],
            "blog": "https://blog.example",
            "user_ip": "203.0.113.7",
            "comment_content": "Lovely post",
        },
    )
    assert response.status_code == 200 and response.get_data(as_text=True) == "false"
    assert response.headers["X-akismet-error"] == "held-for-review"
    assert response.headers["X-moderator-status"] == "pending"


def test_an_app_starts_and_holds_comments_when_a_model_file_is_truncated(
    empty_database, tmp_path, caplog
):
    """The real start-up path: MODEL_DIR with a damaged file does not stop the app."""
    folder = tmp_path / "models"
    shutil.copytree(MODELS, folder, ignore=shutil.ignore_patterns("reports"))
    spam = folder / "spam.joblib"
    spam.write_bytes(spam.read_bytes()[:1000])
    app = create_app(
        {
            "DATABASE_URL": empty_database,
            "SECRET_KEY": "test",
            "TESTING": True,
            "AUTO_MIGRATE": False,
            "MODEL_DIR": str(folder),
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    try:
        assert app.test_client().get("/readyz").status_code == 503
        assert "moderator train spam" in caplog.text
    finally:
        app.extensions["moderator.engine"].dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_readyz_is_503_while_migrations_are_pending_and_fine_with_a_newer_schema(
    database_url, models, tmp_path
):
    """A release started before `moderator db upgrade` is not ready; an older one running
    beside a newer release's (expanded) schema is."""
    from alembic import command
    from sqlalchemy import text

    from moderator import db

    engine = db.make_engine(database_url)
    command.upgrade(db.alembic_config(engine), "0006_site_rules")
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "x",
            "AUTO_MIGRATE": False,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        },
        models=models,
    )
    client = app.test_client()
    behind = client.get("/readyz")
    assert behind.status_code == 503
    assert behind.json["reasons"] == [{"reason": "migrations pending"}]
    assert db.schema_state(engine) == "behind"

    command.upgrade(db.alembic_config(engine), "head")
    assert client.get("/readyz").status_code == 200
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    assert db.schema_state(engine) == "ahead"
    assert client.get("/readyz").status_code == 200
    app.extensions["moderator.engine"].dispose()
    engine.dispose()
