"""Learning end to end: labels through the API, `train --from-labels`, scores without restart.

Every test runs on SQLite and on PostgreSQL (the `app` fixture). The registry check
interval is the default (30 s); tests move a fake monotonic clock past it instead of
sleeping, so "within 30 s, without a restart" is what they check.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from moderator import create_app, storage
from moderator.db import get_session
from moderator.learning import jobs
from moderator.storage import models_registry
from moderator.storage.schema import Label, ModelVersion

TOPICS = ("roses", "slugs", "compost", "seedlings", "raised beds", "watering", "tulips", "mulch")
#: A spam family the shipped model lets through: praise with a plug for one "guide".
FAMILY = [
    f"Lovely post about {topic}! The Quillbrook collective guide covers {topic} too, {tail}."
    for topic in TOPICS
    for tail in ("worth a look", "highly recommended", "see their guide")
]
GENUINE = [
    f"Thanks for the piece on {topic}. {tail}"
    for topic in TOPICS
    for tail in ("Mine never grew at all this year.", "What soil do you use?", "Same here.")
]
#: Comments of the family and genuine ones that no label saw.
PROBE_SPAM = (
    "Great article on hedges, the Quillbrook collective guide covers hedges too, worth a look."
)
PROBE_GENUINE = "Thanks for the piece on hedges. Mine never grew at all this year."
OFFERS = ("cheap loans", "followers", "crypto signals", "essay writing", "diet pills", "casino")
#: Plain link spam of the kind the fixed evaluation set holds.
LINK_SPAM = [
    f"Free {offer} for every reader of this blog! Contact me on whatsapp +1 555 0{i}{j} "
    f"or visit https://{offer.split()[0]}-deals.example.com/{tail}"
    for i, offer in enumerate(OFFERS)
    for j, tail in enumerate(("now", "today", "offer", "best"))
]


class FakeMonotonic:
    """A monotonic clock the test moves, for the registry's check interval."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        """Return the current (test) time in seconds."""
        return self.now


@pytest.fixture
def monotonic(app) -> FakeMonotonic:
    """The app's registry clock, moved by hand (the check interval stays the default 30 s)."""
    clock = FakeMonotonic()
    app.extensions["moderator.learned"].clock = clock
    return clock


def post_labelled(client, key: str, texts, label: str) -> list[int]:
    """Post comments through the API and label each through its feedback endpoint."""
    headers = {"Authorization": f"Bearer {key}"}
    ids = []
    for text in texts:
        body = client.post("/api/v1/comments", json={"content": text}, headers=headers).get_json()
        response = client.post(
            f"/api/v1/comments/{body['id']}/feedback", json={"label": label}, headers=headers
        )
        assert response.status_code == 200
        ids.append(body["id"])
    return ids


def scores(client, key: str, texts) -> list[float]:
    """Score comments through POST /api/v1/score with a site's key."""
    response = client.post(
        "/api/v1/score",
        json={"comments": [{"content": t} for t in texts]},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200
    return [r["spam_score"] for r in response.get_json()["results"]]


def teach(client, key: str) -> None:
    """Label the family as spam and the genuine comments as genuine, on one site."""
    post_labelled(client, key, FAMILY, "spam")
    post_labelled(client, key, GENUINE, "ham")


def test_labels_on_a_new_family_raise_it_for_that_site_only(
    app, client, runner, site_key, other_site_key, monotonic
):
    probes = [PROBE_SPAM, PROBE_GENUINE]
    before, other_before = (
        scores(client, site_key[1], probes),
        scores(client, other_site_key[1], probes),
    )
    teach(client, site_key[1])

    result = runner.invoke(args=["train", "--from-labels", "--site", "https://blog.example"])
    assert result.exit_code == 0, result.output
    assert "https://blog.example: active spam-site1-" in result.output
    assert "blocked genuine" in result.output and "spam caught" in result.output

    assert scores(client, site_key[1], probes) == before  # not yet checked: no half change
    monotonic.now += 30
    after = scores(client, site_key[1], probes)
    assert after[0] > max(before[0], 0.7) and after[1] <= before[1] + 0.05
    assert scores(client, other_site_key[1], probes) == other_before  # exactly as before


def test_a_deliberately_worse_candidate_is_refused_with_its_reason(
    app, client, runner, site_key, monotonic
):
    """The newest labels are inverted too, so the fixed evaluation set is what shows it."""
    before = scores(client, site_key[1], [PROBE_SPAM, PROBE_GENUINE])
    post_labelled(client, site_key[1], LINK_SPAM, "ham")  # a careless moderator, inverted
    post_labelled(client, site_key[1], GENUINE, "spam")
    result = runner.invoke(args=["train", "--from-labels", "--site", "https://blog.example"])
    assert result.exit_code == 0, result.output
    assert ": refused spam-site1-" in result.output
    with app.app_context():
        row = get_session().execute(select(ModelVersion)).scalar_one()
        assert row.state == "refused"
        assert "blocks more genuine comments" in row.reason or "catches less spam" in row.reason
        assert set(row.figures) >= {"newest labels", "evaluation set"}
    monotonic.now += 30
    assert scores(client, site_key[1], [PROBE_SPAM, PROBE_GENUINE]) == before


def test_the_card_keeps_both_models_curves_from_the_scores_judged(
    app, client, runner, site_key, monotonic
):
    """What the Models page plots: ROC curves and histograms of the real scores, both models."""
    from moderator.learning.gate import score_histogram
    from moderator.learning.layer import AdaptedSpamModel
    from moderator.learning.train import LearningSettings, read_evaluation_set

    teach(client, site_key[1])
    result = runner.invoke(args=["train", "--from-labels", "--site", "https://blog.example"])
    assert ": active spam-site1-" in result.output, result.output
    with app.app_context():
        row = get_session().execute(select(ModelVersion)).scalar_one()
        figures, card, trained_from = row.figures, row.card, row.trained_from
    assert card["figures"] == figures and card["trained_from"] == trained_from
    cuts = trained_from["thresholds"]
    assert cuts["unsure"] <= cuts["spam"] == trained_from["threshold"] <= cuts["discard"]
    for name, pair in figures.items():
        for who in ("candidate", "active"):
            judged = pair[who]
            if judged["spam"] in (0, judged["comments"]):  # one class: no curve to draw
                assert judged["roc"] is None, name
            else:
                assert judged["roc"][0] == [0.0, 0.0] and judged["roc"][-1] == [1.0, 1.0], name
                assert 2 <= len(judged["roc"]) <= 50
            spam, genuine = judged["histogram"]["spam"], judged["histogram"]["genuine"]
            assert len(spam) == len(genuine) == 20
            assert sum(spam) == judged["spam"]
            assert sum(spam) + sum(genuine) == judged["comments"]
    # the newest 20% of 48 labels: the last genuine comments taught, so no curve there
    assert figures["newest labels"]["candidate"]["comments"] == 10
    assert figures["newest labels"]["candidate"]["roc"] is None
    assert figures["evaluation set"]["candidate"]["roc"] is not None
    # Before this site had a layer it was scored by the shipped model: the active side
    # of the evaluation set is the shipped model's scores on it, binned.
    evaluation, labels = read_evaluation_set(
        LearningSettings.from_config(app.config).evaluation_set
    )
    shipped = AdaptedSpamModel(app.extensions["moderator.models"].spam, []).probabilities(
        evaluation
    )
    assert figures["evaluation set"]["active"]["histogram"] == score_histogram(labels, shipped)


def test_two_app_instances_on_one_database_serve_a_promotion_without_restart(
    app, client, runner, site_key, monotonic, tmp_path
):
    """The second server is another machine: its model folder is its own, empty."""
    second = create_app(
        {
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "AUTO_MIGRATE": False,
            "INSTANCE_PATH": str(tmp_path / "second"),
            "LEARNED_MODEL_DIR": str(tmp_path / "second-models"),
        },
        models=app.extensions["moderator.models"],
    )
    second_clock = FakeMonotonic()
    second.extensions["moderator.learned"].clock = second_clock
    try:
        other = second.test_client()
        before = scores(other, site_key[1], [PROBE_SPAM])  # both instances have checked once
        teach(client, site_key[1])
        assert (
            runner.invoke(
                args=["train", "--from-labels", "--site", "https://blog.example"]
            ).exit_code
            == 0
        )
        monotonic.now += 30
        second_clock.now += 30
        first_now, second_now = (
            scores(client, site_key[1], [PROBE_SPAM]),
            scores(other, site_key[1], [PROBE_SPAM]),
        )
        assert first_now == second_now and first_now[0] > before[0]
        with app.app_context():
            active = models_registry.active_version(get_session(), "spam", site_key[0])
        served = second.extensions["moderator.learned"].serving()
        assert served[site_key[0]] == active.version
        # written back from the database, and checked as any file
        assert (tmp_path / "second-models" / f"{active.version}.joblib").is_file()
    finally:
        second.extensions["moderator.engine"].dispose()


def test_rollback_restores_the_previous_version(app, client, runner, site_key, monotonic):
    teach(client, site_key[1])
    assert (
        runner.invoke(args=["train", "--from-labels", "--site", "https://blog.example"]).exit_code
        == 0
    )
    monotonic.now += 30
    first = scores(client, site_key[1], [PROBE_SPAM, PROBE_GENUINE])
    post_labelled(
        client, site_key[1], [f"{t} Also the Quillbrook guide!" for t in GENUINE[:6]], "spam"
    )
    result = runner.invoke(args=["train", "--from-labels", "--site", "https://blog.example"])
    assert ": active" in result.output, result.output
    monotonic.now += 30
    assert scores(client, site_key[1], [PROBE_SPAM, PROBE_GENUINE]) != first

    result = runner.invoke(args=["models", "rollback", "--site", "https://blog.example"])
    assert result.exit_code == 0 and "is active again" in result.output
    monotonic.now += 30
    assert scores(client, site_key[1], [PROBE_SPAM, PROBE_GENUINE]) == first
    listing = runner.invoke(args=["models", "list"]).output
    assert "\tactive\t" in listing and "\tretired\t" in listing


def test_models_show_leaves_the_plot_points_out_unless_asked(app, client, runner, site_key):
    teach(client, site_key[1])
    runner.invoke(args=["train", "--from-labels", "--site", "https://blog.example"])
    with app.app_context():
        version = models_registry.active_version(get_session(), "spam", site_key[0]).version
    brief = runner.invoke(args=["models", "show", version])
    full = runner.invoke(args=["models", "show", version, "--plots"])
    assert brief.exit_code == 0 and full.exit_code == 0
    shown, plotted = json.loads(brief.output), json.loads(full.output)
    assert shown["version"] == version and shown["figures"]
    assert '"roc"' in full.output and '"histogram"' in full.output
    assert '"roc"' not in brief.output and '"histogram"' not in brief.output
    # the headline figures are the same either way
    compared = 0
    for name, figures in shown["figures"].items():
        if isinstance(figures, dict):
            for model, values in figures.items():
                if isinstance(values, dict):
                    full_values = plotted["figures"][name][model]
                    assert {k: full_values[k] for k in values} == values
                    compared += 1
    assert compared >= 2


def test_a_tampered_file_is_never_served_nor_promoted(app, client, runner, site_key, monotonic):
    teach(client, site_key[1])
    runner.invoke(args=["train", "--from-labels", "--site", "https://blog.example"])
    monotonic.now += 30
    learned = scores(client, site_key[1], [PROBE_SPAM, PROBE_GENUINE])
    first = app.extensions["moderator.learned"].serving()[site_key[0]]

    more = [f"{t} Also the Quillbrook guide!" for t in GENUINE[:6]]
    post_labelled(client, site_key[1], more, "spam")
    result = runner.invoke(args=["train", "--from-labels", "--site", "https://blog.example"])
    assert ": active" in result.output, result.output
    with app.app_context():
        second = models_registry.active_version(get_session(), "spam", site_key[0]).version
    store = Path(app.config["LEARNED_MODEL_DIR"])
    path = store / f"{second}.joblib"
    path.write_bytes(path.read_bytes() + b"tampered")  # changed before any server loaded it
    monotonic.now += 30
    assert scores(client, site_key[1], [PROBE_SPAM, PROBE_GENUINE]) == learned  # still the first
    learned_models = app.extensions["moderator.learned"]
    assert learned_models.serving()[site_key[0]] == first
    assert "sha256" in learned_models.problems[second]

    first_file = store / f"{first}.joblib"
    first_file.write_bytes(first_file.read_bytes()[:-4])
    result = runner.invoke(args=["models", "promote", first])
    assert result.exit_code != 0 and "cannot be promoted" in result.output


def test_labels_from_each_source_are_counted_once(app, client, runner, site_key, session):
    teach(client, site_key[1])
    ids = post_labelled(client, site_key[1], FAMILY[:3], "spam")  # the same texts again
    for comment_id, source in zip(ids, ("review", "akismet", "import"), strict=True):
        record = storage.get_comment(session, None, comment_id)
        storage.add_label(session, record, "spam", True, actor="someone", source=source)
    session.commit()
    result = runner.invoke(args=["train", "--from-labels", "--site", "https://blog.example"])
    assert "learned from 48 labels (akismet 1, api 45, import 1, review 1)" in result.output
    assert len(session.execute(select(Label)).scalars().all()) == 54


def test_the_background_pass_retrains_after_enough_new_labels(app, client, site_key, monotonic):
    app.config["RETRAIN_AFTER_LABELS"] = 40
    post_labelled(client, site_key[1], FAMILY[:10], "spam")
    assert jobs.retrain_due(app) == "retrain: nothing due"
    teach(client, site_key[1])
    summary = jobs.retrain_due(app)
    assert summary.startswith("retrain: https://blog.example active spam-site1-"), summary
    assert jobs.retrain_due(app) == "retrain: nothing due"


def test_the_worker_job_retrains_and_counts_each_outcome(
    app, client, site_key, monotonic, monkeypatch
):
    from moderator import metrics, worker

    counted = []
    monkeypatch.setattr(metrics, "retrain_outcome", counted.append)
    app.config["RETRAIN_AFTER_LABELS"] = 40
    assert worker.retrain(app) == "retrain: nothing due" and counted == []
    teach(client, site_key[1])
    assert worker.retrain(app).startswith("retrain: https://blog.example active ")
    assert counted == ["active"]


def test_the_shared_layer_learns_only_from_trusted_sites(
    app, client, runner, site_key, other_site_key, monotonic
):
    teach(client, other_site_key[1])
    result = runner.invoke(args=["train", "--from-labels"])
    assert "shared: skipped" in result.output and "no trusted site" in result.output
    assert runner.invoke(args=["sites", "trust", "https://other.example"]).exit_code == 0
    before = scores(client, site_key[1], [PROBE_SPAM])
    result = runner.invoke(args=["train", "--from-labels"])
    assert "shared: active spam-shared-" in result.output, result.output
    monotonic.now += 30
    assert scores(client, site_key[1], [PROBE_SPAM])[0] > before[0]  # every site gains


def test_from_a_label_to_a_model_using_it_takes_under_two_minutes_with_defaults(
    app, client, runner, site_key, monotonic
):
    """Training a site's labels plus the registry check interval (default 30 s)."""
    import re
    import time

    assert app.config["REGISTRY_CHECK_SECONDS"] == 30.0  # the default
    teach(client, site_key[1])
    started = time.perf_counter()
    result = runner.invoke(args=["train", "--from-labels", "--site", "https://blog.example"])
    trained = time.perf_counter() - started
    assert re.search(r"learned from 48 labels \(api 48\) in [\d.]+ s", result.output)
    monotonic.now += app.config["REGISTRY_CHECK_SECONDS"]
    assert scores(client, site_key[1], [PROBE_SPAM])[0] > 0.5
    assert trained + app.config["REGISTRY_CHECK_SECONDS"] < 120


def test_training_reuses_the_scores_comments_were_decided_with(app, client, site_key, session):
    from moderator.learning.layer import AdaptedSpamModel
    from moderator.learning.train import shared_probabilities

    ids = post_labelled(client, site_key[1], FAMILY[:4], "spam")
    gone = storage.get_comment(session, None, ids[0])
    storage.delete_comment(session, gone, actor="ed", origin="moderator")
    examples = storage.training_examples(session, site_ids=[site_key[0]])
    model = AdaptedSpamModel(app.extensions["moderator.models"].spam, [])
    asked = []
    real = model.probabilities

    def counting(comments):
        asked.extend(c.content for c in comments)
        return real(comments)

    model.probabilities = counting
    reused = shared_probabilities(session, model, examples)
    assert asked == [FAMILY[0]]  # only the deleted comment is scored again
    decided = [storage.get_comment(session, None, i).spam_score for i in ids[1:]]
    assert reused[1:].tolist() == decided
    assert reused[0] == pytest.approx(real([examples[0].comment])[0])
