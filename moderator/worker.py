"""Background jobs: what runs besides requests, once across the cluster.

A `Job` is a name, an interval and a function of the app returning a short outcome
("delivered 3, retry 1"). The worker loop looks every WORKER_TICK_SECONDS at which jobs
are due and runs each under its cluster-wide lock (`storage.job_lock`), checking the
cluster's schedule under the lock (`storage.job_due`), so a job runs on one process at
a time and once per interval, whether one `moderator serve` runs the loop in its
workers' threads (RUN_WORKER_IN_SERVER, the default), several servers do, or a
`moderator worker` process does.

Adding a job is one line in `JOBS`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from moderator import metrics, storage, webhooks
from moderator.learning import jobs as learning_jobs

log = logging.getLogger("moderator.worker")


@dataclass(frozen=True)
class Job:
    """A background job: run `run(app)` every `every_seconds`, on one process at a time.

    `run` gets the Flask app (it may push an app context) and returns a short outcome
    for the log and `moderator worker --status`. `ttl_seconds` is how long a run may
    hold its lock on SQLite before another process may take it (PostgreSQL needs none).
    """

    name: str
    every_seconds: float
    run: Callable[[object], str]
    ttl_seconds: float = 900.0


def deliver_webhooks(app) -> str:
    """Job: POST the due webhook deliveries, each signed, with retries on failure."""
    settings = webhooks.Settings.from_config(app.config)
    outcome = webhooks.deliver_due(
        app.extensions["moderator.sessions"], settings, app.extensions["moderator.clock"]
    )
    return ", ".join(f"{name} {count}" for name, count in outcome.items())


def clean_up(app) -> str:
    """Job: forget expired sessions, old throttles and rate windows, old deliveries."""
    from moderator.web.accounts import login_policy, timeouts

    now = app.extensions["moderator.clock"]()
    with app.app_context(), app.extensions["moderator.sessions"]() as session:
        gone = storage.forget_stale(session, now, timeouts=timeouts(), throttle=login_policy())
        retention = timedelta(days=float(app.config["WEBHOOK_RETENTION_DAYS"]))
        gone["deliveries"] = storage.forget_deliveries(session, now - retention)
    return ", ".join(f"{name} {count}" for name, count in gone.items())


def retrain(app) -> str:
    """Job: retrain each site (and the shared layer) with enough new labels; count outcomes."""
    outcomes = learning_jobs.retrain_due_outcomes(app, app.extensions["moderator.clock"]())
    for outcome in outcomes:
        metrics.retrain_outcome(outcome.state)
    return learning_jobs.summary(outcomes)


#: The jobs every worker runs. Retraining is looked for every minute, so a label reaches
#: a model within two (the pass itself, then REGISTRY_CHECK_SECONDS for every server).
JOBS: list[Job] = [
    Job("webhooks", 2.0, deliver_webhooks, ttl_seconds=600.0),
    Job("retrain", 60.0, retrain, ttl_seconds=3600.0),
    Job("clean-up", 3600.0, clean_up),
]


def holder_name() -> str:
    """Return who holds a lock, for the jobs table: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    """Runs the due jobs of a list, each under its cluster-wide lock."""

    def __init__(self, app, jobs: list[Job] | None = None) -> None:
        self.app = app
        self.jobs = list(JOBS if jobs is None else jobs)
        self.holder = holder_name()

    def run_due(self) -> dict[str, str]:
        """Run each job that is due and free; return the outcome of each that ran."""
        ran = {}
        for job in self.jobs:
            outcome = self.run_job(job)
            if outcome is not None:
                ran[job.name] = outcome
        return ran

    def run_job(self, job: Job, *, force: bool = False) -> str | None:
        """Run one job if it is due (or `force`) and no other process runs it; else None."""
        engine = self.app.extensions["moderator.engine"]
        clock = self.app.extensions["moderator.clock"]
        sessions = self.app.extensions["moderator.sessions"]
        now = clock()
        every = timedelta(seconds=job.every_seconds)
        if not force:
            # A read first: most looks find nothing due, and then take no lock (a write
            # on SQLite, which request transactions would wait for).
            with sessions() as session:
                if not storage.job_due(session, job.name, every, now):
                    return None
        with storage.job_lock(
            engine, job.name, holder=self.holder, now=now, ttl=timedelta(seconds=job.ttl_seconds)
        ) as held:
            if not held:
                return None
            with sessions() as session:  # again under the lock: another may have run it
                if not force and not storage.job_due(session, job.name, every, now):
                    return None
            started = time.monotonic()
            try:
                outcome = job.run(self.app) or "done"
            except Exception as exc:  # a failing job is logged and tried at its next turn
                log.exception("job %s failed", job.name)
                outcome = f"failed: {type(exc).__name__}"
            with sessions() as session:
                storage.record_run(session, job.name, now, outcome)
            log.info("job %s: %s (%.2f s)", job.name, outcome, time.monotonic() - started)
            return outcome

    def run_forever(self, stop: threading.Event) -> None:
        """Run due jobs every WORKER_TICK_SECONDS until `stop` is set."""
        tick = float(self.app.config["WORKER_TICK_SECONDS"])
        while not stop.is_set():
            try:
                self.run_due()
            except Exception:  # the database went away: say so, try again next tick
                log.exception("worker round failed")
            stop.wait(tick)


def start_thread(app, jobs: list[Job] | None = None) -> tuple[threading.Thread, threading.Event]:
    """Run the worker loop in a daemon thread of this process; return it and its stop flag."""
    stop = threading.Event()
    thread = threading.Thread(
        target=Worker(app, jobs).run_forever, args=(stop,), name="moderator-worker", daemon=True
    )
    thread.start()
    return thread, stop
