"""Time review-page logins that fail for different reasons, with the shipped password cost.

Usage: .venv/bin/python bench/login_timing.py [--repeat 40] [--database-url URL]
Prints, for a wrong password, an unknown name and a disabled account (each with the
right or a wrong password), the median and spread in milliseconds and the answer the
client saw: all must say "Wrong name or password." in about the same time, so neither
the text nor the time tells an attacker which names exist. Then the answer an address
gets once it has failed too often (429 after the free failures, whatever name it tries),
and that a good login from another address still succeeds. A throwaway SQLite database
is used unless --database-url names another (it must be empty or at the newest schema).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderator import create_app, storage  # noqa: E402
from moderator.db import get_session  # noqa: E402
from tests.stubs import stub_models  # noqa: E402

PASSWORD = "correct horse battery staple"


def _login(client, name: str, password: str):
    page = client.get("/review/login").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    started = time.perf_counter()
    response = client.post(
        "/review/login", data={"name": name, "password": password, "csrf_token": token}
    )
    return time.perf_counter() - started, response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="login-timing-") as folder:
        run(args, Path(folder))


def run(args, folder: Path) -> None:
    """Build the app in `folder` and print the figures."""
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(folder),
            # Measure the answers, not the per-minute and per-address limits.
            "LOGIN_ATTEMPTS_PER_MINUTE": 100_000,
            "LOGIN_FREE_FAILURES": 100_000,
        },
        models=stub_models(),
    )
    app.logger.setLevel("ERROR")  # one warning per failed login otherwise
    print(f"password hash: {app.config['PASSWORD_HASH_METHOD']} (werkzeug default cost)")
    with app.app_context():
        db = get_session()
        storage.create_user(db, "mo", PASSWORD, "admin")
        storage.create_user(db, "old", PASSWORD, "admin")
        storage.disable_user(db, storage.user_by_name(db, "old"))

    cases = {
        "wrong password": ("mo", "not the password"),
        "unknown name": ("nobody", PASSWORD),
        "disabled, right password": ("old", PASSWORD),
        "disabled, wrong password": ("old", "not the password"),
    }
    client = app.test_client()
    times = {label: [] for label in cases}
    answers = {label: set() for label in cases}
    # Round-robin, so that whatever else the machine does weighs on every case alike.
    for _ in range(args.repeat):
        for label, (name, password) in cases.items():
            took, response = _login(client, name, password)
            times[label].append(took * 1000)
            answers[label].add(f"{response.status_code} {_message(response.text)}")
    print(f"{'case':28} {'median ms':>9} {'p10':>7} {'p90':>7}  answer")
    for label in cases:
        deciles = statistics.quantiles(times[label], n=10)
        print(
            f"{label:28} {statistics.median(times[label]):9.1f} {deciles[0]:7.1f}"
            f" {deciles[-1]:7.1f}  {' | '.join(sorted(answers[label]))}"
        )
    took, ok = _login(client, "mo", PASSWORD)
    print(f"{'right password':28} {took * 1000:9.1f} {'':7} {'':7}  {ok.status_code} (logged in)")

    app.config["LOGIN_FREE_FAILURES"] = 5
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.66"
    statuses = [_login(attacker, "mo", "guess")[1].status_code for _ in range(8)]
    retry = _login(attacker, "mo", PASSWORD)[1]
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    print(f"one address, 8 wrong passwords: {statuses}")
    print(
        f"then the right password from it: {retry.status_code}, "
        f"Retry-After {retry.headers.get('Retry-After')} s"
    )
    print(f"the owner from another address: {_login(owner, 'mo', PASSWORD)[1].status_code}")
    app.extensions["moderator.engine"].dispose()


def _message(html: str) -> str:
    found = re.search(r'role="alert">([^<]*)<', html)
    return found.group(1) if found else ""


if __name__ == "__main__":
    main()
