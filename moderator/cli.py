"""The `moderator` command line (a Flask CLI group, so `flask --app moderator ...` works too)."""

from __future__ import annotations

import json
import sys
from importlib import metadata
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from moderator import storage
from moderator.core.settings import SettingsError
from moderator.db import get_session
from moderator.storage.schema import Role


def _create_app():
    from moderator import create_app

    return create_app()


class ModeratorGroup(FlaskGroup):
    """Flask's command group, without loading the app to list or find commands.

    FlaskGroup builds the app (and so migrates the database) for `--help` and for any
    command name it does not know; every command of moderator is registered here, so
    only a command that needs the app builds it (`with_appcontext`).
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return the commands registered on this group (the app adds none)."""
        return sorted(self.commands)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """Return the named command of this group, or None (no app is built to look)."""
        return self.commands.get(name)


def _version() -> str:
    try:
        return metadata.version("moderator")
    except metadata.PackageNotFoundError:  # running from a checkout that is not installed
        return "unknown"


@click.group(
    cls=ModeratorGroup,
    create_app=_create_app,
    add_default_commands=True,
    add_version_option=False,
)
@click.version_option(
    _version(), "--version", prog_name="moderator", message="%(prog)s %(version)s"
)
def main():
    """moderator: comment moderation and spam filtering for blogs."""


# -- serve ----------------------------------------------------------------------------


# The app is built inside (not by Flask's wrapper): metrics need their folder first.
@main.command(with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn workers.")
@click.option("--debug", is_flag=True, help="Run Flask's reloading development server instead.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int, debug: bool):
    """Run the service with gunicorn (migrating the database first).

    Unless RUN_WORKER_IN_SERVER is off, each gunicorn worker also runs the background
    jobs (see `moderator worker`).
    """
    from flask.cli import ScriptInfo

    from moderator.server import prepare_metrics_dir

    # Before the app is built: prometheus-client chooses multiprocess mode at import.
    if not debug:
        prepare_metrics_dir()
    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        _serve(host, port, workers, debug)


def _serve(host: str, port: int, workers: int, debug: bool) -> None:
    counts = storage.count_rows(get_session())
    if counts["sites"] == 0:
        click.echo("No site yet. Create one and keep the key it prints:")
        click.echo("  moderator sites create https://your-blog.example --name 'My blog'")
    if counts["users"] == 0:
        click.echo("No review-page user yet. Create one:")
        click.echo("  moderator users create NAME --role admin --password-stdin")
    click.echo(f"moderator listening on http://{host}:{port}/ (review page at /review/)")
    if debug:
        current_app.run(host=host, port=port, debug=True)
        return
    _run_gunicorn(host, port, workers)


def _run_gunicorn(host: str, port: int, workers: int) -> None:
    from moderator.server import Server

    # Workers open their own connections: none of the master's may be shared after fork.
    get_session().close()
    current_app.extensions["moderator.engine"].dispose()
    Server(current_app.extensions["moderator.model_store"], f"{host}:{port}", workers).run()


@main.command("worker")
@click.option("--once", is_flag=True, help="Run the due jobs once and exit (for cron, tests).")
@click.option("--status", is_flag=True, help="Show each job's last run and outcome, and exit.")
@click.option(
    "--run",
    "run_now",
    metavar="JOB",
    default=None,
    help="Run this job now, due or not (when no other process runs it), and exit.",
)
@with_appcontext
def worker_command(once: bool, status: bool, run_now: str | None):
    """Run the background jobs (webhook delivery, clean-up ...) until stopped.

    Each job runs on one process of the cluster at a time (a lock in the database), so
    any number of servers and workers may run this. Set RUN_WORKER_IN_SERVER=false on
    the app servers when a worker runs the jobs instead.
    """
    import signal
    import threading

    from moderator import worker

    if status:
        known = {job.name: job for job in worker.JOBS}
        states = {state.name: state for state in storage.job_states(get_session())}
        for name in sorted(known.keys() | states.keys()):
            state = states.get(name)
            every = f"every {known[name].every_seconds:g} s" if name in known else "not a job now"
            last = (
                f"{state.last_run_at:%Y-%m-%d %H:%M:%S}Z"
                if state and state.last_run_at
                else "never"
            )
            outcome = state.last_outcome if state else ""
            click.echo(f"{name}\t{every}\tlast run {last}\t{outcome}")
        return
    runner = worker.Worker(current_app._get_current_object())
    if run_now:
        job = next((job for job in runner.jobs if job.name == run_now), None)
        if job is None:
            names = ", ".join(job.name for job in runner.jobs)
            raise click.BadParameter(f"no job {run_now!r} (jobs: {names})", param_hint="--run")
        outcome = runner.run_job(job, force=True)
        if outcome is None:
            raise click.ClickException(f"{job.name} is running elsewhere now; try again later")
        click.echo(f"{job.name}: {outcome}")
        return
    if once:
        for name, outcome in runner.run_due().items():
            click.echo(f"{name}: {outcome}")
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"moderator worker running {', '.join(job.name for job in runner.jobs)}")
    runner.run_forever(stop)
    click.echo("moderator worker stopped")


# -- sites and keys ------------------------------------------------------------------


@main.group()
def sites():
    """Manage sites (one per blog)."""


@sites.command("create")
@click.argument("url")
@click.option("--name", default="", help="A name moderators recognise.")
@with_appcontext
def sites_create(url: str, name: str):
    """Create a site; its API key is printed once, alone on the last line."""
    if not url.startswith(("http://", "https://")):
        raise click.BadParameter("give the blog's full address, starting with https://")
    session = get_session()
    if storage.site_by_url(session, url) is not None:
        raise click.ClickException(f"a site for {url} exists already; add a key with `keys create`")
    site, key = storage.create_site(session, url, name)
    click.echo(f"Created site {site.id} ({site.name}). Its API key, shown only now:")
    click.echo(key)


@sites.command("list")
@with_appcontext
def sites_list():
    """List the sites with their active keys."""
    session = get_session()
    for site in storage.list_sites(session):
        active = [k.prefix + "…" for k in storage.list_keys(session, site) if not k.revoked_at]
        click.echo(f"{site.id}\t{site.url}\t{site.name}\tkeys: {', '.join(active) or 'none'}")


def _site_at(url: str):
    """Return the site registered under a URL, or stop with a clear error."""
    site = storage.site_by_url(get_session(), url)
    if site is None:
        raise click.ClickException(f"no site for {url} (see `moderator sites list`)")
    return site


@sites.command("trust")
@click.argument("url")
@with_appcontext
def sites_trust(url: str):
    """Let a site's labels train the shared model every site uses."""
    from moderator.storage import models_registry

    models_registry.set_trusted(get_session(), _site_at(url), True)
    click.echo(f"{url}: trusted; its labels train the shared model from the next training.")


@sites.command("untrust")
@click.argument("url")
@with_appcontext
def sites_untrust(url: str):
    """Stop a site's labels training the shared model (its own model still learns)."""
    from moderator.storage import models_registry

    models_registry.set_trusted(get_session(), _site_at(url), False)
    click.echo(
        f"{url}: not trusted; the shared model stops learning from it at its next training "
        "(roll the shared model back to undo what it learned: `moderator models rollback`)."
    )


def _setting_change(assignment: str) -> tuple[str, object]:
    """Read KEY=VALUE: VALUE as JSON when it is JSON (2, true, ["a","b"]), else as text.

    A dotted key sets one part of an object setting: thresholds.spam=0.8, deny.ips=[...].
    """
    key, equals, value = assignment.partition("=")
    key = key.strip()
    if not equals or not key:
        raise click.BadParameter(f"{assignment!r}: write KEY=VALUE", param_hint="--set")
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = value
    return key, parsed


@sites.command("settings")
@click.argument("url")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Change a setting (repeat). VALUE is JSON or text: hold_links_at=2, "
    "block_words='[\"casino\"]', thresholds.spam=0.8, country=DE, "
    "urgent_email_to='[\"author@blog.example\"]'.",
)
@with_appcontext
def sites_settings(url: str, assignments: tuple[str, ...]):
    """Show a site's settings as JSON, after changing those given with --set."""
    session = get_session()
    site = _site_at(url)
    current = storage.site_settings(site)
    if assignments:
        changes = current.to_dict()
        named = {}
        for assignment in assignments:
            key, value = _setting_change(assignment)
            top, _, part = key.partition(".")
            if part and isinstance(changes.get(top), dict):
                changes[top] = {**changes[top], part: value}
                named[top] = changes[top]
            else:
                named[key] = value
        try:
            current = storage.update_site_settings(session, site, current.updated(named))
        except SettingsError as exc:
            raise click.ClickException(
                "settings not changed: " + "; ".join(f"{k}: {m}" for k, m in exc.errors)
            ) from exc
    click.echo(json.dumps(current.to_dict(), indent=2, ensure_ascii=False))


@sites.command("delete")
@click.argument("url")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def sites_delete(url: str, yes: bool):
    """Delete a site with its keys, comments, labels and events, for good."""
    site = _site_at(url)
    if not yes:
        click.confirm(
            f"Delete {site.url} ({site.name}) with all its comments, labels, events and keys? "
            "This cannot be undone",
            abort=True,
        )
    label = f"{site.url} ({site.name})"
    count = storage.delete_site(get_session(), site)
    click.echo(f"Deleted {label} and its {count} comment(s).")


@main.group()
def keys():
    """Manage API keys."""


@keys.command("create")
@click.argument("site_id", type=int)
@click.option("--label", default="")
@with_appcontext
def keys_create(site_id: int, label: str):
    """Add a key to a site; the key is printed once, alone on the last line."""
    session = get_session()
    try:
        site = storage.get_site(session, site_id)
    except storage.NotFound as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"New key for site {site.id} ({site.name}), shown only now:")
    click.echo(storage.create_key(session, site, label))


@keys.command("list")
@with_appcontext
def keys_list():
    """List keys by prefix (the keys themselves are not stored)."""
    for key in storage.list_keys(get_session()):
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        click.echo(f"{key.prefix}…\tsite {key.site_id}\t{state}\t{key.label}")


@keys.command("revoke")
@click.argument("key")
@with_appcontext
def keys_revoke(key: str):
    """Revoke a key, given whole or by the prefix `keys list` shows."""
    try:
        row = storage.revoke_key(get_session(), key.rstrip("…"))
    except storage.NotFound as exc:
        raise click.ClickException("no such key") from exc
    click.echo(f"Revoked key {row.prefix}… of site {row.site_id}.")


# -- webhooks ---------------------------------------------------------------------------


@main.group()
def webhooks():
    """Manage each site's webhook: address, secret, deliveries."""


@webhooks.command("set")
@click.argument("site_url")
@click.argument("webhook_url")
@with_appcontext
def webhooks_set(site_url: str, webhook_url: str):
    """Send SITE_URL's events to WEBHOOK_URL (https); a new webhook's secret is printed once."""
    from moderator.webhooks import Refused, check_url

    site = _site_at(site_url)
    try:
        check_url(webhook_url, allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE"])
    except Refused as exc:
        raise click.BadParameter(str(exc), param_hint="WEBHOOK_URL") from exc
    _, secret = storage.set_webhook(get_session(), site, webhook_url)
    click.echo(f"Events of {site.url} go to {webhook_url}.")
    if secret:
        click.echo("Its signing secret, shown only now (give it to the receiver):")
        click.echo(secret)


@webhooks.command("rotate-secret")
@click.argument("site_url")
@with_appcontext
def webhooks_rotate(site_url: str):
    """Give SITE_URL's webhook a new secret, printed once; the old one stops at once."""
    site = _site_at(site_url)
    try:
        secret = storage.rotate_secret(get_session(), site)
    except LookupError as exc:
        raise click.ClickException(f"{exc}; set one with `moderator webhooks set`") from exc
    click.echo(f"New signing secret of {site.url}'s webhook, shown only now:")
    click.echo(secret)


@webhooks.command("remove")
@click.argument("site_url")
@with_appcontext
def webhooks_remove(site_url: str):
    """Stop sending SITE_URL's events; deliveries still waiting are given up."""
    site = _site_at(site_url)
    given_up = storage.remove_webhook(get_session(), site)
    click.echo(f"Removed the webhook of {site.url}; gave up {given_up} waiting delivery(ies).")


@webhooks.command("list")
@with_appcontext
def webhooks_list():
    """List the sites' webhooks (never their secrets)."""
    session = get_session()
    for site in storage.list_sites(session):
        webhook = storage.webhook_of(session, site)
        if webhook is not None:
            click.echo(f"{site.id}\t{site.url}\t{webhook.url}")


@webhooks.command("test")
@click.argument("site_url")
@with_appcontext
def webhooks_test(site_url: str):
    """Queue a "ping" event to SITE_URL's webhook (the worker sends it)."""
    site = _site_at(site_url)
    try:
        delivery = storage.enqueue_ping(get_session(), site, actor="cli")
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Queued ping {delivery.event_id}.")


@webhooks.command("deliveries")
@click.option("--site", "site_url", default=None, help="Only this site's.")
@click.option("--state", type=click.Choice(["pending", "delivered", "failed"]), default=None)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@with_appcontext
def webhooks_deliveries(site_url: str | None, state: str | None, limit: int):
    """List the newest deliveries: event id, type, state, attempts, last answer."""
    site_id = _site_at(site_url).id if site_url else None
    rows = storage.list_deliveries(get_session(), site_id=site_id, state=state, limit=limit)
    for row in rows:
        answer = row.last_status if row.last_status is not None else "-"
        click.echo(
            f"{row.event_id}\tsite {row.site_id}\t{row.event_type}\t{row.state}\t"
            f"attempts {row.attempts}\tlast answer {answer}\t{row.last_error}"
        )


@webhooks.command("retry")
@click.argument("event_ids", nargs=-1)
@click.option("--site", "site_url", default=None, help="Every given-up delivery of this site.")
@with_appcontext
def webhooks_retry(event_ids: tuple[str, ...], site_url: str | None):
    """Try given-up deliveries again: those named by event id, or all of --site's."""
    if not event_ids and not site_url:
        raise click.UsageError("name event ids or give --site")
    site_id = _site_at(site_url).id if site_url else None
    count = storage.retry_deliveries(get_session(), site_id=site_id, event_ids=event_ids)
    click.echo(f"{count} delivery(ies) will be tried again.")


# -- users ------------------------------------------------------------------------------


@main.group()
def users():
    """Manage review-page accounts."""


def _read_password(password_stdin: bool) -> str:
    """Read a new password: one line of standard input, or typed twice without echo."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = storage.password_problem(password)
    if problem:
        raise click.ClickException(problem)
    return password


def _user_named(name: str):
    """Return the user with this name, or stop with a clear error."""
    user = storage.user_by_name(get_session(), name)
    if user is None:
        raise click.ClickException(f"no user named {name!r} (see `moderator users list`)")
    return user


@users.command("create")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    required=True,
    help="admin: every site, users and settings; moderator: the sites given with --site.",
)
@click.option(
    "--site",
    "sites_given",
    multiple=True,
    help="A site the moderator may see, by URL or id (repeat); required for a moderator.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_create(name: str, role: str, sites_given: tuple[str, ...], password_stdin: bool):
    """Create a review-page user: an admin, or a moderator of the sites named."""
    role = Role(role)
    if role is Role.MODERATOR and not sites_given:
        raise click.UsageError("a moderator needs at least one --site (URL or id)")
    if role is Role.ADMIN and sites_given:
        raise click.UsageError("an admin sees every site: leave out --site")
    session = get_session()
    chosen = [_site_named(session, given) for given in sites_given]
    password = _read_password(password_stdin)
    try:
        user = storage.create_user(session, name, password, role, chosen)
    except (storage.Conflict, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    scope = "every site" if role is Role.ADMIN else ", ".join(s.url for s in chosen)
    click.echo(f"Created {role.value} {user.name} ({scope}).")


def _site_named(session, given: str):
    """Return the site a --site option names by id or URL, or stop with a clear error."""
    site = None
    if given.strip().isdigit():
        try:
            site = storage.get_site(session, int(given))
        except storage.NotFound:
            site = None
    else:
        site = storage.site_by_url(session, given)
    if site is None:
        raise click.ClickException(f"no site {given} (see `moderator sites list`)")
    return site


@users.command("list")
@with_appcontext
def users_list():
    """List the accounts: name, role, state, sites and open sessions."""
    session = get_session()
    counts = storage.session_counts(session)
    for user in storage.list_users(session):
        state = "active" if user.active else f"disabled {user.disabled_at:%Y-%m-%d}"
        scope = (
            "all sites"
            if user.role == Role.ADMIN.value
            else (", ".join(site.url for site in user.sites) or "no sites")
        )
        sessions = counts.get(user.id, 0)
        click.echo(f"{user.name}\t{user.role}\t{state}\t{scope}\tsessions: {sessions}")


@users.command("disable")
@click.argument("name")
@with_appcontext
def users_disable(name: str):
    """Disable an account: it cannot log in, and its sessions end now."""
    user = _user_named(name)
    try:
        ended = storage.disable_user(get_session(), user)
    except storage.LastAdmin as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Disabled {user.name}; ended {ended} session(s).")


@users.command("enable")
@click.argument("name")
@with_appcontext
def users_enable(name: str):
    """Let a disabled account log in again."""
    user = _user_named(name)
    storage.enable_user(get_session(), user)
    click.echo(f"Enabled {user.name}.")


@users.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def users_delete(name: str, yes: bool):
    """Delete an account and end its sessions (the event log keeps its name)."""
    user = _user_named(name)
    if not yes:
        click.confirm(f"Delete {user.name} for good?", abort=True)
    try:
        storage.delete_user(get_session(), user)
    except storage.LastAdmin as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Deleted {name}.")


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_passwd(name: str, password_stdin: bool):
    """Set a user's password; every session of the account ends."""
    user = _user_named(name)
    ended = storage.set_password(get_session(), user, _read_password(password_stdin))
    click.echo(f"New password for {user.name}; ended {ended} session(s).")


@users.command("end-sessions")
@click.argument("name")
@with_appcontext
def users_end_sessions(name: str):
    """Log a user out everywhere, keeping the account and its password."""
    user = _user_named(name)
    session = get_session()
    ended = storage.end_user_sessions(session, user)
    session.commit()
    click.echo(f"Ended {ended} session(s) of {user.name}.")


# -- the blogger's data -------------------------------------------------------------------


@main.command("export")
@click.option("--site", "url", required=True, help="The site's URL.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "wxr"]), required=True)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_command(url: str, fmt: str, file: Path):
    """Write every comment of a site (status, verdict, reasons, reply state, labels) to FILE.

    FILE `-` writes to standard output. A file is written whole or not at all.
    """
    from moderator.export import write_export

    session = get_session()
    site = _site_at(url)
    items = storage.comments_for_export(session, site)
    options = {"site_url": site.url, "site_name": site.name}
    if str(file) == "-":
        count = write_export(fmt, items, sys.stdout, **options)
        click.echo(f"Exported {count} comment(s).", err=True)
        return
    partial = file.with_name(file.name + ".partial")
    try:
        with open(partial, "w", encoding="utf-8", newline="") as out:
            count = write_export(fmt, items, out, **options)
        partial.replace(file)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"cannot write {file}: {exc.strerror or exc}") from exc
    click.echo(f"Exported {count} comment(s) of {site.url} to {file} ({fmt}).")


@main.command("import-wxr")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", "url", required=True, help="The site's URL.")
@with_appcontext
def import_wxr_command(file: Path, url: str):
    """Import a WordPress export (WXR): its comments, statuses and moderation as labels.

    Approved comments become genuine labels and spam comments spam labels (source
    `import`); pending and trashed ones are stored without a label. Importing the same
    file again adds nothing.
    """
    _import_history("wxr", file, url)


@main.command("import-jsonl")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", "url", required=True, help="The site's URL.")
@with_appcontext
def import_jsonl_command(file: Path, url: str):
    """Import a blog's history as JSON lines (the API's fields plus status and external_id).

    See README, "Importing a blog's history", for the layout.
    """
    _import_history("jsonl", file, url)


def _import_history(fmt: str, file: Path, url: str) -> None:
    """Check a history file whole, then import it in batches with a progress bar."""
    from moderator import imports

    session = get_session()
    site = _site_at(url)
    reader = imports.READERS[fmt]
    click.echo(f"Reading {file}…", err=True)
    try:
        total = imports.check_file(reader, file)
    except imports.ImportFailed as exc:
        raise click.ClickException(f"{file}: {exc}. Nothing was imported.") from exc
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror or exc}") from exc
    models = current_app.extensions["moderator.models"]
    for missing in models.unavailable:
        click.echo(
            f"Warning: the {missing.name} model is unavailable ({missing.problem}); "
            "comments are stored without its score.",
            err=True,
        )
    try:
        with click.progressbar(length=total, label="Importing", file=sys.stderr) as bar:
            report = imports.import_rows(
                session,
                site,
                reader(file),
                models,
                actor=f"cli:import-{fmt}",
                details={"imported_from": fmt},
                progress=bar.update,
            )
    except (imports.ImportFailed, OSError) as exc:
        # The file changed since it was checked: what was committed stays, and is recognised.
        raise click.ClickException(
            f"{file}: {exc}. The batches stored so far stay; run the import again to add "
            "the rest (comments already stored are recognised)."
        ) from exc
    click.echo(
        f"Imported {file} into {site.url}: {report.added} added, "
        f"{report.already_present} already present, {sum(report.skipped.values())} skipped."
    )
    for reason, count in report.skipped.most_common():
        click.echo(f"  skipped {count}: {reason}")
    if report.added:
        statuses = ", ".join(f"{n} {status}" for status, n in sorted(report.statuses.items()))
        click.echo(f"Added by status: {statuses}.")
        click.echo(
            f"Labels (source import): {report.labels[False]} genuine, {report.labels[True]} spam."
        )


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path):
    """Copy the SQLite database to FILE, consistently, while the service keeps serving.

    For PostgreSQL it prints the pg_dump line to run instead.
    """
    from moderator import db

    engine = current_app.extensions["moderator.engine"]
    try:
        pages = db.backup(engine, file)
    except db.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot write {file}: {exc}") from exc
    click.echo(f"Backed up the database to {file} ({pages} pages).")


@main.command("erase")
@click.option("--email", required=True, help="The person's e-mail address.")
@click.option("--site", "url", default=None, help="Only this site (default: every site).")
@with_appcontext
def erase_command(email: str, url: str | None):
    """Erase one person's comments, labels and raw payloads (their right to erasure).

    Other comments quoting the address keep their place with it blotted out. The event
    log records the erasure and how many comments went, never the address.
    """
    session = get_session()
    site = _site_at(url) if url else None
    try:
        erased = storage.erase_author(session, email, site=site, actor="cli:erase")
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--email") from exc
    where = site.url if site else "every site"
    click.echo(
        f"Erased {erased.comments} comment(s) on {where}; the address was blotted out of "
        f"{erased.blotted} other comment(s)."
    )


# -- database ---------------------------------------------------------------------------


@main.group("db")
def db_group():
    """Database maintenance."""


@db_group.command("upgrade")
def db_upgrade():
    """Apply pending migrations to the configured database."""
    from moderator import config, db

    settings = config.settings()
    engine = db.make_engine(settings["DATABASE_URL"])
    try:
        ran = db.upgrade(engine, Path(settings["INSTANCE_PATH"]))
        revision = db.current_revision(engine)
    finally:
        engine.dispose()
    click.echo(
        f"Database at revision {revision}" + (" (migrated)." if ran else " (already current).")
    )


# -- models -----------------------------------------------------------------------------

MODEL_NAMES = ("spam", "medical")


def _trainer(name: str):
    if name == "spam":
        from moderator.training import spam as module
    else:
        from moderator.training import medical as module
    return module


# Training and evaluating need no app: a model that no longer loads (it was trained with
# other features) must not stop the command that replaces it.
@main.command(with_appcontext=False)
@click.argument("model", type=click.Choice(MODEL_NAMES + ("all",)), default="all")
@click.option(
    "--data",
    "data",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="A training source (file or folder); repeat. Default: training_data/ and ../shared.",
)
@click.option("--model-dir", type=click.Path(path_type=Path), default=None)
@click.option("--report-dir", type=click.Path(path_type=Path), default=None)
@click.option("--seed", default=0, show_default=True, help="random_state for training.")
@click.option(
    "--from-labels",
    is_flag=True,
    help="Learn from the moderators' labels: the shared layer and each site's (or one).",
)
@click.option("--site", "site_url", default=None, help="With --from-labels: only this site.")
def train(
    model: str,
    data: tuple[Path, ...],
    model_dir,
    report_dir,
    seed: int,
    from_labels: bool,
    site_url: str | None,
):
    """Train the spam and/or medical model and write it with its card and report.

    With --from-labels: train layers on the moderators' labels, judge each at the gate
    against the model serving now, and promote it or keep it refused, with the figures.
    """
    if from_labels:
        if model == "medical" or data or model_dir or report_dir:
            raise click.UsageError("--from-labels learns the spam model only, from the database")
        _train_from_labels(site_url)
        return
    if site_url:
        raise click.UsageError("--site goes with --from-labels")
    from moderator import config

    settings = config.settings()
    model_dir = model_dir or Path(settings["MODEL_DIR"])
    for name in MODEL_NAMES if model == "all" else (model,):
        trainer = _trainer(name)
        sources = list(data) or trainer.default_sources(config.PROJECT_ROOT)
        reports = (report_dir or model_dir / "reports") / name
        click.echo(f"Training {name} on {len(sources)} source(s)…")
        # the validation-only corpora are scored once (never fitted) with the default sources
        find_validation = getattr(trainer, "validation_sources", None)
        validation = find_validation(config.PROJECT_ROOT) if find_validation and not data else []
        options = {"validation": validation} if validation else {}
        card = trainer.train(
            sources, model_dir, reports, progress=True, random_state=seed, **options
        )
        click.echo(f"Wrote {model_dir / (name + '.joblib')} ({card.get('version', '')}).")
        click.echo(f"Report: {reports / 'index.html'}")


@main.command(with_appcontext=False)
@click.argument("model", type=click.Choice(MODEL_NAMES), default="spam")
@click.option(
    "--data",
    "data",
    multiple=True,
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="A labelled dataset in any loadable format; repeat.",
)
@click.option("--model-dir", type=click.Path(path_type=Path), default=None)
@click.option("--report-dir", type=click.Path(path_type=Path), default=Path("reports"))
def evaluate(model: str, data: tuple[Path, ...], model_dir, report_dir: Path):
    """Score a labelled dataset with the installed model and write the figures."""
    import json

    from moderator import config

    model_dir = model_dir or Path(config.settings()["MODEL_DIR"])
    metrics = _trainer(model).evaluate(list(data), model_dir, report_dir / model)
    click.echo(json.dumps(metrics, indent=2, default=str))
    click.echo(f"Report: {report_dir / model / 'index.html'}")


def _train_from_labels(site_url: str | None) -> None:
    from moderator.learning.train import LearningSettings, train_all

    # the app this command runs in: the CLI's own, or a test runner's
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    with app.app_context():
        session = get_session()
        base = current_app.extensions["moderator.models"]
        if base.unavailable:
            raise click.ClickException(
                "the shared spam model is unavailable; fix it first (see `moderator serve`'s log)"
            )
        settings = LearningSettings.from_config(current_app.config)
        sites = [_site_at(site_url)] if site_url else storage.list_sites(session)
        outcomes = train_all(session, base, settings, sites, shared=site_url is None, actor="cli")
        for outcome in outcomes:
            click.echo(outcome.describe())
        seconds = float(current_app.config["REGISTRY_CHECK_SECONDS"])
        if any(o.state == "active" for o in outcomes):
            click.echo(f"Every server serves the promoted versions within {seconds:g} s.")


@main.group("models")
def models_group():
    """The learned model versions: list, show, promote, roll back."""


def _scope(site_url: str | None):
    """Return (site id or None, a name for it) for --site."""
    if site_url is None:
        return None, "shared"
    return _site_at(site_url).id, site_url


@models_group.command("list")
@click.option("--site", "site_url", default=None, help="Only this site's versions.")
@with_appcontext
def models_list(site_url: str | None):
    """List the versions, newest first, with their state and headline figures."""
    from moderator.storage import models_registry

    site_id = _scope(site_url)[0] if site_url else "any"
    rows = models_registry.list_versions(get_session(), site_id=site_id)
    if not rows:
        click.echo("No learned versions yet: `moderator train --from-labels`.")
    for row in rows:
        scope = "shared" if row.site_id is None else f"site {row.site_id}"
        labels = row.trained_from.get("labels", 0)
        click.echo(
            f"{row.version}\t{scope}\t{row.state}\t{labels} labels\t"
            f"{row.created_at:%Y-%m-%d %H:%M}\t{row.reason}"
        )


@models_group.command("show")
@click.argument("version")
@click.option("--plots", is_flag=True, help="Include the ROC points and score histograms.")
@with_appcontext
def models_show(version: str, plots: bool):
    """Show one version: its labels, its figures and its history, as JSON."""
    from moderator.storage import models_registry

    try:
        row = models_registry.version_named(get_session(), version)
    except storage.NotFound as exc:
        raise click.ClickException(str(exc)) from exc
    shown = _version_json(row)
    if not plots:
        shown["figures"] = _without_plot_data(shown["figures"])
    click.echo(json.dumps(shown, indent=2))


#: The figures' keys that hold what the Models page plots: hundreds of numbers.
PLOT_KEYS = frozenset({"roc", "histogram"})


def _without_plot_data(value):
    """Return the figures without the curve points and histogram bins, at any depth."""
    if isinstance(value, dict):
        return {k: _without_plot_data(v) for k, v in value.items() if k not in PLOT_KEYS}
    if isinstance(value, list):
        return [_without_plot_data(v) for v in value]
    return value


def _version_json(row) -> dict:
    return {
        "version": row.version,
        "model": row.name,
        "site_id": row.site_id,
        "state": row.state,
        "reason": row.reason,
        "file": row.file,
        "sha256": row.sha256,
        "trained_from": row.trained_from,
        "figures": row.figures,
        "history": row.history,
        "actor": row.actor,
        "created_at": row.created_at.isoformat(),
        "promoted_at": row.promoted_at.isoformat() if row.promoted_at else None,
    }


@models_group.command("promote")
@click.argument("version")
@with_appcontext
def models_promote(version: str):
    """Make a version active (a refused one too, by the operator's decision)."""
    from moderator.learning import registry
    from moderator.ml.modelfile import ModelError
    from moderator.storage import models_registry

    session = get_session()
    try:
        row = models_registry.version_named(session, version)
        registry.load_layer(
            Path(current_app.config["LEARNED_MODEL_DIR"]),
            row.version,
            row.sha256,
            fetch=lambda: models_registry.stored_copy(session, row.version),
        )
    except storage.NotFound as exc:
        raise click.ClickException(str(exc)) from exc
    except ModelError as exc:
        raise click.ClickException(f"{version} cannot be promoted: {exc}") from exc
    previous = models_registry.promote(session, row, "cli", "promoted by the operator")
    replaced = f" (replacing {previous.version})" if previous else ""
    click.echo(f"{row.version} is active{replaced}.")


@models_group.command("rollback")
@click.option("--site", "site_url", default=None, help="This site's model (default: shared).")
@with_appcontext
def models_rollback(site_url: str | None):
    """Retire the active version and serve the one before it again."""
    from moderator.storage import models_registry

    site_id, scope = _scope(site_url)
    try:
        restored = models_registry.rollback(get_session(), "spam", site_id, "cli")
    except storage.NotFound as exc:
        raise click.ClickException(f"{scope}: {exc}") from exc
    if restored is None:
        click.echo(f"{scope}: no learned version of its own is active any more.")
    else:
        click.echo(f"{scope}: {restored.version} is active again.")


def init_app(app) -> None:
    """Make the commands available to `flask --app moderator` as well."""
    for command in main.commands.values():
        if command.name not in app.cli.commands:
            app.cli.add_command(command)
