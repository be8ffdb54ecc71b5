"""Two app servers on one PostgreSQL database, as real processes (the issue's check).

Server A is `moderator serve`; server B is gunicorn with deploy/gunicorn.conf.py: both
ways of running moderator are exercised. Each runs two workers, and every worker runs
the background jobs (RUN_WORKER_IN_SERVER), so four deliverers race for each webhook:
the receiver must still get every event exactly once.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest

from moderator import create_app, storage
from moderator.db import get_session
from tests.paths import MODELS, ROOT
from tests.webhook_receiver import webhook_receiver

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

#: How long a server may take to start on a loaded 2-core machine.
START_SECONDS = 90


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _call(url: str, *, key: str | None = None, body: dict | None = None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _wait_ready(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            if _call(f"{base}/readyz")[0] == 200:
                return
        except OSError:
            pass
        if process.poll() is not None:
            raise AssertionError(f"server exited: {process.stdout.read()}")
        assert time.monotonic() < deadline, f"{base} not ready in {START_SECONDS} s"
        time.sleep(0.3)


@pytest.fixture
def cluster(empty_database, tmp_path):
    """Two servers on the test's PostgreSQL database, with a site and a webhook receiver."""
    setup = create_app(
        {
            "DATABASE_URL": empty_database,
            "SECRET_KEY": "cluster",
            "AUTO_MIGRATE": False,
            "INSTANCE_PATH": str(tmp_path / "setup"),
        },
        models=object(),
    )
    with webhook_receiver() as receiver:
        with setup.app_context():
            site, key = storage.create_site(get_session(), "https://blog.example", "Blog")
            _, secret = storage.set_webhook(get_session(), site, receiver.url)
        setup.extensions["moderator.engine"].dispose()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "MODERATOR_DATABASE_URL": empty_database,
            "MODERATOR_SECRET_KEY": "cluster",
            "MODERATOR_MODEL_DIR": str(MODELS),
            "MODERATOR_WEBHOOK_ALLOW_PRIVATE": "true",
            "MODERATOR_WORKER_TICK_SECONDS": "0.2",
            "MODERATOR_REQUEST_LOG": "false",
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        ports = [_free_port(), _free_port()]
        commands = [
            [sys.executable, "-m", "moderator", "serve", "--port", str(ports[0]), "--workers", "2"],
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
        ]
        extra = [
            {"INSTANCE_PATH": str(tmp_path / "a")},
            {"MODERATOR_BIND": f"127.0.0.1:{ports[1]}", "WEB_CONCURRENCY": "2"},
        ]
        processes = []
        try:
            for command, more in zip(commands, extra, strict=True):
                processes.append(
                    subprocess.Popen(
                        command,
                        env={**env, **more},
                        cwd=tmp_path,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT,
                        text=True,
                    )
                )
            bases = [f"http://127.0.0.1:{port}" for port in ports]
            for base, process in zip(bases, processes, strict=True):
                _wait_ready(base, process)
            yield bases, key, receiver, secret
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.communicate(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.communicate()


def _wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, f"{what} not within {seconds} s"
        time.sleep(0.2)
    return found


def test_two_servers_share_comments_deliver_each_webhook_once_and_serve_metrics(cluster):
    from moderator import webhooks

    (first, second), key, receiver, secret = cluster
    api = "/api/v1/comments"

    # A comment posted to one server is read and moderated from the other.
    ids = []
    for number in range(6):
        status, body = _call(first + api, key=key, body={"content": f"Great post number {number}"})
        assert status == 201, body
        ids.append(json.loads(body)["id"])
    status, body = _call(f"{second}{api}/{ids[0]}", key=key)
    assert status == 200 and json.loads(body)["content"] == "Great post number 0"
    for comment_id in ids:
        status, body = _call(
            f"{second}{api}/{comment_id}/feedback", key=key, body={"label": "spam"}
        )
        assert status == 200 and json.loads(body)["status"] == "spam", body
    status, body = _call(f"{first}{api}/{ids[-1]}", key=key)
    assert json.loads(body)["status"] == "spam"

    # Each status change reaches the receiver once, though four deliverers run.
    def all_delivered():
        changed = [
            json.loads(r.body)
            for r in receiver.received
            if json.loads(r.body)["type"] == "comment.status_changed"
        ]
        return changed if {c["data"]["comment"]["id"] for c in changed} == set(ids) else None

    _wait_for(all_delivered, 60, "every webhook")
    time.sleep(3)  # time enough for a duplicate to show up
    counts = Counter(receiver.ids())
    assert counts and max(counts.values()) == 1, counts
    for got in receiver.received:
        assert webhooks.verify(
            secret,
            got.headers["moderator-webhook-timestamp"],
            got.body,
            got.headers["moderator-webhook-signature"],
            now=time.time(),
        )

    # Both serve the same models, readiness, and metrics with moderator_ series only.
    versions = [json.loads(_call(f"{base}/healthz")[1])["models"] for base in (first, second)]
    assert versions[0] == versions[1] and "unavailable" not in versions[0].values()
    for base in (first, second):
        status, text = _call(f"{base}/metrics")
        assert status == 200
        names = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1] != "#"}
        assert names and all(name.startswith("moderator_") for name in names if name)
        assert 'moderator_queue_comments{queue="spam",site_id="1"} 6.0' in text
        assert "moderator_http_requests_total" in text
    # The first server's workers add up: six comments posted there, whichever worker took each.
    _, text = _call(f"{first}/metrics")
    posted = [
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("moderator_http_requests_total")
        and 'method="POST"' in line
        and 'route="/api/v1/comments"' in line
        and 'status="201"' in line
    ]
    assert posted == [6.0]
