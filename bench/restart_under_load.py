"""Kill `moderator serve` under load, again and again, and count what was lost.

Usage: .venv/bin/python bench/restart_under_load.py [--rounds 5] [--seconds 4]
           [--clients 4] [--database-url URL] [--truncate-model]

Each round starts `moderator serve` (2 workers), posts comments from several client
threads (each with a unique external_id), kills one worker with SIGKILL halfway, then the
master with SIGKILL, and times how long the orphaned workers live and how long a new
`moderator serve` takes to answer on the same port. At the end it reads every stored
comment back and prints: comments acknowledged (201), acknowledged but not stored (lost),
stored twice (duplicated), client errors other than refused connections while the server
was down, and the restart times. With --truncate-model the spam model file is cut in
half after the first start: the running server keeps its checked copy, workers started
later get it from the master, and servers started after that hold comments for review.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """Return a port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> list[int]:
    """Return the live child pids of `pid` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]) != "Z"
    except OSError:
        return False


def request(port: int, method: str, path: str, key: str, body: dict | None = None):
    """Send one API request; return (status, parsed JSON body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


class Load:
    """Client threads posting comments until stopped; they record what was acknowledged."""

    def __init__(self, port: int, key: str, clients: int) -> None:
        self.port, self.key = port, key
        self.acknowledged: dict[str, str] = {}  # external_id -> status
        self.refused = 0  # connection refused or reset: the server was down
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.running = threading.Event()
        self.threads = [
            threading.Thread(target=self._post, args=(n,), daemon=True) for n in range(clients)
        ]
        self.counter = 0

    def start(self) -> None:
        self.running.set()
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.running.clear()
        for thread in self.threads:
            thread.join()

    def _next_id(self, client: int) -> str:
        with self.lock:
            self.counter += 1
            return f"c{client}-{self.counter}"

    def _post(self, client: int) -> None:
        while self.running.is_set():
            external_id = self._next_id(client)
            body = {"content": f"Thanks for the post, comment {external_id}"}
            body["external_id"] = external_id
            try:
                status, answer = request(self.port, "POST", "/api/v1/comments", self.key, body)
            except (ConnectionError, http.client.HTTPException, OSError):
                with self.lock:
                    self.refused += 1
                time.sleep(0.02)
                continue
            with self.lock:
                if status in (200, 201):
                    self.acknowledged[external_id] = answer["status"]
                else:
                    self.errors.append(f"{status} {answer}")


def start_serve(command: list[str], env: dict, port: int) -> tuple[subprocess.Popen, float]:
    """Start `moderator serve`; return it and the seconds until /healthz answered."""
    started = time.monotonic()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    while True:
        if process.poll() is not None:
            raise SystemExit(f"moderator serve exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200 and len(children(process.pid)) >= 2:
                return process, time.monotonic() - started
        except OSError:
            pass
        if time.monotonic() - started > 60:
            raise SystemExit("moderator serve did not answer within 60 s")
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0, help="load per round")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--truncate-model", action="store_true")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="moderator-restart-"))
    models = folder / "models"
    shutil.copytree(ROOT / "models", models, ignore=shutil.ignore_patterns("reports"))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MODERATOR_DATABASE_URL": args.database_url or f"sqlite:///{folder / 'bench.db'}",
        "MODERATOR_SECRET_KEY": "restart-bench",
        "MODERATOR_MODEL_DIR": str(models),
        "MODERATOR_API_RATE_LIMIT_PER_MINUTE": "0",
    }
    moderator = [sys.executable, "-m", "moderator"]
    created = subprocess.run(
        [*moderator, "sites", "create", f"https://bench-{os.getpid()}.example"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    key = created.stdout.strip().splitlines()[-1]
    port = free_port()
    serve = [*moderator, "serve", "--port", str(port), "--workers", "2"]

    load = Load(port, key, args.clients)
    orphan_lives, restarts = [], []
    process, first_start = start_serve(serve, env, port)
    load.start()
    try:
        for round_number in range(args.rounds):
            if args.truncate_model and round_number == 0:
                spam = models / "spam.joblib"
                spam.write_bytes(spam.read_bytes()[: spam.stat().st_size // 2])
            time.sleep(args.seconds / 2)
            os.kill(children(process.pid)[0], signal.SIGKILL)  # the master starts another
            time.sleep(args.seconds / 2)
            workers = children(process.pid)
            process.kill()
            process.wait()
            killed = time.monotonic()
            while any(alive(w) for w in workers) and time.monotonic() - killed < 60:
                time.sleep(0.01)
            orphan_lives.append(time.monotonic() - killed)
            process, took = start_serve(serve, env, port)
            restarts.append(took)
        time.sleep(args.seconds / 2)
    finally:
        load.stop()

    stored: dict[str, int] = {}
    cursor = ""
    while True:
        status, page = request(port, "GET", f"/api/v1/comments?limit=200&cursor={cursor}", key)
        for comment in page["comments"]:
            stored[comment["external_id"]] = stored.get(comment["external_id"], 0) + 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    held = sum(1 for s in load.acknowledged.values() if s == "pending")
    process.terminate()
    process.wait()

    lost = [i for i in load.acknowledged if i not in stored]
    duplicated = [i for i, n in stored.items() if n > 1]
    print(f"database             {env['MODERATOR_DATABASE_URL'].split(':')[0]}")
    print(f"rounds               {args.rounds} (a worker and then the master killed with SIGKILL)")
    print(f"first start          {first_start:.2f} s")
    print(f"acknowledged         {len(load.acknowledged)} comments ({held} held for review)")
    unanswered = len(set(stored) - set(load.acknowledged))
    print(f"stored               {len(stored)} comments ({unanswered} whose answer the kill cut)")
    print(f"lost                 {len(lost)}")
    print(f"duplicated           {len(duplicated)}")
    print(f"refused while down   {load.refused} requests (connection refused or reset)")
    print(f"other errors         {len(load.errors)} {load.errors[:3]}")
    print(
        f"orphans lived        max {max(orphan_lives):.3f} s, "
        f"median {statistics.median(orphan_lives):.3f} s after the master's SIGKILL"
    )
    print(
        f"new serve answered   max {max(restarts):.2f} s, "
        f"median {statistics.median(restarts):.2f} s after the kill (same port)"
    )
    shutil.rmtree(folder, ignore_errors=True)
    if lost or duplicated or load.errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
