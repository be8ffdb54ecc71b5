"""Issue 22 in a real headless Chromium: the list view and page size, Unapprove, Quick
edit with its audit, one-click filters and bulk on a filter, Check again, the keyboard
flow, author history, every view free of console errors and CSP violations, and
screenshots at 390 and 1280 px for review: written to a temporary folder, and to
tests/browser/screenshots/ (the committed ones) only with MODERATOR_UPDATE_SCREENSHOTS=1,
so an ordinary test run leaves the working tree as it was.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from moderator import storage
from moderator.core.settings import SiteSettings
from moderator.db import get_session
from tests.browser.conftest import CHROMIUM, log_in
from tests.web.test_security import PAYLOADS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]

SCREENSHOTS = (
    Path(__file__).parent / "screenshots"
    if os.environ.get("MODERATOR_UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "moderator-screenshots"
)
UNSURE = "Nice post, visit my shop spam=0.6"
GENUINE = "Thanks, step 3 finally made the migration click for me."
#: Catches what the browser refuses under the CSP, before any page script runs.
WATCH_CSP = (
    "document.addEventListener('securitypolicyviolation', function (e) {"
    " (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI); });"
)


@pytest.fixture
def watched(page):
    """The page, also recording console errors and CSP violations (checked by `clean`)."""
    page.console_errors = []

    def on_console(message):
        # A failed load is checked by URL below: the browser's own favicon probe is no
        # page's doing (moderator serves none).
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            page.console_errors.append(message.text)

    def on_response(response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            page.console_errors.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.add_init_script(WATCH_CSP)
    return page


def clean(page) -> None:
    """Assert the page raised no script error, console error or CSP violation."""
    assert page.errors == []
    assert page.console_errors == []
    assert page.evaluate("window.__csp || []") == []


def count(page, queue: str) -> str:
    """Return the count a queue's tab shows."""
    return page.text_content(f'[data-count="{queue}"]').strip()


def set_thresholds(server, **thresholds) -> None:
    """Change the site's spam thresholds, as an admin would on Settings."""
    with server.app.app_context():
        db = get_session()
        site = storage.get_site(db, server.site_id)
        storage.update_site_settings(db, site, SiteSettings(thresholds=thresholds))


def test_list_view_and_page_size_are_remembered_per_user(server, watched, browser):
    for n in range(60):
        server.add(f"{UNSURE} number {n}", user_ip=f"198.51.100.{n % 7}")
    log_in(watched, server, path="/review/?queue=pending")
    assert watched.locator("article.card").count() == 25
    watched.select_option("#layout", "list")
    watched.wait_for_selector(".cards.list")
    watched.select_option("#per-page", "100")
    expect(watched.locator("article.card")).to_have_count(60)
    # One line per comment: under 50 px each, where a card takes over 150.
    height = watched.evaluate("document.querySelector('.cards').getBoundingClientRect().height")
    assert height < 60 * 50
    first = watched.locator("article.card").first
    assert not first.locator(".content").is_visible()
    first.locator("button.expand").click()
    assert first.locator(".content").is_visible()
    assert first.locator("button.expand").get_attribute("aria-expanded") == "true"
    # Another browser, same user: the choice is stored on the server, not in this browser.
    other = browser.new_context(viewport={"width": 1280, "height": 900})
    fresh = other.new_page()
    log_in(fresh, server, path="/review/?queue=pending")
    assert fresh.locator(".cards.list").count() == 1
    assert fresh.locator("article.card").count() == 60
    assert fresh.input_value("#per-page") == "100"
    other.close()
    clean(watched)


def test_unapprove_an_approved_comment_by_key_and_undo_it(server, watched):
    kept = server.add(GENUINE, author="Ann")
    assert server.comment(kept).status == "approved"
    log_in(watched, server, path="/review/?queue=approved")
    watched.keyboard.press("u")
    watched.wait_for_selector(f"#c{kept}", state="detached")
    assert server.comment(kept).status == "pending"
    assert "Unapproved" in watched.text_content("#notice")
    assert count(watched, "pending") == "1" and count(watched, "approved") == "0"
    watched.keyboard.press("Shift+U")
    watched.wait_for_selector(f"#c{kept}")
    assert server.comment(kept).status == "approved"
    # The button does the same.
    watched.click(f"#c{kept} button:has-text('Unapprove')")
    watched.wait_for_selector(f"#c{kept}", state="detached")
    assert server.comment(kept).status == "pending"
    clean(watched)


def test_quick_edit_keeps_the_old_text_in_the_activity_log(server, watched):
    edited = server.add(f"{UNSURE} with a typo: teh", author="Bo")
    log_in(watched, server, path="/review/?queue=pending")
    watched.keyboard.press("e")
    field = watched.locator(f"#edit-{edited}-content")
    expect(field).to_be_focused()
    field.fill("Nice post, fixed the typo: the")
    watched.fill(f"#c{edited} input[name=author]", "Bo Smith")
    watched.keyboard.press("Control+Enter")
    watched.wait_for_url("**/review/**")
    expect(watched.locator("#notice")).to_contain_text("Edited")
    stored = server.comment(edited)
    assert (stored.content, stored.author) == ("Nice post, fixed the typo: the", "Bo Smith")
    watched.goto(server.url + "/review/activity?action=edited")
    log = watched.text_content("table.events")
    assert "with a typo: teh" in log and "fixed the typo" in log and "Bo Smith" in log
    assert watched.locator("table.events del").first.text_content().endswith("teh")
    clean(watched)


def test_filter_by_ip_with_one_click_then_act_on_the_whole_filter(server, watched):
    ids = [server.add(f"{UNSURE} from the flood {n}", user_ip="203.0.113.66") for n in range(4)]
    other = server.add(f"{UNSURE} from elsewhere", user_ip="192.0.2.1")
    log_in(watched, server, path="/review/?queue=pending&sort=oldest")
    watched.click(f"#c{ids[0]} a.filter:has-text('203.0.113.66')")
    expect(watched.locator("article.card")).to_have_count(4)
    assert "203.0.113.66" in watched.text_content(".active-filters")
    assert watched.locator(f"#c{other}").count() == 0
    watched.select_option(".filter-bulk select", "spam")
    watched.click(".filter-bulk button")
    assert "4 comments" in watched.text_content("h1")
    watched.click("#confirm-bulk")
    watched.wait_for_url("**/review/**")
    assert [server.comment(i).status for i in ids] == ["spam"] * 4
    assert server.comment(other).status == "pending"
    # The count confirmed is the count acted on: undo takes all four back.
    watched.click("#notice button:has-text('Undo')")
    expect(watched.locator("article.card")).to_have_count(4)
    assert [server.comment(i).status for i in ids] == ["pending"] * 4
    # Removing the filter brings the others back.
    watched.goto(server.url + "/review/?queue=pending&ip=203.0.113.66")
    watched.click(".active-filters a[aria-label^='Remove']")
    expect(watched.locator("article.card")).to_have_count(5)
    clean(watched)


def test_check_again_shows_the_diff_and_applies_on_confirm(server, watched):
    moved = [server.add(f"{UNSURE} {n}") for n in range(2)]
    stays = server.add("Cheap pills spam=0.95")
    log_in(watched, server, path="/review/?queue=all&sort=oldest")
    set_thresholds(server, unsure=0.7, spam=0.9, discard=0.99)
    watched.keyboard.press("x")
    watched.keyboard.press("j")
    watched.keyboard.press("x")
    watched.keyboard.press("c")
    watched.wait_for_url("**/review/check-again")
    assert "2 of 2 would change" in watched.text_content("caption")
    assert "pending → approved" in re.sub(r"\s+", " ", watched.text_content("table.diff"))
    assert [server.comment(i).status for i in moved] == ["pending", "pending"]
    watched.keyboard.press("Enter")  # the Apply button has the focus
    watched.wait_for_url("**/review/?**")
    assert [server.comment(i).status for i in moved] == ["approved", "approved"]
    assert server.comment(stays).status == "spam"
    assert "Checked 2 again" in watched.text_content("#notice")
    clean(watched)


def test_the_keyboard_flow_never_needs_the_mouse(server, watched):
    question = server.add("medical question about my knee spam=0.6", author="Pat")
    ids = [server.add(f"{UNSURE} {n}", author=f"K{n}") for n in range(3)]
    log_in(watched, server, path="/review/?queue=pending&sort=oldest")
    watched.keyboard.press("?")
    assert watched.is_visible("#help") and "unapprove" in watched.text_content("#help")
    watched.keyboard.press("Escape")
    watched.keyboard.press("i")  # explain the focused (first) comment
    assert watched.locator(f"#c{question} details.explain[open]").count() == 1
    assert "thresholds" in watched.text_content(f"#c{question} .explain-body")
    watched.keyboard.press("n")  # no reply needed
    expect(watched.locator(f"#c{question}")).to_have_attribute("data-reply-state", "dismissed")
    assert server.comment(question).reply_state == "dismissed"
    watched.keyboard.press("j")
    watched.keyboard.press("r")
    expect(watched.locator(f"#reply-{ids[0]}")).to_be_focused()
    watched.keyboard.press("Escape")
    watched.keyboard.press("a")
    watched.wait_for_selector(f"#c{ids[0]}", state="detached")
    watched.keyboard.press("d")
    watched.wait_for_selector(f"#c{ids[1]}", state="detached")
    watched.keyboard.press("2")  # Needs reply tab... then 4: Approved
    watched.wait_for_url("**queue=needs_reply**")
    watched.keyboard.press("4")
    watched.wait_for_url("**queue=approved**")
    watched.keyboard.press("u")
    watched.wait_for_selector(f"#c{ids[0]}", state="detached")
    assert server.comment(ids[0]).status == "pending"
    assert server.comment(ids[1]).status == "trash"
    clean(watched)


def test_author_history_count_matches_its_list_for_every_kind_of_author(server, watched):
    authors = [
        {"author": "Named", "author_email": "named@example.org"},
        {"author": "", "author_email": "", "user_ip": "198.51.100.5"},
        {"author": "", "author_email": ""},
        {"author": "Same", "author_email": "SAME@example.org", "user_ip": "1.1.1.1"},
    ]
    for fields in authors:
        for n in range(3):
            server.add(f"{UNSURE} by {fields['author'] or 'nobody'} {n}", **fields)
    server.add(f"{UNSURE} same address other name", author="Other", author_email="same@example.org")
    log_in(watched, server, path="/review/?queue=pending")
    watched.select_option("#per-page", "50")
    for card in watched.locator("article.card").all():
        summary = card.locator("details.history summary")
        others = int(re.search(r"(\d+) other", summary.text_content()).group(1))
        summary.click()
        card.locator(".history-list").wait_for()
        listed = card.locator(".history-list li").count()
        stated = int(
            re.search(r"(\d+) other", card.locator(".history-list p").text_content()).group(1)
        )
        assert others == stated == listed, card.get_attribute("id")
    clean(watched)


def test_payloads_stay_inert_in_the_new_parts(server, watched):
    parent = server.add(f"{PAYLOADS[0]} spam=0.6", author=PAYLOADS[1], external_id="p1")
    for n, payload in enumerate(PAYLOADS):
        server.add(
            f"{payload} spam=0.6 #{n}",
            author=payload,
            author_email=payload,
            author_url=payload,
            user_ip=payload[:60],
            post_id=payload,
            parent_id="p1",
        )
    log_in(watched, server, path=f"/review/?queue=pending&per_page=100&ip={PAYLOADS[0][:60]}")
    watched.goto(server.url + "/review/?queue=pending&per_page=100")
    watched.select_option("#layout", "list")
    watched.wait_for_selector(".cards.list")
    for card in watched.locator("article.card").all()[:5]:
        card.locator("button.expand").click()
        card.locator("details.explain summary").click()
        card.locator("details.edit summary").click()
    assert watched.locator(f"article:not(#c{parent}) .parent").count() == len(PAYLOADS)
    assert PAYLOADS[0] in watched.locator(f"article:not(#c{parent}) .parent").first.text_content()
    watched.locator("a.filter").first.click()
    watched.goto(server.url + "/review/activity")
    assert watched.evaluate("typeof window.__pwned") == "undefined"
    assert watched.evaluate("document.querySelectorAll('script').length") == 1
    assert watched.dialogs == []
    clean(watched)


VIEWS = [
    "/review/?queue=all",
    "/review/?queue=needs_reply",
    "/review/?queue=pending",
    "/review/?queue=approved",
    "/review/?queue=spam",
    "/review/?queue=trash",
    "/review/?queue=all&ip=203.0.113.9",
    "/review/?queue=all&q=shop",
    "/review/activity",
]


def test_every_view_loads_without_a_console_error_or_csp_violation(server, watched):
    server.add(f"{UNSURE} reply", parent_id="wp-1", user_ip="203.0.113.9")
    server.add("medical question about a rash", external_id="wp-1")
    spam = server.add("Cheap pills spam=0.95")
    gone = server.add(UNSURE)
    server.add(GENUINE)
    log_in(watched, server)
    with server.app.app_context():
        db = get_session()
        record = server.comment_record(gone)
        storage.moderate(db, [record], "trash", actor="mo")
    for layout in ("cards", "list"):
        watched.goto(server.url + "/review/?queue=all")
        if watched.input_value("#layout") != layout:
            with watched.expect_navigation():
                watched.select_option("#layout", layout)
        for path in VIEWS:
            watched.goto(server.url + path)
            watched.wait_for_load_state("networkidle")
    for path in (f"/review/comments/{spam}", f"/review/comments/{spam}/history"):
        watched.goto(server.url + path)
    watched.goto(server.url + "/review/?queue=all")
    watched.keyboard.press("x")
    watched.keyboard.press("c")
    watched.wait_for_url("**/check-again")
    clean(watched)


SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("layout", ["cards", "list"])
def test_screenshots_at_phone_and_desktop_width(server, browser, size, layout):
    server.add("medical question, urgent: chest pain since this morning", author="Quinn")
    server.add(
        "Is it safe to take ibuprofen with my medical condition?",
        author="Pat",
        external_id="wp-7",
        post_id="knees",
        post_title="Knees",
    )
    server.add(
        f"{UNSURE} thanks!",
        author="Rae",
        parent_id="wp-7",
        user_ip="203.0.113.4",
        author_url="https://shop.example/" + "x" * 60,
    )
    for n in range(12):
        server.add(
            f"{UNSURE} {n}: buy cheap watches at our shop today",
            author=f"Seller {n}",
            user_ip="198.51.100.23",
        )
    context = browser.new_context(viewport=SIZES[size], is_mobile=size == "phone")
    page = context.new_page()
    log_in(page, server, path="/review/?queue=all")
    if layout == "list":
        with page.expect_navigation():
            page.select_option("#layout", layout)
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1] <= SIZES[size]["width"]
    # Focus is visible: the focused card carries the focus ring.
    page.keyboard.press("j")
    ring = page.evaluate(
        "getComputedStyle(document.querySelector('article.card.current')).boxShadow"
    )
    assert ring and ring != "none"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"review-{layout}-{size}.png"), full_page=False)
    context.close()
