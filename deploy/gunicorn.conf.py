"""gunicorn settings for moderator, for running gunicorn yourself instead of `moderator serve`:

    gunicorn -c deploy/gunicorn.conf.py

It gives gunicorn what `moderator serve` does (moderator/server.py): the app built once
in the master (models read and checked once, warmed up, handed to workers by fork),
workers that die with their master, a reusable socket, metrics counted across workers, the
background jobs in the workers (unless MODERATOR_RUN_WORKER_IN_SERVER=false), and no
access log (the app writes one JSON line per request). Settings are MODERATOR_*
variables as always; these two are gunicorn's own:

    MODERATOR_BIND      address to listen on (default 127.0.0.1:8000)
    WEB_CONCURRENCY     worker processes (default 2; see the README, Sizing)
"""

import os

from moderator.server import (
    SETTINGS,
    child_exit,  # noqa: F401 (a gunicorn hook, found by name)
    post_fork,  # noqa: F401
    post_worker_init,  # noqa: F401
    prepare_metrics_dir,
    when_ready,  # noqa: F401
)

# Before the app is imported: prometheus-client picks multiprocess mode at import.
prepare_metrics_dir()

wsgi_app = "moderator:create_app()"
bind = os.environ.get("MODERATOR_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
preload_app = True
accesslog = SETTINGS["accesslog"]
errorlog = "-"
timeout = SETTINGS["timeout"]
graceful_timeout = SETTINGS["graceful_timeout"]
reuse_port = SETTINGS["reuse_port"]
