"""A real WordPress against a real moderator: both sides must agree on every comment.

Debian's `wordpress` package (with the Akismet plugin it ships) on the running MariaDB,
served by PHP's built-in server, the bridge installed as the README says for a packaged
install (`/etc/wordpress/config-<host>.php`, `/var/lib/wordpress/wp-content/mu-plugins/`),
and moderator started here on a socket. Comments go in through `wp-comments-post.php`
as a visitor's browser sends them; moderation is clicked in wp-admin as a logged-in
administrator (the links under each comment, "Check for spam"), and moderator's own
review-page actions are made through storage, then applied in WordPress by a WP-cron run.

Skipped when WordPress, PHP or MariaDB is missing, unless MODERATOR_TEST_REQUIRE_WORDPRESS=1
(CI sets it, and installs them in .ci/run): then missing is a failure.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from moderator import create_app, db, storage
from moderator.db import get_session
from moderator.storage.schema import CommentRecord, Label
from tests.paths import ROOT

pytestmark = pytest.mark.slow

REQUIRE = os.environ.get("MODERATOR_TEST_REQUIRE_WORDPRESS") == "1"
WORDPRESS = Path("/usr/share/wordpress")
AKISMET = WORDPRESS / "wp-content/plugins/akismet/akismet.php"
CONTENT = Path("/var/lib/wordpress/wp-content")  # Debian's WP_CONTENT_DIR
CONFIG_DIR = Path("/etc/wordpress")
HOST = "127.0.0.1"
BRIDGE = ROOT / "integrations/wordpress/moderator-akismet-bridge.php"
DATABASE = "moderator_wp_test"
DB_USER = "moderator_wp"
ADMIN, PASSWORD = "admin", "admin-" + secrets.token_hex(8)
WEBHOOK_SECRET = secrets.token_hex(16)
#: The moderator site's hold word: a comment containing it is held for review (unsure).
HOLD_WORD = "zeppelinfrage"

THANKS = "Thank you for this post, the second step finally made it work on my old laptop."
LINK_SPAM = (
    "Cheap viagra cialis online pharmacy, no prescription needed, best price! "
    "http://pills.example.top/buy http://pills.example.top/cheap "
    "http://casino.example.top/bonus http://loans.example.top/fast"
)
URGENT = "crushing chest pain spreading to my left arm right now, what should I do?"


def _missing() -> str:
    """Return what is missing for a real WordPress here, or ''."""
    for tool in ("php", "mysql"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not AKISMET.is_file():
        return "Debian's wordpress package (with its Akismet plugin) is not installed"
    probe = subprocess.run(
        ["php", "-r", "exit(function_exists('mysqli_connect') ? 0 : 1);"], check=False
    )
    if probe.returncode:
        return "php has no mysqli (php-mysql)"
    ping = subprocess.run(
        ["mysql", "-u", "root", "-e", "SELECT 1"], capture_output=True, check=False, timeout=30
    )
    if ping.returncode:
        return "MariaDB is not reachable as root: " + ping.stderr.decode(errors="replace")[:200]
    if not os.access(CONFIG_DIR, os.W_OK) or not os.access(CONTENT, os.W_OK):
        return f"{CONFIG_DIR} or {CONTENT} is not writable (run as root)"
    return ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def mysql(statement: str) -> None:
    subprocess.run(["mysql", "-u", "root", "-e", statement], check=True, timeout=60)


class WordPress:
    """The blog: its URL, PHP run inside it, and a logged-in administrator's browser."""

    def __init__(self, url: str, helper: Path, mailbox: Path) -> None:
        self.url = url
        self.helper = helper
        self.mailbox = mailbox
        self.admin = httpx.Client(base_url=url, timeout=60, follow_redirects=False)
        self.visitor = httpx.Client(base_url=url, timeout=60, follow_redirects=False)

    def php(self, code: str):
        """Run PHP inside WordPress (as WP-CLI would) and return what it returns, from JSON."""
        done = subprocess.run(
            ["php", str(self.helper)],
            input=code.encode(),
            capture_output=True,
            check=False,
            timeout=120,
            env={**os.environ, "WP_TEST_HOST": self.url.split("//", 1)[1]},
        )
        out = done.stdout.decode(errors="replace")
        marker = out.rfind("\n@@RESULT@@")
        assert done.returncode == 0 and marker >= 0, out[-2000:] + done.stderr.decode()[-2000:]
        return json.loads(out[marker + len("\n@@RESULT@@") :])

    def log_in(self) -> None:
        self.admin.cookies.set("wordpress_test_cookie", "WP Cookie check")
        answer = self.admin.post(
            "/wp-login.php",
            data={"log": ADMIN, "pwd": PASSWORD, "wp-submit": "Log In", "testcookie": "1"},
        )
        assert answer.status_code == 302, answer.text[-500:]

    def post_comment(self, content: str, author: str, email: str, url: str = "") -> int | None:
        """Post a comment through wp-comments-post.php as a visitor; return its ID if kept."""
        answer = self.visitor.post(
            "/wp-comments-post.php",
            data={
                "comment_post_ID": "1",
                "comment_parent": "0",
                "author": author,
                "email": email,
                "url": url,
                "comment": content,
                "submit": "Post Comment",
            },
            headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"},
        )
        assert answer.status_code == 302, answer.text[-1000:]
        # The redirect names the comment (#comment-ID), except for spam: look it up then.
        found = re.search(r"#comment-(\d+)", answer.headers.get("location", ""))
        if found:
            return int(found[1])
        return (
            self.php(
                f"""global $wpdb; return (int) $wpdb->get_var($wpdb->prepare(
            "SELECT comment_ID FROM $wpdb->comments WHERE comment_content = %s
             ORDER BY comment_ID DESC LIMIT 1", {json.dumps(content)}));"""
            )
            or None
        )

    def comment(self, comment_id: int) -> dict:
        return self.php(
            f"""$c = get_comment({comment_id});
            return $c ? array(
                'status' => wp_get_comment_status($c),
                'content' => $c->comment_content,
                'guid' => get_comment_meta({comment_id}, 'moderator_guid', true),
                'urgent' => get_comment_meta({comment_id}, 'moderator_urgent', true)) : null;"""
        )

    def click(self, comment_id: int, action: str, listing: str = "") -> None:
        """Follow the link under a comment in wp-admin's Comments (approve, spam, unspam...)."""
        listing = listing or ("spam" if action == "unspamcomment" else "all")
        page = self.admin.get(f"/wp-admin/edit-comments.php?comment_status={listing}")
        assert page.status_code == 200
        amp = "&(?:amp;|#038;)?"
        link = re.search(
            rf"comment\.php\?c={comment_id}{amp}action={action}{amp}_wpnonce=([0-9a-f]+)",
            page.text,
        )
        assert link, f"no {action} link for comment {comment_id}"
        answer = self.admin.get(
            f"/wp-admin/comment.php?c={comment_id}&action={action}&_wpnonce={link[1]}",
            headers={"Referer": self.url + "/wp-admin/edit-comments.php"},
        )
        assert answer.status_code == 302, answer.text[-500:]

    def check_for_spam(self) -> dict:
        """Press "Check for spam" in Comments → Pending (Akismet rechecks the queue)."""
        page = self.admin.get("/wp-admin/edit-comments.php?comment_status=moderate")
        nonce = re.search(r'class="[^"]*checkforspam[^"]*"[^>]*data-nonce="([0-9a-f]+)"', page.text)
        nonce = nonce or re.search(r'data-nonce="([0-9a-f]+)"[^>]*checkforspam', page.text)
        assert nonce, "no Check for spam button"
        answer = self.admin.post(
            "/wp-admin/admin-ajax.php",
            data={"action": "akismet_recheck_queue", "nonce": nonce[1], "offset": 0, "limit": 100},
        )
        assert answer.status_code == 200, answer.text[-500:]
        return answer.json()

    def cron(self) -> None:
        """Run the bridge's WP-cron job now (as a cron run would)."""
        self.php("do_action('moderator_bridge_sync'); return true;")

    def mails(self) -> list[dict]:
        if not self.mailbox.exists():
            return []
        return [json.loads(line) for line in self.mailbox.read_text().splitlines() if line]


HELPER = """<?php
$_SERVER['HTTP_HOST'] = getenv('WP_TEST_HOST');
$_SERVER['SERVER_NAME'] = '127.0.0.1';
$_SERVER['REQUEST_URI'] = '/';
if (getenv('WP_TEST_INSTALLING')) { define('WP_INSTALLING', true); }
require '/usr/share/wordpress/wp-load.php';
$result = eval(file_get_contents('php://stdin'));
echo "\\n@@RESULT@@" . json_encode($result);
"""

# Test plumbing only (not part of the product): catch WordPress's e-mails in a file, and
# let one address post many comments in a row (WordPress refuses a second within 15 s).
TEST_PLUGIN = """<?php
add_filter('pre_wp_mail', function ($sent, $mail) {
    file_put_contents(%r, json_encode($mail) . "\\n", FILE_APPEND | LOCK_EX);
    return true;
}, 10, 2);
add_filter('wp_is_comment_flood', '__return_false', 99);
"""

INSTALL = f"""
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
wp_install('moderator test blog', '{ADMIN}', 'admin@blog.test', true, '', '{PASSWORD}');
// The discussion settings the README asks for.
update_option('comment_previously_approved', 0);
update_option('comment_moderation', 0);
update_option('moderation_notify', 1);
update_option('comments_notify', 0);
// Akismet's "always put spam in the Spam folder", so every spam can be checked on both sides.
update_option('akismet_strictness', '0');
$activated = activate_plugin('akismet/akismet.php');
return is_wp_error($activated) ? $activated->get_error_message() : 'ok';
"""


@pytest.fixture(scope="module")
def available() -> None:
    """Skip (or, where required, fail) at once when WordPress cannot run here."""
    missing = _missing()
    if missing:
        if REQUIRE:
            pytest.fail(f"MODERATOR_TEST_REQUIRE_WORDPRESS=1 but {missing}")
        pytest.skip(missing)


@pytest.fixture(scope="module")
def moderator_server(available, tmp_path_factory, models):
    """A fresh moderator on a socket, with the shipped models: (app, base URL)."""
    folder = tmp_path_factory.mktemp("moderator")
    url = f"sqlite:///{folder / 'moderator.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine, folder)
    engine.dispose()
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_hex(16),
            "AUTO_MIGRATE": False,
            "EVENTS_SETTLE_SECONDS": 0,
            "INSTANCE_PATH": str(folder / "instance"),
        },
        models=models,
    )
    httpd = make_server(HOST, 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield app, f"http://{HOST}:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()
    app.extensions["moderator.engine"].dispose()


@pytest.fixture(scope="module")
def wordpress(moderator_server, tmp_path_factory):
    """Debian's WordPress with Akismet and the bridge, pointed at moderator_server."""
    app, moderator_url = moderator_server
    folder = tmp_path_factory.mktemp("wordpress")
    port = free_port()
    blog = f"http://{HOST}:{port}"
    with app.app_context():
        site, key = storage.create_site(get_session(), blog, "WordPress test blog")
        settings = storage.site_settings(site).updated({"hold_words": [HOLD_WORD]})
        storage.update_site_settings(get_session(), site, settings)

    config = CONFIG_DIR / f"config-{HOST}.php"
    if config.exists() and "moderator live test" not in config.read_text():
        pytest.fail(f"{config} exists and is not this test's: not overwriting it")
    db_password = secrets.token_hex(12)
    mysql(
        f"DROP DATABASE IF EXISTS {DATABASE}; CREATE DATABASE {DATABASE}; "
        f"CREATE USER IF NOT EXISTS '{DB_USER}'@'localhost'; "
        f"ALTER USER '{DB_USER}'@'localhost' IDENTIFIED BY '{db_password}'; "
        f"GRANT ALL ON {DATABASE}.* TO '{DB_USER}'@'localhost';"
    )
    salts = "\n".join(
        f"define('{name}', '{secrets.token_hex(32)}');"
        for name in ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY")
        + ("AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT")
    )
    # As the README tells a packaged install to do: settings in config-<host>.php.
    config.write_text(
        f"""<?php
// moderator live test (tests/integrations/test_wordpress_live.py); removed after the run
define('DB_NAME', '{DATABASE}');
define('DB_USER', '{DB_USER}');
define('DB_PASSWORD', '{db_password}');
define('DB_HOST', 'localhost');
define('WP_HOME', '{blog}');
define('WP_SITEURL', '{blog}');
define('DISABLE_WP_CRON', true);
{salts}
define('MODERATOR_AKISMET_URL', '{moderator_url}');
define('MODERATOR_AKISMET_KEY', '{key}');
define('MODERATOR_WEBHOOK_SECRET', '{WEBHOOK_SECRET}');
"""
    )
    mu_plugins = CONTENT / "mu-plugins"
    created_dir = not mu_plugins.exists()
    mu_plugins.mkdir(exist_ok=True)
    installed = [mu_plugins / BRIDGE.name, mu_plugins / "zz-moderator-live-test.php"]
    shutil.copyfile(BRIDGE, installed[0])
    mailbox = folder / "mail.jsonl"
    installed[1].write_text(TEST_PLUGIN % str(mailbox))
    helper = folder / "wp-helper.php"
    helper.write_text(HELPER)

    with (folder / "php-server.log").open("wb") as log:
        server = subprocess.Popen(
            ["php", "-S", f"{HOST}:{port}", "-t", str(WORDPRESS)],
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={**os.environ, "PHP_CLI_SERVER_WORKERS": "4"},
        )
    try:
        blog_site = WordPress(blog, helper, mailbox)
        os.environ["WP_TEST_INSTALLING"] = "1"
        try:
            assert blog_site.php(INSTALL) == "ok"
        finally:
            del os.environ["WP_TEST_INSTALLING"]
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(blog + "/", timeout=10).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "WordPress did not start"
            time.sleep(0.2)
        blog_site.log_in()
        yield blog_site
    finally:
        server.terminate()
        server.wait(timeout=30)
        for path in installed:
            path.unlink(missing_ok=True)
        if created_dir:
            shutil.rmtree(mu_plugins, ignore_errors=True)
        config.unlink(missing_ok=True)
        mysql(f"DROP DATABASE IF EXISTS {DATABASE}; DROP USER IF EXISTS '{DB_USER}'@'localhost';")


@pytest.fixture
def moderator(moderator_server):
    """Read moderator's side: the comment WordPress knows by an ID, and its labels."""
    app, _ = moderator_server

    class Side:
        def comment(self, comment_id: int) -> CommentRecord:
            with app.app_context():
                session = get_session()
                record = session.scalars(
                    select(CommentRecord).where(CommentRecord.external_id == str(comment_id))
                ).one()
                session.expunge(record)
                return record

        def labels(self, comment_id: int) -> list[tuple[bool, str]]:
            with app.app_context():
                session = get_session()
                record = session.scalars(
                    select(CommentRecord).where(CommentRecord.external_id == str(comment_id))
                ).one()
                rows = session.scalars(
                    select(Label).where(Label.comment_id == record.id).order_by(Label.id)
                )
                return [(label.value, label.source) for label in rows]

        def labels_of_text(self, words: str) -> list[tuple[bool, str]]:
            """Labels whose copy of the text holds `words` (they outlive their comment)."""
            with app.app_context():
                rows = get_session().scalars(select(Label).where(Label.content.contains(words)))
                return [(label.value, label.source) for label in rows]

        def review(self, comment_id: int, action: str) -> None:
            """A moderator's click on moderator's review page."""
            with app.app_context():
                session = get_session()
                record = session.scalars(
                    select(CommentRecord).where(CommentRecord.external_id == str(comment_id))
                ).one()
                storage.moderate(session, [record], action, actor="user:reviewer")

        def reply(self, comment_id: int, text: str) -> None:
            with app.app_context():
                session = get_session()
                record = session.scalars(
                    select(CommentRecord).where(CommentRecord.external_id == str(comment_id))
                ).one()
                storage.add_reply(session, record, text, actor="reviewer")

    return Side()


# -- the cases, each asserted on both sides -------------------------------------------------

WP_STATUS = {"approved": "approved", "unapproved": "pending", "spam": "spam", "trash": "trash"}


def agree(wordpress, moderator, comment_id: int, status: str) -> None:
    """Assert WordPress and moderator both have the comment in `status` (moderator's name)."""
    assert WP_STATUS[wordpress.comment(comment_id)["status"]] == status
    assert moderator.comment(comment_id).status == status


def test_akismet_settings_page_connects(wordpress):
    page = wordpress.admin.get("/wp-admin/options-general.php?page=akismet-key-config")
    assert page.status_code == 200
    assert "t connect to the Akismet servers" not in page.text
    # The settings view of a working key (not first-time setup), its stats widget included.
    assert "Akismet is active and ready to stop spam" in page.text
    assert "Set up your Akismet account" not in page.text
    verified = wordpress.php(
        "require_once WP_PLUGIN_DIR . '/akismet/class.akismet-admin.php';"
        "return array(Akismet::verify_key(Akismet::get_api_key()), "
        "Akismet_Admin::get_server_connectivity(), Akismet::get_api_key());"
    )
    assert verified[:2] == ["valid", True]
    assert len(verified[2]) == 12  # the stand-in the plugin sees; the real key stays out


def test_a_thanks_comment_is_published(wordpress, moderator):
    comment_id = wordpress.post_comment(THANKS, "Mary Keller", "mary@reader.test")
    agree(wordpress, moderator, comment_id, "approved")
    assert wordpress.comment(comment_id)["guid"] == moderator.comment(comment_id).guid


def test_link_spam_goes_to_spam(wordpress, moderator):
    comment_id = wordpress.post_comment(
        LINK_SPAM, "Cheap Pills", "sales@pills.example.top", "http://pills.example.top"
    )
    agree(wordpress, moderator, comment_id, "spam")


def test_the_akismet_test_author_is_spam(wordpress, moderator):
    comment_id = wordpress.post_comment(
        "Just a test of the spam filter.", "akismet-guaranteed-spam", "test@reader.test"
    )
    agree(wordpress, moderator, comment_id, "spam")


def test_an_unsure_comment_is_held_and_approving_it_labels_it(wordpress, moderator):
    comment_id = wordpress.post_comment(
        f"Is the {HOLD_WORD} still open for new readers this year?", "Tom", "tom@reader.test"
    )
    agree(wordpress, moderator, comment_id, "pending")
    wordpress.click(comment_id, "approvecomment")
    agree(wordpress, moderator, comment_id, "approved")
    assert moderator.labels(comment_id) == [(False, "wordpress")]


def test_an_urgent_reader_is_held_flagged_and_mailed(wordpress, moderator):
    comment_id = wordpress.post_comment(URGENT, "Pat", "pat@reader.test")
    agree(wordpress, moderator, comment_id, "pending")
    assert moderator.comment(comment_id).urgent
    assert wordpress.comment(comment_id)["urgent"]
    listing = wordpress.admin.get("/wp-admin/edit-comments.php?comment_status=moderate").text
    assert "moderator-urgent-notice" in listing and 'class="moderator-urgent"' in listing
    mail = [m for m in wordpress.mails() if f"c={comment_id}" in m["message"]]
    assert mail, wordpress.mails()
    assert mail[-1]["subject"].startswith("[URGENT]")
    assert mail[-1]["message"].startswith("URGENT: a reader may need help now.")


def test_spam_and_not_spam_clicked_in_wordpress(wordpress, moderator):
    comment_id = wordpress.post_comment(
        "Lovely photos of the harbour, which lens did you use?", "Ann", "ann@reader.test"
    )
    agree(wordpress, moderator, comment_id, "approved")
    wordpress.click(comment_id, "spamcomment")
    agree(wordpress, moderator, comment_id, "spam")
    wordpress.click(comment_id, "unspamcomment")
    status = WP_STATUS[wordpress.comment(comment_id)["status"]]
    agree(wordpress, moderator, comment_id, status)
    assert [value for value, _ in moderator.labels(comment_id)] == [True, False]


def test_a_ruling_in_moderator_reaches_wordpress_after_a_cron_run(wordpress, moderator):
    comment_id = wordpress.post_comment(
        f"Would the {HOLD_WORD} work with a smaller budget?", "Lee", "lee@reader.test"
    )
    agree(wordpress, moderator, comment_id, "pending")
    moderator.review(comment_id, "approve")
    moderator.reply(comment_id, "Yes: start with the second option.")
    wordpress.cron()
    agree(wordpress, moderator, comment_id, "approved")
    replies = wordpress.php(
        "return array_map(function ($c) { return array($c->comment_content, "
        f"$c->comment_approved); }}, get_comments(array('parent' => {comment_id}, "
        "'status' => 'all')));"
    )
    assert replies == [["Yes: start with the second option.", "1"]]
    # Applied from moderator: not reported back as a WordPress label.
    assert moderator.labels(comment_id) == [(False, "review")]


def test_check_for_spam_applies_moderators_ruling(wordpress, moderator):
    comment_id = wordpress.post_comment(
        f"The {HOLD_WORD} page links to my shop, have a look", "Kim", "kim@reader.test"
    )
    agree(wordpress, moderator, comment_id, "pending")
    moderator.review(comment_id, "spam")
    counts = wordpress.check_for_spam()["counts"]
    assert counts["spam"] >= 1
    agree(wordpress, moderator, comment_id, "spam")


def test_trash_untrash_and_delete_clicked_in_wordpress(wordpress, moderator, moderator_server):
    comment_id = wordpress.post_comment(
        "Great write-up on sourdough, my loaf finally rose properly.", "Bo", "bo@reader.test"
    )
    agree(wordpress, moderator, comment_id, "approved")
    wordpress.click(comment_id, "trashcomment")
    agree(wordpress, moderator, comment_id, "trash")
    wordpress.click(comment_id, "untrashcomment", listing="trash")
    agree(wordpress, moderator, comment_id, "approved")
    wordpress.click(comment_id, "trashcomment")
    wordpress.click(comment_id, "deletecomment", listing="trash")
    assert wordpress.comment(comment_id) is None
    app, _ = moderator_server
    with app.app_context():
        gone = get_session().scalars(
            select(CommentRecord).where(CommentRecord.external_id == str(comment_id))
        )
        assert gone.all() == []
    assert moderator.labels_of_text("sourdough") == []  # trash, untrash, delete: no judgement


def test_an_edit_in_wordpress_reaches_moderator(wordpress, moderator):
    comment_id = wordpress.post_comment(
        "The recipe needs more salt than it says.", "Cy", "cy@reader.test"
    )
    wordpress.php(
        "wp_set_current_user(1); return wp_update_comment(array("
        f"'comment_ID' => {comment_id}, 'comment_content' => 'The recipe needs less salt.'));"
    )
    assert moderator.comment(comment_id).content == "The recipe needs less salt."


def test_a_signed_webhook_applies_a_ruling_at_once(wordpress, moderator):
    comment_id = wordpress.post_comment(
        f"Any news on the {HOLD_WORD} for next spring?", "Dee", "dee@reader.test"
    )
    agree(wordpress, moderator, comment_id, "pending")
    moderator.review(comment_id, "approve")
    body = json.dumps({"id": "evt-1", "type": "comment.status_changed", "data": {}})
    stamp = str(int(time.time()))
    signature = hmac.new(WEBHOOK_SECRET.encode(), f"{stamp}.{body}".encode(), hashlib.sha256)
    headers = {
        "Content-Type": "application/json",
        "Moderator-Webhook-Id": "evt-1",
        "Moderator-Webhook-Timestamp": stamp,
        "Moderator-Webhook-Signature": "v1=" + signature.hexdigest(),
    }
    forged = wordpress.visitor.post(
        "/?rest_route=/moderator/v1/webhook",
        content=body,
        headers={**headers, "Moderator-Webhook-Signature": "v1=" + "0" * 64},
    )
    assert forged.status_code == 401
    assert WP_STATUS[wordpress.comment(comment_id)["status"]] == "pending"
    answer = wordpress.visitor.post(
        "/?rest_route=/moderator/v1/webhook", content=body, headers=headers
    )
    assert answer.status_code == 200, answer.text
    agree(wordpress, moderator, comment_id, "approved")
    again = wordpress.visitor.post(
        "/?rest_route=/moderator/v1/webhook", content=body, headers=headers
    )
    assert again.json() == {"duplicate": True}


def test_akismet_stats_render_from_moderators_counts(wordpress, moderator):
    comment_id = wordpress.post_comment(
        "viagra cialis casino loans http://spam.example.top/a http://spam.example.top/b "
        "http://spam.example.top/c http://spam.example.top/d",
        "akismet-guaranteed-spam",
        "bot@spam.example.top",
    )
    agree(wordpress, moderator, comment_id, "spam")
    page = wordpress.admin.get("/wp-admin/options-general.php?page=akismet-key-config")
    assert page.status_code == 200
    text = re.sub(r"<[^>]+>", " ", page.text)
    assert "Spam blocked" in text and "Accuracy" in text
    assert "critical error" not in text
