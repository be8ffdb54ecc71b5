"""The Models page's plots in a real headless Chromium: drawn under the CSP, no script or
console error, nothing wider than a phone, and screenshots kept for review (see SCREENSHOTS)."""

from __future__ import annotations

import numpy as np
import pytest

from moderator import storage
from moderator.db import get_session
from moderator.learning import gate
from tests.browser.conftest import CHROMIUM, PASSWORD, log_in
from tests.browser.test_review_workflow import SCREENSHOTS, SIZES, WATCH_CSP
from tests.web.test_models_page import add_version

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]

THRESHOLDS = {"unsure": 0.5, "spam": 0.9, "discard": 0.99}


def scored(rng, n: int, spam_share: float, separation: float):
    """Return labels and P(spam) scores of `n` comments a model separates by `separation`."""
    labels = rng.random(n) < spam_share
    log_odds = rng.normal(np.where(labels, separation, -separation), 1.5)
    return labels.tolist(), (1 / (1 + np.exp(-log_odds))).tolist()


def judged_figures() -> dict:
    """The gate's figures for a candidate that separates better than the active model."""
    rng = np.random.default_rng(3)
    sets = {}
    for name, n in (("newest labels", 60), ("evaluation set", 600)):
        labels, candidate = scored(rng, n, 0.4, 2.5)
        active = np.clip(np.array(candidate) + rng.normal(0, 0.25, n), 0, 1).tolist()
        sets[name] = (labels, candidate, active)
    return gate.judge(sets, THRESHOLDS["spam"], gate.Tolerance()).figures


@pytest.fixture
def admin_page(server, browser, request):
    """An admin logged in on a page of the requested size that records console errors and
    CSP violations; a version with plot data and one judged before curves were kept."""
    with server.app.app_context():
        storage.create_user(get_session(), "root", PASSWORD, "admin", [])
    trained_from = {"labels": 240, "spam": 96, "genuine": 144, "sources": {"review": 240}}
    trained_from |= {"threshold": THRESHOLDS["spam"], "thresholds": THRESHOLDS}
    add_version(server.app, server.site_id, "a version before curves were kept")
    add_version(server.app, server.site_id, "judged", judged_figures(), trained_from)
    size = getattr(request, "param", "desktop")
    context = browser.new_context(viewport=SIZES[size], is_mobile=size == "phone")
    page = context.new_page()
    page.size = size
    page.failures = []
    page.on("pageerror", lambda error: page.failures.append(str(error)))
    # A failed load is caught by its response; the browser's favicon probe is not the page's.
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and not response.url.endswith("/favicon.ico")
            and page.failures.append(f"{response.status} {response.url}")
        ),
    )
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.text.startswith("Failed to load resource")
            and page.failures.append(message.text)
        ),
    )
    page.add_init_script(WATCH_CSP)
    log_in(page, server, name="root", path="/review/models/")
    yield page
    context.close()


@pytest.mark.parametrize("admin_page", list(SIZES), indirect=True)
def test_the_plots_draw_under_the_csp_and_fit_the_screen(server, admin_page):
    page = admin_page
    page.goto(server.url + "/review/models/")
    # the newest version's plots are open: ROC and two histograms per set judged
    assert page.locator("details[open] svg.plot.roc").count() == 2
    assert page.locator("details[open] svg.plot.histogram").count() == 4
    for model in ("candidate", "active"):
        curve = page.locator(f"details[open] svg.plot.roc polyline.curve.{model}").first
        box = curve.bounding_box()
        assert box["width"] > 50 and box["height"] > 50  # drawn, not collapsed
    # the stylesheet reached the SVG: candidate and active differ by more than colour
    dashes = page.evaluate(
        "['candidate', 'active'].map(m => getComputedStyle("
        "document.querySelector('polyline.curve.' + m)).strokeDasharray)"
    )
    assert dashes[0] == "none" and dashes[1] != "none"
    assert page.get_by_text("No plot data").count() == 1
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1]
    assert page.failures == [] and page.evaluate("window.__csp || []") == []
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("details[open]").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"models-{page.size}.png"), full_page=False)
