"""The admins' Models page: versions by scope with their figures, promote and roll back."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderator.core.comment import Comment
from moderator.db import get_session
from moderator.learning import registry
from moderator.learning.layer import fit_layer
from moderator.storage import models_registry
from tests.web import test_review as review
from tests.web.test_review import login, make_user, token_of

# The review tests' fixtures: stub models and two sites.
models, sites = review.models, review.sites

FIGURES = {
    "newest labels": {
        "candidate": {
            "comments": 10,
            "spam": 5,
            "blocked_genuine": 0.0,
            "spam_caught": 0.8,
            "auc": 0.97,
        },
        "active": {
            "comments": 10,
            "spam": 5,
            "blocked_genuine": 0.0,
            "spam_caught": 0.4,
            "auc": 0.8,
        },
    }
}


def add_version(app, site_id, reason="<script>alert(1)</script>"):
    """Write a small layer into the store and record it as a refused version; return its id."""
    layer = fit_layer([Comment("buy pills"), Comment("nice post")], [True, False], [0.5, 0.5])
    with app.app_context():
        version = registry.new_version_name("spam", site_id)
        store = Path(app.config["LEARNED_MODEL_DIR"])
        file, sha = registry.write_layer(store, version, layer, {})
        db = get_session()
        row = models_registry.add_version(
            db,
            name="spam",
            site_id=site_id,
            version=version,
            file=file,
            sha256=sha,
            trained_from={"labels": 2, "spam": 1, "genuine": 1, "sources": {"api": 2}},
            actor="cli",
        )
        row.figures = FIGURES
        models_registry.refuse(db, row, "cli", reason)
        return row.id, version


@pytest.fixture
def admin(app, sites):
    """An admin, logged in: (client, CSRF token)."""
    make_user(app, "root", role="admin")
    client = app.test_client()
    login(client, "root")
    return client, token_of(client.get("/review/models/").text)


def test_the_page_shows_versions_with_figures_side_by_side_escaped(app, admin, sites):
    client, _ = admin
    add_version(app, sites[0])
    page = client.get("/review/models/")
    assert page.status_code == 200
    assert "My blog" in page.text and "Shared (every site)" in page.text
    assert "0.970" in page.text and "0.800" in page.text and "80.0%" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text
    assert 'href="/review/models/"' in client.get("/review/").text


def test_moderators_cannot_see_or_change_it(app, client, sites):
    version_id, _ = add_version(app, sites[0])
    make_user(app, "mo", site_ids=[sites[0]])
    login(client, "mo")
    token = token_of(client.get("/review/").text)
    assert client.get("/review/models/").status_code == 403
    response = client.post(f"/review/models/{version_id}/promote", data={"csrf_token": token})
    assert response.status_code == 403


def test_promote_and_roll_back_need_the_csrf_token_and_work(app, admin, sites):
    client, token = admin
    version_id, version = add_version(app, sites[0])
    assert client.post(f"/review/models/{version_id}/promote").status_code == 400
    response = client.post(f"/review/models/{version_id}/promote", data={"csrf_token": token})
    assert response.status_code == 303
    assert f"{version} is active" in client.get("/review/models/").text
    with app.app_context():
        assert models_registry.active_version(get_session(), "spam", sites[0]).version == version
    client.post("/review/models/rollback", data={"csrf_token": token, "site_id": str(sites[0])})
    with app.app_context():
        assert models_registry.active_version(get_session(), "spam", sites[0]) is None
    assert "no learned version of its own" in client.get("/review/models/").text


def test_a_tampered_version_is_not_promoted(app, admin, sites):
    client, token = admin
    version_id, version = add_version(app, sites[0])
    path = Path(app.config["LEARNED_MODEL_DIR"]) / f"{version}.joblib"
    path.write_bytes(path.read_bytes() + b"x")
    client.post(f"/review/models/{version_id}/promote", data={"csrf_token": token})
    assert "Not promoted" in client.get("/review/models/").text
    with app.app_context():
        assert models_registry.active_version(get_session(), "spam", sites[0]) is None
