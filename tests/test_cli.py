"""The moderator command line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from moderator.storage.schema import ApiKey, Site, User


def test_sites_create_prints_a_working_key_on_its_last_line(runner, client):
    result = runner.invoke(args=["sites", "create", "https://my.blog.example", "--name", "Mine"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    response = client.post(
        "/api/v1/comments",
        json={"content": "Hello there"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 201


def test_sites_create_refuses_bad_and_duplicate_urls(runner):
    assert runner.invoke(args=["sites", "create", "my.blog"]).exit_code != 0
    assert runner.invoke(args=["sites", "create", "https://a.example"]).exit_code == 0
    again = runner.invoke(args=["sites", "create", "https://a.example/"])
    assert again.exit_code != 0 and "exists already" in again.output


def test_sites_list_shows_sites_and_key_prefixes(runner, site_key):
    result = runner.invoke(args=["sites", "list"])
    assert "https://blog.example" in result.output
    assert site_key[1][:12] in result.output
    assert site_key[1] not in result.output  # never the whole key


def test_keys_are_stored_hashed(runner, session, site_key):
    row = session.execute(select(ApiKey)).scalar_one()
    assert site_key[1] not in (row.key_hash, row.prefix)
    assert len(row.key_hash) == 64


def test_keys_create_and_revoke(runner, client, site_key):
    created = runner.invoke(args=["keys", "create", str(site_key[0]), "--label", "staging"])
    key = created.output.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/comments", headers=headers).status_code == 200
    listed = runner.invoke(args=["keys", "list"]).output
    assert "staging" in listed and key[:12] in listed
    revoked = runner.invoke(args=["keys", "revoke", key[:12]])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/v1/comments", headers=headers).status_code == 401
    # The site's first key still works.
    assert (
        client.get(
            "/api/v1/comments", headers={"Authorization": f"Bearer {site_key[1]}"}
        ).status_code
        == 200
    )
    assert runner.invoke(args=["keys", "revoke", "mod_unknown"]).exit_code != 0
    assert runner.invoke(args=["keys", "create", "999"]).exit_code != 0


def test_users_create_reads_the_password_from_stdin(runner, session, site_key):
    result = runner.invoke(
        args=["users", "create", "alice", "--role", "moderator", "--password-stdin"]
        + ["--site", str(site_key[0])],
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    user = session.execute(select(User)).scalar_one()
    assert user.name == "alice" and user.role == "moderator"
    assert "correct horse" not in user.password_hash
    assert [s.url for s in user.sites] == ["https://blog.example"]


def test_users_create_refuses_duplicates_and_short_passwords(runner):
    admin = ["--role", "admin", "--password-stdin"]
    ok = runner.invoke(args=["users", "create", "bob", *admin], input="longenough\n")
    assert ok.exit_code == 0 and "admin" in ok.output and "every site" in ok.output
    again = runner.invoke(args=["users", "create", "bob", *admin], input="longenough\n")
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(args=["users", "create", "carol", *admin], input="short\n")
    assert short.exit_code != 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([], "Missing option '--role'"),
        (["--role", "moderator"], "needs at least one --site"),
        (["--role", "admin", "--site", "1"], "leave out --site"),
        (["--role", "moderator", "--site", "https://nowhere.example"], "no site"),
        (["--role", "owner"], "Invalid value for '--role'"),
    ],
)
def test_users_create_needs_a_role_and_the_moderators_sites(runner, session, options, message):
    result = runner.invoke(
        args=["users", "create", "dana", "--password-stdin", *options], input="longenough\n"
    )
    assert result.exit_code != 0 and message in result.output
    assert session.execute(select(User)).first() is None


def test_a_moderator_is_created_for_sites_named_by_url(runner, session, site_key):
    make(runner, "eve", "--role", "moderator", "--site", "https://blog.example/")
    user = session.execute(select(User)).scalar_one()
    assert (user.role, [s.url for s in user.sites]) == ("moderator", ["https://blog.example"])


def make(runner, name: str, *options: str) -> None:
    """Create a user through the CLI with the tests' password."""
    result = runner.invoke(
        args=["users", "create", name, "--password-stdin", *options], input="longenough\n"
    )
    assert result.exit_code == 0, result.output


def logged_in(app, name: str, password: str = "longenough"):
    """Return a client logged in as `name` (or refused: check its /review/)."""
    client = app.test_client()
    page = client.get("/review/login").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/review/login", data={"name": name, "password": password, "csrf_token": token})
    return client


def test_users_list_shows_role_state_sites_and_sessions(runner, app, site_key):
    make(runner, "root", "--role", "admin")
    make(runner, "mo", "--role", "moderator", "--site", str(site_key[0]))
    logged_in(app, "mo")
    lines = runner.invoke(args=["users", "list"]).output.splitlines()
    assert lines == [
        "mo\tmoderator\tactive\thttps://blog.example\tsessions: 1",
        "root\tadmin\tactive\tall sites\tsessions: 0",
    ]


def test_users_disable_and_enable(runner, app, site_key):
    make(runner, "root", "--role", "admin")
    make(runner, "mo", "--role", "moderator", "--site", str(site_key[0]))
    client = logged_in(app, "mo")
    assert client.get("/review/").status_code == 200
    result = runner.invoke(args=["users", "disable", "mo"])
    assert result.exit_code == 0 and "Disabled mo; ended 1 session(s)." in result.output
    assert client.get("/review/").status_code == 302
    assert logged_in(app, "mo").get("/review/").status_code == 302
    assert "disabled" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "enable", "mo"]).exit_code == 0
    assert logged_in(app, "mo").get("/review/").status_code == 200


def test_users_delete_asks_first_unless_told_yes(runner, app, session, site_key):
    make(runner, "root", "--role", "admin")
    make(runner, "mo", "--role", "moderator", "--site", str(site_key[0]))
    client = logged_in(app, "mo")
    kept = runner.invoke(args=["users", "delete", "mo"], input="n\n")
    assert kept.exit_code != 0 and client.get("/review/").status_code == 200
    deleted = runner.invoke(args=["users", "delete", "mo"], input="y\n")
    assert deleted.exit_code == 0 and "Deleted mo." in deleted.output
    assert client.get("/review/").status_code == 302
    assert [u.name for u in session.execute(select(User)).scalars()] == ["root"]
    assert runner.invoke(args=["users", "delete", "root", "--yes"]).exit_code != 0


def test_users_passwd_reads_stdin_and_ends_sessions(runner, app, site_key):
    make(runner, "mo", "--role", "moderator", "--site", str(site_key[0]))
    client = logged_in(app, "mo")
    result = runner.invoke(
        args=["users", "passwd", "mo", "--password-stdin"], input="a fresh password\n"
    )
    assert result.exit_code == 0 and "ended 1 session(s)" in result.output
    assert client.get("/review/").status_code == 302
    assert logged_in(app, "mo").get("/review/").status_code == 302
    assert logged_in(app, "mo", "a fresh password").get("/review/").status_code == 200
    short = runner.invoke(args=["users", "passwd", "mo", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "at least 8 characters" in short.output


def test_users_passwd_prompts_without_echo_and_twice(runner, site_key):
    make(runner, "mo", "--role", "moderator", "--site", str(site_key[0]))
    differ = runner.invoke(args=["users", "passwd", "mo"], input="first one\nsecond one\n")
    assert differ.exit_code != 0 and "first one" not in differ.output
    same = runner.invoke(args=["users", "passwd", "mo"], input="same words\nsame words\n")
    assert same.exit_code == 0, same.output
    assert "same words" not in same.output


def test_users_end_sessions_keeps_the_account(runner, app, site_key):
    make(runner, "mo", "--role", "moderator", "--site", str(site_key[0]))
    client = logged_in(app, "mo")
    result = runner.invoke(args=["users", "end-sessions", "mo"])
    assert result.exit_code == 0 and "Ended 1 session(s) of mo." in result.output
    assert client.get("/review/").status_code == 302
    assert logged_in(app, "mo").get("/review/").status_code == 200


@pytest.mark.parametrize("command", ["disable", "enable", "delete", "passwd", "end-sessions"])
def test_users_commands_name_an_unknown_user_clearly(runner, command):
    result = runner.invoke(args=["users", command, "ghost"], input="whatever12\nwhatever12\n")
    assert result.exit_code != 0 and "no user named 'ghost'" in result.output


def test_the_last_admin_cannot_be_disabled(runner):
    make(runner, "root", "--role", "admin")
    refused = runner.invoke(args=["users", "disable", "root"])
    assert refused.exit_code != 0 and "last active admin" in refused.output
    make(runner, "deputy", "--role", "admin")
    assert runner.invoke(args=["users", "disable", "root"]).exit_code == 0


def test_db_upgrade_reports_the_revision(runner, app, monkeypatch):
    monkeypatch.setenv("MODERATOR_DATABASE_URL", app.config["DATABASE_URL"])
    # Without a key, the command would generate one into the checkout's instance folder.
    monkeypatch.setenv("MODERATOR_SECRET_KEY", "cli-test")
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "already current" in result.output


@pytest.mark.slow
def test_serve_starts_gunicorn_on_loopback_and_prints_first_start_hints(tmp_path):
    """The real command, in its own process, as an operator runs it."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "MODERATOR_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "MODERATOR_SECRET_KEY": "serve-test",
    }
    command = [sys.executable, "-m", "moderator", "serve", "--port", str(port), "--workers", "1"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the server did not come up in 60 s"
                time.sleep(0.3)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "moderator sites create" in output
    assert "moderator users create" in output


def test_site_rows_exist_after_create(runner, session):
    runner.invoke(args=["sites", "create", "https://x.example"])
    assert session.execute(select(Site.url)).scalars().all() == ["https://x.example"]


def test_train_runs_without_loading_the_installed_models(tmp_path, monkeypatch):
    """A model file that no longer loads must not block the command that replaces it."""
    from click.testing import CliRunner

    from moderator import cli, config
    from moderator.training import spam as spam_training

    (tmp_path / "spam.joblib").write_bytes(b"not a model")
    monkeypatch.setenv("MODERATOR_MODEL_DIR", str(tmp_path))
    monkeypatch.setenv("MODERATOR_SECRET_KEY", "cli-test")
    calls = []

    def fake_train(sources, model_dir, reports, progress, random_state, validation=()):
        calls.append((list(sources), Path(model_dir), random_state, list(validation)))
        return {"version": "spam-test"}

    monkeypatch.setattr(spam_training, "train", fake_train)
    result = CliRunner().invoke(cli.main, ["train", "spam", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert calls and calls[0][1] == tmp_path and calls[0][2] == 3
    # the validation-only corpora present are handed over to be scored, never trained on
    assert calls[0][3] == spam_training.validation_sources(config.PROJECT_ROOT)
    assert not set(calls[0][3]) & set(calls[0][0])
    assert "spam-test" in result.output


# -- commands that need no database ----------------------------------------------------------


@pytest.mark.parametrize(
    "args", [["--help"], ["--version"], ["sites", "--help"], ["export", "--help"]]
)
def test_commands_that_need_no_database_never_touch_it(args, tmp_path):
    import os
    import subprocess
    import sys

    from moderator.cli import _version
    from tests.paths import ROOT

    database = tmp_path / "untouched.db"
    env = {
        **os.environ,
        "MODERATOR_DATABASE_URL": f"sqlite:///{database}",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-m", "moderator", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert not database.exists() and list(tmp_path.iterdir()) == []
    if args == ["--version"]:
        assert result.stdout.strip() == f"moderator {_version()}"
        assert _version() != "unknown"


# -- site settings and deletion ---------------------------------------------------------------


def test_sites_settings_shows_and_changes_settings(runner, client, auth):
    shown = runner.invoke(args=["sites", "settings", "https://blog.example"])
    assert shown.exit_code == 0 and '"hold_links_at": 0' in shown.output
    changed = runner.invoke(
        args=["sites", "settings", "https://blog.example", "--set", 'block_words=["casino"]']
        + ["--set", "thresholds.spam=0.8", "--set", "country=de", "--set", "hold_all=true"]
        + ["--set", 'urgent_email_to=["ann@blog.example"]']
    )
    assert changed.exit_code == 0, changed.output
    settings = client.get("/api/v1/site/settings", headers=auth).get_json()
    assert settings["block_words"] == ["casino"] and settings["thresholds"] == {"spam": 0.8}
    assert settings["country"] == "DE" and settings["hold_all"] is True
    assert settings["urgent_email_to"] == ["ann@blog.example"]


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("hold_linksat=2", "hold_linksat: is not a setting"),
        ("hold_links_at=many", "hold_links_at: must be a whole number"),
        ('deny.ips=["10.0.0.0/33"]', "deny.ips[0]"),
        ('urgent_email_to=["ann@blog.example,eve@evil.example"]', "urgent_email_to[0]"),
        ("hold_all", "write KEY=VALUE"),
    ],
)
def test_sites_settings_names_a_bad_key_and_changes_nothing(
    runner, client, auth, assignment, message
):
    result = runner.invoke(
        args=["sites", "settings", "https://blog.example", "--set", "hold_links_at=3"]
        + ["--set", assignment]
    )
    assert result.exit_code != 0 and message in result.output
    assert client.get("/api/v1/site/settings", headers=auth).get_json()["hold_links_at"] == 0


def test_sites_settings_of_an_unknown_site_says_so(runner):
    result = runner.invoke(args=["sites", "settings", "https://nowhere.example"])
    assert result.exit_code != 0 and "no site for https://nowhere.example" in result.output


def test_sites_delete_asks_first(runner, client, auth):
    client.post("/api/v1/comments", json={"content": "Hello there"}, headers=auth)
    kept = runner.invoke(args=["sites", "delete", "https://blog.example"], input="n\n")
    assert kept.exit_code != 0 and "Aborted" in kept.output
    assert client.get("/api/v1/comments", headers=auth).status_code == 200
    gone = runner.invoke(args=["sites", "delete", "https://blog.example", "--yes"])
    assert gone.exit_code == 0 and "1 comment(s)" in gone.output
    assert client.get("/api/v1/comments", headers=auth).status_code == 401
    assert "blog.example" not in runner.invoke(args=["sites", "list"]).output


# -- the blogger's data -----------------------------------------------------------------------


def test_export_writes_every_comment_in_each_format(runner, client, auth, tmp_path):
    client.post("/api/v1/comments", json={"content": "Hello there", "external_id": 5}, headers=auth)
    for fmt in ("jsonl", "csv", "wxr"):
        target = tmp_path / f"out.{fmt}"
        result = runner.invoke(
            args=["export", "--site", "https://blog.example", "--format", fmt, str(target)]
        )
        assert result.exit_code == 0 and "Exported 1 comment(s)" in result.output
        assert "Hello there" in target.read_text(encoding="utf-8")
    assert not list(tmp_path.glob("*.partial"))


def test_export_refuses_an_unknown_site_and_format(runner, tmp_path):
    target = str(tmp_path / "out")
    unknown = runner.invoke(
        args=["export", "--site", "https://x.example", "--format", "csv", target]
    )
    assert unknown.exit_code != 0 and "no site" in unknown.output
    bad = runner.invoke(
        args=["export", "--site", "https://blog.example", "--format", "xml", target]
    )
    assert bad.exit_code != 0 and "Invalid value for '--format'" in bad.output


def test_backup_writes_a_copy_or_names_pg_dump(runner, app, tmp_path):
    target = tmp_path / "copy.db"
    result = runner.invoke(args=["backup", str(target)])
    if app.extensions["moderator.engine"].dialect.name == "sqlite":
        assert result.exit_code == 0 and target.exists()
    else:
        assert result.exit_code != 0 and "pg_dump" in result.output and not target.exists()


def test_erase_removes_the_persons_comments(runner, client, auth):
    client.post(
        "/api/v1/comments",
        json={"content": "Hi", "author_email": "zoe@example.org"},
        headers=auth,
    )
    result = runner.invoke(args=["erase", "--email", "Zoe@example.org"])
    assert result.exit_code == 0 and "Erased 1 comment(s) on every site" in result.output
    assert client.get("/api/v1/comments", headers=auth).get_json()["comments"] == []
    bad = runner.invoke(args=["erase", "--email", "zoe"])
    assert bad.exit_code != 0 and "e-mail" in bad.output


def test_webhooks_commands_set_rotate_list_test_deliveries_and_retry(runner, session, site_key):
    from moderator import storage

    refused = runner.invoke(args=["webhooks", "set", "https://blog.example", "http://x.example/h"])
    assert refused.exit_code != 0 and "https" in refused.output
    made = runner.invoke(
        args=["webhooks", "set", "https://blog.example", "https://platform.example/hook"]
    )
    assert made.exit_code == 0, made.output
    secret = made.output.strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    listed = runner.invoke(args=["webhooks", "list"])
    assert "https://platform.example/hook" in listed.output and secret not in listed.output
    rotated = runner.invoke(args=["webhooks", "rotate-secret", "https://blog.example"])
    assert rotated.output.strip().splitlines()[-1] not in ("", secret)
    pinged = runner.invoke(args=["webhooks", "test", "https://blog.example"])
    assert "Queued ping evt_" in pinged.output
    [ping] = storage.list_deliveries(session)
    storage.record_delivery_failure(
        session,
        ping.id,
        attempts=1,
        status=500,
        error="answered 500",
        now=ping.created_at,
        policy=storage.RetryPolicy(max_attempts=1),
    )
    shown = runner.invoke(args=["webhooks", "deliveries", "--state", "failed"])
    assert ping.event_id in shown.output and "answered 500" in shown.output
    retried = runner.invoke(args=["webhooks", "retry", ping.event_id])
    assert "1 delivery(ies) will be tried again" in retried.output
    removed = runner.invoke(args=["webhooks", "remove", "https://blog.example"])
    assert "gave up 1 waiting" in removed.output
    assert runner.invoke(args=["webhooks", "retry"]).exit_code != 0  # nothing named
