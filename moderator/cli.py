"""The `moderator` command line (a Flask CLI group, so `flask --app moderator ...` works too)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from moderator import storage
from moderator.db import get_session
from moderator.storage.schema import Role


def _create_app():
    from moderator import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main():
    """moderator: comment moderation and spam filtering for blogs."""


# -- serve ----------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn workers.")
@click.option("--debug", is_flag=True, help="Run Flask's reloading development server instead.")
@with_appcontext
def serve(host: str, port: int, workers: int, debug: bool):
    """Run the service with gunicorn (migrating the database first)."""
    counts = storage.count_rows(get_session())
    if counts["sites"] == 0:
        click.echo("No site yet. Create one and keep the key it prints:")
        click.echo("  moderator sites create https://your-blog.example --name 'My blog'")
    if counts["users"] == 0:
        click.echo("No review-page user yet. Create one:")
        click.echo("  moderator users create NAME --password-stdin")
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
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--admin", is_flag=True, help="May see every site and manage settings.")
@click.option("--site", "site_ids", multiple=True, type=int, help="Site the moderator may see.")
@with_appcontext
def users_create(name: str, password_stdin: bool, admin: bool, site_ids: tuple[int, ...]):
    """Create a review-page user (a moderator of the given sites, or an admin)."""
    password = _read_password(password_stdin)
    session = get_session()
    try:
        chosen = [storage.get_site(session, site_id) for site_id in site_ids]
        role = Role.ADMIN if admin or not chosen else Role.MODERATOR
        user = storage.create_user(session, name, password, role, chosen)
    except (storage.NotFound, storage.Conflict, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    scope = "all sites" if role is Role.ADMIN else ", ".join(s.url for s in chosen)
    click.echo(f"Created {role.value} {user.name} ({scope}).")


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
def train(model: str, data: tuple[Path, ...], model_dir, report_dir, seed: int):
    """Train the spam and/or medical model and write it with its card and report."""
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


def init_app(app) -> None:
    """Make the commands available to `flask --app moderator` as well."""
    for command in main.commands.values():
        if command.name not in app.cli.commands:
            app.cli.add_command(command)
