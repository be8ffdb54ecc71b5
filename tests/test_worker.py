"""The background worker: due jobs run once across processes, failures are kept, and the
`moderator worker` command."""

from __future__ import annotations

import threading
from datetime import timedelta

from moderator import create_app, storage, worker
from moderator.db import get_session
from moderator.storage.schema import User, UserSession, utcnow
from tests.conftest import TEST_PASSWORD_METHOD


def counting_job(name="count", every=60.0):
    """A job that counts its runs (in a list the test reads)."""
    runs = []

    def run(app):
        runs.append(app)
        return f"run {len(runs)}"

    return worker.Job(name, every, run), runs


def second_server(app, models, clock, tmp_path):
    """Another app on the same database: another server of the cluster."""
    return create_app(
        {
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "AUTO_MIGRATE": False,
            "INSTANCE_PATH": str(tmp_path / "second"),
            "PASSWORD_HASH_METHOD": TEST_PASSWORD_METHOD,
        },
        models=models,
        clock=clock,
    )


def test_a_due_job_runs_once_across_servers_and_again_after_its_interval(
    app, models, clock, tmp_path
):
    job, runs = counting_job()
    other = second_server(app, models, clock, tmp_path)
    try:
        assert worker.Worker(app, [job]).run_due() == {"count": "run 1"}
        assert worker.Worker(other, [job]).run_due() == {}  # ran this interval already
        clock.advance(seconds=61)
        assert worker.Worker(other, [job]).run_due() == {"count": "run 2"}
        assert runs == [app, other]
    finally:
        other.extensions["moderator.engine"].dispose()


def test_a_job_held_elsewhere_is_skipped_not_waited_for(app, clock):
    job, runs = counting_job()
    engine = app.extensions["moderator.engine"]
    with storage.job_lock(engine, "count", holder="elsewhere", now=clock(), ttl=timedelta(60)):
        assert worker.Worker(app, [job]).run_due() == {}
    assert runs == []


def test_a_look_that_finds_nothing_due_writes_nothing(app, clock):
    """Between its runs a job costs one read per look: no lock is taken (on SQLite a
    write, which the requests' transactions would queue behind)."""
    from sqlalchemy import event

    job, runs = counting_job()
    looks = worker.Worker(app, [job])
    assert looks.run_due() == {"count": "run 1"}
    statements: list[str] = []
    engine = app.extensions["moderator.engine"]
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    clock.advance(seconds=30)
    assert looks.run_due() == {}
    assert [s.split(None, 1)[0] for s in statements] == ["SELECT"]
    clock.advance(seconds=31)
    assert looks.run_due() == {"count": "run 2"} and len(runs) == 2


def test_a_failing_job_is_recorded_and_does_not_stop_the_others(app, session, caplog):
    def broken(app):
        raise RuntimeError("the model file is gone")

    job, runs = counting_job("after")
    ran = worker.Worker(app, [worker.Job("broken", 60, broken), job]).run_due()
    assert ran == {"broken": "failed: RuntimeError", "after": "run 1"}
    assert "job broken failed" in caplog.text
    states = {s.name: s.last_outcome for s in storage.job_states(session)}
    assert states == {"broken": "failed: RuntimeError", "after": "run 1"}


def test_the_loop_runs_in_a_thread_until_stopped(app):
    app.config["WORKER_TICK_SECONDS"] = 0.05
    done = threading.Event()

    def job_run(app):
        done.set()
        return "ok"

    thread, stop = worker.start_thread(app, [worker.Job("signal", 60, job_run)])
    try:
        assert done.wait(20)
    finally:
        stop.set()
        thread.join(20)
    assert not thread.is_alive()


def test_adding_a_job_is_one_line():
    names = [job.name for job in worker.JOBS]
    assert names == ["webhooks", "retrain", "clean-up"]
    assert all(isinstance(job, worker.Job) for job in worker.JOBS)


def test_clean_up_forgets_expired_sessions_and_old_deliveries(app, session, site_key, clock):
    user = User(name="old", password_hash="x")
    session.add(user)
    session.flush()
    long_ago = clock() - timedelta(days=2)
    session.add(
        UserSession(
            token_hash="a" * 64, user_id=user.id, created_at=long_ago, last_seen_at=long_ago
        )
    )
    site = storage.get_site(session, site_key[0])
    storage.set_webhook(session, site, "https://platform.example/hook")
    ping = storage.enqueue_ping(session, site, actor="alice")
    storage.record_delivered(session, ping.id, 200, utcnow())
    clock.advance(days=31)
    outcome = worker.clean_up(app)
    assert "sessions 1" in outcome and "deliveries 1" in outcome
    assert session.query(UserSession).count() == 0


def test_the_worker_command_runs_due_jobs_once_and_shows_their_state(app, runner, monkeypatch):
    job, runs = counting_job()
    monkeypatch.setattr(worker, "JOBS", [job])
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "count: run 1" in result.output
    status = runner.invoke(args=["worker", "--status"])
    assert "count\tevery 60 s\tlast run" in status.output and "run 1" in status.output
    forced = runner.invoke(args=["worker", "--run", "count"])
    assert "count: run 2" in forced.output
    unknown = runner.invoke(args=["worker", "--run", "nope"])
    assert unknown.exit_code != 0 and "no job 'nope'" in unknown.output


def test_the_webhooks_job_delivers(app, site_key, clock):
    from tests.webhook_receiver import webhook_receiver

    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    with webhook_receiver() as receiver, app.app_context():
        session = get_session()
        site = storage.get_site(session, site_key[0])
        storage.set_webhook(session, site, receiver.url)
        storage.enqueue_ping(session, site, actor="alice")
        clock.now = utcnow()
        assert worker.deliver_webhooks(app) == "delivered 1, retry 0, failed 0"
    assert len(receiver.received) == 1
