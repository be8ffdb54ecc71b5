"""The gunicorn server `moderator serve` runs: its settings, its hooks, and its models.

Three things make a restart reliable and a bad model file harmless:

* **Models read once, in the master.** The master reads each model file, checks it
  against its card and builds the models (`moderator.models.ModelStore`); every worker,
  the first ones and those started later, gets them from the master by `fork`, never by
  reading the files again. A file damaged while the service runs cannot reach a worker.
  `kill -HUP <master>` reads the files again; an unfit new file keeps the last good model.
* **Workers die with their master.** Each worker asks the kernel for SIGTERM when the
  master dies (`PR_SET_PDEATHSIG`), so a master killed with SIGKILL (the OOM killer, a
  `kill -9`) leaves no orphan holding the port.
* **Models warmed up in the master.** What a model builds on its first comment (its
  compiled patterns, ~0.7 s) is built once by deciding a few sample comments in the
  master (`warm_up`, from the `when_ready` hook and after a reload), so no worker's
  first requests pay for it and every worker shares it by fork. Then the master's
  objects are frozen out of the cyclic collector's reach (`freeze_for_fork`), so no
  worker's collection writes to, and so copies, the pages of the models they share.
* **The socket is reusable.** `SO_REUSEADDR` (gunicorn's default) and `SO_REUSEPORT`:
  a new master binds the port at once, even while an old worker finishes a request.

And two things make it observable and self-sufficient:

* **Metrics add up across workers.** `prepare_metrics_dir` gives prometheus-client a
  folder (PROMETHEUS_MULTIPROC_DIR) before anything counts; each worker writes its
  counters there, a scrape of any worker reads them all, and a worker that exits is
  marked dead (`child_exit`). The folder is emptied at start and removed at exit when
  `serve` made it.
* **Background jobs run in the workers** (RUN_WORKER_IN_SERVER): each worker starts the
  worker loop in a thread (`post_worker_init`); the cluster-wide job locks let one of
  them, on one server, run each job at a time.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import gc
import logging
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from gunicorn.app.base import BaseApplication

from moderator.models import ModelStore

log = logging.getLogger(__name__)

#: Linux's prctl option: the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1

#: gunicorn settings of every `moderator serve` (bind and workers come from its options).
SETTINGS = {
    # No access log: the app writes one JSON line per request (moderator.web.monitoring),
    # with the route rule instead of the path (Akismet clients send keys as api_key=...).
    "accesslog": None,
    "timeout": 60,
    "graceful_timeout": 20,
    "reuse_port": True,
}


def die_with_parent(parent_pid: int) -> bool:
    """Have the kernel send this process SIGTERM when its parent dies; return whether it will.

    Only Linux has the call; elsewhere gunicorn's own parent check (at most `timeout / 2`
    seconds late) is what remains. A parent that died before the call is caught here too.
    """
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        return False
    if os.getppid() != parent_pid:  # the parent died between fork and prctl
        os.kill(os.getpid(), signal.SIGTERM)
    return True


def post_fork(server, worker) -> None:
    """gunicorn hook, in each new worker: die with the master."""
    if not die_with_parent(worker.ppid):
        server.log.warning("worker %s will outlive a killed master on this system", worker.pid)


#: The variable prometheus-client reads, at import, to count in files (multiprocess mode).
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_metrics_dir() -> Path:
    """Give this server's processes a metrics folder before prometheus-client is imported.

    An operator's PROMETHEUS_MULTIPROC_DIR is used (and emptied of the last run's files:
    counters start again at a restart, as Prometheus expects); otherwise a private
    temporary folder is made and removed when the server exits.
    """
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink(missing_ok=True)
        return folder
    folder = Path(tempfile.mkdtemp(prefix="moderator-metrics-"))
    os.environ[MULTIPROC_ENV] = str(folder)
    atexit.register(_remove_folder, folder, os.getpid())
    return folder


def _remove_folder(folder: Path, owner: int) -> None:
    """Remove the metrics folder when the process that made it exits.

    Forked workers inherit the exit handler; one that exits (a restart) must leave the
    folder to the master and the other workers.
    """
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)


def child_exit(server, worker) -> None:
    """gunicorn hook, in the master when a worker exits: drop its live gauges."""
    from moderator import metrics

    metrics.worker_exit(worker.pid)


#: Comments decided once in the master (`warm_up`): a plain one, a reader's medical
#: question with a red flag, and spam with links, so each model's lazily built parts run.
WARM_UP_COMMENTS = (
    "Thanks for the post, the second recipe worked for me too.",
    "I have had chest pain and my left arm is numb since this morning, should I worry? "
    "My doctor said to take 81 mg aspirin.",
    "Cheap viagra and casino bonus! Visit http://spam.example/buy now, mail win@spam.example",
)


def warm_up(models) -> None:
    """Decide the WARM_UP_COMMENTS with `models`, so what the models build on their first
    comment is built here (in the master, shared by fork); a failure is only logged."""
    if models is None:
        return
    from moderator.core.comment import Comment
    from moderator.core.decision import decide_many
    from moderator.core.settings import SiteSettings

    try:
        decide_many([Comment(content=text) for text in WARM_UP_COMMENTS], SiteSettings(), models)
    except Exception:  # the requests will meet it again, and say so; start anyway
        log.exception("warming the models up failed")


def when_ready(server) -> None:
    """gunicorn hook, in the master before it starts workers: warm the models up, then
    set what the master holds aside from the collector (`freeze_for_fork`)."""
    application = server.app
    store = getattr(application, "store", None)
    if store is not None:  # `moderator serve`: the master holds the store, not the app
        warm_up(store.models)
    elif server.cfg.preload_app:  # gunicorn -c deploy/gunicorn.conf.py: the app is built
        warm_up(getattr(application.wsgi(), "extensions", {}).get("moderator.models"))
    freeze_for_fork()


def freeze_for_fork() -> None:
    """Move every object the master holds now (the models above all) out of the cyclic
    collector's reach, so the workers forked from it never walk them.

    A collection in a worker writes to every object it walks, which copies the memory
    page it sits on: the models' pages, shared by fork, would become each worker's own.
    Frozen objects are still freed when nothing refers to them; a reload unfreezes first,
    so the models it replaces can be collected.
    """
    gc.collect()
    gc.freeze()


def post_worker_init(worker) -> None:
    """gunicorn hook, in each worker once its app is built: start the background jobs."""
    app = worker.wsgi
    extensions = getattr(app, "extensions", {})
    if "moderator.engine" in extensions:
        # An app built in the master (gunicorn's preload_app) must not share its pooled
        # connections with the workers: each worker opens its own.
        extensions["moderator.engine"].dispose(close=False)
    if getattr(app, "config", {}).get("RUN_WORKER_IN_SERVER"):
        from moderator import worker as jobs

        jobs.start_thread(app)


class Server(BaseApplication):
    """gunicorn serving moderator with models its master read and checked once."""

    def __init__(self, store: ModelStore, bind: str, workers: int) -> None:
        self.store = store
        self.bind = bind
        self.workers = workers
        super().__init__()

    def load_config(self) -> None:
        """Apply SETTINGS, the address, the worker count and the hooks."""
        for name, value in {**SETTINGS, "bind": self.bind, "workers": self.workers}.items():
            self.cfg.set(name, value)
        self.cfg.set("post_fork", post_fork)
        self.cfg.set("post_worker_init", post_worker_init)
        self.cfg.set("child_exit", child_exit)
        self.cfg.set("when_ready", when_ready)

    def load(self):
        """Build the app in a worker, with the master's models (no model file is read)."""
        from moderator import create_app

        return create_app(models=self.store.models)

    def reload(self) -> None:
        """On SIGHUP: read the model files again, keeping the last good model of each."""
        super().reload()
        gc.unfreeze()
        warm_up(self.store.refresh())
        freeze_for_fork()
