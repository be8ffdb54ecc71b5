"""End-to-end fixtures: the app served on 127.0.0.1 in a thread, and Debian's headless Chromium."""

from __future__ import annotations

import functools
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from moderator import create_app, storage
from moderator.core.comment import Comment
from moderator.core.decision import decide
from moderator.core.settings import SiteSettings
from moderator.db import get_session
from tests.conftest import TEST_PASSWORD_METHOD
from tests.stubs import stub_models

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"


class Server:
    """The app behind a real HTTP server, plus helpers to arrange its data."""

    def __init__(self, app, url: str, site_id: int):
        self.app, self.url, self.site_id = app, url, site_id

    def add(self, content: str, **fields) -> int:
        """Decide and store a comment as the API would; return its id."""
        fields = {"author": "Mary", "author_email": "mary@example.org"} | fields
        with self.app.app_context():
            db = get_session()
            comment = Comment(content=content, **fields)
            decision = decide(comment, SiteSettings(), self.app.extensions["moderator.models"])
            site = storage.get_site(db, self.site_id)
            return storage.add_comment(db, site, comment, decision, raw={}, actor="test").record.id

    def comment(self, comment_id: int):
        """Return a stored comment (None once deleted)."""
        from moderator.storage.schema import CommentRecord

        with self.app.app_context():
            return get_session().get(CommentRecord, comment_id)

    def replies(self, comment_id: int) -> list[str]:
        """Return the texts of the replies stored for a comment."""
        with self.app.app_context():
            return [r.content for r in self.comment_record(comment_id).replies]

    def comment_record(self, comment_id: int):
        """Return a comment bound to the current app context's session."""
        from moderator.storage.schema import CommentRecord

        return get_session().get(CommentRecord, comment_id)


@pytest.fixture
def server(tmp_path, sqlite_template, compiled_templates):
    """A fresh app on a SQLite file, a site, a moderator `mo`, served on a free port.

    The file is a copy of the run's migrated template (tests/conftest.py), so the app
    need not migrate it.
    """
    database = tmp_path / "moderator.db"
    shutil.copyfile(sqlite_template, database)
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "SECRET_KEY": "browser-test-secret",
            "AUTO_MIGRATE": False,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "PASSWORD_HASH_METHOD": TEST_PASSWORD_METHOD,
        },
        models=stub_models(),
    )
    app.jinja_env.bytecode_cache = compiled_templates
    with app.app_context():
        db = get_session()
        site, _ = storage.create_site(db, "https://blog.example", "My blog")
        storage.create_user(db, "mo", PASSWORD, "moderator", [site])
        site_id = site.id
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    # A short poll, so that shutdown at the end of the test returns at once (default 0.5 s).
    serve = functools.partial(httpd.serve_forever, poll_interval=0.05)
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield Server(app, f"http://127.0.0.1:{httpd.server_port}", site_id)
    httpd.shutdown()
    thread.join(timeout=5)
    httpd.server_close()
    app.extensions["moderator.engine"].dispose()


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (Debian's; never a downloaded one).

    Module scope, not session: Playwright's sync API keeps an event loop running in the
    main thread while it is open, which would break later tests that call asyncio.run.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A desktop-sized page that fails the test on any script error or dialog."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.errors = []
    tab.dialogs = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))

    def on_dialog(dialog):
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    yield tab
    context.close()


def log_in(page, server: Server, name: str = "mo", password: str = PASSWORD, path="/review/"):
    """Log in through the form and land on `path`."""
    page.goto(server.url + path)
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/review/**")
