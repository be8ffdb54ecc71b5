"""moderator: a self-hosted comment moderation and spam-filter service for blogs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the core (text, models, rules, decision, training) runs without Flask
    from flask import Flask


def create_app(test_config: dict | None = None, models=None, clock=None) -> Flask:
    """Build the Flask app: configuration, database, models, and the blueprints.

    `models` lets a caller hand over already-loaded models instead of reading MODEL_DIR
    (`moderator serve` hands each worker the models its master read and checked). A model
    that cannot be loaded does not stop the app: see `moderator.models`. `clock` (a
    function returning the aware UTC time) lets tests move time forward.
    """
    from flask import Flask

    from moderator import cli, config, db
    from moderator.learning.serving import LearnedModels
    from moderator.models import ModelStore
    from moderator.storage.schema import utcnow
    from moderator.web import (
        accounts,
        akismet,
        api,
        health,
        limits,
        models_page,
        monitoring,
        problems,
        review,
        security,
        settings,
        users,
    )

    instance_path = (test_config or {}).get("INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=instance_path,
        template_folder="web/templates",
        static_folder="web/static",
    )
    config.load(app, test_config)
    db.init_app(app)
    if models is None:
        store = ModelStore(app.config["MODEL_DIR"])
        app.extensions["moderator.model_store"] = store
        models = store.refresh()
    app.extensions["moderator.models"] = models
    app.extensions["moderator.learned"] = LearnedModels(
        models,
        app.config["LEARNED_MODEL_DIR"],
        app.extensions["moderator.sessions"],
        check_seconds=float(app.config["REGISTRY_CHECK_SECONDS"]),
    )
    app.extensions["moderator.clock"] = clock or utcnow
    # First: a request the others refuse early still gets its id, log line and count.
    monitoring.init_app(app)
    problems.init_app(app)
    limits.init_app(app)
    security.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(akismet.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(users.bp)
    app.register_blueprint(settings.bp)
    app.register_blueprint(models_page.bp)
    app.register_blueprint(review.home)
    app.register_blueprint(health.bp)
    cli.init_app(app)
    return app
