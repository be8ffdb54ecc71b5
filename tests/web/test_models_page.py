"""The admins' Models page: versions by scope with their figures, promote and roll back."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderator.core.comment import Comment
from moderator.db import get_session
from moderator.learning import gate, registry
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


def add_version(app, site_id, reason="<script>alert(1)</script>", figures=None, trained_from=None):
    """Write a small layer into the store and record it as a refused version; return its id.

    Its figures are FIGURES unless given: those of a version judged before the gate kept
    curves, so without plot data.
    """
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
            trained_from=trained_from
            or {"labels": 2, "spam": 1, "genuine": 1, "sources": {"api": 2}},
            actor="cli",
        )
        row.figures = FIGURES if figures is None else figures
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
    assert "Spam published" not in page.text  # judged before the gate counted it


def test_spam_published_is_shown_where_the_gate_counted_it(app, admin, sites):
    client, _ = admin
    figures = {
        "newest labels": {
            "candidate": FIGURES["newest labels"]["candidate"] | {"spam_published": 0.125},
            "active": FIGURES["newest labels"]["active"] | {"spam_published": 0.375},
        }
    }
    add_version(app, sites[0], figures=figures)
    text = client.get("/review/models/").text
    row = text[text.index("Spam published") :]
    assert row.index("37.5%") < row.index("12.5%") < row.index("</tr>")  # active, candidate


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


#: Labels and two models' scores of them: the candidate separates them, the active one less.
JUDGED_LABELS = [True] * 6 + [False] * 6
CANDIDATE = [0.97, 0.95, 0.9, 0.85, 0.7, 0.4, 0.05, 0.1, 0.2, 0.3, 0.35, 0.6]
ACTIVE = [0.92, 0.6, 0.5, 0.45, 0.3, 0.2, 0.05, 0.1, 0.55, 0.3, 0.35, 0.65]
THRESHOLDS = {"unsure": 0.5, "spam": 0.9, "discard": 0.99}


def judged_version(app, site_id, set_name="newest labels"):
    """Record a version with what the gate keeps today: figures with curves, thresholds."""
    verdict = gate.judge(
        {set_name: (JUDGED_LABELS, CANDIDATE, ACTIVE)}, THRESHOLDS["spam"], gate.Tolerance()
    )
    trained_from = {"labels": 40, "spam": 20, "genuine": 20, "sources": {"api": 40}}
    trained_from |= {"threshold": 0.9, "thresholds": THRESHOLDS}
    return add_version(app, site_id, "judged", verdict.figures, trained_from)


def test_a_judged_version_shows_both_roc_curves_and_histograms_side_by_side(app, admin, sites):
    client, _ = admin
    judged_version(app, sites[0])
    page = client.get("/review/models/")
    text = page.text
    assert text.count('<polyline class="curve candidate"') == 1
    assert text.count('<polyline class="curve active"') == 1
    assert text.count('class="plot histogram"') == 2  # the candidate's beside the active's
    assert "ROC curves on newest labels: candidate and active model" in text
    assert "Scores of the candidate on newest labels" in text
    assert "Scores of the active model on newest labels" in text
    # the thresholds cross each histogram, and the candidate's operating point is marked
    for name in THRESHOLDS:
        assert text.count(f'<line class="threshold {name}"') == 2
    assert (
        "at the spam threshold, blocks 0.0% of genuine comments and catches 50.0% of spam" in text
    )
    assert "(0.000, 0.000)" in text and "(1.000, 1.000)" in text  # the numbers beside
    assert "No plot data" not in text
    # every plot is an accessible image: its title and description name it
    assert text.count('role="img"') == 3
    assert text.count("<title id=") == text.count("<desc id=") == 3


def test_a_version_judged_before_curves_were_kept_says_there_is_no_plot_data(app, admin, sites):
    client, _ = admin
    add_version(app, sites[0])
    text = client.get("/review/models/").text
    assert "No plot data" in text and "<svg" not in text
    assert "0.970" in text  # its figures are still shown


@pytest.mark.parametrize(
    ("where", "hostile"),
    [
        ("roc", [[0, 0], ['0" onload="alert(1)', 1], [1, 1]]),
        ("roc", [[0, 0], [2.5, 1], [1, 1]]),  # outside the unit square
        ("roc", [[0, 0], ["NaN", "Infinity"], [1, 1]]),
        ("histogram", {"spam": ["<script>alert(1)</script>"], "genuine": [1]}),
        ("histogram", {"spam": [-3], "genuine": [1]}),
    ],
)
def test_a_tampered_card_draws_no_markup_of_its_own(app, admin, sites, where, hostile):
    client, _ = admin
    version_id, _ = judged_version(app, sites[0], set_name="<script>alert('set')</script>")
    with app.app_context():
        db = get_session()
        row = models_registry.version_named(db, str(version_id))
        figures = {name: dict(pair) for name, pair in row.figures.items()}
        for pair in figures.values():
            pair["candidate"] = {**pair["candidate"], where: hostile}
        row.figures = figures
        row.trained_from = {**row.trained_from, "thresholds": {"spam": '"/><script>x</script>'}}
        db.commit()
    text = client.get("/review/models/").text
    assert "<script>" not in text.split("</main>")[0].split('<main id="main">')[1]
    assert "onload" not in text
    assert "&lt;script&gt;alert(&#39;set&#39;)&lt;/script&gt;" in text  # the set's name, escaped
    drawn = "ROC curve not drawn" if where == "roc" else "histograms not drawn"
    assert drawn in text
    assert 'class="threshold spam"' not in text  # an unreadable threshold is skipped


def test_tampered_figures_show_as_unknown_not_as_markup_or_an_error(app, admin, sites):
    client, _ = admin
    hostile = "<b>0.9</b>"
    pair = {who: dict(FIGURES["newest labels"][who]) for who in ("candidate", "active")}
    pair["candidate"] |= {"auc": hostile, "spam_caught": [1], "blocked_genuine": True}
    add_version(app, sites[0], figures={"newest labels": pair, "<i>odd</i>": "not a pair"})
    page = client.get("/review/models/")
    assert page.status_code == 200
    assert "<b>0.9</b>" not in page.text and "<i>odd</i>" not in page.text
    assert page.text.count("n/a") >= 3 and "0.800" in page.text  # the active side stands


def test_a_scope_shows_its_newest_versions_and_always_the_active_one(app, admin, sites):
    from moderator.web import models_page

    client, _ = admin
    site_id = sites[0]
    first_id, first = add_version(app, site_id, reason="first")
    with app.app_context():
        db = get_session()
        row = models_registry.version_named(db, str(first_id))
        models_registry.promote(db, row, "cli", "by hand")
    shown = models_page.SHOWN_PER_SCOPE
    names = [add_version(app, site_id, reason=f"v{i}")[1] for i in range(shown)]
    page = client.get("/review/models/").text
    assert first in page  # active, though older than the newest ten
    assert all(name in page for name in names)
    assert "0 older" not in page

    extra = add_version(app, site_id, reason="newest")[1]
    page = client.get("/review/models/").text
    assert extra in page and first in page
    assert names[0] not in page  # the oldest refused one dropped off
    assert "1 older version not shown" in page
