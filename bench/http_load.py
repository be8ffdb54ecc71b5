"""HTTP figures, side by side in one run: moderator under gunicorn and a bare Flask echo.

Usage: .venv/bin/python bench/http_load.py [--seconds 15] [--workers 2] [--connections 16]
                                           [--database-url postgresql+psycopg://...]
                                           [--rate-limits]

Starts `moderator serve` on a fresh SQLite database (or the PostgreSQL one given, which
it migrates) with the API's rate limits off (counted but never reached with
--rate-limits), creates a site, and drives it from a second
process: Debian's `wrk` when installed, else a Python load generator. In the same run it
starts a bare Flask JSON echo under the same gunicorn settings and drives it the same
way. Prints, as a Markdown table: req/s, p50/p90/p99, errors and the ratio to the echo
for `POST /api/v1/comments` (stored), `POST /api/v1/score` (one comment) and the echo;
and the gunicorn workers' CPU time per request (steadier than req/s on a busy machine);
then p99 at half the saturating rate of `POST /api/v1/comments`, one 1,000-comment
`POST /api/v1/score` timed, the time until `/readyz` answers, and each worker's peak RSS
and its proportional and private memory (the pages it does not share with its siblings).
The comments are those of training_data/ (spam, genuine, medical, short social).
Figures only: never a test. Everything it starts listens on 127.0.0.1 and stops with it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderator.server import SETTINGS  # noqa: E402

BIN = Path(sys.executable).parent
ECHO_APP = """
from flask import Flask, jsonify, request
app = Flask(__name__)

@app.post("/echo")
def echo():
    return jsonify(request.get_json())
"""


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def comment_bodies(limit: int = 400) -> list[dict]:
    """Comments of training_data/ as a platform sends them, in a mixed order."""
    rows = []
    for path in sorted((ROOT / "training_data").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                fields = ("content", "author", "author_email", "author_url", "post_title")
                rows.append({f: str(row[f]) for f in fields if row.get(f)})
    step = max(1, len(rows) // limit)
    return rows[::step][:limit]


def wait_ready(port: int, path: str, started: float, timeout: float = 600) -> float:
    """Wait until GET `path` answers 200; return the seconds since `started`."""
    while time.perf_counter() - started < timeout:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"nothing answered 200 on {path} within {timeout} s")


def wait_listening(port: int, timeout: float = 30) -> None:
    """Wait until something accepts connections on the port."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on port {port} after {timeout} s")


def gunicorn_flags(workers: int, port: int) -> list[str]:
    """The command-line form of `moderator serve`'s gunicorn settings."""
    return [
        f"--workers={workers}",
        f"--bind=127.0.0.1:{port}",
        f"--timeout={SETTINGS['timeout']}",
        f"--graceful-timeout={SETTINGS['graceful_timeout']}",
        "--reuse-port",
        # no access log, as `moderator serve` (the app logs one JSON line per request)
    ]


def _workers(master: int) -> list[str]:
    """Return the process ids of a gunicorn master's children."""
    children = Path(f"/proc/{master}/task/{master}/children")
    return children.read_text().split() if children.exists() else []


def peak_rss_mb(master: int) -> list[float]:
    """Return the peak RSS (VmHWM) of each child of a gunicorn master, in MB."""
    peaks = []
    for pid in _workers(master):
        status = Path(f"/proc/{pid}/status").read_text()
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        if found:
            peaks.append(int(found[1]) / 1024)
    return peaks


def shared_memory_mb(master: int) -> list[tuple[float, float]]:
    """Return each child's proportional set size and private memory now, in MB: what a
    worker costs beside its siblings (RSS counts the pages they share from the master)."""
    sizes = []
    for pid in _workers(master):
        rollup = Path(f"/proc/{pid}/smaps_rollup")
        if not rollup.exists():
            continue
        fields = dict(re.findall(r"^(\w+):\s+(\d+) kB", rollup.read_text(), re.M))
        private = int(fields.get("Private_Clean", 0)) + int(fields.get("Private_Dirty", 0))
        sizes.append((int(fields.get("Pss", 0)) / 1024, private / 1024))
    return sizes


def workers_cpu_seconds(master: int) -> float:
    """Return the CPU time (user + system) the children of a gunicorn master have used."""
    children = Path(f"/proc/{master}/task/{master}/children")
    total = 0
    for pid in children.read_text().split() if children.exists() else []:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / os.sysconf("SC_CLK_TCK")


def measured(master: int, run, *args, **kwargs) -> dict:
    """Run a load generator against a server; add its workers' CPU ms per request.

    CPU time, unlike req/s, hardly moves when other programs load the machine.
    """
    before = workers_cpu_seconds(master)
    figures = run(*args, **kwargs)
    spent = workers_cpu_seconds(master) - before
    served = figures["rps"] * kwargs["seconds"]
    figures["cpu_ms"] = spent * 1e3 / served if served else 0.0
    return figures


# -- load generators ------------------------------------------------------------------


def run_wrk(port, path, headers, bodies, seconds, connections) -> dict:
    """Drive an endpoint with wrk, cycling through `bodies`; return its figures."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "bodies.lua"
        lua_bodies = ",\n".join(f"[==[{json.dumps(b)}]==]" for b in bodies)
        header_lines = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
        script.write_text(
            f'wrk.method = "POST"\n{header_lines}\nlocal bodies = {{\n{lua_bodies}\n}}\n'
            "local i = 0\nrequest = function()\n  i = i % #bodies + 1\n"
            f'  return wrk.format(nil, "{path}", nil, bodies[i])\nend\n',
            encoding="utf-8",
        )
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency"]
            + ["-s", str(script)]
            + [f"http://127.0.0.1:{port}{path}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    latency = dict(re.findall(r"^\s*(50|90|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.M))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors[1]))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "p50": _ms(latency["50"]),
        "p90": _ms(latency["90"]),
        "p99": _ms(latency["99"]),
        "errors": errors,
        "tool": "wrk",
    }


def _ms(text: str) -> float:
    """Turn wrk's "1.23ms" / "456.00us" / "1.2s" into milliseconds."""
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def run_python(port, path, headers, bodies, seconds, connections, rate=None) -> dict:
    """Drive an endpoint from another process with Python threads (at `rate` req/s when
    given, each latency counted from its scheduled start); return its figures."""
    spec = json.dumps([port, path, headers, bodies, seconds, connections, rate])
    out = subprocess.run(
        [sys.executable, __file__, "--generate"],
        input=spec,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def generate() -> None:
    """The Python load generator's process: read its task on stdin, print figures."""
    port, path, headers, bodies, seconds, connections, rate = json.loads(sys.stdin.read())
    encoded = [json.dumps(b).encode() for b in bodies]
    latencies, errors, lock = [], [0], threading.Lock()
    start = time.perf_counter()
    deadline = start + seconds

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        interval = connections / rate if rate else 0.0
        due, n = start + index * interval / connections, index
        mine, failed = [], 0
        while True:
            if rate:
                due += interval
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            began = due if rate else time.perf_counter()
            if began >= deadline:
                break
            try:
                connection.request("POST", path, encoded[n % len(encoded)], headers)
                response = connection.getresponse()
                response.read()
                failed += response.status >= 400
            except OSError:
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - began)
            n += connections
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e3 if ordered else 0.0

    figures = {"rps": len(ordered) / elapsed, "p50": pick(0.5), "p90": pick(0.9)}
    figures |= {"p99": pick(0.99), "errors": errors[0], "tool": "python"}
    print(json.dumps(figures))


# -- the run --------------------------------------------------------------------------


def main() -> None:
    """Start both servers, drive them, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--python-load", action="store_true", help="even when wrk is there")
    parser.add_argument(
        "--rate-limits",
        action="store_true",
        help="count every request and comment against the per-key limits (set too high "
        "to refuse any): what the counters cost",
    )
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        return generate()
    drive = run_python if args.python_load or not shutil.which("wrk") else run_wrk
    bodies = comment_bodies()
    folder = Path(tempfile.mkdtemp(prefix="moderator-bench-"))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MODERATOR_DATABASE_URL": args.database_url or f"sqlite:///{folder / 'bench.db'}",
        "MODERATOR_SECRET_KEY": "bench",
        "MODERATOR_API_RATE_LIMIT_PER_MINUTE": "100000000" if args.rate_limits else "0",
        "MODERATOR_API_COMMENTS_PER_MINUTE": "100000000" if args.rate_limits else "0",
    }
    moderator = [str(BIN / "moderator")]
    created = subprocess.run(
        [*moderator, "sites", "create", "https://bench.example", "--name", "bench"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    key = created.stdout.strip().splitlines()[-1].split()[-1]
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    port, echo_port = free_port(), free_port()
    started = time.perf_counter()
    # the server's log outlives the run: a failed request is explained there
    log = open(Path(tempfile.gettempdir()) / "moderator-bench-server.log", "w")
    server = subprocess.Popen(
        [*moderator, "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    (folder / "echo_app.py").write_text(ECHO_APP, encoding="utf-8")
    echo = subprocess.Popen(
        [str(BIN / "gunicorn"), *gunicorn_flags(args.workers, echo_port), "echo_app:app"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        ready = wait_ready(port, "/readyz", started)
        wait_listening(echo_port)
        time.sleep(1.0)
        load = dict(seconds=args.seconds, connections=args.connections)
        score_bodies = [{"comments": [b]} for b in bodies]
        results = {
            "bare Flask JSON echo": measured(
                echo.pid, drive, echo_port, "/echo", headers, bodies, **load
            ),
            "POST /api/v1/score, one comment": measured(
                server.pid, drive, port, "/api/v1/score", headers, score_bodies, **load
            ),
            "POST /api/v1/comments, stored": measured(
                server.pid, drive, port, "/api/v1/comments", headers, bodies, **load
            ),
        }
        stored = results["POST /api/v1/comments, stored"]
        half = run_python(port, "/api/v1/comments", headers, bodies, rate=stored["rps"] / 2, **load)
        batch = time_batch(port, headers, bodies)
        rss = peak_rss_mb(server.pid)
        shared = shared_memory_mb(server.pid)
    finally:
        for process in (server, echo):
            process.terminate()
        for process in (server, echo):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)
    print_table(results, half, batch, ready, rss, shared, args, drive)


def time_batch(port: int, headers: dict, bodies: list[dict]) -> list[float]:
    """Time three 1,000-comment POST /api/v1/score requests; return seconds each."""
    body = json.dumps({"comments": (bodies * 3)[:1000]}).encode()
    took = []
    for _ in range(3):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        start = time.perf_counter()
        connection.request("POST", "/api/v1/score", body, headers)
        response = connection.getresponse()
        response.read()
        took.append(time.perf_counter() - start)
        if response.status != 200:
            raise SystemExit(
                f"the 1,000-comment batch got {response.status}; the server's log is "
                f"{Path(tempfile.gettempdir()) / 'moderator-bench-server.log'}"
            )
    return took


def print_table(results, half, batch, ready, rss, shared, args, drive) -> None:
    """Print the figures as Markdown, ready to paste into the README."""
    echo = results["bare Flask JSON echo"]["rps"]
    tool = "wrk -t2" if drive is run_wrk else "a Python load generator"
    print(
        f"{os.cpu_count()} CPUs; gunicorn, {args.workers} sync workers; {tool}, "
        f"{args.connections} connections, {args.seconds} s each, loopback; "
        f"rate limits {'counted (never reached)' if args.rate_limits else 'off'}"
    )
    print(f"load average at the end: {', '.join(f'{n:.2f}' for n in os.getloadavg())}")
    print("\n| endpoint | req/s | ratio | p50 | p90 | p99 | errors | worker CPU/request |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['rps']:,.0f} | {r['rps'] / echo:.2f}× | {r['p50']:.1f} ms "
            f"| {r['p90']:.1f} ms | {r['p99']:.1f} ms | {r['errors']} | {r['cpu_ms']:.2f} ms |"
        )
    print(
        f"\n`POST /api/v1/comments` at half its saturating rate ({half['rps']:,.0f} req/s, "
        f"Python generator): p50 {half['p50']:.1f} ms, p99 {half['p99']:.1f} ms, "
        f"{half['errors']} errors"
    )
    print(
        f"1,000-comment `POST /api/v1/score`: {statistics.median(batch) * 1e3:,.0f} ms "
        f"(best {min(batch) * 1e3:,.0f} ms)"
    )
    print(f"ready to serve (`/readyz` 200 after start): {ready:.1f} s")
    print("peak RSS per worker: " + ", ".join(f"{mb:,.0f} MB" for mb in rss))
    print(
        "per worker at the end, proportional (PSS) / private: "
        + ", ".join(f"{pss:,.0f} / {own:,.0f} MB" for pss, own in shared)
    )


if __name__ == "__main__":
    main()
