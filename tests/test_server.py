"""The gunicorn server of `moderator serve`: workers die with their master, the port is
free again at once, and a worker started later never reads a model file."""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from moderator import server
from moderator.core.decision import Models
from moderator.core.settings import Thresholds
from tests.paths import MODELS, ROOT
from tests.stubs import StubSpamModel, stub_models

ORPHAN_SCRIPT = """
import os, sys, time
from moderator.server import die_with_parent
parent = os.getpid()
child = os.fork()
if child == 0:
    die_with_parent(parent)
    time.sleep(60)
    os._exit(0)
print(child, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what} not within {seconds} s"
        time.sleep(0.1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_child_that_asked_to_die_with_its_parent_does(tmp_path):
    with subprocess.Popen(
        [sys.executable, "-c", ORPHAN_SCRIPT],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ) as parent:
        child = int(parent.stdout.readline())
        assert _alive(child)
        parent.kill()
    _wait_until(lambda: not _alive(child), 5, "the orphan's death")


def test_the_server_hands_workers_the_masters_models_and_rereads_on_reload(monkeypatch):
    class Store:
        """A model store that counts its reads."""

        def __init__(self):
            self.models: Models = stub_models()
            self.reads = 0

        def refresh(self):
            self.reads += 1
            return self.models

    store = Store()
    gunicorn = server.Server(store, "127.0.0.1:0", 3)
    assert gunicorn.cfg.reuse_port and gunicorn.cfg.workers == 3
    assert gunicorn.cfg.post_fork is server.post_fork
    monkeypatch.setattr("moderator.create_app", lambda models: models)
    assert gunicorn.load() is store.models and store.reads == 0
    gunicorn.reload()
    assert store.reads == 1


# -- the real command ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _workers(master: int) -> list[int]:
    """The pids whose parent is `master`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _post_chunked(port: int, key: str, size: int) -> int:
    """POST a comment of `size` characters with Transfer-Encoding: chunked; return the status."""
    import http.client

    body = json.dumps({"content": "x" * size}).encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(
            "POST",
            "/api/v1/comments",
            body=iter([body[i : i + 8192] for i in range(0, len(body), 8192)]),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            encode_chunked=True,
        )
        return connection.getresponse().status
    finally:
        connection.close()


def _post_comment(port: int, key: str, content: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/comments",
        data=json.dumps({"content": content}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_killed_master_takes_its_workers_and_a_damaged_model_stops_no_intake(tmp_path):
    """The issue's reproductions, with the real command: a model file truncated while
    the service runs, a worker killed (its replacement must not read the file), the
    master killed with SIGKILL (the port must be free again at once), and a start with
    the damaged file (comments held, /readyz 503)."""
    models = tmp_path / "models"
    shutil.copytree(MODELS, models, ignore=shutil.ignore_patterns("reports"))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MODERATOR_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "MODERATOR_SECRET_KEY": "serve-test",
        "MODERATOR_MODEL_DIR": str(models),
        "MODERATOR_API_RATE_LIMIT_PER_MINUTE": "0",
    }
    moderator = [sys.executable, "-m", "moderator"]
    created = subprocess.run(
        [*moderator, "sites", "create", "https://blog.example"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    key = created.stdout.strip().splitlines()[-1]
    port = _free_port()
    serve = [*moderator, "serve", "--port", str(port), "--workers", "2"]

    def start() -> subprocess.Popen:
        process = subprocess.Popen(
            serve, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )

        def up() -> bool:
            assert process.poll() is None, process.stderr.read()
            try:
                return _get(f"http://127.0.0.1:{port}/healthz")[0] == 200
            except OSError:
                return False

        _wait_until(up, 30, "the server")
        _wait_until(lambda: len(_workers(process.pid)) == 2, 30, "two workers")
        return process

    first = start()
    try:
        spam = models / "spam.joblib"
        spam.write_bytes(spam.read_bytes()[:1000])
        workers = _workers(first.pid)
        os.kill(workers[0], signal.SIGKILL)
        _wait_until(lambda: set(_workers(first.pid)) - set(workers), 30, "a new worker")
        for number in range(20):  # both workers, the new one among them, keep deciding
            status, body = _post_comment(port, key, f"Thanks, this helped {number}")
            assert status == 201 and body["model_versions"]["spam"] != "spam-unavailable"
        assert _get(f"http://127.0.0.1:{port}/readyz")[0] == 200
        assert _post_chunked(port, key, 1_100_000) == 413  # over MAX_BODY_BYTES (1 MiB)
        assert _post_chunked(port, key, 60_000) == 201

        workers = _workers(first.pid)
        first.kill()
        first.communicate()
        _wait_until(lambda: not any(_alive(w) for w in workers), 5, "the workers' death")
        started = time.monotonic()
        second = start()
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    try:
        assert time.monotonic() - started < 30
        status, ready = _get(f"http://127.0.0.1:{port}/readyz")
        assert status == 503 and ready["reasons"] == [
            {"reason": "model unavailable", "model": "spam"}
        ]
        status, body = _post_comment(port, key, "Thanks, this helped")
        assert status == 201 and body["status"] == "pending"
        assert "model_unavailable" in [r["code"] for r in body["reasons"]]
    finally:
        second.terminate()
        _, errors = second.communicate(timeout=30)
    assert "moderator train spam" in errors


def test_the_metrics_folder_is_emptied_at_start_and_only_its_maker_removes_it(
    tmp_path, monkeypatch
):
    given = tmp_path / "metrics"
    given.mkdir()
    (given / "counter_123.db").write_bytes(b"old run")
    monkeypatch.setenv(server.MULTIPROC_ENV, str(given))
    assert server.prepare_metrics_dir() == given and list(given.iterdir()) == []

    monkeypatch.delenv(server.MULTIPROC_ENV)
    made = server.prepare_metrics_dir()
    assert made.is_dir() and os.environ[server.MULTIPROC_ENV] == str(made)
    server._remove_folder(made, owner=os.getpid() + 1)  # a forked worker exiting
    assert made.is_dir()
    server._remove_folder(made, owner=os.getpid())  # the master exiting
    assert not made.exists()


def test_the_server_sets_the_hooks_that_run_jobs_and_count_across_workers():
    gunicorn = server.Server(type("Store", (), {"models": None})(), "127.0.0.1:0", 1)
    assert gunicorn.cfg.post_worker_init is server.post_worker_init
    assert gunicorn.cfg.child_exit is server.child_exit
    assert gunicorn.cfg.accesslog is None  # the app writes one JSON line per request


class CountingSpamModel(StubSpamModel):
    """A stub spam model that remembers the comments it scored (or fails when told to)."""

    def __init__(self, fail: bool = False):
        super().__init__(Thresholds(unsure=0.5, spam=0.9, discard=0.99))
        self.seen: list[str] = []
        self.fail = fail

    def score_many(self, comments):
        """Score many comments, noting each."""
        if self.fail:
            raise RuntimeError("a model that breaks on its first comment")
        self.seen.extend(c.content for c in comments)
        return super().score_many(comments)


@pytest.fixture
def unfrozen():
    """The hooks freeze what the test process holds (as a master does before it forks):
    thaw it afterwards, so the rest of the run's garbage can be collected."""
    yield
    gc.unfreeze()


def test_the_master_warms_the_models_up_before_any_worker_starts_and_after_a_reload(
    caplog, unfrozen
):
    """What a model builds on its first comment is built once in the master (and shared by
    fork), never by each worker's first request; a model failing there stops nothing."""
    spam = CountingSpamModel()
    store = type("Store", (), {"models": replace(stub_models(), spam=spam)})()
    store.refresh = lambda: store.models
    gunicorn = server.Server(store, "127.0.0.1:0", 2)
    assert gunicorn.cfg.when_ready is server.when_ready
    gunicorn.cfg.when_ready(type("Arbiter", (), {"app": gunicorn, "cfg": gunicorn.cfg})())
    assert spam.seen == list(server.WARM_UP_COMMENTS)
    gunicorn.reload()
    assert spam.seen == list(server.WARM_UP_COMMENTS) * 2
    broken = replace(stub_models(), spam=CountingSpamModel(fail=True))
    server.warm_up(broken)
    assert "warming the models up failed" in caplog.text


def test_the_master_freezes_what_workers_share_and_thaws_it_to_reload(unfrozen):
    """After warming up, the master's objects are out of the collector's reach (a worker's
    collection would copy the pages they share); a reload thaws the old models first, so
    they can be collected once replaced."""
    store = type("Store", (), {"models": stub_models()})()
    replaced = []

    def refresh():
        replaced.append(gc.get_freeze_count())
        return store.models

    store.refresh = refresh
    gunicorn = server.Server(store, "127.0.0.1:0", 2)
    gc.unfreeze()
    gunicorn.cfg.when_ready(type("Arbiter", (), {"app": gunicorn, "cfg": gunicorn.cfg})())
    assert gc.get_freeze_count() > 0
    gunicorn.reload()
    assert replaced == [0]  # thawed before the files were read again
    assert gc.get_freeze_count() > 0  # and frozen again for the next workers
