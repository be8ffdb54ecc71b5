"""Run schemathesis, every check and every phase, against the served OpenAPI document.

Usage: .venv/bin/python bench/spec_fuzz.py [--examples 200] [--database-url URL]

The suite runs the same (tests/web/test_openapi.py) with 25 examples per operation on
SQLite and PostgreSQL; this runs as many as asked, against an app on a real socket with a
few comments stored, and prints the cases sent, the failures and the time taken. The
models are the tests' stand-ins, so that /score with 1,000 comments stays quick: the
contract is what is under test, not the scores. Exits 1 when anything failed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from moderator import create_app, storage  # noqa: E402
from moderator.db import get_session  # noqa: E402
from tests.stubs import stub_models  # noqa: E402
from tests.web.test_openapi import run_schemathesis  # noqa: E402


class QuietHandler(WSGIRequestHandler):
    """A request handler that does not log every request."""

    def log_request(self, *args, **kwargs) -> None:
        """Log nothing."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=200, help="per operation and phase")
    parser.add_argument("--database-url", help="an empty database; default: a SQLite file")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="moderator-spec-")
    app = create_app(
        {
            "DATABASE_URL": args.database_url or f"sqlite:///{folder}/spec.db",
            "SECRET_KEY": "spec-bench",
            "INSTANCE_PATH": folder,
            "API_RATE_LIMIT_PER_MINUTE": 0,
            "EVENTS_SETTLE_SECONDS": 0,
        },
        models=stub_models(),
    )
    with app.app_context():
        _, key = storage.create_site(get_session(), f"https://spec-{time.time_ns()}.example")
    headers = {"Authorization": f"Bearer {key}"}
    client = app.test_client()
    for number in range(3):
        client.post("/api/v1/comments", json={"content": f"hello {number}"}, headers=headers)
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()

    started = time.monotonic()
    cases, failures, errors, stop_reason = run_schemathesis(
        f"http://127.0.0.1:{httpd.server_port}", headers, args.examples
    )
    httpd.shutdown()
    database = app.config["DATABASE_URL"].split(":")[0]
    print(f"database        {database}")
    print(f"examples        {args.examples} per operation and phase")
    print(f"cases sent      {cases}")
    print(f"failures        {len(failures)}")
    print(f"engine errors   {len(errors)}")
    print(f"stopped         {stop_reason} after {time.monotonic() - started:.0f} s")
    for failure in failures + errors:
        print(failure)
    if failures or errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
