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
* **The socket is reusable.** `SO_REUSEADDR` (gunicorn's default) and `SO_REUSEPORT`:
  a new master binds the port at once, even while an old worker finishes a request.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

from gunicorn.app.base import BaseApplication

from moderator.models import ModelStore

#: Linux's prctl option: the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1

#: gunicorn settings of every `moderator serve` (bind and workers come from its options).
SETTINGS = {
    "accesslog": "-",
    # The path without its query string: Akismet clients send keys as api_key=...
    "access_log_format": '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss',
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

    def load(self):
        """Build the app in a worker, with the master's models (no model file is read)."""
        from moderator import create_app

        return create_app(models=self.store.models)

    def reload(self) -> None:
        """On SIGHUP: read the model files again, keeping the last good model of each."""
        super().reload()
        self.store.refresh()
