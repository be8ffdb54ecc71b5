"""Configuration: defaults in one place, then the instance file, then MODERATOR_* variables."""

from __future__ import annotations

import os
import secrets
import tempfile
import tomllib
from pathlib import Path

#: The project folder when running from a checkout (holds models/ and training_data/).
PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    # SQLAlchemy URL; None means a SQLite file in the instance folder.
    "DATABASE_URL": None,
    # Signs session cookies and CSRF tokens; None means one generated into the instance folder.
    "SECRET_KEY": None,
    # Largest request body accepted, in bytes (413 beyond). WordPress accepts comments of
    # up to 65,525 characters; escaped as PHP's json_encode does (\ud83d\ude00) or
    # percent-encoded in a form (%F0%9F%98%80), one character may take 12 bytes: 786,300
    # bytes for the longest comment, with the other fields well within 1 MiB.
    "MAX_BODY_BYTES": 1024 * 1024,
    # Folder holding spam.joblib/medical.joblib and their cards.
    "MODEL_DIR": str(PROJECT_ROOT / "models"),
    # Apply pending migrations when the app starts (SQLite and PostgreSQL).
    "AUTO_MIGRATE": True,
    # The events feed holds back events younger than this, so that one whose transaction
    # commits after a later-numbered one (several app servers on PostgreSQL) is not
    # skipped by a client's cursor.
    "EVENTS_SETTLE_SECONDS": 2.0,
    # Most comments one POST /api/v1/score may carry.
    "SCORE_BATCH_LIMIT": 1000,
    # Largest body of a POST /api/v1/score, in bytes: SCORE_BATCH_LIMIT comments of a real
    # size (a blog comment with its author fields is 0.5 to 2 KB of JSON; 4 KiB each leaves
    # room). Every other request keeps MAX_BODY_BYTES, and every field its own limit.
    "SCORE_BODY_BYTES": 1000 * 4096,
    # Comments one key may have scored per minute, stored or not (0: no limit): a batch
    # of 1,000 costs 1,000, so one key cannot keep every worker busy with batches.
    "API_COMMENTS_PER_MINUTE": 20000,
    # Largest page of a listing.
    "PAGE_LIMIT_MAX": 200,
    # API requests one key may make per minute (0: no limit).
    "API_RATE_LIMIT_PER_MINUTE": 1200,
    # Database connections each process keeps (PostgreSQL): a sync worker serves one
    # request at a time, so 2 (and 2 more at a peak) per worker; the server's
    # max_connections must hold workers x (pool + overflow) for every app server.
    "DATABASE_POOL_SIZE": 2,
    "DATABASE_MAX_OVERFLOW": 2,
    # Requests with an unknown or revoked key one address may make per minute (429 beyond).
    # Not lower: a client checking that the API refuses bad keys (schemathesis sends one
    # per operation) must see 401s, and keys are too long to guess at any rate.
    "API_BAD_KEYS_PER_MINUTE": 60,
    # Login attempts one address may make per minute, whatever names it tries.
    "LOGIN_ATTEMPTS_PER_MINUTE": 10,
    # Failed logins from one address before it must wait; each further failure doubles
    # the wait (2 s, 4 s, ...) up to the cap. Accounts are never locked.
    "LOGIN_FREE_FAILURES": 5,
    "LOGIN_MAX_DELAY_SECONDS": 900,
    # A review-page session ends after this long without a request, and this long after
    # the login whatever happens.
    "SESSION_IDLE_SECONDS": 2 * 3600,
    "SESSION_ABSOLUTE_SECONDS": 12 * 3600,
    # Always send session cookies with Secure (they are anyway on requests that came over
    # HTTPS, as seen directly or through TRUSTED_PROXIES).
    "SESSION_COOKIE_SECURE": False,
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host/-Port headers
    # to believe (0: none, the headers are ignored; 1: one nginx or load balancer).
    "TRUSTED_PROXIES": 0,
    # werkzeug's password hash method; the default is scrypt (n=32768).
    "PASSWORD_HASH_METHOD": "scrypt",
    # E-mail the author at once about each urgent comment (a reader who may be in danger)
    # through this SMTP server; off while SMTP_HOST is unset or no one is named (a site's
    # own `urgent_email_to` setting wins over URGENT_EMAIL_TO, a comma-separated list). A
    # failure to send is logged and never loses the comment.
    "SMTP_HOST": "",
    "SMTP_PORT": 25,
    "SMTP_STARTTLS": False,
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "SMTP_TIMEOUT": 10.0,
    "URGENT_EMAIL_FROM": "moderator@localhost",
    "URGENT_EMAIL_TO": "",
    # Run the background jobs (webhook delivery, clean-up, ...) in a thread of each
    # `moderator serve` worker. Turn off where a separate `moderator worker` runs them;
    # on either, a cluster-wide lock runs each job on one process at a time.
    "RUN_WORKER_IN_SERVER": True,
    # Seconds the worker loop sleeps between looks at which jobs are due.
    "WORKER_TICK_SECONDS": 2.0,
    # Webhooks: a POST waits this long for an answer; failed ones are tried again after
    # FIRST seconds, doubling (with up to 20% jitter) to MAX, and given up after
    # MAX_ATTEMPTS; delivered and given-up rows are deleted after RETENTION_DAYS.
    "WEBHOOK_TIMEOUT_SECONDS": 10.0,
    "WEBHOOK_RETRY_FIRST_SECONDS": 30.0,
    "WEBHOOK_RETRY_MAX_SECONDS": 6 * 3600.0,
    "WEBHOOK_MAX_ATTEMPTS": 12,
    "WEBHOOK_BATCH": 20,
    "WEBHOOK_RETENTION_DAYS": 30,
    # Let webhooks go to loopback and private addresses (and plain http to loopback):
    # for a receiver on the same machine or network, and tests. Off: https to public
    # addresses only, so a site's webhook cannot reach into the server's network.
    "WEBHOOK_ALLOW_PRIVATE": False,
    # /metrics answers a request carrying `Authorization: Bearer <this>`; while empty,
    # only requests from loopback (a Prometheus on the same machine, or through a
    # trusted proxy from loopback) are answered, others get 404.
    "METRICS_TOKEN": "",
    # Believe a client's X-Request-Id (from a proxy that sets it) instead of making one.
    "TRUST_REQUEST_ID": False,
    # Write one JSON line per request to the log (request id, method, route, status,
    # duration, site id; never a comment's content or a key).
    "REQUEST_LOG": True,
    # -- learning from moderators (README: "Learning from your moderators") --
    # Folder of the trained layers and their cards (None: `learned-models` in the
    # instance folder): this server's copy; the database holds every version's bytes.
    "LEARNED_MODEL_DIR": None,
    # Each process asks the registry which versions are active at most this often
    # (seconds), on a request: a promoted version serves everywhere within this time.
    "REGISTRY_CHECK_SECONDS": 30.0,
    # The background pass retrains a site after this many new labels, and any site with
    # new labels once this many seconds have passed since its last training (0: never).
    "RETRAIN_AFTER_LABELS": 50,
    "RETRAIN_EVERY_SECONDS": 24 * 3600,
    # Fewest labels (of both kinds) a site needs before a layer is trained for it.
    "LEARNING_MIN_LABELS": 20,
    # The newest share of the labels a candidate is judged on, never trained on.
    "LEARNING_HOLDOUT_SHARE": 0.2,
    # The fixed evaluation set every candidate is judged on too (JSON lines: content,
    # spam); empty for none.
    "LEARNING_EVALUATION_SET": str(PROJECT_ROOT / "training_data" / "blog_comments.jsonl"),
    # The gate: how much more genuine comments a candidate may block, how much less spam
    # it may catch, how much more spam it may publish (shares, 0.01 = one point), and how
    # much lower its AUC may be, than the active model's.
    "GATE_BLOCKED_GENUINE_TOLERANCE": 0.01,
    "GATE_SPAM_CAUGHT_TOLERANCE": 0.02,
    "GATE_SPAM_PUBLISHED_TOLERANCE": 0.02,
    "GATE_AUC_TOLERANCE": 0.02,
    # The layer's penalties: on its word weights, and on scaling or shifting the shared
    # score (infinite: never; see moderator/learning/layer.py for why).
    "LEARNING_STRENGTH": 0.1,
    "LEARNING_ANCHOR": float("inf"),
}

INSTANCE_CONFIG_FILE = "moderator.toml"


def load(app, test_config: dict | None = None) -> None:
    """Fill `app.config` from defaults, the instance file and the environment (or a test dict)."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_file(
            str(Path(app.instance_path) / INSTANCE_CONFIG_FILE),
            load=tomllib.load,
            text=False,
            silent=True,
        )
        app.config.from_prefixed_env(prefix="MODERATOR")
    else:
        app.config.from_mapping(test_config)

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'moderator.db'}"
    if not app.config["LEARNED_MODEL_DIR"]:
        app.config["LEARNED_MODEL_DIR"] = str(instance / "learned-models")
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(instance)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_BODY_BYTES"])
    app.config["MAX_FORM_MEMORY_SIZE"] = int(app.config["MAX_BODY_BYTES"])
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_NAME"] = "moderator_session"
    # The cookie lasts no longer than the session it carries (the server decides anyway).
    app.config["PERMANENT_SESSION_LIFETIME"] = int(app.config["SESSION_ABSOLUTE_SECONDS"])


def _instance_secret(instance: Path) -> str:
    """Return the instance's generated secret key, creating it on first use.

    Several app servers must share one key: set MODERATOR_SECRET_KEY for them.
    """
    path = instance / "secret_key"
    if not path.exists():
        # Written whole to a private temporary file, then linked into place: a worker
        # starting at the same moment sees either no file or the complete key.
        fd, temporary = tempfile.mkstemp(dir=instance, prefix=".secret_key.")
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    return path.read_text(encoding="ascii").strip()


def settings():
    """Return the configuration without building the app (for commands that need no models)."""
    from flask import Flask

    app = Flask("moderator", instance_relative_config=True)
    load(app)
    app.config["INSTANCE_PATH"] = app.instance_path
    return app.config
