"""The review page in a real headless Chromium: keyboard, reply, undo, phone width, payloads."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, log_in
from tests.web.test_security import PAYLOADS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]

UNSURE = "Nice post, visit my shop spam=0.6"
MEDICAL = "Is it safe to take ibuprofen with my medical condition?"


def count(page, queue: str) -> str:
    """Return the count a queue's tab shows."""
    return page.text_content(f'[data-count="{queue}"]').strip()


def test_login_shows_held_comments_and_their_reasons(server, page):
    server.add(UNSURE, author="Holly")
    page.goto(server.url + "/review/")
    assert "/review/login" in page.url
    page.fill("#name", "mo")
    page.fill("#password", "wrong password")
    page.click("button[type=submit]")
    assert "Wrong name or password" in page.text_content(".error")
    log_in(page, server)
    card = page.locator("article.card")
    assert card.count() == 1
    assert "Holly" in card.text_content() and "stub spam score" in card.text_content()
    assert count(page, "pending") == "1"
    assert page.errors == [] and page.dialogs == []


def test_clear_a_queue_with_the_keyboard_alone(server, page):
    ids = [server.add(f"{UNSURE} {n}") for n in range(4)]
    log_in(page, server, path="/review/?queue=pending")
    page.keyboard.press("a")  # newest first, focused on load: ids[3] approved
    expect(page.locator("article.card")).to_have_count(3)
    page.keyboard.press("s")  # ids[2] spam
    expect(page.locator("article.card")).to_have_count(2)
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("d")  # ids[1] trash
    expect(page.locator("article.card")).to_have_count(1)
    page.keyboard.press("x")
    page.keyboard.press("Shift+A")  # the selection: ids[0]
    expect(page.locator("article.card")).to_have_count(0)
    assert page.is_visible(".empty")
    assert count(page, "pending") == "0"
    statuses = [server.comment(i).status for i in ids]
    assert statuses == ["approved", "trash", "spam", "approved"]
    # Shortcuts stay quiet while typing.
    page.keyboard.press("/")
    page.keyboard.type("asdj")
    assert page.input_value("#search") == "asdj"
    page.keyboard.press("Escape")
    assert page.errors == []


def test_help_opens_with_question_mark(server, page):
    log_in(page, server)
    page.keyboard.press("?")
    assert page.is_visible("#help") and "undo the last action" in page.text_content("#help")


def test_reply_to_a_medical_question_and_see_it_leave(server, page):
    question = server.add(MEDICAL, author="Pat")
    server.add("medical: urgent, my chest hurts", author="Quinn")
    log_in(page, server)
    assert page.get_attribute('.tab[aria-current="page"]', "data-queue") == "needs_reply"
    assert count(page, "needs_reply") == "2"
    page.click(f"#c{question} summary:has-text('Reply')")
    page.fill(f"#reply-{question}", "Ibuprofen is usually fine; ask your pharmacist.")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(f"#c{question}", state="detached")
    assert count(page, "needs_reply") == "1"
    assert "Reply saved" in page.text_content("#notice")
    stored = server.comment(question)
    assert (stored.status, stored.reply_state) == ("approved", "replied")
    assert server.replies(question) == ["Ibuprofen is usually fine; ask your pharmacist."]
    page.reload()
    assert page.locator(f"#c{question}").count() == 0
    assert page.errors == []


def test_undo_a_spam_decision(server, page):
    kept = server.add(UNSURE, author="Robin")
    log_in(page, server, path="/review/?queue=pending")
    page.keyboard.press("s")
    page.wait_for_selector(f"#c{kept}", state="detached")
    assert server.comment(kept).status == "spam"
    assert count(page, "spam") == "1"
    page.keyboard.press("Shift+U")
    page.wait_for_selector(f"#c{kept}")
    expect(page.locator('[data-count="spam"]')).to_have_text("0")
    assert server.comment(kept).status == "pending"
    # The button does the same as the key.
    page.click(f"#c{kept} button:has-text('Spam')")
    page.wait_for_selector(f"#c{kept}", state="detached")
    page.click("#notice button:has-text('Undo')")
    page.wait_for_selector(f"#c{kept}")
    assert server.comment(kept).status == "pending"
    assert page.errors == []


def test_usable_at_phone_width(server, browser, tmp_path):
    for n in range(3):
        server.add(
            f"{UNSURE} {n} with a very long address http://example.com/{'x' * 120}",
            author_url="http://a-very-long-domain-name-for-a-commenter.example/" + "y" * 80,
        )
    server.add(MEDICAL)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    log_in(page, server, path="/review/?queue=pending")
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1] <= 390
    for box in page.locator("article.card").all():
        bounds = box.bounding_box()
        assert bounds["x"] >= 0 and bounds["x"] + bounds["width"] <= 390
    page.screenshot(path="/tmp/review-phone.png", full_page=False)
    # Acting works by touch too.
    page.locator("article.card button:has-text('Approve')").first.tap()
    expect(page.locator("article.card")).to_have_count(2)
    context.close()


def test_payloads_render_as_inert_text(server, page):
    for n, payload in enumerate(PAYLOADS):
        server.add(
            f"{payload} spam=0.6 #{n}",
            author=payload,
            author_email=payload,
            author_url=payload,
            post_title=payload,
            post_id=f"p{n}",
            permalink=payload,
        )
    question = server.add("medical " + PAYLOADS[0], author=PAYLOADS[1])
    log_in(page, server, path="/review/?queue=pending&sort=oldest")
    page.screenshot(path="/tmp/review-payloads.png", full_page=False)
    assert page.locator("article.card").count() == 25
    text = page.text_content("main")
    assert "<script>window.__pwned=1</script>" in text
    assert "<img src=x onerror=window.__pwned=1>" in text
    page.click("article.card details.history summary")
    page.wait_for_selector("article.card .history-list")
    page.goto(server.url + "/review/?queue=pending&page=2&sort=oldest")
    page.goto(server.url + f"/review/comments/{question}")
    page.goto(server.url + "/review/activity")
    page.goto(server.url + "/review/?queue=needs_reply")
    page.hover("article.card")
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.querySelectorAll('script').length") == 1
    assert page.dialogs == []
    assert page.errors == []


def test_desktop_layout_screenshot(server, page):
    server.add("medical question, urgent: chest pain since this morning", author="Quinn")
    server.add(MEDICAL, author="Pat", author_url="http://pat.example", post_title="Knees")
    log_in(page, server)
    page.screenshot(path="/tmp/review-desktop.png", full_page=True)
    assert page.locator("article.card.urgent").count() == 1


def test_the_urgent_banner_follows_the_poll(server, page):
    """A reader in danger writes while the page is open: the poll shows and counts the banner,
    and answering the comment from the page takes it away, all without a reload."""
    page.clock.install()  # the poll runs every 15 s: the test moves the page's clock instead
    log_in(page, server, path="/review/?queue=needs_reply")
    banner = page.locator("#urgent-banner")
    expect(banner).to_be_hidden()
    first = server.add("medical question, urgent: chest pain since this morning", author="Quinn")
    page.clock.run_for(16_000)
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("1 urgent comment from readers who may be in danger waits")
    server.add("medical urgent: half my face droops", author="Rowan")
    page.clock.run_for(16_000)
    expect(banner).to_contain_text("2 urgent comments from readers who may be in danger wait")
    page.reload()
    expect(banner).to_contain_text("2 urgent comments")
    page.click(f"#c{first} summary:has-text('Reply')")
    page.fill(f"#reply-{first}", "Please call 999 now; I will answer here too.")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(f"#c{first}", state="detached")
    expect(banner).to_contain_text("1 urgent comment from readers who may be in danger waits")
    assert server.comment(first).reply_state == "replied"
    assert page.errors == []
